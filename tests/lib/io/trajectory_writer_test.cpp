// TrajectoryWriter and TrajectoryReader: a run written by concurrent chains
// reads back exactly (float64 and float32, compressed, partial chunks,
// thinning with warm-up), checkpoints are double-buffered, the final status
// is recorded, and the file carries provenance attributes.
#include "trajectory_test_support.hpp"

#include <cola/error.hpp>
#include <cola/io/trajectory_format.hpp>
#include <cola/io/trajectory_reader.hpp>
#include <cola/io/trajectory_writer.hpp>

#include <catch2/catch.hpp>
#include <hdf5.h>

#include <cmath>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using cola::Index;
using cola::Matrix;
using cola::RunEnd;
using cola::Vector;
using cola::io::Precision;
using cola::io::TrajectoryOptions;
using cola::io::TrajectoryReader;
using cola::io::TrajectoryWriter;
using cola::test::TempDir;
using cola::test::TestRun;

namespace {

TrajectoryOptions options_for(const std::string& path) {
  TrajectoryOptions o;
  o.path = path;
  o.chunk_draws = 4;       // 19 draws: partial last chunk
  o.stats_chunk_rows = 5;  // 38 rows: partial last chunk
  o.compression = 4;
  o.attributes = {{"config", "[run]\nsteps = 41\n"}, {"seed", "42"}, {"command_line", "cola run"}};
  return o;
}

// Writes the whole run of `r` from concurrent chain threads.
void write_run(const TestRun& r, TrajectoryOptions o, std::uint64_t checkpoint_every = 10) {
  TrajectoryWriter writer(std::move(o));
  writer.on_start(r.run);
  r.drive_all(writer, std::vector<std::uint64_t>(r.run.num_chains, 0), r.run.total_steps,
              checkpoint_every, true);
  writer.on_finish(RunEnd{true, ""});
  const auto stats = writer.stats();
  CHECK(stats.chunks_written > 0);
  CHECK(stats.bytes_written > 0);
  CHECK(stats.busy_seconds >= 0);
  CHECK(stats.stalled_seconds >= 0);
}

// Every committed value of every chain against the known function; `round`
// applies the file's precision to the expected posterior values.
template <class Round>
void check_contents(const TestRun& r, const TrajectoryReader& reader, Round round) {
  const cola::Thinning& t = r.run.thinning;
  const std::uint64_t draws = t.draws_until(r.run.total_steps);
  const std::uint64_t rows = t.stats_until(r.run.total_steps);
  std::vector<std::uint64_t> steps;
  for (std::uint64_t k = 0; k < draws; ++k) steps.push_back(t.draw_step(k));
  CHECK(reader.draw_steps(draws) == steps);
  steps.clear();
  for (std::uint64_t k = 0; k < rows; ++k) steps.push_back(t.stats_step(k));
  CHECK(reader.stats_steps(rows) == steps);
  for (std::uint64_t c = 0; c < r.run.num_chains; ++c) {
    REQUIRE(reader.committed_draws(c) == draws);
    REQUIRE(reader.committed_stats(c) == rows);
    for (const std::string block : {"x", "w"}) {
      const Matrix m = reader.draws(block, c);
      REQUIRE(m.rows() == static_cast<Index>(draws));
      REQUIRE(m.cols() == r.layout.block(r.layout.index_of(block)).size());
      for (std::uint64_t k = 0; k < draws; ++k) {
        const Vector expected =
            cola::test::block_of(r, r.q(c, t.draw_step(k)), block).unaryExpr(round);
        CHECK(m.row(static_cast<Index>(k)).transpose() == expected);
      }
    }
    const Vector energy = reader.stat("energy", c), iterations = reader.stat("iterations", c),
                 accepted = reader.stat("accepted", c);
    REQUIRE(energy.size() == static_cast<Index>(rows));
    for (std::uint64_t k = 0; k < rows; ++k) {
      const auto row = r.stats_row(c, t.stats_step(k));
      CHECK(energy[static_cast<Index>(k)] == row[0]);
      CHECK(iterations[static_cast<Index>(k)] == row[1]);
      CHECK(accepted[static_cast<Index>(k)] == row[2]);
    }
    const auto cp = reader.checkpoint(c);
    REQUIRE(cp.has_value());
    const auto expected = r.checkpoint(c, r.run.total_steps);
    CHECK(cp->chain == c);
    CHECK(cp->state.step == r.run.total_steps);
    CHECK(cp->state.q == expected.state.q);
    CHECK(cp->state.p == expected.state.p);
    CHECK(cp->accumulators == expected.accumulators);
  }
}

}  // namespace

