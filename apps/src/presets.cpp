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
constexpr std::string_view kSphereVmf = R"toml(# von Mises-Fisher on the sphere S^2.
# V(q) = -kappa q_3 restricted to |q| = 1 is the density exp(kappa q_3) on the
# sphere; the exact mean is E[q_3] = coth(kappa) - 1/kappa = 0.5373 for kappa = 2.
# CoLA-ud (BAOAB with SHAKE/RATTLE) at h = 0.2 keeps |q| = 1 to rounding error.
# BAOAB is biased by O(h^2): here E[q_3] comes out about 0.004 low, ten times the
# Monte Carlo error of this run, so the bias shows against the exact value.
# (This was the demo before the network demo; the command-line tests use it.)
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
path = "cola-sphere-vmf.h5"
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

// The demo (what scripts/quickstart.sh runs): a Bayesian network in under a
// minute on 2 cores. Full-batch posterior gradients on 200 points through a
// 2-32-32-2 network (about 1.2 k parameters) cost ~0.1 ms, so 4 chains x 24 k
// steps take ~10 s of sampling; the hidden-to-hidden matrix stays exactly
// orthogonal (W^T W = I), and the posterior predictive over the 4 x 400 draws
// is printed with its accuracy, entropy and calibration.
constexpr std::string_view kDemo =
    R"toml(# The demo: Bayesian neural network on the two-arm spiral, sampled with CoLA-ud.
# A 2-32-32-2 ReLU network; its square hidden-to-hidden matrix layer1.weight is
# held orthogonal (W^T W = I, o-CoLA) while CoLA-ud at temperature tau = 1 samples
# the posterior exp(-V), V = sum of the cross-entropy over the 200 training points
# + Gaussian prior (sd 1). Four chains; after the run, the posterior predictive on
# 500 held-out points (mean class probabilities over every retained draw) gives
# accuracy, negative log-likelihood, predictive entropy and calibration error.
# Try: --set sampler.temperature=0 (an optimiser: one network, no uncertainty).

[model]
type = "mlp"
hidden = [32, 32]
activation = "relu"
init = "pytorch"
init_orthogonal = "layer1.weight"
likelihood = "softmax"
prior = "gaussian"
prior_sd = 1.0
scaling = "posterior"
precision = "float64"

[data]
type = "spiral"
arms = 2
points = 100
test_points = 250
noise = 0.2
seed = 1
evaluate_every = 1000

[[constraints]]
type = "orthogonality"
blocks = "layer*.weight"
square_only = true

[sampler]
type = "cola-ud"
step_size = 0.02
friction = 5.0
temperature = 1.0

[run]
chains = 4
steps = 20000
warmup = 4000
thin = 50
stats_thin = 10
checkpoint_every = 5000

[output]
path = "cola-demo.h5"
)toml";

// The CoLA paper's Fashion-MNIST experiment (Leimkuhler, Pouchon, Vlaar,
// Storkey): a 784-1000-10 ReLU network on 10,000 training images. One epoch
// is 79 steps (the last batch has 16 images); the evaluation of both sets
// after every epoch costs about a third of an epoch.
constexpr std::string_view kFmnistCcolaUd =
    R"toml(# c-CoLA-ud training on Fashion-MNIST (the CoLA paper's experiment).
# 784-1000-10 ReLU network, the first 10,000 training images after a seeded
# shuffle, batch 128, tested on the 10,000 official test images. Every weight of
# layer 0 is held in [-0.05, 0.05] and of layer 1 in [-0.1, 0.1] by a circle
# constraint with a slack variable (theta^2 + xi^2 = r^2, exact rotation drift);
# biases are free. CoLA-ud with h = 0.3, gamma = 1 at tau = 0 is an optimiser of
# the mean cross-entropy. Its unconstrained twin is the preset fmnist-sgdm.
# Needs Debian's dataset-fashion-mnist (the quick start installs it).

[model]
type = "mlp"
hidden = [1000]
activation = "relu"
init = "pytorch"
likelihood = "softmax"
prior = "none"
scaling = "mean"
precision = "float32"

