// What the HDF5 trajectory writer costs a run of network size: 1.59 M
// parameters laid out as the Fashion-MNIST c-CoLA network (784-1000-10
// weights under the circle constraint, each with its slack block, plus
// biases), one chain of CoLA-ud (BAOAB, h = 0.01) on a harmonic potential,
// draws thinned 1/100 (every block recorded, float64), statistics every step,
// a checkpoint every 200 steps. The harmonic potential is far cheaper than
// the network's gradient, so the ratio is an upper bound for real runs.
// Each iteration times, in wall-clock time, the same run without observers
// and with the writer (file in $TMPDIR or /tmp, removed after) and reports
//   overhead = time with output / time without - 1.
#include <cola/circle_constraint.hpp>
#include <cola/constraint_set.hpp>
#include <cola/io/trajectory_writer.hpp>
#include <cola/models/harmonic_oscillator.hpp>
#include <cola/samplers/run_driver.hpp>
#include <cola/samplers/underdamped.hpp>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

using namespace cola;

constexpr std::uint64_t kSteps = 400;

struct Network {
  Network() {
    layout.add_block("layer0.weight", 1000, 784);
    layout.add_block("layer0.bias", 1000);
    layout.add_block("layer1.weight", 10, 1000);
    layout.add_block("layer1.bias", 10);
    constraints.add(std::make_shared<CircleConstraint>("layer0.weight", 0.05));
    constraints.add(std::make_shared<CircleConstraint>("layer1.weight", 0.05));
    constraints.bind(layout);
    potential = std::make_unique<models::HarmonicOscillator>(Vector::Ones(layout.size()));
    start.state.q = Vector::Constant(layout.size(), 0.01);
    if (!constraints.retract(start.state.q, SolverOptions{}).ok())
      throw std::runtime_error("writer bench: retract failed");
  }
  double run(bool output, const std::string& path, io::WriterStats* stats) const {
    samplers::RunOptions o;
    o.chains = 1;
    o.threads = 1;
    o.total_steps = kSteps;
    o.thinning = Thinning{0, 100, 1};
    o.checkpoint_every = 200;
    samplers::RunDriver driver(
        layout,
        [this](std::uint64_t chain) {
          auto opts = samplers::UnderdampedOptions::physical(0.01, 1.0, 1.0);
          opts.common.seed = 1;
          opts.common.chain = chain;
          return std::make_unique<samplers::Underdamped>(layout, *potential, constraints, opts);
        },
        o);
    std::unique_ptr<io::TrajectoryWriter> writer;
    if (output) {
      io::TrajectoryOptions w;
      w.path = path;
      w.overwrite = true;
      writer = std::make_unique<io::TrajectoryWriter>(w);
      driver.add_observer(*writer);
    }
    const auto t0 = std::chrono::steady_clock::now();
    const samplers::RunReport report = driver.run({start});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!report.completed) throw std::runtime_error(report.message);
    if (writer && stats) *stats = writer->stats();
    return seconds;
  }
  ParameterLayout layout;
  ConstraintSet constraints;
  std::unique_ptr<models::HarmonicOscillator> potential;
  ChainCheckpoint start;
};

void BM_WriterOverhead(benchmark::State& state) {
  const Network net;
  const char* tmp = std::getenv("TMPDIR");
  const std::string path =
      std::string(tmp ? tmp : "/tmp") + "/cola_writer_bench_" + std::to_string(getpid()) + ".h5";
  double without = 0, with = 0, busy = 0, stalled = 0, bytes = 0;
  for (auto _ : state) {
    const double t0 = net.run(false, path, nullptr);
    io::WriterStats s;
    const double t1 = net.run(true, path, &s);
    without += t0;
    with += t1;
    busy += s.busy_seconds;
    stalled += s.stalled_seconds;
    bytes += static_cast<double>(s.bytes_written);
    state.SetIterationTime(t0 + t1);
  }
  std::remove(path.c_str());
  const auto n = static_cast<double>(state.iterations());
  state.counters["overhead"] = with / without - 1;
  state.counters["writer_busy_fraction"] = busy / with;
  state.counters["stall_fraction"] = stalled / with;
  state.counters["MB_per_run"] = bytes / n / 1e6;
  state.counters["parameters"] = static_cast<double>(net.layout.size());
}
BENCHMARK(BM_WriterOverhead)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
