// What the exact samplers show the run driver: their sample_stats columns
// (one cause per step, matching their counters), their accumulators in
// checkpoints (a run resumed during or after the warm-up, step-size
// adaptation included, equals the uninterrupted run bit for bit), the
// adaptation reaching its target acceptance in a run, and the unadjusted
// samplers' records left exactly as they were.
#include "samplers/sampler_test_support.hpp"

#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/models/linear_tilt.hpp>
#include <cola/samplers/hamiltonian.hpp>
#include <cola/samplers/mala.hpp>
#include <cola/samplers/run_driver.hpp>
#include <cola/samplers/underdamped.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

using namespace cola;
using namespace cola::samplers;
using cola::sampler_test::same_bits;

namespace {

class Collector final : public Observer {
 public:
  void on_start(const RunDescription& run) override {
    description = run;
    stats.assign(run.num_chains, {});
    checkpoints.assign(run.num_chains, {});
  }
  void on_stats(std::uint64_t chain, std::uint64_t row, const double* values) override {
    stats[chain][row].assign(values, values + description.stats.size());
  }
  void on_checkpoint(const ChainCheckpoint& c) override { checkpoints[c.chain].push_back(c); }
  std::size_t column(const std::string& name) const {
    for (std::size_t i = 0; i < description.stats.size(); ++i)
      if (description.stats[i].name == name) return i;
    FAIL("no column " << name);
    return 0;
  }
  RunDescription description;
  std::vector<std::map<std::uint64_t, std::vector<double>>> stats;
  std::vector<std::vector<ChainCheckpoint>> checkpoints;
};

// vMF(kappa = 2) on S^2.
struct Sphere {
  Sphere() {
    layout.add_block("x", 3);
    constraints.add(std::make_shared<FixedNormConstraint>("x", 1.0));
    constraints.bind(layout);
    potential = std::make_unique<models::LinearTilt>(Vector::Unit(3, 2), 2.0);
  }
  RunDriver::SamplerFactory ghmc(double h, bool adapt, double target = 0.8) const {
    return [this, h, adapt, target](std::uint64_t chain) {
      HamiltonianOptions o = HamiltonianOptions::ghmc(h, 1.0);
      o.adaptation.enabled = adapt;
      o.adaptation.target_acceptance = target;
      o.common.seed = 5;
      o.common.chain = chain;
      return std::make_unique<Hamiltonian>(layout, *potential, constraints, o);
    };
  }
  std::vector<ChainCheckpoint> starts(std::uint64_t chains) const {
    std::vector<ChainCheckpoint> s(chains);
    for (std::uint64_t c = 0; c < chains; ++c) {
      s[c].chain = c;
      s[c].state.q = Eigen::Vector3d(0.6, 0.0, 0.8);
    }
    return s;
  }
  ParameterLayout layout;
  ConstraintSet constraints;
  std::unique_ptr<Potential> potential;
};

RunOptions options(std::uint64_t warmup, std::uint64_t total, std::uint64_t checkpoint_every) {
  RunOptions o;
  o.chains = 2;
  o.threads = 2;
  o.thinning = Thinning{warmup, 1, 1};
  o.total_steps = total;
  o.checkpoint_every = checkpoint_every;
  return o;
}

}  // namespace

