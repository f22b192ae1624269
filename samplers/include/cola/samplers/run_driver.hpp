#pragma once
// Runs the chains of one experiment: one Sampler per chain (built by a
// factory, so chains may own per-chain potentials), warm-up, thinning,
// per-step statistics, checkpoints and observers (the HDF5 writer, progress
// displays), chains in parallel.
//
// Threads: min(chains, threads) worker threads take chains in turn (the
// order cannot change results: every chain is a pure function of its start
// and its global chain index). chains < threads gives each chain
// threads / chains OpenMP threads for the work inside a step (today the
// constraint components, which merge in a fixed order). Same seed, same bits
// for any thread count. Why the chains are not an OpenMP loop: run() says.
//
// Statistics and the time split: the driver profiles every kProfileEvery-th
// step (reading the clock around every substep would cost as much as a toy
// target's whole step) and scales the measured fractions to the chain's
// wall time.
//
// Errors: a chain that fails (the `error` failure policy, a bad start) stops
// with its message in its ChainReport; the other chains stop at their next
// step; every chain checkpoints the last good state it reached. Nothing
// escapes the OpenMP region. request_stop() (e.g. from a SIGINT handler: it
// only stores an atomic flag) stops all chains the same way.
#include <cola/observer.hpp>
#include <cola/samplers/sampler.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cola::samplers {

// Statistics computed from the state rather than by the sampler (a network's
// test loss and accuracy), appended after the driver's own sample_stats
// columns and the sampler's (Sampler::stat_specs). The driver calls evaluate() on the statistics
// rows whose step is a multiple of every(); the other rows hold NaN, so that evaluations costing a
// pass over a data set need not run at every row.
class StatsEvaluator {
 public:
  virtual ~StatsEvaluator() = default;
  virtual std::vector<StatSpec> specs() const = 0;
  // Steps between evaluations: a positive multiple of the run's stats_thin.
  virtual std::uint64_t every() const = 0;
  // One value per spec into `values`. Called from the chain's thread, so
  // calls for different chains may run concurrently; the state is the chain's
  // after step state.step.
  virtual void evaluate(std::uint64_t global_chain, const State& state, double* values) const = 0;
};

struct RunOptions {
  std::uint64_t chains = 1;
  std::uint64_t first_chain = 0;  // global index of local chain 0 (keys the RNG streams)
  Thinning thinning;
  std::uint64_t total_steps = 0;                    // per chain, warm-up included
  std::uint64_t checkpoint_every = 0;               // steps between checkpoints; 0: only at the end
  int threads = 0;                                  // 0: omp_get_max_threads()
  std::vector<Index> recorded_blocks;               // empty: every block
  std::shared_ptr<const StatsEvaluator> evaluator;  // optional
  // Throws ConfigError naming the field.
  void validate() const;
};

// Live counters of one chain, written by its thread with relaxed stores and
// read by any thread (progress displays). One cache line per chain: chains
// store here every step, and sharing a line halved the two-chain throughput.
struct alignas(64) ChainProgress {
  enum Phase : int { kWaiting = 0, kRunning, kDone, kFailed, kStopped };
  std::atomic<std::uint64_t> step{0};
  std::atomic<std::uint64_t> failed_attempts{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<double> max_residual{0.0};
  std::atomic<int> phase{kWaiting};
};

// Where a chain's time went (seconds, estimated from the profiled steps).
struct TimeSplit {
  double gradient = 0, projection = 0, noise = 0, observers = 0, other = 0;
  double total() const { return gradient + projection + noise + observers + other; }
  TimeSplit& operator+=(const TimeSplit& o);
};

struct ChainReport {
  std::uint64_t chain = 0;  // global index
  std::uint64_t start_step = 0, end_step = 0;
  SamplerStats stats;
  // The sampler's own counters at the end (Sampler::accumulators(), named by
  // RunDriver::sampler_accumulator_names()), e.g. rejections by cause.
  std::vector<double> sampler_accumulators;
  double seconds = 0;
  TimeSplit time;
  bool completed = false;
  std::string error;           // why the chain stopped early (empty if it did not fail)
  std::exception_ptr failure;  // the exception behind `error` (its type classifies it)
};

struct RunReport {
  std::vector<ChainReport> chains;
  double seconds = 0;
  int threads = 1;
  bool completed = false;      // every chain reached total_steps
  bool interrupted = false;    // request_stop()
  std::string message;         // first failure, or the interruption
  std::exception_ptr failure;  // the first chain's failure, if any
  std::uint64_t steps() const;
};

class RunDriver {
 public:
  static constexpr std::uint64_t kProfileEvery = 16;
  using SamplerFactory = std::function<std::unique_ptr<Sampler>(std::uint64_t global_chain)>;

  // Calls the factory once (for the first chain) to learn the sampler's own
  // statistics and accumulators, which are the same for every chain.
  RunDriver(const ParameterLayout& layout, SamplerFactory factory, RunOptions options);

  // Observers are told in the order added; they must outlive run().
  void add_observer(Observer& observer) { observers_.push_back(&observer); }

  // Runs chain i from starts[i] (a fresh initial state with empty
  // accumulators, or a checkpoint to resume) to total_steps. Throws
  // ConfigError for inconsistent starts; failures of chains are reported.
  RunReport run(std::vector<ChainCheckpoint> starts);

  void request_stop() { stop_.store(true, std::memory_order_relaxed); }
  const ChainProgress& progress(std::uint64_t chain) const { return progress_[chain]; }
  const RunOptions& options() const { return options_; }
  RunDescription description() const;

  // The driver's own sample_stats columns, in the order of on_stats values
  // (the sampler's and then the evaluator's columns follow them).
  static const std::vector<StatSpec>& stat_specs();
  // All columns of this run: stat_specs(), the sampler's, the evaluator's.
  std::vector<StatSpec> all_stat_specs() const;
  // The sampler's accumulators, after the driver's in a checkpoint.
  const std::vector<std::string>& sampler_accumulator_names() const {
    return sampler_accumulators_;
  }
  // SamplerStats as the driver's accumulators of a checkpoint, and back.
  static const std::vector<std::string>& accumulator_names();
  static std::vector<double> to_accumulators(const SamplerStats& stats);
  static SamplerStats from_accumulators(const std::vector<double>& values);

 private:
  ChainReport run_chain(std::uint64_t local, ChainCheckpoint start, int inner_threads);
  void checkpoint(std::uint64_t local, const State& state, const Sampler& sampler);

  const ParameterLayout& layout_;
  SamplerFactory factory_;
  RunOptions options_;
  Vector inverse_mass_;
  std::vector<Observer*> observers_;
  std::vector<StatSpec> sampler_stats_;
  std::vector<std::string> sampler_accumulators_;
  std::unique_ptr<ChainProgress[]> progress_;
  std::atomic<bool> stop_{false};
};

}  // namespace cola::samplers
