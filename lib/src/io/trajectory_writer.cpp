#include "hdf5_util.hpp"

#include <cola/bounded_queue.hpp>
#include <cola/error.hpp>
#include <cola/io/trajectory_format.hpp>
#include <cola/io/trajectory_reader.hpp>
#include <cola/io/trajectory_writer.hpp>

#include <H5DSpublic.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <variant>

namespace cola::io {

using detail::Handle;
using detail::Hdf5File;
using detail::Hdf5Lock;

namespace {

constexpr std::uint64_t kAutoChunkBytes = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxAutoChunkDraws = 256;
// HDF5 limits a chunk to 4 GiB.
constexpr std::uint64_t kMaxChunkBytes = (std::uint64_t{1} << 32) - 1;
// Checkpoint vectors are chunked by this many parameters (1 MiB of doubles).
constexpr hsize_t kCheckpointChunk = hsize_t{1} << 17;
// File space page: the unit the kernel writes atomically with respect to a
// kill (see create_file).
constexpr hsize_t kPageBytes = 4096;
// netCDF's marker for a dimension that has no coordinate values.
constexpr const char* kNotAVariable = "This is a netCDF dimension but not a netCDF variable.";

const char* const kReservedAttributes[] = {"format",  "format_version", "status",
                                           "message", "start_time",     "end_time"};

// One column of a chunk buffer: a block (chunk_draws x block size, in the
// file's row-major order) or a statistic (rows).
using Column = std::variant<std::vector<double>, std::vector<float>, std::vector<std::int64_t>>;
enum class Element { kFloat64, kFloat32, kInt64 };

Column make_column(Element e, std::size_t n) {
  switch (e) {
    case Element::kFloat32: return std::vector<float>(n);
    case Element::kInt64: return std::vector<std::int64_t>(n);
    default: return std::vector<double>(n);
  }
}

// Copy of the first n elements.
Column head(const Column& c, std::size_t n) {
  return std::visit(
      [n](const auto& v) -> Column {
        using V = std::decay_t<decltype(v)>;
        return V(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
      },
      c);
}

const void* column_data(const Column& c) {
  return std::visit([](const auto& v) -> const void* { return v.data(); }, c);
}
void* column_data(Column& c) {
  return std::visit([](auto& v) -> void* { return v.data(); }, c);
}
std::size_t column_bytes(const Column& c) {
  return std::visit([](const auto& v) { return v.size() * sizeof(v[0]); }, c);
}
hid_t mem_type(Element e) {
  switch (e) {
    case Element::kFloat32: return H5T_NATIVE_FLOAT;
    case Element::kInt64: return H5T_NATIVE_INT64;
    default: return H5T_NATIVE_DOUBLE;
  }
}
hid_t mem_type(const Column& c) {
  return mem_type(static_cast<Element>(c.index()));
}

// Block (i, j) of the layout's column-major storage to element i * cols + j.
template <class T>
void store_block(const double* src, Index rows, Index cols, T* dst) {
  if (cols == 1) {
    for (Index i = 0; i < rows; ++i) dst[i] = static_cast<T>(src[i]);
    return;
  }
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<RowMajor>(dst, rows, cols) = Eigen::Map<const Matrix>(src, rows, cols).cast<T>();
}

// Integer statistics arrive as doubles; a non-finite or out-of-range value
// (a failed evaluation) is stored as the most negative int64.
std::int64_t to_int64(double v) {
  if (!std::isfinite(v) || std::abs(v) >= 9.2e18) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

struct RecordedBlock {
  std::string name;
  Index offset = 0, rows = 0, cols = 0;
  Index size() const { return rows * cols; }
  // Dimensions after [chain, draw].
  std::vector<hsize_t> shape() const {
    if (cols == 1) return {static_cast<hsize_t>(rows)};
    return {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)};
  }
};

struct Job {
  enum class Kind { kDraws, kStats, kCheckpoint };
  Kind kind = Kind::kDraws;
  std::uint64_t chain = 0;
  std::uint64_t first = 0;  // first draw / row (a chunk boundary)
  std::uint64_t count = 0;
  std::vector<Column> columns;  // one per recorded block / statistic
  ChainCheckpoint checkpoint;   // kCheckpoint
};

// Per-chain producer state, touched only by the thread running the chain.
struct alignas(64) ChainState {
  // Draws [draw_chunk_start, next_draw) are in draw_buffer; those before
  // draws_flushed are already queued.
  std::uint64_t next_draw = 0, draw_chunk_start = 0, draws_flushed = 0;
  std::vector<Column> draw_buffer;
  std::uint64_t next_row = 0, row_chunk_start = 0, rows_flushed = 0;
  std::vector<Column> row_buffer;
  double stalled = 0;
};

std::vector<hsize_t> concat(std::vector<hsize_t> a, const std::vector<hsize_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const char* precision_name(bool float32) {
  return float32 ? "float32" : "float64";
}

std::string status_for(const RunEnd& end) {
  if (end.completed) return kStatusCompleted;
  if (end.message.empty() || end.message == "interrupted") return kStatusInterrupted;
  return kStatusFailed;
}

// Fails with IoError naming the path if a new file cannot be made there.
void check_new_path(const TrajectoryOptions& o) {
  namespace fs = std::filesystem;
  const fs::path path(o.path);
  struct stat st {};
  if (::stat(o.path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw IoError(o.path + " is a directory");
    if (!o.overwrite) throw IoError(o.path + " exists (use overwrite/--force to replace it)");
    if (::access(o.path.c_str(), W_OK) != 0)
      throw IoError(o.path + " exists and is not writable: " + std::strerror(errno));
  }
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw IoError(o.path + ": directory " + dir.string() + " does not exist");
  // access() says yes to root everywhere and knows nothing of read-only or
  // special file systems, so probe with a real (immediately removed) file.
  // (Built by appends: GCC 12's -Wrestrict misfires on "literal" + string&& in C++20.)
  std::string name = ".";
  name += path.filename().string();
  name += ".probe-XXXXXX";
  std::string probe = (dir / name).string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0)
    throw IoError(o.path + ": cannot create files in " + dir.string() + ": " +
                  std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

bool valid_object_name(const std::string& name) {
  return !name.empty() && name != "." && name.find('/') == std::string::npos;
}

}  // namespace

void TrajectoryOptions::validate() const {
  require(!path.empty(), "trajectory: path is empty");
  require(compression >= 0 && compression <= 9,
          "trajectory: compression must be a gzip level 0-9, got " + std::to_string(compression));
  require(stats_chunk_rows >= 1, "trajectory: stats_chunk_rows must be at least 1");
  require(queue_bytes >= 1, "trajectory: queue_bytes must be positive");
  std::set<std::string> names;
  for (const auto& [name, value] : attributes) {
    (void)value;
    require(!name.empty(), "trajectory: attribute with an empty name");
    require(std::find(std::begin(kReservedAttributes), std::end(kReservedAttributes), name) ==
                std::end(kReservedAttributes),
            "trajectory: attribute '" + name + "' is reserved for the file format");
    require(names.insert(name).second, "trajectory: attribute '" + name + "' given twice");
  }
  if (compression > 0)
    require(H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0,
            "trajectory: compression needs HDF5's gzip filter, which this HDF5 lacks");
}

struct TrajectoryWriter::Impl {
  Impl(TrajectoryOptions o, bool resume)
      : options(std::move(o)), file(options.path), resuming(resume) {}
  ~Impl();

  void start(const RunDescription& run);
  void draw(std::uint64_t chain, std::uint64_t k, const Vector& q);
  void row(std::uint64_t chain, std::uint64_t k, const double* values);
  void checkpoint(const ChainCheckpoint& c);
  void finish(const RunEnd& end);

  // Producer side.
  ChainState& chain_state(std::uint64_t chain, const char* call);
  void throw_if_failed() const;
  void enqueue(ChainState& cs, Job job);
  void flush_partials(std::uint64_t chain);
  void set_failure(const std::string& message);

  // on_start.
  void describe(const RunDescription& run);
  void create_file();
  void open_for_resume(const RunDescription& run);
  // Throws ConfigError naming every difference between the run and the file.
  void check_resumable(const RunDescription& run);
  void open_datasets(hid_t root);
  template <class StepOf>
  std::uint64_t align_extents(std::vector<Handle>& data, Handle& scale, const std::string& group,
                              StepOf step_of);
  void write_root_attributes(hid_t root, bool fresh);
  void begin_writing();

  // Writer thread.
  void writer_loop();
  void write_batch(std::vector<Job>& batch);
  void write_draws(const Job& job);
  void write_rows(const Job& job);
  void write_checkpoint_data(const Job& job, std::int64_t slot);
  void flush();
  bool close_file();  // false (and the failure recorded) when HDF5 reported an error

  TrajectoryOptions options;
  Hdf5File file;
  bool resuming = false;
  bool started = false, finished = false;

  // The run, fixed by on_start.
  const ParameterLayout* run_layout = nullptr;
  Index size = 0;
  std::uint64_t chains = 0, first_chain = 0, total_steps = 0;
  Thinning thinning;
  std::vector<RecordedBlock> blocks;
  std::vector<StatSpec> stat_specs;
  std::vector<std::string> accumulators;
  bool float32 = false;
  std::uint64_t chunk_draws = 0, stats_chunk_rows = 0;

  std::vector<ChainState> chain_states;
  std::unique_ptr<BoundedQueue<Job>> queue;
  std::size_t max_batch = 1;
  std::thread thread;
  std::atomic<bool> failed{false};
  mutable std::mutex error_mutex;
  std::string error;

  // HDF5 objects: used by on_start, then only by the writer thread, then by
  // on_finish.
  Handle h5;
  std::vector<Handle> block_ds, stat_ds;
  Handle draw_scale, stats_draw_scale;
  Handle committed_draws_ds, committed_stats_ds;
  Handle cp_slot_ds, cp_step_ds, cp_momentum_ds, cp_q_ds, cp_p_ds, cp_acc_ds;
  // Writer-thread state (initialised by on_start).
  std::uint64_t draw_extent = 0, stats_extent = 0;
  std::vector<std::int64_t> committed_draws, committed_stats, cp_slot;
  WriterStats totals;
};

// ---------------------------------------------------------------- producers

ChainState& TrajectoryWriter::Impl::chain_state(std::uint64_t chain, const char* call) {
  if (!started || finished)
    throw ConfigError(options.path + ": " + call + " outside on_start ... on_finish");
  if (chain >= chains)
    throw ConfigError(options.path + ": " + call + " for chain " + std::to_string(chain) +
                      " of a run with " + std::to_string(chains) + " chains");
  throw_if_failed();
  return chain_states[chain];
}

void TrajectoryWriter::Impl::throw_if_failed() const {
  if (!failed.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(error_mutex);
  throw IoError(error);
}

void TrajectoryWriter::Impl::set_failure(const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!error.empty()) return;
    error = message;
  }
  failed.store(true, std::memory_order_release);
}

void TrajectoryWriter::Impl::enqueue(ChainState& cs, Job job) {
  cs.stalled += queue->push(std::move(job));
}

void TrajectoryWriter::Impl::draw(std::uint64_t chain, std::uint64_t k, const Vector& q) {
  ChainState& cs = chain_state(chain, "on_draw");
  if (k != cs.next_draw)
    throw ConfigError(options.path + ": chain " + std::to_string(chain) + " reported draw " +
                      std::to_string(k) + ", expected draw " + std::to_string(cs.next_draw) +
                      " (a resumed run restarts from the file's newest checkpoint)");
  if (q.size() != size)
    throw ConfigError(options.path + ": on_draw: q has " + std::to_string(q.size()) +
                      " entries, the layout " + std::to_string(size));
  if (cs.draw_buffer.empty())
    for (const auto& b : blocks)
      cs.draw_buffer.push_back(make_column(float32 ? Element::kFloat32 : Element::kFloat64,
                                           chunk_draws * static_cast<std::uint64_t>(b.size())));
  const std::uint64_t slot = k - cs.draw_chunk_start;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const RecordedBlock& b = blocks[i];
    std::visit(
        [&](auto& v) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(v)>, std::vector<std::int64_t>>)
            store_block(q.data() + b.offset, b.rows, b.cols,
                        v.data() + slot * static_cast<std::uint64_t>(b.size()));
        },
        cs.draw_buffer[i]);
  }
  ++cs.next_draw;
  if (cs.next_draw - cs.draw_chunk_start == chunk_draws) {
    Job job;
    job.kind = Job::Kind::kDraws;
    job.chain = chain;
    job.first = cs.draw_chunk_start;
    job.count = chunk_draws;
    job.columns = std::move(cs.draw_buffer);
    cs.draw_buffer.clear();
    cs.draw_chunk_start = cs.draws_flushed = cs.next_draw;
    enqueue(cs, std::move(job));
  }
}

void TrajectoryWriter::Impl::row(std::uint64_t chain, std::uint64_t k, const double* values) {
  ChainState& cs = chain_state(chain, "on_stats");
  if (k != cs.next_row)
    throw ConfigError(options.path + ": chain " + std::to_string(chain) +
                      " reported statistics row " + std::to_string(k) + ", expected row " +
                      std::to_string(cs.next_row));
  if (cs.row_buffer.empty())
    for (const auto& s : stat_specs)
      cs.row_buffer.push_back(
          make_column(s.kind == StatSpec::Kind::kInt64 ? Element::kInt64 : Element::kFloat64,
                      stats_chunk_rows));
  const std::uint64_t slot = k - cs.row_chunk_start;
  for (std::size_t i = 0; i < stat_specs.size(); ++i) {
    if (auto* ints = std::get_if<std::vector<std::int64_t>>(&cs.row_buffer[i]))
      (*ints)[slot] = to_int64(values[i]);
    else
      std::get<std::vector<double>>(cs.row_buffer[i])[slot] = values[i];
  }
  ++cs.next_row;
  if (cs.next_row - cs.row_chunk_start == stats_chunk_rows) {
    Job job;
    job.kind = Job::Kind::kStats;
    job.chain = chain;
    job.first = cs.row_chunk_start;
    job.count = stats_chunk_rows;
    job.columns = std::move(cs.row_buffer);
    cs.row_buffer.clear();
    cs.row_chunk_start = cs.rows_flushed = cs.next_row;
    enqueue(cs, std::move(job));
  }
}

void TrajectoryWriter::Impl::flush_partials(std::uint64_t chain) {
  ChainState& cs = chain_states[chain];
  if (cs.next_draw > cs.draws_flushed) {
    Job job;
    job.kind = Job::Kind::kDraws;
    job.chain = chain;
    job.first = cs.draw_chunk_start;
    job.count = cs.next_draw - cs.draw_chunk_start;
    for (std::size_t i = 0; i < blocks.size(); ++i)
      job.columns.push_back(
          head(cs.draw_buffer[i], job.count * static_cast<std::uint64_t>(blocks[i].size())));
    cs.draws_flushed = cs.next_draw;
    enqueue(cs, std::move(job));
  }
  if (cs.next_row > cs.rows_flushed) {
    Job job;
    job.kind = Job::Kind::kStats;
    job.chain = chain;
    job.first = cs.row_chunk_start;
    job.count = cs.next_row - cs.row_chunk_start;
    for (const Column& c : cs.row_buffer) job.columns.push_back(head(c, job.count));
    cs.rows_flushed = cs.next_row;
    enqueue(cs, std::move(job));
  }
}

void TrajectoryWriter::Impl::checkpoint(const ChainCheckpoint& c) {
  ChainState& cs = chain_state(c.chain, "on_checkpoint");
  const std::string where = options.path + ": checkpoint of chain " + std::to_string(c.chain);
  if (c.state.q.size() != size)
    throw ConfigError(where + ": q has " + std::to_string(c.state.q.size()) +
                      " entries, the layout " + std::to_string(size));
  if (c.state.p.size() != 0 && c.state.p.size() != size)
    throw ConfigError(where + ": p has " + std::to_string(c.state.p.size()) +
                      " entries, the layout " + std::to_string(size));
  if (c.accumulators.size() != accumulators.size())
    throw ConfigError(where + ": " + std::to_string(c.accumulators.size()) +
                      " accumulators, the run names " + std::to_string(accumulators.size()));
  if (!(cs.next_draw == thinning.draws_until(c.state.step) &&
        cs.next_row == thinning.stats_until(c.state.step)))
    throw ConfigError(where + " at step " + std::to_string(c.state.step) + " after " +
                      std::to_string(cs.next_draw) + " draws and " + std::to_string(cs.next_row) +
                      " statistics rows (that step implies " +
                      std::to_string(thinning.draws_until(c.state.step)) + " and " +
                      std::to_string(thinning.stats_until(c.state.step)) + ")");
  flush_partials(c.chain);
  Job job;
  job.kind = Job::Kind::kCheckpoint;
  job.chain = c.chain;
  job.checkpoint = c;
  enqueue(cs, std::move(job));
}

// ------------------------------------------------------------------ on_start

void TrajectoryWriter::Impl::describe(const RunDescription& run) {
  const std::string where = options.path + ": run description: ";
  require(run.layout != nullptr, where + "no parameter layout");
  const ParameterLayout& layout = *run.layout;
  require(layout.size() > 0, where + "the parameter layout is empty");
  require(run.num_chains >= 1, where + "num_chains must be at least 1");
  require(run.thinning.thin >= 1 && run.thinning.stats_thin >= 1,
          where + "thinning intervals must be at least 1");
  size = layout.size();
  chains = run.num_chains;
  first_chain = run.first_chain;
  thinning = run.thinning;
  total_steps = run.total_steps;
  accumulators = run.accumulators;

  std::set<std::string> posterior_names{"chain", "draw"};
  blocks.clear();
  for (Index b : run.recorded_blocks) {
    require(b >= 0 && b < layout.num_blocks(),
            where + "recorded block index " + std::to_string(b) + " is not a block of the layout");
    const BlockInfo& info = layout.block(b);
    require(valid_object_name(info.name),
            where + "block name '" + info.name + "' cannot name a dataset (contains '/')");
    RecordedBlock r{info.name, info.offset, info.rows, info.cols};
    require(posterior_names.insert(r.name).second,
            where + "recorded block '" + r.name +
                "' is listed twice or collides with a dimension name");
    for (std::size_t d = 0; d < r.shape().size(); ++d)
      require(posterior_names.insert(r.name + "_dim_" + std::to_string(d)).second,
              where + "recorded block '" + r.name + "': its dimension name '" + r.name + "_dim_" +
                  std::to_string(d) + "' collides with another name in posterior/");
    blocks.push_back(std::move(r));
  }
  std::set<std::string> stat_names{"chain", "draw"};
  for (const auto& s : run.stats) {
    require(valid_object_name(s.name),
            where + "statistic name '" + s.name + "' is empty or contains '/'");
    require(stat_names.insert(s.name).second,
            where + "statistic '" + s.name + "' is listed twice or named like a dimension");
  }
  stat_specs = run.stats;
}

namespace {

// Creation helpers; `file` names the path in errors.
struct Creator {
  const Hdf5File& file;

