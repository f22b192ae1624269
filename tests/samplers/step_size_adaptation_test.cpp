// Dual-averaging step-size adaptation: on a problem whose acceptance is a
// known, deterministic function of h it converges to the step size of the
// target acceptance from either side; its state round-trips exactly (so a
// checkpointed warm-up continues bit for bit); bad options and bad saved
// states are refused. Its use in a run: metropolis_sampler_test.cpp.
#include <cola/error.hpp>
#include <cola/samplers/step_size_adaptation.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace cola;
using namespace cola::samplers;
using Catch::Matchers::Contains;

namespace {

// Acceptance exp(-h^2 / 4): 0.8 at h* = sqrt(4 ln(1 / 0.8)) = 0.944683...
double acceptance(double h) {
  return std::exp(-h * h / 4);
}

StepSizeAdaptationOptions target(double delta) {
  StepSizeAdaptationOptions o;
  o.enabled = true;
  o.target_acceptance = delta;
  return o;
}

}  // namespace

TEST_CASE("step size adaptation: converges to the step of the target acceptance",
          "[samplers][adaptation]") {
  const double h_star = std::sqrt(4 * std::log(1 / 0.8));
  for (const double h0 : {0.01, 10.0}) {
    INFO("h0 = " << h0);
    StepSizeAdaptation a(h0, target(0.8));
    CHECK(a.step_size() == Approx(h0).epsilon(1e-15));
    CHECK(a.averaged_step_size() == Approx(h0).epsilon(1e-15));
    for (int m = 0; m < 2000; ++m) a.update(acceptance(a.step_size()));
    CHECK(a.iterations() == 2000);
    // Measured: the average's relative error is -0.38% (from 0.01) and +0.78%
    // (from 10) after 2000 updates, -0.17% and +0.34% after 10000: it shrinks
    // like m^-1/2 (the early iterates keep a weight that decays slowly).
    const double early = std::abs(a.averaged_step_size() / h_star - 1);
    CHECK(early < 0.01);
    CHECK(acceptance(a.averaged_step_size()) == Approx(0.8).margin(0.003));
    for (int m = 2000; m < 10000; ++m) a.update(acceptance(a.step_size()));
    const double late = std::abs(a.averaged_step_size() / h_star - 1);
    CHECK(late < 0.004);
    CHECK(late < early / 2);
  }
  // A lower target gives a larger step.
  StepSizeAdaptation low(1.0, target(0.65));
  for (int m = 0; m < 2000; ++m) low.update(acceptance(low.step_size()));
  // Measured: +0.22% after 2000 updates from h0 = 1.
  CHECK(low.averaged_step_size() == Approx(std::sqrt(4 * std::log(1 / 0.65))).epsilon(0.005));
}

TEST_CASE("step size adaptation: a NaN acceptance counts as a rejection",
          "[samplers][adaptation]") {
  StepSizeAdaptation a(1.0, target(0.8)), b(1.0, target(0.8));
  a.update(std::numeric_limits<double>::quiet_NaN());
  b.update(0.0);
  CHECK(a.state() == b.state());
  CHECK(a.step_size() < 10.0);  // pulled below mu = log(10 h0) by the rejection
}

TEST_CASE("step size adaptation: the state round-trips exactly", "[samplers][adaptation]") {
  StepSizeAdaptation a(0.3, target(0.8));
  for (int m = 0; m < 37; ++m) a.update(acceptance(a.step_size()) * 0.9);
  StepSizeAdaptation b(0.3, target(0.8));
  b.restore(a.state());
  for (int m = 0; m < 50; ++m) {
    a.update(acceptance(a.step_size()));
    b.update(acceptance(b.step_size()));
  }
  CHECK(a.state() == b.state());
  CHECK(a.averaged_step_size() == b.averaged_step_size());
  CHECK(StepSizeAdaptation::state_names().size() == a.state().size());
}

TEST_CASE("step size adaptation: bad options and saved states are refused",
          "[samplers][adaptation][errors]") {
  CHECK_THROWS_WITH(StepSizeAdaptation(0.0, target(0.8)), Contains("step_size"));
  CHECK_THROWS_WITH(StepSizeAdaptation(std::numeric_limits<double>::infinity(), target(0.8)),
                    Contains("step_size"));
  for (const double delta : {0.0, 1.0, -0.5, std::numeric_limits<double>::quiet_NaN()})
    CHECK_THROWS_WITH(StepSizeAdaptation(1.0, target(delta)), Contains("target_acceptance"));
  StepSizeAdaptationOptions o = target(0.8);
  o.decay = 0.5;
  CHECK_THROWS_WITH(StepSizeAdaptation(1.0, o), Contains("decay"));
  o = target(0.8);
  o.shrinkage = 0;
  CHECK_THROWS_WITH(StepSizeAdaptation(1.0, o), Contains("shrinkage"));
  o = target(0.8);
  o.iteration_offset = -1;
  CHECK_THROWS_WITH(StepSizeAdaptation(1.0, o), Contains("iteration_offset"));

  StepSizeAdaptation a(1.0, target(0.8));
  CHECK_THROWS_AS(a.restore({1.0, 0.0, 0.0}), ConfigError);
  CHECK_THROWS_AS(a.restore({1.5, 0.0, 0.0, 0.0}), ConfigError);
  CHECK_THROWS_AS(a.restore({1.0, std::numeric_limits<double>::quiet_NaN(), 0.0, 0.0}),
                  ConfigError);
}