[data]
type = "fashion_mnist"
train_size = 10000
seed = 0
batch_size = 128
evaluate_train = true
predictive = false

[[constraints]]
type = "circle"
blocks = "layer*.weight"
radius = [0.05, 0.1]

[sampler]
type = "cola-ud"
step_size = 0.3
friction = 1.0
temperature = 0.0

[run]
chains = 1
epochs = 20
warmup = 0
thin = 79
checkpoint_every = 790

[output]
path = "cola-fmnist-ccola-ud.h5"
record = "layer1.*"
precision = "float32"
)toml";

constexpr std::string_view kFmnistSgdm =
    R"toml(# SGD with momentum on Fashion-MNIST: the unconstrained twin of fmnist-ccola-ud.
# Same network, data, batches and epochs; lr = h^2 = 0.09 and momentum
# mu = exp(-gamma h) = exp(-0.3), PyTorch's update buf = mu buf + grad, w -= lr buf.

[model]
type = "mlp"
hidden = [1000]
activation = "relu"
init = "pytorch"
likelihood = "softmax"
prior = "none"
scaling = "mean"
precision = "float32"

[data]
type = "fashion_mnist"
train_size = 10000
seed = 0
batch_size = 128
evaluate_train = true
predictive = false

[sampler]
type = "sgd-momentum"
learning_rate = 0.09
momentum = 0.74081822068171788

[run]
chains = 1
epochs = 20
warmup = 0
thin = 79
checkpoint_every = 790

[output]
path = "cola-fmnist-sgdm.h5"
record = "layer1.*"
precision = "float32"
)toml";

constexpr std::string_view kFmnistBayesCcolaUd =
    R"toml(# Bayesian c-CoLA-ud on Fashion-MNIST: posterior draws of the 784-1000-10
# network with every weight in [-r, r] (r = 0.05 layer 0, 0.1 layer 1).
# V = (N/B) sum of the batch cross-entropy + Gaussian prior (sd 1): the
# -log posterior, estimated from batches of 128; CoLA-ud at tau = 1. The step
# is the training step h = 0.3 rescaled by 1/sqrt(N) (V is N times the mean
# loss), and the friction by sqrt(N), so the dynamics in the training's time
# units are the same. After a warm-up of 10 epochs, one draw per epoch; the
# posterior predictive over all draws gives accuracy, NLL, entropy and ECE.

[model]
type = "mlp"
hidden = [1000]
activation = "relu"
init = "pytorch"
likelihood = "softmax"
prior = "gaussian"
prior_sd = 1.0
scaling = "posterior"
precision = "float32"

[data]
type = "fashion_mnist"
train_size = 10000
seed = 0
batch_size = 128
evaluate_train = false
predictive = true

[[constraints]]
type = "circle"
blocks = "layer*.weight"
radius = [0.05, 0.1]

[sampler]
type = "cola-ud"
step_size = 0.003
friction = 100.0
temperature = 1.0

[run]
chains = 2
epochs = 10
warmup = 790
thin = 79
checkpoint_every = 790

[output]
path = "cola-fmnist-bayes.h5"
record = ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]
precision = "float32"
)toml";

// The CoLA paper's depth study on spiral data: 500 training and 1000 test
// points, 100-unit ReLU layers, 5 % subsampling (batches of 25, 20 per
// epoch), h = 0.1. Change the depth with --set model.hidden=[100,100,...].
constexpr std::string_view kSpiralOcolaOd =
    R"toml(# o-CoLA-od training on the spiral (the CoLA paper's depth study).
# MLP with four 100-unit ReLU hidden layers; every square hidden-to-hidden matrix
# is held orthogonal (W^T W = I) whatever the depth (square_only). CoLA-od at
# tau = 0 with h = 0.1 is projected gradient descent on 5 % minibatches.
# Its unconstrained twin is spiral-sgd. Deeper: --set model.hidden=[100,100,100,100,100,100,100,100]

[model]
type = "mlp"
hidden = [100, 100, 100, 100]
activation = "relu"
init = "pytorch"
likelihood = "softmax"
prior = "none"
scaling = "mean"
precision = "float64"