  Handle dataset(hid_t loc, const std::string& name, hid_t type, const std::vector<hsize_t>& dims,
                 const std::vector<hsize_t>& maxdims = {}, const std::vector<hsize_t>& chunk = {},
                 const double* fill = nullptr, int compression = 0) const {
    const std::string what = "creating dataset '" + name + "'";
    Handle space = file.own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(),
                                             maxdims.empty() ? nullptr : maxdims.data()),
                            what);
    Handle dcpl = file.own(H5Pcreate(H5P_DATASET_CREATE), what);
    if (!chunk.empty()) {
      file.check_status(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
                        what);
      if (compression > 0) {
        file.check_status(H5Pset_shuffle(dcpl.get()), what);
        file.check_status(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(compression)), what);
      }
    }
    if (fill) file.check_status(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, fill), what);
    // HDF5's default chunk cache (1 MiB) holds the automatic chunks; larger
    // ones, always written whole, go straight to the file (measured: a cache
    // sized to hold them made 100 draws of a 6.4 MB chunk no faster).
    return file.own(
        H5Dcreate2(loc, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        what);
  }

  void write_all(hid_t ds, hid_t mem, const void* data, const std::string& name) const {
    file.check_status(H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                      "writing '" + name + "'");
  }

  Handle int64s(hid_t loc, const std::string& name, const std::vector<std::int64_t>& v) const {
    Handle ds = dataset(loc, name, H5T_STD_I64LE, {v.size()});
    if (!v.empty()) write_all(ds.get(), H5T_NATIVE_INT64, v.data(), name);
    return ds;
  }

  Handle doubles(hid_t loc, const std::string& name, const std::vector<double>& v) const {
    Handle ds = dataset(loc, name, H5T_IEEE_F64LE, {v.size()});
    if (!v.empty()) write_all(ds.get(), H5T_NATIVE_DOUBLE, v.data(), name);
    return ds;
  }

  Handle strings(hid_t loc, const std::string& name, const std::vector<std::string>& v) const {
    Handle type = detail::vlen_string_type();
    Handle ds = dataset(loc, name, type.get(), {v.size()});
    std::vector<const char*> ptrs;
    for (const auto& s : v) ptrs.push_back(s.c_str());
    if (!v.empty()) write_all(ds.get(), type.get(), ptrs.data(), name);
    return ds;
  }

  void make_scale(hid_t ds, const std::string& name) const {
    file.check_status(H5DSset_scale(ds, name.c_str()), "making '" + name + "' a dimension scale");
  }

  Handle int_scale(hid_t loc, const std::string& name, const std::vector<std::int64_t>& v) const {
    Handle ds = int64s(loc, name, v);
    make_scale(ds.get(), name);
    return ds;
  }

  Handle string_scale(hid_t loc, const std::string& name, const std::vector<std::string>& v) const {
    Handle ds = strings(loc, name, v);
    make_scale(ds.get(), name);
    return ds;
  }

  // An unlimited int64 scale (the `draw` axis), grown with the data.
  Handle growing_scale(hid_t loc, const std::string& name, hsize_t chunk) const {
    const double zero = 0;
    Handle ds = dataset(loc, name, H5T_STD_I64LE, {0}, {H5S_UNLIMITED}, {chunk}, &zero);
    make_scale(ds.get(), name);
    return ds;
  }

  // A dimension without coordinate values (netCDF's convention: h5netcdf
  // and netCDF-C show it as a dimension, not as a variable).
  Handle bare_dimension(hid_t loc, const std::string& name, hsize_t n) const {
    Handle ds = dataset(loc, name, H5T_STD_I32LE, {n});
    char label[96];
    std::snprintf(label, sizeof label, "%s%10llu", kNotAVariable,
                  static_cast<unsigned long long>(n));
    make_scale(ds.get(), label);
    return ds;
  }

  void attach(hid_t ds, const std::vector<hid_t>& scales, const std::string& name) const {
    for (std::size_t i = 0; i < scales.size(); ++i)
      file.check_status(H5DSattach_scale(ds, scales[i], static_cast<unsigned>(i)),
                        "attaching dimension " + std::to_string(i) + " of '" + name + "'");
  }

  Handle group(hid_t loc, const std::string& name) const {
    return file.own(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    "creating group '" + name + "'");
  }
};

