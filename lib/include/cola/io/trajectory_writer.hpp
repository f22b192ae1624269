#pragma once
// The HDF5 trajectory writer: an Observer that stores a run's draws,
// per-step statistics and checkpoints in one file (DESIGN §3), readable as
// ArviZ-style groups by xarray (engine="h5netcdf") and by TrajectoryReader.
//
// File layout (format_version 1; docs/trajectory-file.md is the user's copy):
//
//   /                         root attributes (strings unless noted):
//                               format = "cola-trajectory", format_version = 1 (int64),
//                               status = running | completed | failed | interrupted,
//                               message, start_time, end_time (ISO-8601 UTC, end_time
//                               empty while running), and the caller's attributes
//   /posterior/chain          int64 [chain]       first_chain + i        (dimension scale)
//   /posterior/draw           int64 [draw]        step of each draw      (scale, unlimited)
//   /posterior/<block>        float64|float32 [chain, draw, rows] (cols == 1) or
//                             [chain, draw, rows, cols]; ds[c, d, i, j] == block(i, j);
//                             fill NaN; chunks [1, chunk_draws, rows(, cols)]
//   /posterior/<block>_dim_k  int64 0..n-1                               (scale)
//   /sample_stats/chain, draw as above, draw = step of each statistics row
//   /sample_stats/<stat>      float64|int64 [chain, draw]; attribute `description`;
//                             chunks [1, stats_chunk_rows]; fill NaN (float) / 0 (int)
//   /cola                     attributes (int64): first_chain, warmup, thin, stats_thin,
//                             total_steps, chunk_draws, stats_chunk_rows; precision (string)
//   /cola/chain               int64 [chain]                              (scale)
//   /cola/block               string [block]: every layout block         (scale)
//   /cola/layout_offset, layout_rows, layout_cols, layout_recorded (0/1)  int64 [block]
//   /cola/layout_mass         float64 [block]
//   /cola/stat, accumulator   string scales: sample_stats columns, checkpoint accumulators
//   /cola/slot                int64 [slot = 2]: 0, 1                     (scale)
//   /cola/parameter           dimension without values (netCDF "not a variable")
//   /cola/committed_draws, committed_stats  int64 [chain]: rows written and flushed
//   /cola/checkpoint_slot     int64 [chain]: slot of the newest complete checkpoint, -1: none
//   /cola/checkpoint_step, checkpoint_momentum (1: p stored, 0: no momentum)  int64 [slot, chain]
//   /cola/checkpoint_q, checkpoint_p        float64 [slot, chain, parameter]
//   /cola/checkpoint_accumulators           float64 [slot, chain, accumulator]
//
// Every non-scalar dataset has a dimension scale on every axis: one dataset
// without them makes xarray's h5netcdf reader reject the whole group.
//
// Durability (a run killed at any instant leaves every committed row
// readable): every object is created in on_start, then the file switches to
// SWMR writing and is only written and extended. Draws are written as whole
// chunks (a chain's partial chunk is rewritten at its checkpoints and at the
// end). Per batch of chunks: data, flush, committed counters and checkpoint
// data (into the slot not holding the newest checkpoint), flush,
// checkpoint_slot, flush. Only the newest complete checkpoint and the
// committed rows are meaningful; anything past them is NaN or left over from
// before a resume. The file is allocated in 4 KiB pages so that no metadata
// block straddles a page: a kill can tear a write only between pages.
//
// Threads: on_start and on_finish on the driver's thread; on_draw, on_stats
// and on_checkpoint concurrently for different chains (Observer's contract).
// They copy into per-chain chunk buffers (no lock between chains) and hand
// full chunks through a BoundedQueue to one writer thread, the only thread
// that calls HDF5 between on_start and on_finish (under the process-wide
// HDF5 lock, so readers and writers of other files in the process are safe). A
// full queue makes the chain wait (the "I/O stall" of WriterStats).
// Memory: one posterior and one statistics chunk per chain, plus at most
// about queue_bytes queued (at least one item); a chunk buffer is allocated
// per chunk.
//
// Errors: the constructor and on_start throw ConfigError for a bad option or
// description and IoError (naming the path) when the file cannot be created.
// An HDF5 failure on the writer thread (full disk, ...) is kept; the next
// on_draw/on_stats/on_checkpoint and on_finish throw IoError with the path
// and HDF5's message, and nothing more is written, so rows committed before
// stay intact.
#include <cola/observer.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cola::io {

