#include "config_text.hpp"

#include <cola/apps/presets.hpp>
#include <cola/error.hpp>

#include <string>

namespace cola::apps {

namespace {

// Sized from the measured step rate of this target (about 2.6 M steps/s per
// thread through the run driver, 4.2 M/s for 4 chains on 2 threads): 4 x 4.4 M
// steps take about 4 s of sampling on 2 cores. Draws are nearly independent
// at thin = 20 (integrated autocorrelation time of q_3 about 5-8 steps), so
// the Monte Carlo error of E[q_3] is about 5e-4, ten times smaller than the
// BAOAB bias the demo shows; the file holds 4 x 200k draws (~20 MB) and
// 4 x 40k statistics rows.
constexpr std::string_view kDemo = R"toml(# The demo: von Mises-Fisher on the sphere S^2.
# V(q) = -kappa q_3 restricted to |q| = 1 is the density exp(kappa q_3) on the
# sphere; the exact mean is E[q_3] = coth(kappa) - 1/kappa = 0.5373 for kappa = 2.
# CoLA-ud (BAOAB with SHAKE/RATTLE) at h = 0.2 keeps |q| = 1 to rounding error.
# BAOAB is biased by O(h^2): here E[q_3] comes out about 0.004 low, ten times the
# Monte Carlo error of this run, so the bias shows against the exact value.
# Try: --set sampler.step_size=0.1 (a quarter of the bias), or
#      --set sampler.type=cola-od --set sampler.step_size=0.02 (overdamped, O(h)).

[model]
type = "von_mises_fisher"
block = "x"
shape = [3]
kappa = 2.0
direction = [0.0, 0.0, 1.0]

[[constraints]]
type = "fixed_norm"
blocks = "x"
radius = 1.0

[sampler]
type = "cola-ud"
step_size = 0.2
# friction = 1.0 and temperature = 1.0 are the defaults.

[run]
chains = 4
steps = 4000000
warmup = 400000
thin = 20
stats_thin = 100
checkpoint_every = 1000000

[output]
path = "cola-demo.h5"
)toml";

constexpr std::string_view kCircleGaussian =
    R"toml(# A Gaussian N(0.5, 1) in each of 4 coordinates, restricted to |x_i| <= 1 by the
# circle constraint of c-CoLA: every x_i gets a slack xi_i (block "x.slack",
# created by the constraint and recorded too) with x_i^2 + xi_i^2 = 1, and each
# pair (x_i, xi_i) moves on its circle (the drift is an exact rotation).
# The law is taken with the surface measure of the circles, so the marginal of
# x_i on [-1, 1] is exp(-(x - 0.5)^2 / 2) / sqrt(1 - x^2): mass piles up near +-1.

[model]
type = "gaussian"
shape = [4]
mean = 0.5
variance = 1.0

[[constraints]]
type = "circle"
blocks = "x"
radius = 1.0
drift = "rotation"

[sampler]
type = "cola-ud"
step_size = 0.1

[run]
chains = 4
steps = 100000
warmup = 10000
thin = 10

[output]
path = "cola-circle-gaussian.h5"
)toml";

constexpr std::string_view kStiefelGaussian =
    R"toml(# A Gaussian on a 5x3 matrix W restricted to the Stiefel manifold W^T W = I
# (orthonormal columns) by the orthogonality constraint of o-CoLA. On the
# manifold |W|^2 = 3 is constant, so V = |W - M|^2 / (2 variance) is
# const - tr(M^T W) / variance: the matrix von Mises-Fisher law, concentrated
# near the polar factor of M (here M = the first three columns of I_5).
# The SHAKE step is the o-CoLA iteration W <- W - 1/2 W_old (W^T W - I).

[model]
type = "gaussian"
block = "W"
shape = [5, 3]
# M, column-major: one column of 5 per line.
mean = [1.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 1.0, 0.0, 0.0, 0.0,
        0.0, 0.0, 1.0, 0.0, 0.0]
variance = 0.5

[[constraints]]
type = "orthogonality"
blocks = "W"

[sampler]
type = "cola-ud"
step_size = 0.1

[run]
chains = 4
steps = 50000
warmup = 5000
thin = 10

[output]
path = "cola-stiefel-gaussian.h5"
)toml";

constexpr std::string_view kDoubleWellSgld =
    R"toml(# Overdamped Langevin (SGLD with exact gradients) on a double well in two
# coordinates, V = 2 sum_i (q_i^2 - 1)^2: at tau = 1 the barrier of height 2
# between q_i = -1 and +1 makes hops rare but visible in the traces. E[q_i] = 0
# by symmetry; the estimate and its error bar show how well the chains mixed.

[model]
type = "double_well"
shape = [2]
barrier = 2.0

[sampler]
type = "sgld"
step_size = 0.01
temperature = 1.0

[run]
chains = 4
steps = 200000
warmup = 20000
thin = 10

[output]
path = "cola-double-well.h5"
)toml";

constexpr std::string_view kHarmonicBaoab =
    R"toml(# BAOAB on a harmonic target with stiffnesses k = 1, 4, 16 at h = 0.4 (stable
# for h < 2 / sqrt(16) = 0.5). Its configurational law is exact for every
# stable h (Leimkuhler-Matthews): E[x_i^2] = tau / k_i = 1, 0.25, 0.0625 up to
# Monte Carlo error, although h is large; the momenta are biased instead.
# Compare: --set sampler.splitting=ABOBA (biased positions, exact momenta).

[model]
type = "harmonic"
shape = [3]
stiffness = [1.0, 4.0, 16.0]

[sampler]
type = "cola-ud"
step_size = 0.4
splitting = "BAOAB"

[run]
chains = 4
steps = 200000
warmup = 20000
thin = 10

[output]
path = "cola-harmonic.h5"
)toml";

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"demo", "von Mises-Fisher on the sphere S^2 with CoLA-ud (BAOAB), exact mean to compare",
       kDemo},
      {"circle-gaussian", "Gaussian restricted to |x_i| <= 1 by circles with slack (c-CoLA)",
       kCircleGaussian},
      {"stiefel-gaussian", "Gaussian on a 5x3 matrix with orthonormal columns (o-CoLA)",
       kStiefelGaussian},
      {"double-well-sgld", "SGLD on a two-dimensional double well: rare hops over the barrier",
       kDoubleWellSgld},
      {"harmonic-baoab", "BAOAB on a harmonic target: exact positions at a large step size",
       kHarmonicBaoab},
  };
  return all;
}

const Preset& find_preset(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& p : presets()) {
    if (p.name == name) return p;
    names.emplace_back(p.name);
  }
  const std::string near = detail::closest(name, names);
  throw ConfigError(
      "unknown preset " + detail::quote(name) +
      (near.empty() ? "; valid: " : "; did you mean " + detail::quote(near) + "? Valid: ") +
      detail::join(names, true));
}

}  // namespace cola::apps