std::vector<std::int64_t> iota64(std::uint64_t n, std::int64_t start = 0) {
  std::vector<std::int64_t> v(n);
  for (std::uint64_t i = 0; i < n; ++i) v[i] = start + static_cast<std::int64_t>(i);
  return v;
}

}  // namespace

void TrajectoryWriter::Impl::write_root_attributes(hid_t root, bool fresh) {
  if (fresh) {
    file.write_string_attribute(root, "format", kTrajectoryFormat);
    file.write_int_attribute(root, "format_version", kTrajectoryFormatVersion);
    file.write_string_attribute(root, "start_time", detail::utc_now());
  }
  file.write_string_attribute(root, "status", kStatusRunning);
  file.write_string_attribute(root, "message", "");
  file.write_string_attribute(root, "end_time", "");
  for (const auto& [name, value] : options.attributes)
    file.write_string_attribute(root, name, value);
}

void TrajectoryWriter::Impl::create_file() {
  const Creator make{file};
  Handle fapl = detail::latest_format_fapl(file);
  // Paged allocation: no metadata block smaller than a page crosses a page
  // boundary. A killed process can leave a write torn only between pages,
  // and the chunk index blocks that are rewritten in place as draws arrive
  // hold committed entries of every chain (measured without paging: 2 of
  // about 3800 killed files lost a committed index block torn across a page
  // boundary; with paging 0 of 7500).
  Handle fcpl = file.own(H5Pcreate(H5P_FILE_CREATE), "creating the file");
  file.check_status(H5Pset_file_space_strategy(fcpl.get(), H5F_FSPACE_STRATEGY_PAGE, 0, 1),
                    "creating the file (paged allocation)");
  file.check_status(H5Pset_file_space_page_size(fcpl.get(), kPageBytes),
                    "creating the file (page size)");
  h5 = file.own(H5Fcreate(options.path.c_str(), options.overwrite ? H5F_ACC_TRUNC : H5F_ACC_EXCL,
                          fcpl.get(), fapl.get()),
                "creating the file");
  const hid_t root = h5.get();
  write_root_attributes(root, true);
  const std::vector<std::int64_t> chain_ids =
      iota64(chains, static_cast<std::int64_t>(first_chain));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const hsize_t nc = chains;
  const hid_t value_type = float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;

  {  // posterior/
    Handle g = make.group(root, "posterior");
    Handle chain = make.int_scale(g.get(), "chain", chain_ids);
    Handle draw = make.growing_scale(g.get(), "draw", chunk_draws);
    for (const RecordedBlock& b : blocks) {
      const std::vector<hsize_t> shape = b.shape();
      std::vector<Handle> dims;
      for (std::size_t d = 0; d < shape.size(); ++d)
        dims.push_back(
            make.int_scale(g.get(), b.name + "_dim_" + std::to_string(d), iota64(shape[d])));
      Handle ds = make.dataset(g.get(), b.name, value_type, concat({nc, 0}, shape),
                               concat({nc, H5S_UNLIMITED}, shape), concat({1, chunk_draws}, shape),
                               &nan, options.compression);
      std::vector<hid_t> scales{chain.get(), draw.get()};
      for (const Handle& d : dims) scales.push_back(d.get());
      make.attach(ds.get(), scales, "posterior/" + b.name);
    }
  }
  {  // sample_stats/
    Handle g = make.group(root, "sample_stats");
    Handle chain = make.int_scale(g.get(), "chain", chain_ids);
    Handle draw = make.growing_scale(g.get(), "draw", stats_chunk_rows);
    for (const StatSpec& s : stat_specs) {
      const bool ints = s.kind == StatSpec::Kind::kInt64;
      const double zero = 0;
      Handle ds = make.dataset(g.get(), s.name, ints ? H5T_STD_I64LE : H5T_IEEE_F64LE, {nc, 0},
                               {nc, H5S_UNLIMITED}, {1, stats_chunk_rows}, ints ? &zero : &nan,
                               options.compression);
      make.attach(ds.get(), {chain.get(), draw.get()}, "sample_stats/" + s.name);
      file.write_string_attribute(ds.get(), "description", s.description);
    }
  }
  {  // cola/
    Handle g = make.group(root, "cola");
    const hid_t c = g.get();
    file.write_int_attribute(c, "first_chain", static_cast<std::int64_t>(first_chain));
    file.write_int_attribute(c, "warmup", static_cast<std::int64_t>(thinning.warmup));
    file.write_int_attribute(c, "thin", static_cast<std::int64_t>(thinning.thin));
    file.write_int_attribute(c, "stats_thin", static_cast<std::int64_t>(thinning.stats_thin));
    file.write_int_attribute(c, "total_steps", static_cast<std::int64_t>(total_steps));
    file.write_int_attribute(c, "chunk_draws", static_cast<std::int64_t>(chunk_draws));
    file.write_int_attribute(c, "stats_chunk_rows", static_cast<std::int64_t>(stats_chunk_rows));
    file.write_string_attribute(c, "precision", precision_name(float32));

    Handle chain = make.int_scale(c, "chain", chain_ids);
    // The layout, one entry per block.
    std::vector<std::string> names;
    std::vector<std::int64_t> offsets, rows, cols, recorded;
    std::vector<double> masses;
    for (const BlockInfo& b : run_layout->blocks()) {
      names.push_back(b.name);
      offsets.push_back(b.offset);
      rows.push_back(b.rows);
      cols.push_back(b.cols);
      masses.push_back(b.mass);
      recorded.push_back(std::any_of(blocks.begin(), blocks.end(),
                                     [&](const RecordedBlock& r) { return r.name == b.name; }));
    }
    Handle block = make.string_scale(c, "block", names);
    Handle offset = make.int64s(c, "layout_offset", offsets);
    Handle row_count = make.int64s(c, "layout_rows", rows);
    Handle col_count = make.int64s(c, "layout_cols", cols);
    Handle rec = make.int64s(c, "layout_recorded", recorded);
    Handle mass = make.doubles(c, "layout_mass", masses);
    for (const Handle* h : {&offset, &row_count, &col_count, &rec, &mass})
      make.attach(h->get(), {block.get()}, "cola/layout");

    std::vector<std::string> stat_names;
    for (const auto& s : stat_specs) stat_names.push_back(s.name);
    Handle stat = make.string_scale(c, "stat", stat_names);
    Handle accumulator = make.string_scale(c, "accumulator", accumulators);
    Handle slot = make.int_scale(c, "slot", iota64(kCheckpointSlots));
    Handle parameter = make.bare_dimension(c, "parameter", static_cast<hsize_t>(size));

    const std::vector<std::int64_t> zeros(chains, 0);
    for (const char* name : {"committed_draws", "committed_stats"}) {
      Handle ds = make.int64s(c, name, zeros);
      make.attach(ds.get(), {chain.get()}, std::string("cola/") + name);
    }
    Handle cp_slot_init = make.int64s(c, "checkpoint_slot", std::vector<std::int64_t>(chains, -1));
    make.attach(cp_slot_init.get(), {chain.get()}, "cola/checkpoint_slot");
    const std::vector<std::int64_t> slot_zeros(static_cast<std::size_t>(kCheckpointSlots) * chains,
                                               0);
    for (const char* name : {"checkpoint_step", "checkpoint_momentum"}) {
      Handle ds = make.dataset(c, name, H5T_STD_I64LE, {kCheckpointSlots, nc});
      make.write_all(ds.get(), H5T_NATIVE_INT64, slot_zeros.data(), name);
      make.attach(ds.get(), {slot.get(), chain.get()}, std::string("cola/") + name);
    }
    const hsize_t n = static_cast<hsize_t>(size);
    for (const char* name : {"checkpoint_q", "checkpoint_p"}) {
      Handle ds = make.dataset(c, name, H5T_IEEE_F64LE, {kCheckpointSlots, nc, n}, {},
                               {1, 1, std::min(n, kCheckpointChunk)});
      make.attach(ds.get(), {slot.get(), chain.get(), parameter.get()},
                  std::string("cola/") + name);
    }
    const hsize_t na = accumulators.size();
    Handle acc = na > 0 ? make.dataset(c, "checkpoint_accumulators", H5T_IEEE_F64LE,
                                       {kCheckpointSlots, nc, na}, {}, {1, 1, na})
                        : make.dataset(c, "checkpoint_accumulators", H5T_IEEE_F64LE,
                                       {kCheckpointSlots, nc, 0});
    make.attach(acc.get(), {slot.get(), chain.get(), accumulator.get()},
                "cola/checkpoint_accumulators");
  }
  open_datasets(root);
  draw_extent = stats_extent = 0;
  committed_draws.assign(chains, 0);
  committed_stats.assign(chains, 0);
  cp_slot.assign(chains, -1);
}

