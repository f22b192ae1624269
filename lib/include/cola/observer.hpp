#pragma once
// What a run reports while it goes: the run description once, then per chain
// its draws (thinned positions of the recorded blocks), its per-step
// statistics and its checkpoints, then the end. The HDF5 trajectory writer
// (cola/io/trajectory_writer.hpp) is one observer; progress displays and
// in-memory collectors are others.
//
// Threading: on_start and on_finish are called from the thread that runs the
// driver, before and after all chains. The per-chain calls (on_draw,
// on_stats, on_checkpoint) come from the thread running that chain:
// implementations must accept concurrent calls for *different* chains; calls
// for one chain are sequential and in step order. They must copy what they
// keep (the references are only valid during the call) and should return
// quickly (buffer, then hand whole chunks to another thread).
#include <cola/parameter_layout.hpp>
#include <cola/state.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cola {

// One per-step statistic (a column of sample_stats).
struct StatSpec {
  enum class Kind { kFloat64, kInt64 };
  std::string name;
  Kind kind = Kind::kFloat64;
  std::string description;  // one line, stored as an attribute
};

// Which steps give draws and statistics. Step s (1-based, after s completed
// steps) gives posterior draw k = (s - warmup) / thin - 1 when s > warmup and
// (s - warmup) is a multiple of thin; likewise for statistics with stats_thin.
struct Thinning {
  std::uint64_t warmup = 0;
  std::uint64_t thin = 1;
  std::uint64_t stats_thin = 1;

  // Draws (statistics rows) produced by the first `steps` steps.
  std::uint64_t draws_until(std::uint64_t steps) const {
    return steps <= warmup ? 0 : (steps - warmup) / thin;
  }
  std::uint64_t stats_until(std::uint64_t steps) const {
    return steps <= warmup ? 0 : (steps - warmup) / stats_thin;
  }
  // Step that produced draw k (the `draw` coordinate of the file).
  std::uint64_t draw_step(std::uint64_t k) const { return warmup + (k + 1) * thin; }
  std::uint64_t stats_step(std::uint64_t k) const { return warmup + (k + 1) * stats_thin; }
};

struct RunDescription {
  const ParameterLayout* layout = nullptr;
  std::vector<Index> recorded_blocks;     // blocks written to posterior/, in layout order
  std::vector<StatSpec> stats;            // columns of sample_stats/, in this order
  std::vector<std::string> accumulators;  // names of ChainCheckpoint::accumulators
  std::uint64_t num_chains = 1;           // chains this observer sees (rows of the arrays)
  std::uint64_t first_chain = 0;          // global index of local chain 0 (scale-out)
  Thinning thinning;
  std::uint64_t total_steps = 0;  // planned steps per chain, warm-up included
};

// Everything needed to continue a chain bit for bit: the state (its step keys
// every random stream, including minibatches, so there is no other RNG
// position to save) and the sampler's running counters.
struct ChainCheckpoint {
  std::uint64_t chain = 0;  // local chain index
  State state;
  std::vector<double> accumulators;  // as named by RunDescription::accumulators
};

struct RunEnd {
  bool completed = false;  // every chain reached total_steps
  std::string message;     // failure or interruption reason, empty when completed
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_start(const RunDescription& run) { (void)run; }
  // Draw `draw` of local chain `chain`: q holds the whole parameter vector.
  virtual void on_draw(std::uint64_t chain, std::uint64_t draw, const Vector& q) {
    (void)chain, (void)draw, (void)q;
  }
  // Statistics row `row` of local chain `chain`, one value per StatSpec.
  virtual void on_stats(std::uint64_t chain, std::uint64_t row, const double* values) {
    (void)chain, (void)row, (void)values;
  }
  // Called after every draw and statistics row up to checkpoint.state.step
  // has been reported for this chain.
  virtual void on_checkpoint(const ChainCheckpoint& checkpoint) { (void)checkpoint; }
  virtual void on_finish(const RunEnd& end) { (void)end; }
};

}  // namespace cola
