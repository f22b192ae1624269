// TrajectoryWriter::resume: a run interrupted after its last checkpoint and
// continued from that checkpoint gives the same file, dataset for dataset
// and bit for bit, as the run written in one go; and a run description that
// does not match the file is rejected, naming what differs.
#include "trajectory_test_support.hpp"

#include <cola/error.hpp>
#include <cola/io/trajectory_reader.hpp>
#include <cola/io/trajectory_writer.hpp>

#include <catch2/catch.hpp>
#include <hdf5.h>

#include <fstream>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using cola::RunEnd;
using cola::io::Precision;
using cola::io::TrajectoryOptions;
using cola::io::TrajectoryReader;
using cola::io::TrajectoryWriter;
using cola::test::TempDir;
using cola::test::TestRun;

namespace {

// warm-up 2, thin 3, stats every 2 steps; 3 draws and 3 rows per chunk, so
// the checkpoint at step 10 (2 draws, 4 rows) falls inside a chunk.
TrajectoryOptions options_for(const std::string& path, Precision precision) {
  TrajectoryOptions o;
  o.path = path;
  o.precision = precision;
  o.chunk_draws = 3;
  o.stats_chunk_rows = 3;
  o.compression = precision == Precision::kFloat32 ? 6 : 0;
  o.attributes = {{"command_line", "cola run"}};
  return o;
}

void check_same_datasets(const std::string& a, const std::string& b) {
  const auto x = cola::test::dump_file(a), y = cola::test::dump_file(b);
  CHECK(x.shapes == y.shapes);
  CHECK(x.strings == y.strings);
  CHECK(x.cola_attributes == y.cola_attributes);
  CHECK(x.bytes.size() == 28);   // every numeric dataset of the three groups
  CHECK(x.strings.size() == 3);  // cola/block, stat, accumulator
  REQUIRE(x.bytes.size() == y.bytes.size());
  for (const auto& [name, bytes] : x.bytes) {
    INFO("dataset " << name);
    REQUIRE(y.bytes.count(name) == 1);
    CHECK(bytes == y.bytes.at(name));
  }
}

}  // namespace

TEST_CASE("trajectory resume continues a file bit for bit", "[trajectory][resume]") {
  const Precision precision = GENERATE(Precision::kFloat64, Precision::kFloat32);
  TempDir dir;
  const TestRun r(2, {2, 3, 2}, 20);
  const std::string one_go = dir.file("one_go.h5"), resumed = dir.file("resumed.h5");
  {
    TrajectoryWriter writer(options_for(one_go, precision));
    writer.on_start(r.run);
    r.drive_all(writer, {0, 0}, 20, 5, true);
    writer.on_finish(RunEnd{true, ""});
  }
  {
    // Interrupted at step 14: checkpoints at 5 and 10, draws up to 14 written.
    TestRun part(2, {2, 3, 2}, 14);
    TrajectoryWriter writer(options_for(resumed, precision));
    writer.on_start(part.run);
    part.drive_all(writer, {0, 0}, 14, 5, false);
    writer.on_finish(RunEnd{false, "interrupted"});
    const TrajectoryReader reader(resumed);
    CHECK(reader.status() == "interrupted");
    CHECK(reader.committed_draws(0) == 4);  // steps 5, 8, 11, 14
    CHECK(reader.checkpoint(0)->state.step == 10);
  }
  {
    // Continue from the newest checkpoint (step 10, before the last draw).
    std::vector<std::uint64_t> from;
    {
      const TrajectoryReader reader(resumed);
      for (std::uint64_t c = 0; c < 2; ++c) from.push_back(reader.checkpoint(c)->state.step);
    }
    CHECK(from == std::vector<std::uint64_t>{10, 10});
    TrajectoryOptions o;
    o.path = resumed;
    o.attributes = {{"command_line", "cola run"}, {"resumed_by", "cola resume"}};
    TrajectoryWriter writer = TrajectoryWriter::resume(o);
    writer.on_start(r.run);  // total_steps grows from 14 to 20
    r.drive_all(writer, from, 20, 5, true);
    writer.on_finish(RunEnd{true, ""});
  }
  const TrajectoryReader reader(resumed);
  CHECK(reader.status() == "completed");
  CHECK(reader.attribute("message").empty());
  CHECK(reader.attribute("resumed_by") == "cola resume");
  CHECK(reader.total_steps() == 20);
  CHECK(reader.float32() == (precision == Precision::kFloat32));
  check_same_datasets(one_go, resumed);
}

TEST_CASE("trajectory resume: the counts go back to the checkpoint until redrawn",
          "[trajectory][resume]") {
  TempDir dir;
  const std::string path = dir.file("partial.h5");
  TestRun part(1, {0, 1, 1}, 9);
  {
    TrajectoryWriter writer(options_for(path, Precision::kFloat64));
    writer.on_start(part.run);
    part.drive(writer, 0, 0, 9, 4, false);  // checkpoints at 4 and 8
    writer.on_finish(RunEnd{false, "interrupted"});
  }
  {
    TrajectoryOptions o;
    o.path = path;
    TrajectoryWriter writer = TrajectoryWriter::resume(o);
    writer.on_start(part.run);
    // Abandoned before reporting anything: the file now commits only what
    // the checkpoint at step 8 implies.
    writer.on_finish(RunEnd{false, "interrupted"});
  }
  const TrajectoryReader reader(path);
  CHECK(reader.committed_draws(0) == 8);
  CHECK(reader.committed_stats(0) == 8);
  CHECK(reader.checkpoint(0)->state.step == 8);
}