void TrajectoryWriter::Impl::open_datasets(hid_t root) {
  auto open = [&](const std::string& name) {
    return file.own(H5Dopen2(root, name.c_str(), H5P_DEFAULT), "opening '" + name + "'");
  };
  block_ds.clear();
  for (const RecordedBlock& b : blocks) block_ds.push_back(open("posterior/" + b.name));
  stat_ds.clear();
  for (const StatSpec& s : stat_specs) stat_ds.push_back(open("sample_stats/" + s.name));
  draw_scale = open("posterior/draw");
  stats_draw_scale = open("sample_stats/draw");
  committed_draws_ds = open("cola/committed_draws");
  committed_stats_ds = open("cola/committed_stats");
  cp_slot_ds = open("cola/checkpoint_slot");
  cp_step_ds = open("cola/checkpoint_step");
  cp_momentum_ds = open("cola/checkpoint_momentum");
  cp_q_ds = open("cola/checkpoint_q");
  cp_p_ds = open("cola/checkpoint_p");
  cp_acc_ds = open("cola/checkpoint_accumulators");
}

template <class StepOf>
std::uint64_t TrajectoryWriter::Impl::align_extents(std::vector<Handle>& data, Handle& scale,
                                                    const std::string& group, StepOf step_of) {
  // A writer killed while extending a group may have grown some of its
  // datasets and not the others (rows past the committed ones only); give
  // them all the largest extent again, as xarray wants one length per
  // dimension, and rewrite the coordinate.
  const std::string what = "aligning the extents in " + group + "/";
  hsize_t n = file.dims(scale.get(), what)[0];
  for (const Handle& ds : data) n = std::max(n, file.dims(ds.get(), what).at(1));
  for (const Handle& ds : data) {
    std::vector<hsize_t> dims = file.dims(ds.get(), what);
    if (dims[1] == n) continue;
    dims[1] = n;
    file.check_status(H5Dset_extent(ds.get(), dims.data()), what);
  }
  file.check_status(H5Dset_extent(scale.get(), &n), what);
  std::vector<std::int64_t> steps(n);
  for (hsize_t k = 0; k < n; ++k) steps[k] = static_cast<std::int64_t>(step_of(k));
  if (n > 0) file.write_slab(scale.get(), H5T_NATIVE_INT64, {0}, {n}, steps.data(), what);
  return n;
}

