// The run driver: thinning and warm-up indices, thread-count determinism,
// resume from a checkpoint bit for bit, failures and interruption.
#include "samplers/sampler_test_support.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/samplers/overdamped.hpp>
#include <cola/samplers/run_driver.hpp>
#include <cola/samplers/underdamped.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>

using namespace cola;
using namespace cola::samplers;
using cola::sampler_test::same_bits;

namespace {

// Keeps everything a run reports, per chain (chains write only their own slot).
class Collector final : public Observer {
 public:
  struct Chain {
    std::map<std::uint64_t, Vector> draws;
    std::map<std::uint64_t, std::vector<double>> stats;
    std::vector<ChainCheckpoint> checkpoints;
  };
  void on_start(const RunDescription& run) override {
    chains.assign(run.num_chains, {});
    num_stats = run.stats.size();
    started = true;
  }
  void on_draw(std::uint64_t chain, std::uint64_t draw, const Vector& q) override {
    chains[chain].draws[draw] = q;
  }
  void on_stats(std::uint64_t chain, std::uint64_t row, const double* values) override {
    chains[chain].stats[row].assign(values, values + num_stats);
  }
  void on_checkpoint(const ChainCheckpoint& c) override {
    chains[c.chain].checkpoints.push_back(c);
  }
  void on_finish(const RunEnd& e) override { end = e; }

  std::vector<Chain> chains;
  std::size_t num_stats = 0;
  bool started = false;
  RunEnd end;
};

// A circle-constrained Gaussian sampled with CoLA-ud: noise, projections and
// slack blocks all take part.
struct Problem {
  Problem() {
    layout.add_block("w", 4, 3);
    constraints.add(std::make_shared<CircleConstraint>("w", 1.0));
    constraints.bind(layout);
    potential = sampler_test::mild_gaussian(layout.size(), 11);
  }
  RunDriver::SamplerFactory factory(double h = 0.2) const {
    return [this, h](std::uint64_t chain) {
      UnderdampedOptions o = UnderdampedOptions::physical(h, 1.0, 1.0);
      o.common.seed = 99;
      o.common.chain = chain;
      return std::make_unique<Underdamped>(layout, *potential, constraints, o);
    };
  }
  std::vector<ChainCheckpoint> starts(std::uint64_t chains) const {
    std::vector<ChainCheckpoint> s(chains);
    for (std::uint64_t c = 0; c < chains; ++c) {
      s[c].chain = c;
      s[c].state.q = sampler_test::start_on_manifold(layout, constraints, 5 + c);
    }
    return s;
  }
  ParameterLayout layout;
  ConstraintSet constraints;
  std::unique_ptr<models::Gaussian> potential;
};

RunOptions options(std::uint64_t chains, int threads) {
  RunOptions o;
  o.chains = chains;
  o.threads = threads;
  o.thinning = Thinning{20, 3, 2};
  o.total_steps = 200;
  o.checkpoint_every = 50;
  return o;
}

}  // namespace

TEST_CASE("run driver: draws and statistics come from the steps the thinning names",
          "[run_driver]") {
  const Problem problem;
  Collector collector;
  RunDriver driver(problem.layout, problem.factory(), options(2, 1));
  driver.add_observer(collector);
  const RunReport report = driver.run(problem.starts(2));
  REQUIRE(report.completed);
  REQUIRE(collector.end.completed);
  REQUIRE(report.steps() == 400);

  // The same chain stepped by hand: draw k is the state after step 20 + 3(k + 1).
  const auto sampler = problem.factory()(1);
  State state = problem.starts(2)[1].state;
  std::map<std::uint64_t, Vector> expected;
  std::map<std::uint64_t, double> expected_residual;
  for (std::uint64_t s = 1; s <= 200; ++s) {
    const StepOutcome out = sampler->step(state);
    if (s > 20 && (s - 20) % 3 == 0) expected[(s - 20) / 3 - 1] = state.q;
    if (s > 20 && (s - 20) % 2 == 0) expected_residual[(s - 20) / 2 - 1] = out.projection.residual;
  }
  const auto& chain = collector.chains[1];
  REQUIRE(chain.draws.size() == 60);  // (200 - 20) / 3
  REQUIRE(chain.stats.size() == 90);  // (200 - 20) / 2
  for (const auto& [k, q] : expected) CHECK(same_bits(chain.draws.at(k), q));
  for (const auto& [k, r] : expected_residual) CHECK(chain.stats.at(k)[2] == r);
  // Kinetic energy of the momentum after the step, potential from the cache.
  for (const auto& [k, row] : chain.stats) {
    CHECK(std::isfinite(row[0]));
    CHECK(row[1] > 0);
  }
  // Checkpoints at 50, 100, 150 and the end.
  REQUIRE(chain.checkpoints.size() == 4);
  CHECK(chain.checkpoints.back().state.step == 200);
  CHECK(same_bits(chain.checkpoints.back().state.q, state.q));
  // Steps that nothing observes (here 25, 29, ...) carry their last kick into
  // the next step's sweep; every observed state, the momentum of the final
  // checkpoint included, is the completed one.
  CHECK(same_bits(chain.checkpoints.back().state.p, state.p));
  CHECK(RunDriver::from_accumulators(chain.checkpoints.back().accumulators).steps == 200);
}

