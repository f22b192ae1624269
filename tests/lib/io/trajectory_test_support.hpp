#pragma once
// Shared by the trajectory tests: a small run (layout, statistics,
// accumulators) whose every value is a known function of (chain, step), a
// driver that reports it to an observer the way samplers::RunDriver does,
// temporary directories, and a raw dump of every dataset for bit-for-bit
// file comparisons.
#include "temp_dir.hpp"

#include <cola/io/trajectory_reader.hpp>
#include <cola/io/trajectory_writer.hpp>
#include <cola/observer.hpp>

#include <hdf5.h>
#include <stdlib.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace cola::test {

// A directory under TMPDIR (or /tmp), removed with its content.
// Exactly representable in double: the comparisons below are exact.
inline double value(std::uint64_t chain, std::uint64_t step, Index i) {
  return 1000.0 * static_cast<double>(chain) + static_cast<double>(step) +
         static_cast<double>(i) / 8.0;
}
inline double momentum(std::uint64_t chain, std::uint64_t step, Index i) {
  return -value(chain, step, i);
}

// Blocks x (4), w (3 x 2), s (2, not recorded); three statistics, one of
// them integer; two accumulators.
struct TestRun {
  ParameterLayout layout;
  RunDescription run;
  bool momentum = true;

  explicit TestRun(std::uint64_t chains = 3, Thinning thinning = {3, 2, 1},
                   std::uint64_t total_steps = 41) {
    layout.add_block("x", 4);
    layout.add_block("w", 3, 2, 2.0);
    layout.add_block("s", 2);
    run.layout = &layout;
    run.recorded_blocks = {0, 1};
    run.stats = {{"energy", StatSpec::Kind::kFloat64, "potential energy"},
                 {"iterations", StatSpec::Kind::kInt64, "projection iterations"},
                 {"accepted", StatSpec::Kind::kFloat64, "1 if accepted"}};
    run.accumulators = {"steps", "rejected"};
    run.num_chains = chains;
    run.first_chain = 7;
    run.thinning = thinning;
    run.total_steps = total_steps;
  }

  Vector q(std::uint64_t chain, std::uint64_t step) const {
    Vector v(layout.size());
    for (Index i = 0; i < v.size(); ++i) v[i] = value(chain, step, i);
    return v;
  }
  std::vector<double> stats_row(std::uint64_t chain, std::uint64_t step) const {
    return {0.5 * static_cast<double>(step) + static_cast<double>(chain),
            static_cast<double>((step + chain) % 7), static_cast<double>(step % 2)};
  }
  ChainCheckpoint checkpoint(std::uint64_t chain, std::uint64_t step) const {
    ChainCheckpoint c;
    c.chain = chain;
    c.state.q = q(chain, step);
    if (momentum) c.state.p = -c.state.q;
    c.state.step = step;
    c.accumulators = {static_cast<double>(step), static_cast<double>(chain) + 0.25};
    return c;
  }

  // Reports steps (from, to] of one chain like RunDriver: statistics, draw,
  // a checkpoint every `every` steps before `to`, and (if final) at `to`.
  void drive(Observer& o, std::uint64_t chain, std::uint64_t from, std::uint64_t to,
             std::uint64_t every, bool final_checkpoint) const {
    const Thinning& t = run.thinning;
    for (std::uint64_t s = from + 1; s <= to; ++s) {
      if (s > t.warmup && (s - t.warmup) % t.stats_thin == 0)
        o.on_stats(chain, (s - t.warmup) / t.stats_thin - 1, stats_row(chain, s).data());
      if (s > t.warmup && (s - t.warmup) % t.thin == 0)
        o.on_draw(chain, (s - t.warmup) / t.thin - 1, q(chain, s));
      if (every > 0 && s % every == 0 && s < to) o.on_checkpoint(checkpoint(chain, s));
    }
    if (final_checkpoint) o.on_checkpoint(checkpoint(chain, to));
  }

  // Every chain on its own thread, from the given steps to `to`; the first
  // exception of a chain is rethrown after all have stopped.
  void drive_all(Observer& o, const std::vector<std::uint64_t>& from, std::uint64_t to,
                 std::uint64_t every, bool final_checkpoint) const {
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> errors(run.num_chains);
    for (std::uint64_t c = 0; c < run.num_chains; ++c)
      threads.emplace_back([&, c] {
        try {
          drive(o, c, from[c], to, every, final_checkpoint);
        } catch (...) {
          errors[c] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
  }
};

// Block b of q as the reader returns one draw (column-major).
inline Vector block_of(const TestRun& r, const Vector& q, const std::string& block) {
  return r.layout.segment(q, r.layout.index_of(block));
}

// Every dataset of the groups posterior, sample_stats and cola: shape and
// raw bytes in the file's type (strings as text), plus the attributes of
// cola (which hold the thinning and storage choices). Root attributes hold
// times and are left out.
struct FileDump {
  std::map<std::string, std::vector<hsize_t>> shapes;
  std::map<std::string, std::vector<unsigned char>> bytes;
  std::map<std::string, std::vector<std::string>> strings;
  std::map<std::string, std::string> cola_attributes;
};

inline herr_t dump_dataset(hid_t group, const char* name, const H5L_info_t*, void* client) {
  auto& d = *static_cast<std::pair<FileDump*, std::string>*>(client);
  const std::string key = d.second + "/" + name;
  const hid_t ds = H5Dopen2(group, name, H5P_DEFAULT);
  if (ds < 0) return 0;  // a group
  const hid_t space = H5Dget_space(ds);
  const hid_t type = H5Dget_type(ds);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  d.first->shapes[key] = dims;
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
    std::vector<char*> ptrs(n);
    if (n > 0) H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    auto& out = d.first->strings[key];
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    if (n > 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
  } else {
    std::vector<unsigned char> raw(n * H5Tget_size(type));
    if (n > 0) H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data());
    d.first->bytes[key] = std::move(raw);
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(ds);
  return 0;
}

inline herr_t dump_attribute(hid_t loc, const char* name, const H5A_info_t*, void* client) {
  auto& dump = *static_cast<FileDump*>(client);
  const hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr);
  std::string text;
  if (H5Tget_class(type) == H5T_INTEGER) {
    std::int64_t v = 0;
    H5Aread(attr, H5T_NATIVE_INT64, &v);
    text = std::to_string(v);
  } else if (H5Tis_variable_str(type) > 0) {
    char* p = nullptr;
    H5Aread(attr, type, &p);
    text = p ? p : "";
    H5free_memory(p);
  }
  dump.cola_attributes[name] = text;
  H5Tclose(type);
  H5Aclose(attr);
  return 0;
}

inline FileDump dump_file(const std::string& path) {
  FileDump dump;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + path);
  for (const char* group : {"posterior", "sample_stats", "cola"}) {
    const hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
    std::pair<FileDump*, std::string> client{&dump, group};
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, nullptr, dump_dataset, &client);
    if (std::string(group) == "cola")
      H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, nullptr, dump_attribute, &dump);
    H5Gclose(g);
  }
  H5Fclose(f);
  return dump;
}

}  // namespace cola::test
