#include "hdf5_util.hpp"

#include <cola/error.hpp>
#include <cola/io/trajectory_format.hpp>
#include <cola/io/trajectory_reader.hpp>

#include <hdf5.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace cola::io {

using detail::Handle;
using detail::Hdf5File;
using detail::Hdf5Lock;

namespace {}  // namespace

struct TrajectoryReader::Impl {
  explicit Impl(const std::string& path) : file(path) {}

  // Re-reads a dataset's extent and data written by a live SWMR writer.
  void refresh(hid_t ds) const {
    if (swmr) file.check_status(H5Drefresh(ds), "refreshing a dataset");
  }
  std::int64_t element(hid_t ds, const std::vector<hsize_t>& at, const std::string& what) const {
    std::int64_t v = 0;
    file.read_slab(ds, H5T_NATIVE_INT64, at, std::vector<hsize_t>(at.size(), 1), &v, what);
    return v;
  }
  void check_chain(std::uint64_t chain) const {
    require(chain < chains, file.path() + ": chain " + std::to_string(chain) + " out of range (" +
                                std::to_string(chains) + " chains)");
  }
  std::uint64_t committed(const Handle& ds, std::uint64_t chain, const std::string& what) const {
    check_chain(chain);
    refresh(ds.get());
    return static_cast<std::uint64_t>(element(ds.get(), {chain}, "reading " + what));
  }
  std::vector<std::uint64_t> steps(const Handle& scale, std::uint64_t n,
                                   const std::string& what) const {
    refresh(scale.get());
    const hsize_t extent = file.dims(scale.get(), "reading " + what)[0];
    require(n <= extent, file.path() + ": " + what + " has " + std::to_string(extent) +
                             " entries, " + std::to_string(n) + " requested");
    std::vector<std::int64_t> v(n);
    file.read_slab(scale.get(), H5T_NATIVE_INT64, {0}, {n}, v.data(), "reading " + what);
    return std::vector<std::uint64_t>(v.begin(), v.end());
  }

  Hdf5File file;
  Handle h5;
  bool swmr = false;
  std::int64_t version = 0;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::uint64_t chains = 0, first_chain = 0, total_steps = 0;
  Thinning thinning;
  ParameterLayout layout;
  std::vector<std::string> recorded;
  std::vector<StatSpec> stats;
  std::vector<std::string> accumulators;
  bool float32 = false;
  std::map<std::string, Handle> block_ds, stat_ds;
  Handle draw_scale, stats_draw_scale, committed_draws, committed_stats;
  Handle cp_slot, cp_step, cp_momentum, cp_q, cp_p, cp_acc;
};