TEST_CASE("run driver: the same seed gives the same bits for any thread count", "[run_driver]") {
  const Problem problem;
  std::vector<Collector> collectors(3);
  const int threads[] = {1, 2, 4};
  for (int i = 0; i < 3; ++i) {
    RunDriver driver(problem.layout, problem.factory(), options(3, threads[i]));
    driver.add_observer(collectors[static_cast<std::size_t>(i)]);
    REQUIRE(driver.run(problem.starts(3)).completed);
  }
  for (std::size_t c = 0; c < 3; ++c)
    for (int i = 1; i < 3; ++i) {
      const auto& a = collectors[0].chains[c];
      const auto& b = collectors[static_cast<std::size_t>(i)].chains[c];
      REQUIRE(a.draws.size() == b.draws.size());
      for (const auto& [k, q] : a.draws) CHECK(same_bits(q, b.draws.at(k)));
      CHECK(a.stats == b.stats);
    }
}

TEST_CASE("run driver: a run resumed from a checkpoint equals the uninterrupted run",
          "[run_driver]") {
  const Problem problem;
  Collector whole;
  {
    RunDriver driver(problem.layout, problem.factory(), options(2, 2));
    driver.add_observer(whole);
    REQUIRE(driver.run(problem.starts(2)).completed);
  }
  // Resume both chains from their checkpoint at step 100.
  std::vector<ChainCheckpoint> starts;
  for (std::size_t c = 0; c < 2; ++c) {
    const ChainCheckpoint& k = whole.chains[c].checkpoints[1];
    REQUIRE(k.state.step == 100);
    starts.push_back(k);
  }
  Collector resumed;
  RunDriver driver(problem.layout, problem.factory(), options(2, 1));
  driver.add_observer(resumed);
  const RunReport report = driver.run(starts);
  REQUIRE(report.completed);
  CHECK(report.steps() == 200);
  for (std::size_t c = 0; c < 2; ++c) {
    const auto& a = whole.chains[c];
    const auto& b = resumed.chains[c];
    // Draws after step 100: k >= (100 - 20) / 3 = 26.
    REQUIRE(b.draws.size() == a.draws.size() - 26);
    for (const auto& [k, q] : b.draws) CHECK(same_bits(q, a.draws.at(k)));
    for (const auto& [k, row] : b.stats) CHECK(row == a.stats.at(k));
    CHECK(same_bits(b.checkpoints.back().state.p, a.checkpoints.back().state.p));
    CHECK(b.checkpoints.back().accumulators == a.checkpoints.back().accumulators);
  }
}