TEST_CASE("trajectory resume errors: a run that does not match the file", "[trajectory][resume]") {
  TempDir dir;
  const std::string path = dir.file("base.h5");
  const TestRun base(2, {2, 3, 2}, 10);
  {
    TrajectoryWriter writer(options_for(path, Precision::kFloat64));
    writer.on_start(base.run);
    base.drive_all(writer, {0, 0}, 10, 0, true);
    writer.on_finish(RunEnd{false, "interrupted"});
  }
  std::ifstream in(path, std::ios::binary);
  const std::string before((std::istreambuf_iterator<char>(in)), {});
  TrajectoryOptions o;
  o.path = path;
  auto rejects = [&](const TestRun& other, const std::string& what) {
    TrajectoryWriter writer = TrajectoryWriter::resume(o);
    CHECK_THROWS_AS(writer.on_start(other.run), cola::ConfigError);
    CHECK_THROWS_WITH(writer.on_start(other.run), Contains(what) && Contains(path));
  };
  rejects(TestRun(3, {2, 3, 2}, 10), "chains (file: 2, run: 3)");
  rejects(TestRun(2, {2, 2, 2}, 10), "thin (file: 3, run: 2)");
  rejects(TestRun(2, {2, 3, 2}, 8), "total_steps");
  {
    TestRun other(2, {2, 3, 2}, 10);
    other.run.first_chain = 0;
    rejects(other, "first_chain");
  }
  {
    TestRun other(2, {2, 3, 2}, 10);
    other.run.stats.pop_back();
    rejects(other, "statistics (file: energy,iterations,accepted, run: energy,iterations)");
  }
  {
    TestRun other(2, {2, 3, 2}, 10);
    other.run.recorded_blocks = {0};
    rejects(other, "block 'w' recorded");
  }
  {
    TestRun other(2, {2, 3, 2}, 10);
    other.run.accumulators = {"steps"};
    rejects(other, "accumulators");
  }
  {
    // Same names, different shape.
    TestRun other(2, {2, 3, 2}, 10);
    other.layout = cola::ParameterLayout();
    other.layout.add_block("x", 4);
    other.layout.add_block("w", 2, 3, 2.0);
    other.layout.add_block("s", 2);
    rejects(other, "block 'w' shape (file: 3x2, run: 2x3)");
  }
  // A rejected resume changes nothing.
  std::ifstream again(path, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(again)), {});
  CHECK(after == before);

  // Not a trajectory, or missing.
  CHECK_THROWS_AS(TrajectoryWriter::resume([&] {
                    TrajectoryOptions m;
                    m.path = dir.file("missing.h5");
                    return m;
                  }()),
                  cola::IoError);
  const std::string text = dir.file("notes.txt");
  std::ofstream(text) << "not hdf5\n";
  o.path = text;
  CHECK_THROWS_WITH(TrajectoryWriter::resume(o), Contains(text) && Contains("not an HDF5 file"));
}

TEST_CASE("trajectory resume: extents a killed writer left unequal are aligned",
          "[trajectory][resume]") {
  TempDir dir;
  const std::string path = dir.file("uneven.h5");
  const TestRun r(2, {0, 1, 1}, 12);
  {
    TrajectoryWriter writer(options_for(path, Precision::kFloat64));
    writer.on_start(r.run);
    r.drive_all(writer, {0, 0}, 6, 4, false);  // checkpoints at step 4
    writer.on_finish(RunEnd{false, "interrupted"});
  }
  {
    // What a kill between two H5Dset_extent calls leaves: posterior/x is 3
    // draws longer than posterior/w and the draw coordinate.
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl);
    REQUIRE(f >= 0);
    const hid_t x = H5Dopen2(f, "posterior/x", H5P_DEFAULT);
    const hsize_t dims[3] = {2, 9, 4};
    CHECK(H5Dset_extent(x, dims) >= 0);
    H5Dclose(x);
    H5Fclose(f);
    H5Pclose(fapl);
  }
  {
    TrajectoryOptions o;
    o.path = path;
    TrajectoryWriter writer = TrajectoryWriter::resume(o);
    writer.on_start(r.run);
    writer.on_finish(RunEnd{false, "interrupted"});
  }
  const auto dump = cola::test::dump_file(path);
  CHECK(dump.shapes.at("posterior/x")[1] == 9);
  CHECK(dump.shapes.at("posterior/w")[1] == 9);
  CHECK(dump.shapes.at("posterior/draw")[0] == 9);
  const TrajectoryReader reader(path);
  CHECK(reader.draw_steps(9) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(reader.committed_draws(0) == 4);
}