void TrajectoryReader::open_file(Impl& m) {
  const Hdf5File& file = m.file;
  const std::string& path = file.path();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw IoError(path + " is not an HDF5 file (so not a cola trajectory)");
  }
  m.h5 = detail::open_read_only(file, &m.swmr);
  const hid_t root = m.h5.get();
  const htri_t has_format = H5Aexists(root, "format");
  std::string format;
  if (has_format > 0) {
    try {
      format = file.read_string_attribute(root, "format");
    } catch (const IoError&) {
      format.clear();
    }
  }
  H5Eclear2(H5E_DEFAULT);
  if (format != kTrajectoryFormat)
    throw IoError(path + " is not a cola trajectory file (its root attribute 'format' is " +
                  (has_format > 0 ? "'" + format + "'" : "missing") + ", expected '" +
                  kTrajectoryFormat + "')");
  m.version = file.read_int_attribute(root, "format_version");
  if (m.version < 1 || m.version > kTrajectoryFormatVersion)
    throw IoError(path + ": format_version " + std::to_string(m.version) +
                  " is not supported (this build of cola reads up to version " +
                  std::to_string(kTrajectoryFormatVersion) + ")");
  m.attributes = file.read_attributes(root);

  Handle cola = file.own(H5Gopen2(root, "cola", H5P_DEFAULT), "opening group 'cola'");
  const hid_t c = cola.get();
  auto count = [&](const char* name) {
    const std::int64_t v = file.read_int_attribute(c, name);
    if (v < 0) file.fail(std::string("cola/") + name + " is negative (damaged file)");
    return static_cast<std::uint64_t>(v);
  };
  m.first_chain = count("first_chain");
  m.thinning.warmup = count("warmup");
  m.thinning.thin = count("thin");
  m.thinning.stats_thin = count("stats_thin");
  m.total_steps = count("total_steps");
  m.float32 = file.read_string_attribute(c, "precision") == "float32";
  m.chains = file.read_int64s(c, "chain").size();

  const auto names = file.read_strings(c, "block");
  const auto offsets = file.read_int64s(c, "layout_offset");
  const auto rows = file.read_int64s(c, "layout_rows");
  const auto cols = file.read_int64s(c, "layout_cols");
  const auto masses = file.read_doubles(c, "layout_mass");
  const auto rec = file.read_int64s(c, "layout_recorded");
  if (offsets.size() != names.size() || rows.size() != names.size() ||
      cols.size() != names.size() || masses.size() != names.size() || rec.size() != names.size())
    file.fail("the layout datasets in cola/ differ in length (damaged file)");
  for (std::size_t i = 0; i < names.size(); ++i) {
    try {
      m.layout.add_block(names[i], rows[i], cols[i], masses[i]);
    } catch (const ConfigError& e) {
      throw IoError(path + ": invalid layout in the file: " + e.what());
    }
    if (m.layout.block(static_cast<Index>(i)).offset != offsets[i])
      throw IoError(path + ": block '" + names[i] + "' has offset " + std::to_string(offsets[i]) +
                    ", its shape implies " +
                    std::to_string(m.layout.block(static_cast<Index>(i)).offset) +
                    " (damaged file)");
    if (rec[i]) m.recorded.push_back(names[i]);
  }
  m.accumulators = file.read_strings(c, "accumulator");
  cola.reset();

  auto open = [&](const std::string& name) {
    return file.own(H5Dopen2(root, name.c_str(), H5P_DEFAULT), "opening '" + name + "'");
  };
  for (const auto& b : m.recorded) m.block_ds.emplace(b, open("posterior/" + b));
  for (const auto& name : file.read_strings(root, "cola/stat")) {
    Handle ds = open("sample_stats/" + name);
    StatSpec s;
    s.name = name;
    Handle type = file.own(H5Dget_type(ds.get()), "reading the type of sample_stats/" + name);
    s.kind =
        H5Tget_class(type.get()) == H5T_INTEGER ? StatSpec::Kind::kInt64 : StatSpec::Kind::kFloat64;
    if (H5Aexists(ds.get(), "description") > 0)
      s.description = file.read_string_attribute(ds.get(), "description");
    m.stats.push_back(std::move(s));
    m.stat_ds.emplace(name, std::move(ds));
  }
  m.draw_scale = open("posterior/draw");
  m.stats_draw_scale = open("sample_stats/draw");
  m.committed_draws = open("cola/committed_draws");
  m.committed_stats = open("cola/committed_stats");
  m.cp_slot = open("cola/checkpoint_slot");
  m.cp_step = open("cola/checkpoint_step");
  m.cp_momentum = open("cola/checkpoint_momentum");
  m.cp_q = open("cola/checkpoint_q");
  m.cp_p = open("cola/checkpoint_p");
  m.cp_acc = open("cola/checkpoint_accumulators");
}

TrajectoryReader::TrajectoryReader(const std::string& path) : impl_(std::make_unique<Impl>(path)) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw IoError(path + ": no such file");
  if (S_ISDIR(st.st_mode)) throw IoError(path + " is a directory, not a trajectory file");
  Hdf5Lock lock;
  // Handles must be closed under the lock, also when opening fails.
  try {
    open_file(*impl_);
  } catch (...) {
    impl_.reset();
    throw;
  }
}

TrajectoryReader::TrajectoryReader(TrajectoryReader&&) noexcept = default;
TrajectoryReader& TrajectoryReader::operator=(TrajectoryReader&& o) noexcept {
  if (this != &o) {
    Hdf5Lock lock;
    impl_ = std::move(o.impl_);
  }
  return *this;
}
TrajectoryReader::~TrajectoryReader() {
  if (!impl_) return;
  Hdf5Lock lock;
  impl_.reset();
}

const std::string& TrajectoryReader::path() const {
  return impl_->file.path();
}
std::int64_t TrajectoryReader::format_version() const {
  return impl_->version;
}

std::string TrajectoryReader::attribute(const std::string& name) const {
  for (const auto& [key, value] : impl_->attributes)
    if (key == name) return value;
  throw IoError(path() + ": no root attribute '" + name + "'");
}

std::vector<std::pair<std::string, std::string>> TrajectoryReader::attributes() const {
  return impl_->attributes;
}