void TrajectoryWriter::Impl::check_resumable(const RunDescription& run) {
  Handle ro = detail::open_read_only(file);
  const hid_t root = ro.get();
  Handle cola = file.own(H5Gopen2(root, "cola", H5P_DEFAULT), "opening group 'cola'");
  const hid_t c = cola.get();

  // Compare the run with the file; report every difference at once.
  std::vector<std::string> diffs;
  auto compare = [&](const std::string& what, const auto& in_file, const auto& in_run) {
    if (in_file != in_run) diffs.push_back(what + " (file: " + in_file + ", run: " + in_run + ")");
  };
  auto num = [](auto v) { return std::to_string(v); };
  const auto file_chains = file.read_int64s(c, "chain");
  compare("chains", num(file_chains.size()), num(chains));
  compare("first_chain", num(file.read_int_attribute(c, "first_chain")), num(first_chain));
  compare("warmup", num(file.read_int_attribute(c, "warmup")), num(thinning.warmup));
  compare("thin", num(file.read_int_attribute(c, "thin")), num(thinning.thin));
  compare("stats_thin", num(file.read_int_attribute(c, "stats_thin")), num(thinning.stats_thin));
  const std::int64_t old_total = file.read_int_attribute(c, "total_steps");
  if (static_cast<std::uint64_t>(old_total) > total_steps)
    diffs.push_back("total_steps (file: " + num(old_total) + ", run: " + num(total_steps) +
                    "; a resumed run may only grow)");

  const auto names = file.read_strings(c, "block");
  const auto offsets = file.read_int64s(c, "layout_offset");
  const auto rows = file.read_int64s(c, "layout_rows");
  const auto cols = file.read_int64s(c, "layout_cols");
  const auto masses = file.read_doubles(c, "layout_mass");
  const auto recorded = file.read_int64s(c, "layout_recorded");
  const ParameterLayout& layout = *run.layout;
  compare("number of layout blocks", num(names.size()), num(layout.num_blocks()));
  for (std::size_t i = 0; i < std::min<std::size_t>(names.size(), layout.blocks().size()); ++i) {
    const BlockInfo& b = layout.blocks()[i];
    const std::string label = "layout block " + num(i);
    compare(label + " name", names[i], b.name);
    if (names[i] != b.name) continue;
    compare("block '" + b.name + "' offset", num(offsets.at(i)), num(b.offset));
    compare("block '" + b.name + "' shape", num(rows.at(i)) + "x" + num(cols.at(i)),
            num(b.rows) + "x" + num(b.cols));
    if (masses.at(i) != b.mass)
      diffs.push_back("block '" + b.name + "' mass (file: " + num(masses[i]) +
                      ", run: " + num(b.mass) + ")");
    const bool rec = std::any_of(blocks.begin(), blocks.end(),
                                 [&](const RecordedBlock& r) { return r.name == b.name; });
    compare("block '" + b.name + "' recorded", std::string(recorded.at(i) ? "yes" : "no"),
            std::string(rec ? "yes" : "no"));
  }
  const auto file_stats = file.read_strings(c, "stat");
  std::string run_stats, file_stat_list;
  for (const auto& s : stat_specs) run_stats += (run_stats.empty() ? "" : ",") + s.name;
  for (const auto& s : file_stats) file_stat_list += (file_stat_list.empty() ? "" : ",") + s;
  compare("statistics", file_stat_list, run_stats);
  if (file_stat_list == run_stats)
    for (const StatSpec& s : stat_specs) {
      Handle ds = file.own(H5Dopen2(root, ("sample_stats/" + s.name).c_str(), H5P_DEFAULT),
                           "opening 'sample_stats/" + s.name + "'");
      Handle type = file.own(H5Dget_type(ds.get()), "reading the type of '" + s.name + "'");
      const bool ints = H5Tget_class(type.get()) == H5T_INTEGER;
      compare("statistic '" + s.name + "' type", std::string(ints ? "int64" : "float64"),
              std::string(s.kind == StatSpec::Kind::kInt64 ? "int64" : "float64"));
    }
  std::string run_acc, file_acc;
  for (const auto& a : accumulators) run_acc += (run_acc.empty() ? "" : ",") + a;
  for (const auto& a : file.read_strings(c, "accumulator"))
    file_acc += (file_acc.empty() ? "" : ",") + a;
  compare("accumulators", file_acc, run_acc);
  if (!diffs.empty()) {
    std::string message = options.path + ": cannot resume: the run differs from the file in ";
    for (std::size_t i = 0; i < diffs.size(); ++i) message += (i ? "; " : "") + diffs[i];
    throw ConfigError(message);
  }
}

