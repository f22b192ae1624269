// Exact marginal densities: which coordinates get one, their tabulation
// against closed forms, and the observables of `cola convergence`.
#include <cola/apps/config.hpp>
#include <cola/apps/exact_marginals.hpp>
#include <cola/apps/experiment.hpp>
#include <cola/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace cola;
using namespace cola::apps;
using Catch::Matchers::Contains;

namespace {

const std::string kSphere =
    "[model]\ntype = \"von_mises_fisher\"\nshape = [3]\nkappa = 2\n"
    "[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\n";

}  // namespace

TEST_CASE("exact marginals: the sphere's axis coordinate, exp(kappa t) kappa / (2 sinh kappa)",
          "[apps][marginals]") {
  const Experiment e(resolve_text(kSphere));
  // direction defaults to e_3: only x[2] has a closed-form marginal.
  REQUIRE(e.exact_marginals().size() == 1);
  const ExactMarginal& m = e.exact_marginals()[0];
  CHECK(m.name == "x[2]");
  CHECK(m.lo == -1.0);
  CHECK(m.hi == 1.0);
  const TabulatedDensity t = tabulate(m, 401);
  REQUIRE(t.grid.size() == 401);
  CHECK(t.grid.front() == -1.0);
  CHECK(t.grid.back() == 1.0);
  // Trapezoidal normalisation, step 0.005: relative error ~ step^2 kappa^2 / 12.
  for (std::size_t i = 0; i < t.grid.size(); i += 50) {
    const double exact = 2 * std::exp(2 * t.grid[i]) / (2 * std::sinh(2.0));
    CHECK(t.density[i] == Approx(exact).epsilon(1e-5));
  }
  // On S^4 (d = 5): (1 - t^2) exp(kappa t), zero at the ends.
  const Experiment s4(
      resolve_text("[model]\ntype = \"von_mises_fisher\"\nshape = [5]\nkappa = 1\n"
                   "direction = [0, -1, 0, 0, 0]\n"
                   "[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\n"));
  REQUIRE(s4.exact_marginals().size() == 1);
  CHECK(s4.exact_marginals()[0].name == "x[1]");
  const TabulatedDensity t4 = tabulate(s4.exact_marginals()[0], 401);
  CHECK(t4.density.front() == 0.0);
  CHECK(t4.density.back() == 0.0);
  // Normaliser of (1 - t^2) exp(-t) on [-1, 1]: 4 / e (closed form).
  const double at0 = 1.0 / (4 / std::exp(1.0));
  CHECK(t4.density[200] == Approx(at0).epsilon(1e-5));
}

TEST_CASE("exact marginals: Gaussian and harmonic coordinates, none where unknown",
          "[apps][marginals]") {
  const Experiment g(resolve_text(
      "[model]\ntype = \"gaussian\"\nshape = [2]\nmean = [1, -2]\nvariance = [0.5, 3]\n"
      "[sampler]\ntemperature = 2\n"));
  REQUIRE(g.exact_marginals().size() == 2);
  const TabulatedDensity t = tabulate(g.exact_marginals()[1], 401);
  // N(-2, 2 * 3) at its mean: 1 / sqrt(2 pi 6); +-5 sd holds all but 6e-7.
  CHECK(t.density[200] == Approx(1 / std::sqrt(2 * M_PI * 6)).epsilon(1e-5));
  CHECK(t.grid[200] == Approx(-2.0).margin(1e-12));

  const Experiment h(resolve_text("[model]\ntype = \"harmonic\"\nshape = [2]\nstiffness = 4\n"));
  REQUIRE(h.exact_marginals().size() == 2);
  CHECK(tabulate(h.exact_marginals()[0]).density[200] ==
        Approx(1 / std::sqrt(2 * M_PI * 0.25)).epsilon(1e-5));

  // A sphere's coordinates off the direction; a circle; tau = 0: none.
  CHECK(Experiment(resolve_text("[model]\ntype = \"von_mises_fisher\"\nshape = [3]\n"
                                "direction = [1, 1, 0]\n[[constraints]]\ntype = \"fixed_norm\"\n"
                                "blocks = \"x\"\n"))
            .exact_marginals()
            .empty());
  CHECK(Experiment(resolve_text("[model]\ntype = \"gaussian\"\nshape = [3]\n[[constraints]]\n"
                                "type = \"circle\"\nblocks = \"x\"\n"))
            .exact_marginals()
            .empty());
  CHECK(
      Experiment(resolve_text(kSphere + "[sampler]\ntemperature = 0\n")).exact_marginals().empty());
}

TEST_CASE("exact marginals: tabulation refuses too few points and empty intervals",
          "[apps][marginals][errors]") {
  ExactMarginal m{"x[0]", 0.0, 1.0, [](double) { return 0.0; }, ""};
  CHECK_THROWS_WITH(tabulate(m, 2), Contains("at least 3 points"));
  m.hi = 0.0;
  CHECK_THROWS_WITH(tabulate(m, 10), Contains("empty interval for x[0]"));
}

TEST_CASE("observables: references by name, coordinates and their squares, errors",
          "[apps][marginals]") {
  const Experiment e(resolve_text(kSphere));
  const Reference mean = e.observable("E[direction.x]");
  CHECK(mean.exact == Approx(1 / std::tanh(2.0) - 0.5).epsilon(1e-14));
  Vector q(3);
  q << 0.6, 0.0, 0.8;
  CHECK(mean.f(q) == Approx(0.8));
  const Reference x0 = e.observable("E[x[0]]");
  CHECK(std::isnan(x0.exact));
  CHECK(x0.f(q) == 0.6);
  CHECK(e.observable("E[x[0]^2]").f(q) == Approx(0.36));
  CHECK_THROWS_AS(e.observable("E[x[3]]"), ConfigError);
  CHECK_THROWS_WITH(e.observable("x[0]"),
                    Contains("--observable x[0]: not an observable of this experiment; valid: "
                             "E[direction.x], E[(direction.x)^2], or E[<coordinate>]"));
}