TEST_CASE("metropolis sampler: every step records one outcome and the columns add up",
          "[samplers][metropolis]") {
  const Sphere p;
  Collector c;
  // h = 1.2: all three causes occur (projections on S^2 fail at large steps).
  RunDriver driver(p.layout, p.ghmc(1.2, false), options(0, 3000, 0));
  driver.add_observer(c);
  const RunReport report = driver.run(p.starts(2));
  REQUIRE(report.completed);
  const std::size_t own = RunDriver::stat_specs().size();
  const std::vector<std::string> expected = {
      "accepted",         "acceptance_probability", "projection_rejected",
      "reverse_rejected", "metropolis_rejected",    "step_size"};
  REQUIRE(c.description.stats.size() == own + expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    CHECK(c.description.stats[own + i].name == expected[i]);
  const auto& names = driver.sampler_accumulator_names();
  REQUIRE(names.size() == 7);  // no adaptation: counters and the step size
  for (std::size_t chain = 0; chain < 2; ++chain) {
    double sums[5] = {0, 0, 0, 0, 0};
    for (const auto& [row, v] : c.stats[chain]) {
      const double outcomes = v[c.column("accepted")] + v[c.column("projection_rejected")] +
                              v[c.column("reverse_rejected")] + v[c.column("metropolis_rejected")];
      REQUIRE(outcomes == 1);
      const double alpha = v[c.column("acceptance_probability")];
      CHECK((alpha >= 0 && alpha <= 1));
      if (v[c.column("accepted")] == 1) CHECK(alpha > 0);
      if (v[c.column("projection_rejected")] == 1 || v[c.column("reverse_rejected")] == 1)
        CHECK(alpha == 0);
      CHECK(v[c.column("step_size")] == 1.2);
      sums[0] += v[c.column("accepted")];
      sums[1] += v[c.column("projection_rejected")];
      sums[2] += v[c.column("reverse_rejected")];
      sums[3] += v[c.column("metropolis_rejected")];
      sums[4] += alpha;
    }
    // The checkpoint's counters are the columns summed.
    const std::vector<double>& a = report.chains[chain].sampler_accumulators;
    CHECK(a[0] == 3000);
    CHECK(a[1] == sums[0]);
    CHECK(a[2] == sums[1]);
    CHECK(a[3] == sums[2]);
    CHECK(a[4] == sums[3]);
    CHECK(a[5] == Approx(sums[4]).epsilon(1e-12));
    CHECK(a[6] == 1.2);
    // Every outcome but the reverse check occurs at this step size (measured:
    // 519 and 581 of 3000 accepted).
    CHECK(sums[0] > 0);
    CHECK(sums[1] > 0);
    CHECK(sums[3] > 0);
  }
}

TEST_CASE("metropolis sampler: the unadjusted samplers' records are unchanged",
          "[samplers][metropolis]") {
  const Sphere p;
  RunDriver driver(
      p.layout,
      [&](std::uint64_t chain) {
        UnderdampedOptions o = UnderdampedOptions::physical(0.2, 1.0, 1.0);
        o.common.chain = chain;
        return std::make_unique<Underdamped>(p.layout, *p.potential, p.constraints, o);
      },
      options(0, 10, 0));
  const RunDescription d = driver.description();
  REQUIRE(d.stats.size() == RunDriver::stat_specs().size());
  for (std::size_t i = 0; i < d.stats.size(); ++i)
    CHECK(d.stats[i].name == RunDriver::stat_specs()[i].name);
  CHECK(d.accumulators == RunDriver::accumulator_names());
}

TEST_CASE("metropolis sampler: a run resumed during or after the adapting warm-up is exact",
          "[samplers][metropolis][adaptation]") {
  const Sphere p;
  // Warm-up 100 steps, checkpoints every 40: step 40 and 80 lie in the
  // warm-up, 120 after it.
  Collector whole;
  {
    RunDriver driver(p.layout, p.ghmc(2.0, true), options(100, 300, 40));
    driver.add_observer(whole);
    REQUIRE(driver.run(p.starts(2)).completed);
    CHECK(driver.sampler_accumulator_names().back() == "adaptation.log_averaged_step_size");
  }
  for (const std::size_t k : {0, 1, 2}) {
    INFO("resumed from checkpoint " << k);
    std::vector<ChainCheckpoint> starts;
    for (std::size_t chain = 0; chain < 2; ++chain) {
      starts.push_back(whole.checkpoints[chain][k]);
      REQUIRE(starts.back().state.step == 40 * (k + 1));
    }
    Collector resumed;
    RunDriver driver(p.layout, p.ghmc(2.0, true), options(100, 300, 40));
    driver.add_observer(resumed);
    REQUIRE(driver.run(starts).completed);
    for (std::size_t chain = 0; chain < 2; ++chain) {
      for (const auto& [row, v] : resumed.stats[chain]) CHECK(v == whole.stats[chain].at(row));
      CHECK(same_bits(resumed.checkpoints[chain].back().state.q,
                      whole.checkpoints[chain].back().state.q));
      CHECK(resumed.checkpoints[chain].back().accumulators ==
            whole.checkpoints[chain].back().accumulators);
    }
  }
  // After the warm-up the step size is frozen: one value per chain.
  for (std::size_t chain = 0; chain < 2; ++chain) {
    const std::size_t h = whole.column("step_size");
    const double frozen = whole.stats[chain].at(0)[h];
    CHECK(frozen != 2.0);
    for (const auto& [row, v] : whole.stats[chain]) CHECK(v[h] == frozen);
  }
}

TEST_CASE("metropolis sampler: adaptation in the warm-up reaches the target acceptance",
          "[samplers][metropolis][adaptation]") {
  const Sphere p;
  for (const double target : {0.65, 0.9}) {
    INFO("target " << target);
    Collector c;
    // From h = 3, far too large for this target.
    RunDriver driver(p.layout, p.ghmc(3.0, true, target), options(2000, 22000, 0));
    driver.add_observer(c);
    REQUIRE(driver.run(p.starts(2)).completed);
    for (std::size_t chain = 0; chain < 2; ++chain) {
      double sum = 0;
      for (const auto& [row, v] : c.stats[chain]) sum += v[c.column("acceptance_probability")];
      const double mean = sum / static_cast<double>(c.stats[chain].size());
      INFO("chain " << chain << ": mean acceptance after the warm-up " << mean << ", h "
                    << c.stats[chain].at(0)[c.column("step_size")]);
      // Dual averaging drives the warm-up's mean acceptance to the target;
      // the frozen step, an average of the noisy iterates in log space, is
      // a little smaller than the step of the target acceptance, so the
      // acceptance after the warm-up is a little higher. Measured (seed 5,
      // 20000 steps, MCSE of each mean about 0.003): 0.676 and 0.676 for
      // target 0.65 (h 0.594, 0.593), 0.927 and 0.929 for 0.9 (h 0.388,
      // 0.388), from h = 3 where it is about 0.3.
      CHECK(mean - target > 0);
      CHECK(mean - target < 0.05);
    }
  }
}

TEST_CASE("metropolis sampler: a checkpoint with the wrong accumulators is refused",
          "[samplers][metropolis][errors]") {
  const Sphere p;
  auto sampler = p.ghmc(0.5, true)(0);
  std::vector<double> a = sampler->accumulators();
  REQUIRE(a.size() == sampler->accumulator_names().size());
  a.pop_back();
  CHECK_THROWS_AS(sampler->restore_accumulators(a), ConfigError);
  std::vector<double> bad = sampler->accumulators();
  bad[6] = 0;  // step size
  CHECK_THROWS_AS(sampler->restore_accumulators(bad), ConfigError);
  // A run whose checkpoint lacks the sampler's accumulators (e.g. made by
  // another sampler) fails with a message naming the count.
  RunDriver driver(p.layout, p.ghmc(0.5, false), options(0, 20, 0));
  auto starts = p.starts(2);
  for (auto& s : starts) s.accumulators = RunDriver::to_accumulators(SamplerStats{});
  const RunReport report = driver.run(starts);
  CHECK_FALSE(report.completed);
  CHECK_THAT(report.message, Catch::Contains("accumulators"));
}