std::string TrajectoryReader::status() const {
  return attribute("status");
}
std::uint64_t TrajectoryReader::num_chains() const {
  return impl_->chains;
}
std::uint64_t TrajectoryReader::first_chain() const {
  return impl_->first_chain;
}
const Thinning& TrajectoryReader::thinning() const {
  return impl_->thinning;
}
std::uint64_t TrajectoryReader::total_steps() const {
  return impl_->total_steps;
}
const ParameterLayout& TrajectoryReader::layout() const {
  return impl_->layout;
}
const std::vector<std::string>& TrajectoryReader::recorded_blocks() const {
  return impl_->recorded;
}
const std::vector<StatSpec>& TrajectoryReader::stats() const {
  return impl_->stats;
}
const std::vector<std::string>& TrajectoryReader::accumulators() const {
  return impl_->accumulators;
}
bool TrajectoryReader::float32() const {
  return impl_->float32;
}

std::uint64_t TrajectoryReader::committed_draws(std::uint64_t chain) const {
  Hdf5Lock lock;
  return impl_->committed(impl_->committed_draws, chain, "cola/committed_draws");
}

std::uint64_t TrajectoryReader::committed_stats(std::uint64_t chain) const {
  Hdf5Lock lock;
  return impl_->committed(impl_->committed_stats, chain, "cola/committed_stats");
}

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

}  // namespace

Matrix TrajectoryReader::draws(const std::string& block, std::uint64_t chain) const {
  const Impl& m = *impl_;
  const auto it = m.layout.find(block);
  return draws(block, chain, 0, it < 0 ? 0 : m.layout.block(it).rows);
}

Matrix TrajectoryReader::draws(const std::string& block, std::uint64_t chain, Index first_row,
                               Index row_count) const {
  const Impl& m = *impl_;
  const auto it = m.block_ds.find(block);
  require(it != m.block_ds.end(), path() + ": block '" + block +
                                      "' is not recorded; recorded blocks: " + joined(m.recorded));
  const BlockInfo& info = m.layout.block(m.layout.index_of(block));
  require(first_row >= 0 && row_count >= 0 && first_row + row_count <= info.rows,
          path() + ": rows " + std::to_string(first_row) + " + " + std::to_string(row_count) +
              " of block '" + block + "', which has " + std::to_string(info.rows));
  Hdf5Lock lock;
  const std::uint64_t k = m.committed(m.committed_draws, chain, "cola/committed_draws");
  const hid_t ds = it->second.get();
  m.refresh(ds);
  const std::vector<hsize_t> dims = m.file.dims(ds, "reading posterior/" + block);
  if (k > dims.at(1))
    m.file.fail("chain " + std::to_string(chain) + " has " + std::to_string(k) +
                " committed draws but posterior/" + block + " only " + std::to_string(dims[1]) +
                " (damaged file)");
  const Index rows = row_count, cols = info.cols, n = rows * cols;
  std::vector<hsize_t> start(dims.size(), 0), count(dims.begin(), dims.end());
  start[0] = chain;
  count[0] = 1;
  count[1] = k;
  start[2] = static_cast<hsize_t>(first_row);
  count[2] = static_cast<hsize_t>(row_count);
  // Read in the file's row-major order, then store each draw column-major.
  std::vector<double> buffer(k * static_cast<std::uint64_t>(n));
  if (n > 0 && k > 0)
    m.file.read_slab(ds, H5T_NATIVE_DOUBLE, start, count, buffer.data(),
                     "reading posterior/" + block + " of chain " + std::to_string(chain));
  // Each draw to column-major in place, then draws x parameters: two passes,
  // because one scattered pass is cache-hostile (measured for 100 draws of a
  // 2000 x 800 block: 8.2 s instead of 2.0 s, the HDF5 read included).
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (cols > 1) {
    Matrix draw(rows, cols);
    for (Index d = 0; d < static_cast<Index>(k); ++d) {
      double* src = buffer.data() + d * n;
      draw = Eigen::Map<const RowMajor>(src, rows, cols);
      std::copy(draw.data(), draw.data() + n, src);
    }
  }
  return Eigen::Map<const RowMajor>(buffer.data(), static_cast<Index>(k), n);
}