TEST_CASE("trajectory round trip: float64, compressed, concurrent chains", "[trajectory]") {
  TempDir dir;
  const TestRun r;
  const std::string path = dir.file("run.h5");
  write_run(r, options_for(path));

  const TrajectoryReader reader(path);
  CHECK(reader.path() == path);
  CHECK(reader.format_version() == cola::io::kTrajectoryFormatVersion);
  CHECK(reader.attribute("format") == "cola-trajectory");
  CHECK(reader.attribute("format_version") == "1");
  CHECK(reader.status() == "completed");
  CHECK(reader.attribute("message").empty());
  CHECK(reader.attribute("start_time").size() == 20);  // 2024-05-01T12:00:00Z
  CHECK(reader.attribute("end_time").size() == 20);
  CHECK(reader.attribute("config") == "[run]\nsteps = 41\n");
  CHECK(reader.attribute("seed") == "42");
  CHECK(reader.attributes().size() == 9);
  CHECK(reader.num_chains() == 3);
  CHECK(reader.first_chain() == 7);
  CHECK(reader.thinning().warmup == 3);
  CHECK(reader.thinning().thin == 2);
  CHECK(reader.thinning().stats_thin == 1);
  CHECK(reader.total_steps() == 41);
  CHECK_FALSE(reader.float32());
  REQUIRE(reader.layout().num_blocks() == 3);
  for (Index b = 0; b < 3; ++b) {
    CHECK(reader.layout().block(b).name == r.layout.block(b).name);
    CHECK(reader.layout().block(b).offset == r.layout.block(b).offset);
    CHECK(reader.layout().block(b).rows == r.layout.block(b).rows);
    CHECK(reader.layout().block(b).cols == r.layout.block(b).cols);
    CHECK(reader.layout().block(b).mass == r.layout.block(b).mass);
  }
  CHECK(reader.recorded_blocks() == std::vector<std::string>{"x", "w"});
  REQUIRE(reader.stats().size() == 3);
  CHECK(reader.stats()[1].name == "iterations");
  CHECK(reader.stats()[1].kind == cola::StatSpec::Kind::kInt64);
  CHECK(reader.stats()[0].kind == cola::StatSpec::Kind::kFloat64);
  CHECK(reader.stats()[0].description == "potential energy");
  CHECK(reader.accumulators() == std::vector<std::string>{"steps", "rejected"});
  check_contents(r, reader, [](double v) { return v; });
}

TEST_CASE("trajectory round trip: float32 with automatic chunking", "[trajectory]") {
  TempDir dir;
  TestRun r(2, {0, 1, 3}, 30);
  const std::string path = dir.file("run32.h5");
  TrajectoryOptions o = options_for(path);
  o.precision = Precision::kFloat32;
  o.chunk_draws = 0;
  o.compression = 0;
  {
    TrajectoryWriter writer(o);
    writer.on_start(r.run);
    // Small blocks: the 1 MiB target is capped at 256 draws per chunk.
    CHECK(writer.chunk_draws() == 256);
    r.drive_all(writer, {0, 0}, 30, 7, true);
    writer.on_finish(RunEnd{true, ""});
  }
  const TrajectoryReader reader(path);
  CHECK(reader.float32());
  // Exact after the float conversion; statistics and checkpoints keep double.
  check_contents(r, reader, [](double v) { return static_cast<double>(static_cast<float>(v)); });
}

TEST_CASE("trajectory: the block axes are stored row-major (ds(c, d, i, j) == block(i, j))",
          "[trajectory]") {
  TempDir dir;
  const TestRun r(1, {0, 1, 1}, 2);
  const std::string path = dir.file("order.h5");
  write_run(r, options_for(path));
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t ds = H5Dopen2(f, "posterior/w", H5P_DEFAULT);
  const hid_t space = H5Dget_space(ds);
  hsize_t dims[4];
  REQUIRE(H5Sget_simple_extent_ndims(space) == 4);
  H5Sget_simple_extent_dims(space, dims, nullptr);
  CHECK(dims[0] == 1);
  CHECK(dims[1] == 2);
  CHECK(dims[2] == 3);
  CHECK(dims[3] == 2);
  std::vector<double> all(12);
  H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data());
  const Vector q = r.q(0, 2);  // draw 1
  const auto w = r.layout.matrix(q, r.layout.index_of("w"));
  for (Index i = 0; i < 3; ++i)
    for (Index j = 0; j < 2; ++j) CHECK(all[static_cast<std::size_t>(6 + i * 2 + j)] == w(i, j));
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(f);
}