enum class Precision { kFloat64, kFloat32 };

struct TrajectoryOptions {
  std::string path;
  // Element type of posterior/ (statistics and checkpoints are always full
  // precision). float32 halves the file and the I/O of large networks.
  Precision precision = Precision::kFloat64;
  int compression = 0;  // gzip level 0-9 (with byte shuffling); 0: none
  // Draws per chunk along `draw`; 0: as many as fit in about 1 MiB of the
  // largest recorded block, between 1 and 256.
  std::uint64_t chunk_draws = 0;
  std::uint64_t stats_chunk_rows = 1024;
  // Memory bound of the queue to the writer thread (it holds at least one item).
  std::uint64_t queue_bytes = std::uint64_t{256} << 20;
  // Root string attributes (provenance: configuration, command line,
  // versions, seed, threads); the names of the format's own root attributes
  // are reserved.
  std::vector<std::pair<std::string, std::string>> attributes;
  bool overwrite = false;  // replace an existing file (--force)

  // Throws ConfigError naming the field.
  void validate() const;
};

struct WriterStats {
  double busy_seconds = 0;           // writer thread inside HDF5
  double stalled_seconds = 0;        // chains waiting on a full queue, summed over chains
  std::uint64_t bytes_written = 0;   // data handed to HDF5 (before compression)
  std::uint64_t chunks_written = 0;  // posterior and statistics chunk writes, partial included
};

class TrajectoryWriter final : public Observer {
 public:
  // A new file at options.path, created by on_start. Throws ConfigError for
  // bad options, IoError if the path exists (unless overwrite) or its
  // directory is missing or not writable; nothing is created here.
  explicit TrajectoryWriter(TrajectoryOptions options);

  // Continues an existing trajectory. on_start checks that the run matches
  // the file (chains, layout, recorded blocks, statistics, accumulators,
  // thinning; total_steps may grow) and sets every chain back to its newest
  // checkpoint (the state `cola resume` restarts from; chains without one
  // restart at step 0): its committed counts become the draws and rows that
  // step implies, and the draws reported again overwrite what is there.
  // From options only path, queue_bytes and attributes are used (added to
  // the root, replacing equal names); precision, compression and chunking
  // are the file's. Throws IoError if the path is not a writable cola file.
  static TrajectoryWriter resume(TrajectoryOptions options);

  TrajectoryWriter(TrajectoryWriter&&) noexcept;
  TrajectoryWriter& operator=(TrajectoryWriter&&) noexcept;
  // Finishes a started run that on_finish did not end (status "failed").
  ~TrajectoryWriter() override;

  void on_start(const RunDescription& run) override;
  void on_draw(std::uint64_t chain, std::uint64_t draw, const Vector& q) override;
  void on_stats(std::uint64_t chain, std::uint64_t row, const double* values) override;
  void on_checkpoint(const ChainCheckpoint& checkpoint) override;
  // Writes what is buffered, stops the writer thread, closes the file and
  // records status ("completed"; "interrupted" when the message is empty or
  // "interrupted"; else "failed"), message and end_time.
  void on_finish(const RunEnd& end) override;

  const std::string& path() const;
  // Draws per posterior chunk (known after on_start).
  std::uint64_t chunk_draws() const;
  // Complete after on_finish.
  WriterStats stats() const;

 private:
  struct Impl;
  explicit TrajectoryWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cola::io