TEST_CASE("run driver: a failing chain stops the run and keeps its last good state",
          "[run_driver]") {
  // Overdamped steps of h = 50 on a stiff Gaussian on the sphere make SHAKE
  // fail; under the `error` policy the chain stops.
  ParameterLayout layout;
  layout.add_block("x", 3);
  ConstraintSet constraints;
  constraints.add(std::make_shared<FixedNormConstraint>("x", 1.0));
  constraints.bind(layout);
  const auto potential = sampler_test::mild_gaussian(3, 4, 3.0);
  auto factory = [&](std::uint64_t chain) {
    OverdampedOptions o;
    o.step_size = 50;
    o.common.chain = chain;
    return std::make_unique<Overdamped>(layout, *potential, constraints, o);
  };
  Collector collector;
  RunOptions o = options(2, 2);
  o.thinning = Thinning{0, 1, 1};
  RunDriver driver(layout, factory, o);
  driver.add_observer(collector);
  std::vector<ChainCheckpoint> starts(2);
  for (auto& s : starts) s.state.q = Eigen::Vector3d(0, 0, 1);
  const RunReport report = driver.run(starts);
  REQUIRE_FALSE(report.completed);
  CHECK_FALSE(report.interrupted);
  CHECK(report.message.find("failed") != std::string::npos);
  CHECK(report.failure != nullptr);
  CHECK_THROWS_AS(std::rethrow_exception(report.failure), NumericalError);
  CHECK_FALSE(collector.end.completed);
  for (std::size_t c = 0; c < 2; ++c) {
    REQUIRE_FALSE(collector.chains[c].checkpoints.empty());
    const State& last = collector.chains[c].checkpoints.back().state;
    CHECK(last.step == report.chains[c].end_step);
    CHECK(constraints.residual(last.q) <= 1e-10);
  }
}

TEST_CASE("run driver: request_stop interrupts every chain at a step boundary", "[run_driver]") {
  const Problem problem;
  // Stops the run from inside a chain once chain 0 has 10 draws.
  struct Stopper final : Observer {
    RunDriver* driver = nullptr;
    void on_draw(std::uint64_t chain, std::uint64_t draw, const Vector&) override {
      if (chain == 0 && draw == 9) driver->request_stop();
    }
  } stopper;
  Collector collector;
  RunOptions o = options(2, 1);
  o.total_steps = 100000;
  RunDriver driver(problem.layout, problem.factory(), o);
  stopper.driver = &driver;
  driver.add_observer(stopper);
  driver.add_observer(collector);
  const RunReport report = driver.run(problem.starts(2));
  CHECK_FALSE(report.completed);
  CHECK(report.interrupted);
  CHECK(report.message == "interrupted");
  CHECK(report.chains[0].end_step == 20 + 3 * 10);
  for (std::size_t c = 0; c < 2; ++c) {
    const State& saved = collector.chains[c].checkpoints.back().state;
    CHECK(saved.step == report.chains[c].end_step);
    // The state saved at the stop is the completed state after end_step
    // steps, also when the last step had deferred its final kick.
    const auto sampler = problem.factory()(c);
    State state = problem.starts(2)[c].state;
    sampler->initialise(state);
    while (state.step < saved.step) sampler->step(state);
    CHECK(same_bits(saved.q, state.q));
    CHECK(same_bits(saved.p, state.p));
  }
}

TEST_CASE("run driver: inconsistent options and starts are refused", "[run_driver][errors]") {
  const Problem problem;
  RunOptions o = options(2, 1);
  o.chains = 0;
  CHECK_THROWS_WITH(RunDriver(problem.layout, problem.factory(), o), Catch::Contains("run.chains"));
  o = options(2, 1);
  o.total_steps = 20;  // all warm-up
  CHECK_THROWS_WITH(RunDriver(problem.layout, problem.factory(), o), Catch::Contains("run.steps"));
  o = options(2, 1);
  o.recorded_blocks = {7};
  CHECK_THROWS_AS(RunDriver(problem.layout, problem.factory(), o), ConfigError);

  RunDriver driver(problem.layout, problem.factory(), options(2, 1));
  CHECK_THROWS_WITH(driver.run(problem.starts(3)), Catch::Contains("3 starts for 2 chains"));
  auto late = problem.starts(2);
  late[0].state.step = 1000;
  CHECK_THROWS_WITH(driver.run(late), Catch::Contains("beyond run.steps"));
  std::vector<double> wrong(3, 0.0);
  CHECK_THROWS_AS(RunDriver::from_accumulators(wrong), ConfigError);
  // A start off the manifold is the chain's failure, reported, not thrown.
  auto off = problem.starts(2);
  off[1].state.q *= 2;
  const RunReport report = driver.run(off);
  CHECK_FALSE(report.completed);
  CHECK_THROWS_AS(std::rethrow_exception(report.failure), StateError);
}