TEST_CASE("trajectory checkpoints are double-buffered, the newest complete one is read",
          "[trajectory]") {
  TempDir dir;
  const TestRun r(2, {3, 2, 1}, 35);
  const std::string path = dir.file("cp.h5");
  write_run(r, options_for(path), 10);  // checkpoints at 10, 20, 30, then 35

  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  std::vector<std::int64_t> steps(4), slots(2);
  const hid_t step_ds = H5Dopen2(f, "cola/checkpoint_step", H5P_DEFAULT);
  const hid_t slot_ds = H5Dopen2(f, "cola/checkpoint_slot", H5P_DEFAULT);
  H5Dread(step_ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, steps.data());
  H5Dread(slot_ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, slots.data());
  H5Dclose(step_ds);
  H5Dclose(slot_ds);
  H5Fclose(f);
  for (std::size_t c = 0; c < 2; ++c) {
    // Four checkpoints alternate 0, 1, 0, 1: the newest is in slot 1, the
    // previous one is still whole in slot 0.
    CHECK(slots[c] == 1);
    CHECK(steps[2 + c] == 35);
    CHECK(steps[c] == 30);
  }
  const TrajectoryReader reader(path);
  CHECK(reader.checkpoint(1)->state.step == 35);
}

TEST_CASE("trajectory: overdamped checkpoints have no momentum", "[trajectory]") {
  TempDir dir;
  TestRun r(1, {0, 1, 1}, 6);
  r.momentum = false;
  const std::string path = dir.file("od.h5");
  write_run(r, options_for(path), 2);
  const auto cp = TrajectoryReader(path).checkpoint(0);
  REQUIRE(cp.has_value());
  CHECK(cp->state.p.size() == 0);
  CHECK(cp->state.q == r.q(0, 6));
}

TEST_CASE("trajectory: final status, message and large attributes", "[trajectory]") {
  TempDir dir;
  const TestRun r(1, {0, 1, 1}, 4);
  const std::string big(200000, 'c');  // beyond the 64 KiB compact attribute limit
  struct Case {
    RunEnd end;
    const char* status;
  };
  for (const Case& k :
       {Case{{true, ""}, "completed"}, Case{{false, "interrupted"}, "interrupted"},
        Case{{false, ""}, "interrupted"}, Case{{false, "chain 0: projection failed"}, "failed"}}) {
    const std::string path = dir.file(std::string(k.status) + ".h5");
    TrajectoryOptions o = options_for(path);
    o.overwrite = true;
    o.attributes.emplace_back("config_text", big);
    TrajectoryWriter writer(o);
    writer.on_start(r.run);
    // While running, the file says so (a reader in another process would see it).
    r.drive(writer, 0, 0, 4, 0, true);
    writer.on_finish(k.end);
    const TrajectoryReader reader(path);
    CHECK(reader.status() == k.status);
    CHECK(reader.attribute("message") == k.end.message);
    CHECK(reader.attribute("config_text") == big);
    CHECK_FALSE(reader.attribute("end_time").empty());
  }
}

TEST_CASE("trajectory: a writer destroyed without on_finish marks the file failed",
          "[trajectory]") {
  TempDir dir;
  const TestRun r(2, {0, 1, 1}, 10);
  const std::string path = dir.file("abandoned.h5");
  {
    TrajectoryWriter writer(options_for(path));
    writer.on_start(r.run);
    r.drive_all(writer, {0, 0}, 5, 0, false);
  }
  const TrajectoryReader reader(path);
  CHECK(reader.status() == "failed");
  CHECK_THAT(reader.attribute("message"), Contains("destroyed"));
  // What was buffered was still written.
  CHECK(reader.committed_draws(0) == 5);
  CHECK(reader.draws("x", 1).row(4).transpose() == cola::test::block_of(r, r.q(1, 5), "x"));
  CHECK_FALSE(reader.checkpoint(0).has_value());
}

TEST_CASE("trajectory: a moved writer keeps writing the same file", "[trajectory]") {
  TempDir dir;
  const TestRun r(1, {0, 1, 1}, 6);
  const std::string path = dir.file("moved.h5");
  TrajectoryWriter first(options_for(path));
  first.on_start(r.run);
  r.drive(first, 0, 0, 3, 0, false);
  TrajectoryWriter second = std::move(first);
  r.drive(second, 0, 3, 6, 0, true);
  second.on_finish(RunEnd{true, ""});
  CHECK(second.path() == path);
  CHECK(TrajectoryReader(path).committed_draws(0) == 6);
}