[data]
type = "spiral"
arms = 2
points = 250
test_points = 500
noise = 0.2
seed = 0
batch_fraction = 0.05

[[constraints]]
type = "orthogonality"
blocks = "layer*.weight"
square_only = true

[sampler]
type = "cola-od"
step_size = 0.1
temperature = 0.0

[run]
chains = 1
epochs = 500
warmup = 0
thin = 200
stats_thin = 20
checkpoint_every = 2000

[output]
path = "cola-spiral-ocola-od.h5"
record = "layer0.*"
)toml";

constexpr std::string_view kSpiralSgd =
    R"toml(# SGD on the spiral: the unconstrained twin of spiral-ocola-od (same network,
# data, minibatches and epochs; learning rate 0.1, PyTorch's default init).

[model]
type = "mlp"
hidden = [100, 100, 100, 100]
activation = "relu"
init = "pytorch"
likelihood = "softmax"
prior = "none"
scaling = "mean"
precision = "float64"

[data]
type = "spiral"
arms = 2
points = 250
test_points = 500
noise = 0.2
seed = 0
batch_fraction = 0.05

[sampler]
type = "sgd"
learning_rate = 0.1

[run]
chains = 1
epochs = 500
warmup = 0
thin = 200
stats_thin = 20
checkpoint_every = 2000

[output]
path = "cola-spiral-sgd.h5"
record = "layer0.*"
)toml";

constexpr std::string_view kSpiralBayesOcolaUd =
    R"toml(# Bayesian o-CoLA-ud on the spiral: posterior draws of a 2-100-100-2 ReLU
# network whose hidden-to-hidden matrix is orthogonal, CoLA-ud at tau = 1 on
# V = (N/B) sum of the batch cross-entropy (5 % minibatches) + Gaussian prior,
# then the posterior predictive on 1000 test points with its uncertainty.

[model]
type = "mlp"
hidden = [100, 100]
activation = "relu"
init = "pytorch"
init_orthogonal = "layer1.weight"
likelihood = "softmax"
prior = "gaussian"
prior_sd = 1.0
scaling = "posterior"
precision = "float64"

[data]
type = "spiral"
arms = 2
points = 250
test_points = 500
noise = 0.2
seed = 0
batch_fraction = 0.05
evaluate_every = 200

[[constraints]]
type = "orthogonality"
blocks = "layer*.weight"
square_only = true

[sampler]
type = "cola-ud"
step_size = 0.01
friction = 5.0
temperature = 1.0

[run]
chains = 4
steps = 20000
warmup = 5000
thin = 100
stats_thin = 20
checkpoint_every = 5000

[output]
path = "cola-spiral-bayes.h5"
)toml";

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"demo",
       "Bayesian MLP on spiral data, orthogonal hidden layer, CoLA-ud at tau = 1, 4 chains, "
       "posterior predictive",
       kDemo},
      {"fmnist-ccola-ud", "c-CoLA-ud training of 784-1000-10 on Fashion-MNIST (the CoLA paper)",
       kFmnistCcolaUd},
      {"fmnist-sgdm", "SGD with momentum on Fashion-MNIST: the unconstrained twin", kFmnistSgdm},
      {"fmnist-bayes-ccola-ud",
       "Bayesian c-CoLA-ud on Fashion-MNIST at tau = 1: posterior draws and predictive "
       "uncertainty",
       kFmnistBayesCcolaUd},
      {"spiral-ocola-od", "o-CoLA-od training on spiral data, orthogonal hidden-to-hidden layers",
       kSpiralOcolaOd},
      {"spiral-sgd", "SGD on spiral data: the unconstrained twin of spiral-ocola-od", kSpiralSgd},
      {"spiral-bayes-ocola-ud",
       "Bayesian o-CoLA-ud on spiral data at tau = 1: posterior predictive uncertainty",
       kSpiralBayesOcolaUd},
      {"sphere-vmf",
       "von Mises-Fisher on the sphere S^2 with CoLA-ud (BAOAB), exact mean to compare",
       kSphereVmf},
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