void TrajectoryWriter::Impl::open_for_resume(const RunDescription& run) {
  // The run is compared with the file on a read-only handle: a run that does
  // not match leaves the file's bytes as they were (an open for update may
  // rewrite the superblock, and after a killed writer moves the end of
  // allocation).
  check_resumable(run);
  h5 = detail::open_for_update(file);
  const hid_t root = h5.get();
  Handle cola = file.own(H5Gopen2(root, "cola", H5P_DEFAULT), "opening group 'cola'");
  const hid_t c = cola.get();
  // The file's storage choices.
  float32 = file.read_string_attribute(c, "precision") == "float32";
  chunk_draws = static_cast<std::uint64_t>(file.read_int_attribute(c, "chunk_draws"));
  stats_chunk_rows = static_cast<std::uint64_t>(file.read_int_attribute(c, "stats_chunk_rows"));
  cola.reset();
  open_datasets(root);
  const auto file_committed_draws = file.read_int64s(root, "cola/committed_draws");
  const auto file_committed_stats = file.read_int64s(root, "cola/committed_stats");
  cp_slot = file.read_int64s(root, "cola/checkpoint_slot");
  const auto cp_steps = file.read_int64s(root, "cola/checkpoint_step");

  // Every chain restarts from its newest checkpoint: its counts go back to
  // what that step implies, and the partial chunk before them is reloaded so
  // that chunks keep being written whole.
  committed_draws.assign(chains, 0);
  committed_stats.assign(chains, 0);
  chain_states.assign(chains, ChainState{});
  for (std::uint64_t ch = 0; ch < chains; ++ch) {
    const std::int64_t slot = cp_slot.at(ch);
    const std::uint64_t step =
        slot >= 0
            ? static_cast<std::uint64_t>(cp_steps.at(static_cast<std::size_t>(slot) * chains + ch))
            : 0;
    const std::uint64_t k0 = thinning.draws_until(step), r0 = thinning.stats_until(step);
    if (k0 > static_cast<std::uint64_t>(file_committed_draws.at(ch)) ||
        r0 > static_cast<std::uint64_t>(file_committed_stats.at(ch)))
      throw IoError(options.path + ": chain " + std::to_string(ch) + ": the checkpoint at step " +
                    std::to_string(step) + " is ahead of the committed draws (damaged file)");
    committed_draws[ch] = static_cast<std::int64_t>(k0);
    committed_stats[ch] = static_cast<std::int64_t>(r0);
    ChainState& cs = chain_states[ch];
    cs.next_draw = cs.draws_flushed = k0;
    cs.draw_chunk_start = k0 / chunk_draws * chunk_draws;
    if (cs.draw_chunk_start < k0)
      for (std::size_t i = 0; i < blocks.size(); ++i) {
        const RecordedBlock& b = blocks[i];
        Column col = make_column(float32 ? Element::kFloat32 : Element::kFloat64,
                                 chunk_draws * static_cast<std::uint64_t>(b.size()));
        file.read_slab(block_ds[i].get(), mem_type(col),
                       concat({ch, cs.draw_chunk_start}, std::vector<hsize_t>(b.shape().size(), 0)),
                       concat({1, k0 - cs.draw_chunk_start}, b.shape()), column_data(col),
                       "reading posterior/" + b.name + " of chain " + std::to_string(ch));
        cs.draw_buffer.push_back(std::move(col));
      }
    cs.next_row = cs.rows_flushed = r0;
    cs.row_chunk_start = r0 / stats_chunk_rows * stats_chunk_rows;
    if (cs.row_chunk_start < r0)
      for (std::size_t i = 0; i < stat_specs.size(); ++i) {
        Column col = make_column(
            stat_specs[i].kind == StatSpec::Kind::kInt64 ? Element::kInt64 : Element::kFloat64,
            stats_chunk_rows);
        file.read_slab(
            stat_ds[i].get(), mem_type(col), {ch, cs.row_chunk_start}, {1, r0 - cs.row_chunk_start},
            column_data(col),
            "reading sample_stats/" + stat_specs[i].name + " of chain " + std::to_string(ch));
        cs.row_buffer.push_back(std::move(col));
      }
  }

  // Nothing was written before this point.
  draw_extent = align_extents(block_ds, draw_scale, "posterior",
                              [&](std::uint64_t k) { return thinning.draw_step(k); });
  stats_extent = align_extents(stat_ds, stats_draw_scale, "sample_stats",
                               [&](std::uint64_t k) { return thinning.stats_step(k); });
  Creator{file}.write_all(committed_draws_ds.get(), H5T_NATIVE_INT64, committed_draws.data(),
                          "cola/committed_draws");
  Creator{file}.write_all(committed_stats_ds.get(), H5T_NATIVE_INT64, committed_stats.data(),
                          "cola/committed_stats");
  Handle cola_again = file.own(H5Gopen2(root, "cola", H5P_DEFAULT), "opening group 'cola'");
  file.write_int_attribute(cola_again.get(), "total_steps", static_cast<std::int64_t>(total_steps));
  write_root_attributes(root, false);
}

