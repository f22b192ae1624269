// Chain scaling of the run driver on a toy target: von Mises–Fisher on S^2
// (kappa = 2) sampled with CoLA-ud (BAOAB + SHAKE/RATTLE, h = 0.2), no
// observers. Each iteration times, in wall-clock time, 1 chain on 1 thread
// and then 2 chains on 2 threads, kSteps steps per chain, and reports
//   speedup = (draws/s of 2 chains on 2 threads) / (draws/s of 1 chain on 1 thread)
// (2.0 is perfect scaling). Mean and median over the repetitions.
#include <cola/constraint_set.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/models/linear_tilt.hpp>
#include <cola/samplers/run_driver.hpp>
#include <cola/samplers/underdamped.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

namespace {

using namespace cola;

constexpr std::uint64_t kSteps = 200000;

struct Sphere {
  Sphere() : potential(Eigen::Vector3d(0, 0, 1), 2.0) {
    layout.add_block("x", 3);
    constraints.add(std::make_shared<FixedNormConstraint>("x", 1.0));
    constraints.bind(layout);
  }
  // Wall seconds for `chains` chains of kSteps steps on `threads` threads.
  double run(std::uint64_t chains, int threads) const {
    samplers::RunOptions o;
    o.chains = chains;
    o.threads = threads;
    o.total_steps = kSteps;
    samplers::RunDriver driver(
        layout,
        [this](std::uint64_t chain) {
          auto opts = samplers::UnderdampedOptions::physical(0.2, 1.0, 1.0);
          opts.common.seed = 1;
          opts.common.chain = chain;
          return std::make_unique<samplers::Underdamped>(layout, potential, constraints, opts);
        },
        o);
    std::vector<ChainCheckpoint> starts(chains);
    for (auto& s : starts) s.state.q = Eigen::Vector3d(1, 0, 0);
    const auto t0 = std::chrono::steady_clock::now();
    const samplers::RunReport report = driver.run(std::move(starts));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!report.completed) throw std::runtime_error(report.message);
    return seconds;
  }
  ParameterLayout layout;
  ConstraintSet constraints;
  models::LinearTilt potential;
};

void BM_ChainScaling(benchmark::State& state) {
  const Sphere sphere;
  double one = 0, two = 0;
  for (auto _ : state) {
    const double t1 = sphere.run(1, 1);
    const double t2 = sphere.run(2, 2);
    one += t1;
    two += t2;
    state.SetIterationTime(t1 + t2);
  }
  const double steps = static_cast<double>(kSteps);
  state.counters["steps_per_s_1x1"] = steps * static_cast<double>(state.iterations()) / one;
  state.counters["steps_per_s_2x2"] = 2 * steps * static_cast<double>(state.iterations()) / two;
  state.counters["speedup"] = 2 * one / two;
}
BENCHMARK(BM_ChainScaling)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