Vector TrajectoryReader::stat(const std::string& name, std::uint64_t chain) const {
  const Impl& m = *impl_;
  const auto it = m.stat_ds.find(name);
  std::vector<std::string> names;
  for (const auto& s : m.stats) names.push_back(s.name);
  require(it != m.stat_ds.end(),
          path() + ": no statistic '" + name + "'; statistics: " + joined(names));
  Hdf5Lock lock;
  const std::uint64_t k = m.committed(m.committed_stats, chain, "cola/committed_stats");
  const hid_t ds = it->second.get();
  m.refresh(ds);
  const std::string what = "reading sample_stats/" + name + " of chain " + std::to_string(chain);
  if (k > m.file.dims(ds, what).at(1))
    m.file.fail(what + ": fewer rows than committed (damaged file)");
  Vector out(static_cast<Index>(k));
  Handle type = m.file.own(H5Dget_type(ds), what);
  if (H5Tget_class(type.get()) == H5T_INTEGER) {
    // The writer stores a missing integer as the most negative int64.
    std::vector<std::int64_t> v(k);
    m.file.read_slab(ds, H5T_NATIVE_INT64, {chain, 0}, {1, k}, v.data(), what);
    for (std::uint64_t i = 0; i < k; ++i)
      out[static_cast<Index>(i)] = v[i] == std::numeric_limits<std::int64_t>::min()
                                       ? std::numeric_limits<double>::quiet_NaN()
                                       : static_cast<double>(v[i]);
  } else {
    m.file.read_slab(ds, H5T_NATIVE_DOUBLE, {chain, 0}, {1, k}, out.data(), what);
  }
  return out;
}

std::vector<std::uint64_t> TrajectoryReader::draw_steps(std::uint64_t n) const {
  Hdf5Lock lock;
  return impl_->steps(impl_->draw_scale, n, "posterior/draw");
}

std::vector<std::uint64_t> TrajectoryReader::stats_steps(std::uint64_t n) const {
  Hdf5Lock lock;
  return impl_->steps(impl_->stats_draw_scale, n, "sample_stats/draw");
}

std::optional<ChainCheckpoint> TrajectoryReader::checkpoint(std::uint64_t chain) const {
  const Impl& m = *impl_;
  m.check_chain(chain);
  Hdf5Lock lock;
  const std::string what = "reading the checkpoint of chain " + std::to_string(chain);
  // A live writer puts a checkpoint in the other slot and then points to it,
  // so the newest slot can be overwritten while it is read (two checkpoints
  // later). The copy is kept only if the slot is still the newest and holds
  // the same step afterwards; otherwise it is read again.
  constexpr int kAttempts = 100;
  for (int attempt = 1;; ++attempt) {
    for (const Handle* h : {&m.cp_slot, &m.cp_step, &m.cp_momentum, &m.cp_q, &m.cp_p, &m.cp_acc})
      m.refresh(h->get());
    const std::int64_t slot = m.element(m.cp_slot.get(), {chain}, what);
    if (slot < 0) return std::nullopt;
    if (slot >= kCheckpointSlots)
      m.file.fail(what + ": slot " + std::to_string(slot) + " out of range (damaged file)");
    const hsize_t s = static_cast<hsize_t>(slot), n = static_cast<hsize_t>(m.layout.size());
    ChainCheckpoint c;
    c.chain = chain;
    const std::int64_t step = m.element(m.cp_step.get(), {s, chain}, what);
    c.state.step = static_cast<std::uint64_t>(step);
    c.state.q.resize(static_cast<Index>(n));
    m.file.read_slab(m.cp_q.get(), H5T_NATIVE_DOUBLE, {s, chain, 0}, {1, 1, n}, c.state.q.data(),
                     what);
    if (m.element(m.cp_momentum.get(), {s, chain}, what) != 0) {
      c.state.p.resize(static_cast<Index>(n));
      m.file.read_slab(m.cp_p.get(), H5T_NATIVE_DOUBLE, {s, chain, 0}, {1, 1, n}, c.state.p.data(),
                       what);
    }
    c.accumulators.resize(m.accumulators.size());
    m.file.read_slab(m.cp_acc.get(), H5T_NATIVE_DOUBLE, {s, chain, 0},
                     {1, 1, m.accumulators.size()}, c.accumulators.data(), what);
    if (!m.swmr) return c;
    m.refresh(m.cp_slot.get());
    m.refresh(m.cp_step.get());
    if (m.element(m.cp_slot.get(), {chain}, what) == slot &&
        m.element(m.cp_step.get(), {s, chain}, what) == step)
      return c;
    if (attempt == kAttempts)
      m.file.fail(what + ": the live writer replaced it " + std::to_string(kAttempts) +
                  " times while it was read");
  }
}

}  // namespace cola::io