void TrajectoryWriter::Impl::begin_writing() {
  flush();
  file.check_status(H5Fstart_swmr_write(h5.get()), "switching to SWMR writing");
  // Bound the bytes queued plus the batch being written by queue_bytes.
  const std::uint64_t value_bytes = float32 ? 4 : 8;
  std::uint64_t draw_bytes = 0;
  for (const auto& b : blocks) draw_bytes += static_cast<std::uint64_t>(b.size());
  draw_bytes *= chunk_draws * value_bytes;
  const std::uint64_t job_bytes = std::max<std::uint64_t>(
      {draw_bytes, stats_chunk_rows * stat_specs.size() * 8,
       (2 * static_cast<std::uint64_t>(size) + accumulators.size()) * 8, 1});
  const std::uint64_t capacity = std::max<std::uint64_t>(1, options.queue_bytes / job_bytes / 2);
  queue = std::make_unique<BoundedQueue<Job>>(capacity);
  max_batch = capacity;
  thread = std::thread([this] { writer_loop(); });
}

void TrajectoryWriter::Impl::start(const RunDescription& run) {
  require(!started, options.path + ": on_start called twice");
  describe(run);
  run_layout = run.layout;
  if (!resuming) {
    float32 = options.precision == Precision::kFloat32;
    stats_chunk_rows = options.stats_chunk_rows;
    const std::uint64_t value_bytes = float32 ? 4 : 8;
    std::uint64_t largest = 1;
    for (const auto& b : blocks)
      largest = std::max<std::uint64_t>(largest, static_cast<std::uint64_t>(b.size()));
    chunk_draws = options.chunk_draws > 0
                      ? options.chunk_draws
                      : std::clamp<std::uint64_t>(kAutoChunkBytes / (largest * value_bytes), 1,
                                                  kMaxAutoChunkDraws);
    require(chunk_draws * largest * value_bytes <= kMaxChunkBytes,
            options.path + ": chunk_draws " + std::to_string(chunk_draws) +
                " makes a chunk larger than HDF5's 4 GiB limit");
    chain_states.assign(chains, ChainState{});
  }
  Hdf5Lock lock;
  try {
    if (resuming)
      open_for_resume(run);
    else
      create_file();
    begin_writing();
  } catch (...) {
    block_ds.clear();
    stat_ds.clear();
    for (Handle* h : {&draw_scale, &stats_draw_scale, &committed_draws_ds, &committed_stats_ds,
                      &cp_slot_ds, &cp_step_ds, &cp_momentum_ds, &cp_q_ds, &cp_p_ds, &cp_acc_ds})
      h->reset();
    const bool created = h5 && !resuming;
    h5.reset();
    // A half-made new file holds no data: do not leave it behind.
    if (created) std::remove(options.path.c_str());
    throw;
  }
  started = true;
}

// ------------------------------------------------------------- writer thread

void TrajectoryWriter::Impl::flush() {
  file.check_status(H5Fflush(h5.get(), H5F_SCOPE_LOCAL), "flushing");
}

void TrajectoryWriter::Impl::write_draws(const Job& job) {
  const std::uint64_t end = job.first + job.count;
  const std::string range = "draws " + std::to_string(job.first) + "-" + std::to_string(end - 1) +
                            " of chain " + std::to_string(job.chain);
  if (end > draw_extent) {
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::vector<hsize_t> dims = concat({chains, end}, blocks[i].shape());
      file.check_status(
          H5Dset_extent(block_ds[i].get(), dims.data()),
          "extending posterior/" + blocks[i].name + " to " + std::to_string(end) + " draws");
    }
    const hsize_t n = end;
    file.check_status(H5Dset_extent(draw_scale.get(), &n), "extending posterior/draw");
    std::vector<std::int64_t> steps;
    for (std::uint64_t k = draw_extent; k < end; ++k)
      steps.push_back(static_cast<std::int64_t>(thinning.draw_step(k)));
    file.write_slab(draw_scale.get(), H5T_NATIVE_INT64, {draw_extent}, {end - draw_extent},
                    steps.data(), "writing posterior/draw");
    draw_extent = end;
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto shape = blocks[i].shape();
    file.write_slab(block_ds[i].get(), mem_type(job.columns[i]),
                    concat({job.chain, job.first}, std::vector<hsize_t>(shape.size(), 0)),
                    concat({1, job.count}, shape), column_data(job.columns[i]),
                    "writing " + range + " to posterior/" + blocks[i].name);
    totals.bytes_written += column_bytes(job.columns[i]);
    ++totals.chunks_written;
  }
}

void TrajectoryWriter::Impl::write_rows(const Job& job) {
  const std::uint64_t end = job.first + job.count;
  const std::string range = "statistics rows " + std::to_string(job.first) + "-" +
                            std::to_string(end - 1) + " of chain " + std::to_string(job.chain);
  if (end > stats_extent) {
    for (std::size_t i = 0; i < stat_specs.size(); ++i) {
      const hsize_t dims[2] = {chains, end};
      file.check_status(H5Dset_extent(stat_ds[i].get(), dims),
                        "extending sample_stats/" + stat_specs[i].name);
    }
    const hsize_t n = end;
    file.check_status(H5Dset_extent(stats_draw_scale.get(), &n), "extending sample_stats/draw");
    std::vector<std::int64_t> steps;
    for (std::uint64_t k = stats_extent; k < end; ++k)
      steps.push_back(static_cast<std::int64_t>(thinning.stats_step(k)));
    file.write_slab(stats_draw_scale.get(), H5T_NATIVE_INT64, {stats_extent}, {end - stats_extent},
                    steps.data(), "writing sample_stats/draw");
    stats_extent = end;
  }
  for (std::size_t i = 0; i < stat_specs.size(); ++i) {
    file.write_slab(stat_ds[i].get(), mem_type(job.columns[i]), {job.chain, job.first},
                    {1, job.count}, column_data(job.columns[i]),
                    "writing " + range + " to sample_stats/" + stat_specs[i].name);
    totals.bytes_written += column_bytes(job.columns[i]);
    ++totals.chunks_written;
  }
}

void TrajectoryWriter::Impl::write_checkpoint_data(const Job& job, std::int64_t slot) {
  const ChainCheckpoint& c = job.checkpoint;
  const hsize_t s = static_cast<hsize_t>(slot), ch = job.chain, n = static_cast<hsize_t>(size);
  const std::string what = "writing the checkpoint of chain " + std::to_string(job.chain);
  const std::int64_t step = static_cast<std::int64_t>(c.state.step);
  const std::int64_t momentum = c.state.p.size() > 0 ? 1 : 0;
  file.write_slab(cp_step_ds.get(), H5T_NATIVE_INT64, {s, ch}, {1, 1}, &step, what);
  file.write_slab(cp_momentum_ds.get(), H5T_NATIVE_INT64, {s, ch}, {1, 1}, &momentum, what);
  file.write_slab(cp_q_ds.get(), H5T_NATIVE_DOUBLE, {s, ch, 0}, {1, 1, n}, c.state.q.data(), what);
  // Without momentum the slot's p keeps whatever it held; the flag says to
  // ignore it.
  if (momentum)
    file.write_slab(cp_p_ds.get(), H5T_NATIVE_DOUBLE, {s, ch, 0}, {1, 1, n}, c.state.p.data(),
                    what);
  if (!accumulators.empty())
    file.write_slab(cp_acc_ds.get(), H5T_NATIVE_DOUBLE, {s, ch, 0}, {1, 1, accumulators.size()},
                    c.accumulators.data(), what);
  totals.bytes_written += (n * (1 + static_cast<hsize_t>(momentum)) + accumulators.size() + 2) * 8;
}

