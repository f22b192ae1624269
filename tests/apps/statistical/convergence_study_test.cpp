// The fitted order of `cola convergence` (convergence_study) on the sphere:
// von Mises-Fisher, kappa = 2, on S^2, observable E[q_3] whose exact value is
// coth(2) - 1/2 = 0.537315 (the sphere-vmf preset). The expected weak errors
// are those measured with 10^5 independent chains in
// ../shared/reference/integrator-facts.md §2-3:
//   CoLA-od:    h = 0.025: -2.31e-2 +- 1.1e-4, h = 0.0125: -1.06e-2 +- 1.1e-4
//               (order 1; over larger h the slope is about 0.4, so only these)
//   BAOAB:      h = 0.4: -1.52e-2 +- 1.1e-4, h = 0.2: -3.60e-3 +- 8.5e-5 (order 2)
// Each point must agree with its reference bias within 5 combined standard
// errors, and the fitted order must be within 5 of its standard errors of the
// scheme's order and more than 5 away from the other one (so the test tells
// order 1 from order 2). Fixed seed; failure policy "reject" (the failure
// rates at these h, 6e-5 and 3e-6, do not move the bias measurably).
#include <cola/apps/convergence.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace cola::apps;

namespace {

struct Expected {
  double h, bias, se;
};

ConvergenceStudy study(const std::string& sampler, std::vector<double> step_sizes, double time) {
  ConfigSource source;
  source.preset = "sphere-vmf";
  source.sets = {"sampler.type=\"" + sampler + "\"", "sampler.failure_policy=\"reject\"",
                 "run.thin=5", "run.seed=20261206"};
  ConvergenceSettings s;
  s.step_sizes = std::move(step_sizes);
  s.observable = "E[direction.x]";
  s.time = time;
  s.warmup_time = 10;
  s.quiet = true;
  return convergence_study(load_config(source), s);
}

void check(const ConvergenceStudy& st, const std::vector<Expected>& expected, double order,
           double other_order) {
  CHECK(st.reference == Approx(1 / std::tanh(2.0) - 0.5).epsilon(1e-14));
  REQUIRE(st.points.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const ConvergencePoint& p = st.points[i];
    const Expected& e = expected[i];
    INFO("h = " << p.step_size << ": error " << p.error << " +- " << p.mcse << ", reference "
                << e.bias << " +- " << e.se);
    CHECK(std::abs(p.error - e.bias) < 5 * std::hypot(p.mcse, e.se));
  }
  INFO("fitted order " << st.fit.order << " +- " << st.fit.order_se << " from " << st.fit.points
                       << " points");
  REQUIRE(st.fit.points == expected.size());
  CHECK(st.fit.order_se < 0.15);
  CHECK(std::abs(st.fit.order - order) < 5 * st.fit.order_se);
  CHECK(std::abs(st.fit.order - other_order) > 5 * st.fit.order_se);
}

}  // namespace

TEST_CASE("convergence: CoLA-od on the sphere has weak order 1", "[apps][statistical]") {
  // ceil(T / h) steps per chain, 4 chains: 6.4 M and 12.8 M.
  const ConvergenceStudy st = study("cola-od", {0.025, 0.0125}, 160000);
  check(st, {{0.025, -2.31e-2, 1.1e-4}, {0.0125, -1.06e-2, 1.1e-4}}, 1.0, 2.0);
}

TEST_CASE("convergence: CoLA-ud (BAOAB) on the sphere has weak order 2", "[apps][statistical]") {
  // 3 M and 6 M steps per chain, 4 chains.
  const ConvergenceStudy st = study("cola-ud", {0.4, 0.2}, 1200000);
  check(st, {{0.4, -1.52e-2, 1.1e-4}, {0.2, -3.60e-3, 8.5e-5}}, 2.0, 1.0);
}

TEST_CASE("convergence: bad settings are refused before anything runs", "[apps]") {
  ConfigSource source;
  source.preset = "sphere-vmf";
  const toml::table base = load_config(source);
  ConvergenceSettings s;
  s.observable = "E[direction.x]";
  s.step_sizes = {0.2};
  CHECK_THROWS_WITH(convergence_study(base, s), Catch::Contains("at least two step sizes"));
  s.step_sizes = {0.2, 0.0};
  CHECK_THROWS_WITH(convergence_study(base, s), Catch::Contains("0 is not a positive step size"));
  s.step_sizes = {0.2, 0.1};
  s.time = -1.0;
  CHECK_THROWS_WITH(convergence_study(base, s), Catch::Contains("--time"));
  s.time.reset();
  s.observable = "E[x[7]]";  // x has 3 coordinates
  CHECK_THROWS_WITH(convergence_study(base, s), Catch::Contains("--observable E[x[7]]"));
}
