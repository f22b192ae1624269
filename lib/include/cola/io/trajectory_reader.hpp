#pragma once
// Reads a cola trajectory file (layout in cola/io/trajectory_writer.hpp):
// provenance, layout, the committed draws and statistics of each chain and
// the newest complete checkpoint. Used by `cola info`, `cola resume` and the
// diagnostics.
//
// The file is opened read-only in SWMR-read mode, so a file that a live run
// is writing (or one whose writer was killed) opens, and the per-chain
// accessors re-read the committed counters on every call to follow a live
// run (attributes are read once, at opening). Only committed rows are
// returned: anything after them may be NaN or left over from before a
// resume. A damaged metadata block fails with IoError after about 17 ms of
// retries instead of HDF5's default (exponential, in effect endless).
//
// Thread safety: calls are serialised by the process-wide HDF5 lock, so one
// reader may be shared by threads. A file a writer of the same process still
// has open cannot be opened (HDF5 shares one handle per file per process).
// Allocation: the returned arrays.
#include <cola/observer.hpp>
#include <cola/parameter_layout.hpp>
#include <cola/types.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cola::io {

class TrajectoryReader {
 public:
  // Throws IoError naming the path if it is missing, not an HDF5 file, not
  // a cola trajectory (root attribute `format`) or of a newer format_version.
  explicit TrajectoryReader(const std::string& path);
  TrajectoryReader(TrajectoryReader&&) noexcept;
  TrajectoryReader& operator=(TrajectoryReader&&) noexcept;
  ~TrajectoryReader();

  const std::string& path() const;
  std::int64_t format_version() const;
  // Root attribute as text; throws IoError if absent.
  std::string attribute(const std::string& name) const;
  // Every root attribute as text (numbers in decimal), by name.
  std::vector<std::pair<std::string, std::string>> attributes() const;
  // "running", "completed", "failed" or "interrupted", as when the file was
  // opened. "running" in a file nobody writes: its writer was killed (or
  // could not close it after an I/O error).
  std::string status() const;

  std::uint64_t num_chains() const;
  std::uint64_t first_chain() const;
  const Thinning& thinning() const;
  std::uint64_t total_steps() const;
  const ParameterLayout& layout() const;
  const std::vector<std::string>& recorded_blocks() const;  // posterior/ datasets
  const std::vector<StatSpec>& stats() const;               // sample_stats/ columns
  const std::vector<std::string>& accumulators() const;     // checkpoint accumulators
  bool float32() const;                                     // posterior precision

  // Throw ConfigError for a chain out of range or an unknown name.
  std::uint64_t committed_draws(std::uint64_t chain) const;
  std::uint64_t committed_stats(std::uint64_t chain) const;
  // Committed draws x block size; each row is one draw of the block in the
  // layout's (column-major) order, converted to double.
  Matrix draws(const std::string& block, std::uint64_t chain) const;
  // Rows [first_row, first_row + row_count) of the block only (all its
  // columns), so that large blocks can be read piece by piece: committed
  // draws x (row_count * cols), each draw's piece column-major.
  Matrix draws(const std::string& block, std::uint64_t chain, Index first_row,
               Index row_count) const;
  // Committed statistics rows (integer columns converted to double).
  Vector stat(const std::string& name, std::uint64_t chain) const;
  // The `draw` coordinates (steps) of the first n draws / statistics rows.
  std::vector<std::uint64_t> draw_steps(std::uint64_t n) const;
  std::vector<std::uint64_t> stats_steps(std::uint64_t n) const;
  // The newest complete checkpoint of a chain (chain = local index); p is
  // empty for samplers without momentum.
  std::optional<ChainCheckpoint> checkpoint(std::uint64_t chain) const;

 private:
  struct Impl;
  static void open_file(Impl& m);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cola::io