void TrajectoryWriter::Impl::write_batch(std::vector<Job>& batch) {
  std::vector<std::int64_t> draws = committed_draws, rows = committed_stats;
  const Job* cp = nullptr;
  for (const Job& job : batch) {
    switch (job.kind) {
      case Job::Kind::kDraws:
        write_draws(job);
        draws[job.chain] = static_cast<std::int64_t>(job.first + job.count);
        break;
      case Job::Kind::kStats:
        write_rows(job);
        rows[job.chain] = static_cast<std::int64_t>(job.first + job.count);
        break;
      case Job::Kind::kCheckpoint: cp = &job; break;
    }
  }
  // The data, then the counters that cover it.
  flush();
  if (draws != committed_draws) {
    file.write_slab(committed_draws_ds.get(), H5T_NATIVE_INT64, {0}, {chains}, draws.data(),
                    "writing cola/committed_draws");
    committed_draws = draws;
  }
  if (rows != committed_stats) {
    file.write_slab(committed_stats_ds.get(), H5T_NATIVE_INT64, {0}, {chains}, rows.data(),
                    "writing cola/committed_stats");
    committed_stats = rows;
  }
  // A checkpoint goes to the slot that does not hold the newest one, and
  // becomes the newest only once its data is flushed.
  std::int64_t slot = -1;
  if (cp) {
    slot = cp_slot[cp->chain] == 0 ? 1 : 0;
    write_checkpoint_data(*cp, slot);
  }
  flush();
  if (cp) {
    cp_slot[cp->chain] = slot;
    file.write_slab(cp_slot_ds.get(), H5T_NATIVE_INT64, {0}, {chains}, cp_slot.data(),
                    "writing cola/checkpoint_slot");
    flush();
  }
}

void TrajectoryWriter::Impl::writer_loop() {
  for (;;) {
    std::optional<Job> first = queue->pop();
    if (!first) return;
    // After a failure the queue is drained so that producers never block.
    if (failed.load(std::memory_order_acquire)) continue;
    std::vector<Job> batch;
    batch.push_back(std::move(*first));
    // One batch, one set of flushes; a checkpoint ends the batch (its slot
    // flip must follow the flush of its data).
    while (batch.back().kind != Job::Kind::kCheckpoint && batch.size() < max_batch) {
      std::optional<Job> next = queue->try_pop();
      if (!next) break;
      batch.push_back(std::move(*next));
    }
    const auto start = std::chrono::steady_clock::now();
    try {
      Hdf5Lock lock;
      write_batch(batch);
    } catch (const std::exception& e) {
      set_failure(e.what());
    } catch (...) {
      set_failure(options.path + ": unknown error in the trajectory writer thread");
    }
    totals.busy_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
}

// ----------------------------------------------------------------- on_finish

bool TrajectoryWriter::Impl::close_file() {
  bool ok = true;
  for (Handle& h : block_ds) ok = h.reset() && ok;
  for (Handle& h : stat_ds) ok = h.reset() && ok;
  for (Handle* h : {&draw_scale, &stats_draw_scale, &committed_draws_ds, &committed_stats_ds,
                    &cp_slot_ds, &cp_step_ds, &cp_momentum_ds, &cp_q_ds, &cp_p_ds, &cp_acc_ds})
    ok = h->reset() && ok;
  ok = h5.reset() && ok;
  if (!ok) {
    const std::string detail = detail::hdf5_error_detail();
    set_failure(options.path + ": closing the file failed" + (detail.empty() ? "" : ": " + detail));
  }
  return ok;
}

void TrajectoryWriter::Impl::finish(const RunEnd& end) {
  if (!started || finished) return;
  finished = true;
  if (!failed.load())
    for (std::uint64_t c = 0; c < chains; ++c) flush_partials(c);
  queue->close();
  if (thread.joinable()) thread.join();
  for (const ChainState& cs : chain_states) totals.stalled_seconds += cs.stalled;
  bool closed = false;
  {
    Hdf5Lock lock;
    closed = close_file();
  }
  const bool io_failed = failed.load();
  const std::string status = io_failed ? kStatusFailed : status_for(end);
  std::string message = end.message;
  if (io_failed) message = message.empty() ? error : message + "; " + error;
  // Recording the status reopens the file without SWMR's write ordering. If
  // HDF5 could not even close it (a full disk), a second failure there could
  // damage what is committed: the file keeps status "running" instead.
  if (closed) {
    try {
      Hdf5Lock lock;
      Handle f = detail::open_for_update(file);
      file.write_string_attribute(f.get(), "status", status);
      file.write_string_attribute(f.get(), "message", message);
      file.write_string_attribute(f.get(), "end_time", detail::utc_now());
      file.check_status(H5Fflush(f.get(), H5F_SCOPE_LOCAL), "flushing");
      if (!f.reset()) file.fail("closing the file");
    } catch (const std::exception& e) {
      set_failure(std::string(e.what()) + " (recording the final status)");
    }
  }
  throw_if_failed();
}

TrajectoryWriter::Impl::~Impl() {
  if (!started || finished) return;
  try {
    finish(RunEnd{false, "the trajectory writer was destroyed before the run finished"});
  } catch (...) {
    // Already recorded in the file as far as possible; a destructor must not throw.
  }
}

// ------------------------------------------------------------------- public

TrajectoryWriter::TrajectoryWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TrajectoryWriter::TrajectoryWriter(TrajectoryOptions options) {
  options.validate();
  check_new_path(options);
  impl_ = std::make_unique<Impl>(std::move(options), false);
}

TrajectoryWriter TrajectoryWriter::resume(TrajectoryOptions options) {
  options.validate();
  {
    TrajectoryReader check(options.path);  // IoError unless a cola trajectory
  }
  if (::access(options.path.c_str(), W_OK) != 0)
    throw IoError(options.path + " is not writable: " + std::strerror(errno));
  return TrajectoryWriter(std::make_unique<Impl>(std::move(options), true));
}

TrajectoryWriter::TrajectoryWriter(TrajectoryWriter&&) noexcept = default;
TrajectoryWriter& TrajectoryWriter::operator=(TrajectoryWriter&&) noexcept = default;
TrajectoryWriter::~TrajectoryWriter() = default;

void TrajectoryWriter::on_start(const RunDescription& run) {
  impl_->start(run);
}
void TrajectoryWriter::on_draw(std::uint64_t chain, std::uint64_t draw, const Vector& q) {
  impl_->draw(chain, draw, q);
}
void TrajectoryWriter::on_stats(std::uint64_t chain, std::uint64_t row, const double* values) {
  impl_->row(chain, row, values);
}
void TrajectoryWriter::on_checkpoint(const ChainCheckpoint& checkpoint) {
  impl_->checkpoint(checkpoint);
}
void TrajectoryWriter::on_finish(const RunEnd& end) {
  impl_->finish(end);
}

const std::string& TrajectoryWriter::path() const {
  return impl_->options.path;
}
std::uint64_t TrajectoryWriter::chunk_draws() const {
  return impl_->chunk_draws;
}
WriterStats TrajectoryWriter::stats() const {
  return impl_->finished ? impl_->totals : WriterStats{};
}

}  // namespace cola::io