TEST_CASE("run driver: accumulators round-trip the sampler counters", "[run_driver]") {
  SamplerStats s;
  s.steps = 123456789;
  s.rejected = 3;
  s.halved_steps = 2;
  s.nonfinite = 1;
  s.projection_failures[1] = 7;
  s.max_residual = 1.5e-12;
  s.max_iterations = 9;
  const SamplerStats t = RunDriver::from_accumulators(RunDriver::to_accumulators(s));
  CHECK(t.steps == s.steps);
  CHECK(t.rejected == 3);
  CHECK(t.halved_steps == 2);
  CHECK(t.nonfinite == 1);
  CHECK(t.projection_failures == s.projection_failures);
  CHECK(t.max_residual == s.max_residual);
  CHECK(t.max_iterations == 9);
  CHECK(RunDriver::accumulator_names().size() == RunDriver::to_accumulators(s).size());
}

namespace {

// Records the squared norm of q and the step it saw, as a network's test
// metrics would be recorded.
class NormEvaluator final : public StatsEvaluator {
 public:
  explicit NormEvaluator(std::uint64_t every) : every_(every) {}
  std::vector<StatSpec> specs() const override {
    return {{"norm2", StatSpec::Kind::kFloat64, "|q|^2"},
            {"seen_step", StatSpec::Kind::kFloat64, "step evaluated"}};
  }
  std::uint64_t every() const override { return every_; }
  void evaluate(std::uint64_t, const State& state, double* values) const override {
    values[0] = state.q.squaredNorm();
    values[1] = static_cast<double>(state.step);
  }

 private:
  std::uint64_t every_;
};

}  // namespace

TEST_CASE("run driver: an evaluator's columns follow the driver's, NaN between evaluations",
          "[run_driver]") {
  const Problem problem;
  Collector collector;
  RunOptions o = options(1, 1);  // warm-up 20, stats every 2 steps
  o.evaluator = std::make_shared<NormEvaluator>(10);
  RunDriver driver(problem.layout, problem.factory(), o);
  driver.add_observer(collector);
  const std::size_t own = RunDriver::stat_specs().size();
  REQUIRE(driver.description().stats.size() == own + 2);
  CHECK(driver.description().stats[own].name == "norm2");
  REQUIRE(driver.run(problem.starts(1)).completed);

  // Stepped by hand: row k comes from step 20 + 2(k + 1); evaluated when that
  // step is a multiple of 10.
  const auto sampler = problem.factory()(0);
  State state = problem.starts(1)[0].state;
  std::size_t evaluated = 0;
  for (std::uint64_t s = 1; s <= 200; ++s) {
    sampler->step(state);
    if (s <= 20 || (s - 20) % 2 != 0) continue;
    const std::vector<double>& row = collector.chains[0].stats.at((s - 20) / 2 - 1);
    REQUIRE(row.size() == own + 2);
    if (s % 10 == 0) {
      CHECK(row[own] == state.q.squaredNorm());
      CHECK(row[own + 1] == static_cast<double>(s));
      ++evaluated;
    } else {
      CHECK(std::isnan(row[own]));
      CHECK(std::isnan(row[own + 1]));
    }
  }
  CHECK(evaluated == 18);  // steps 30, 40, ..., 200
}

TEST_CASE("run driver: an evaluation period that is not a multiple of stats_thin is refused",
          "[run_driver][errors]") {
  const Problem problem;
  RunOptions o = options(1, 1);  // stats_thin = 2
  o.evaluator = std::make_shared<NormEvaluator>(5);
  CHECK_THROWS_WITH(RunDriver(problem.layout, problem.factory(), o),
                    Catch::Contains("multiple of run.stats_thin = 2"));
  o.evaluator = std::make_shared<NormEvaluator>(0);
  CHECK_THROWS_AS(RunDriver(problem.layout, problem.factory(), o), ConfigError);
}
