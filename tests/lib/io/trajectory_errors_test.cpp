// Errors of the trajectory writer and reader: files that must not be
// touched or cannot be made, files that are not cola trajectories, bad
// options and run descriptions, observer calls that break the contract, and
// a write error on the writer thread (the file size limit standing in for a
// full disk) that must surface as IoError without losing committed draws.
#include "trajectory_test_support.hpp"

#include <cola/error.hpp>
#include <cola/io/trajectory_reader.hpp>
#include <cola/io/trajectory_writer.hpp>

#include <catch2/catch.hpp>
#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using cola::ConfigError;
using cola::IoError;
using cola::RunEnd;
using cola::io::TrajectoryOptions;
using cola::io::TrajectoryReader;
using cola::io::TrajectoryWriter;
using cola::test::TempDir;
using cola::test::TestRun;

namespace {

TrajectoryOptions options_for(const std::string& path) {
  TrajectoryOptions o;
  o.path = path;
  o.chunk_draws = 4;
  return o;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// An HDF5 file with one attribute `format` (absent when empty) and
// `format_version`.
void write_foreign_hdf5(const std::string& path, const std::string& format, long long version) {
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t space = H5Screate(H5S_SCALAR);
  if (!format.empty()) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, format.size());
    const hid_t a = H5Acreate2(f, "format", type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, format.c_str());
    H5Aclose(a);
    H5Tclose(type);
  }
  const hid_t v = H5Acreate2(f, "format_version", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(v, H5T_NATIVE_LLONG, &version);
  H5Aclose(v);
  H5Sclose(space);
  H5Fclose(f);
}

}  // namespace

TEST_CASE("trajectory errors: an existing file is not replaced without overwrite",
          "[trajectory][errors]") {
  TempDir dir;
  const std::string path = dir.file("keep.h5");
  std::ofstream(path) << "precious results\n";
  CHECK_THROWS_AS(TrajectoryWriter(options_for(path)), IoError);
  CHECK_THROWS_WITH(TrajectoryWriter(options_for(path)),
                    Contains(path) && Contains("exists") && Contains("overwrite"));
  CHECK(contents(path) == "precious results\n");

  // With overwrite it is replaced, but only by on_start.
  TrajectoryOptions o = options_for(path);
  o.overwrite = true;
  TrajectoryWriter writer(o);
  CHECK(contents(path) == "precious results\n");
  const TestRun r(1, {0, 1, 1}, 3);
  writer.on_start(r.run);
  r.drive(writer, 0, 0, 3, 0, true);
  writer.on_finish(RunEnd{true, ""});
  CHECK(TrajectoryReader(path).committed_draws(0) == 3);
}

TEST_CASE("trajectory errors: a directory that is missing or not writable",
          "[trajectory][errors]") {
  for (const std::string path :
       {"/nonexistent-cola-dir/run.h5", "/proc/cola-run.h5", "/proc/self/cola-run.h5"}) {
    INFO(path);
    CHECK_THROWS_AS(TrajectoryWriter(options_for(path)), IoError);
    CHECK_THROWS_WITH(TrajectoryWriter(options_for(path)), Contains(path));
  }
  TempDir dir;
  CHECK_THROWS_WITH(TrajectoryWriter(options_for(dir.file(""))), Contains("directory"));
}

TEST_CASE("trajectory errors: options", "[trajectory][errors]") {
  TempDir dir;
  auto with = [&](auto change) {
    TrajectoryOptions o = options_for(dir.file("o.h5"));
    change(o);
    return o;
  };
  CHECK_THROWS_WITH(TrajectoryWriter(with([](auto& o) { o.path.clear(); })), Contains("path"));
  CHECK_THROWS_WITH(TrajectoryWriter(with([](auto& o) { o.compression = 10; })),
                    Contains("compression"));
  CHECK_THROWS_WITH(TrajectoryWriter(with([](auto& o) { o.stats_chunk_rows = 0; })),
                    Contains("stats_chunk_rows"));
  CHECK_THROWS_WITH(TrajectoryWriter(with([](auto& o) { o.queue_bytes = 0; })),
                    Contains("queue_bytes"));
  CHECK_THROWS_WITH(TrajectoryWriter(with([](auto& o) {
                      o.attributes = {{"status", "x"}};
                    })),
                    Contains("'status' is reserved"));
  CHECK_THROWS_WITH(TrajectoryWriter(with([](auto& o) {
                      o.attributes = {{"seed", "1"}, {"seed", "2"}};
                    })),
                    Contains("'seed' given twice"));
  CHECK_THROWS_AS(TrajectoryWriter(with([](auto& o) { o.compression = -1; })), ConfigError);
}

TEST_CASE("trajectory errors: run descriptions", "[trajectory][errors]") {
  TempDir dir;
  const std::string path = dir.file("d.h5");
  auto rejects = [&](const TestRun& r, const std::string& what) {
    TrajectoryWriter writer(options_for(path));
    CHECK_THROWS_AS(writer.on_start(r.run), ConfigError);
    CHECK_THROWS_WITH(writer.on_start(r.run), Contains(what));
    CHECK_FALSE(std::ifstream(path).good());  // nothing left behind
  };
  {
    TestRun r;
    r.run.layout = nullptr;
    rejects(r, "no parameter layout");
  }
  {
    TestRun r;
    r.run.recorded_blocks = {0, 0};
    rejects(r, "'x' is listed twice");
  }
  {
    TestRun r;
    r.run.recorded_blocks = {5};
    rejects(r, "recorded block index 5");
  }
  {
    TestRun r;
    r.layout.add_block("draw", 1);
    r.run.recorded_blocks = {3};
    rejects(r, "'draw'");
  }
  {
    TestRun r;
    r.layout.add_block("a/b", 1);
    r.run.recorded_blocks = {3};
    rejects(r, "'a/b'");
  }
  {
    TestRun r;
    r.run.stats.push_back(r.run.stats.front());
    rejects(r, "statistic 'energy' is listed twice");
  }
  {
    TestRun r;
    r.run.num_chains = 0;
    rejects(r, "num_chains");
  }
  {
    TestRun r;
    r.run.thinning.thin = 0;
    rejects(r, "thinning");
  }
}

TEST_CASE("trajectory errors: observer calls that break the contract", "[trajectory][errors]") {
  TempDir dir;
  const TestRun r(2, {0, 1, 1}, 10);
  TrajectoryWriter writer(options_for(dir.file("c.h5")));
  CHECK_THROWS_WITH(writer.on_draw(0, 0, r.q(0, 1)), Contains("outside on_start"));
  writer.on_start(r.run);
  CHECK_THROWS_WITH(writer.on_start(r.run), Contains("twice"));
  CHECK_THROWS_WITH(writer.on_draw(2, 0, r.q(0, 1)), Contains("chain 2"));
  CHECK_THROWS_WITH(writer.on_draw(0, 1, r.q(0, 1)), Contains("expected draw 0"));
  CHECK_THROWS_WITH(writer.on_draw(0, 0, cola::Vector::Zero(3)), Contains("3 entries"));
  CHECK_THROWS_WITH(writer.on_stats(0, 4, r.stats_row(0, 1).data()), Contains("expected row 0"));
  r.drive(writer, 0, 0, 3, 0, false);
  // A checkpoint must follow every draw up to its step.
  CHECK_THROWS_WITH(writer.on_checkpoint(r.checkpoint(0, 5)), Contains("step 5"));
  auto cp = r.checkpoint(0, 3);
  cp.accumulators.pop_back();
  CHECK_THROWS_WITH(writer.on_checkpoint(cp), Contains("accumulators"));
  cp = r.checkpoint(0, 3);
  cp.state.p.resize(2);
  CHECK_THROWS_WITH(writer.on_checkpoint(cp), Contains("p has 2 entries"));
  writer.on_checkpoint(r.checkpoint(0, 3));
  writer.on_finish(RunEnd{false, "interrupted"});
  writer.on_finish(RunEnd{false, "interrupted"});  // a second call does nothing
  CHECK_THROWS_WITH(writer.on_draw(0, 3, r.q(0, 4)), Contains("outside on_start"));
  const TrajectoryReader reader(dir.file("c.h5"));
  CHECK(reader.committed_draws(0) == 3);
  CHECK(reader.committed_draws(1) == 0);
}

TEST_CASE("trajectory reader errors: files that are not cola trajectories",
          "[trajectory][errors]") {
  TempDir dir;
  const std::string missing = dir.file("missing.h5");
  CHECK_THROWS_AS(TrajectoryReader(missing), IoError);
  CHECK_THROWS_WITH(TrajectoryReader(missing), Contains(missing) && Contains("no such file"));

  const std::string text = dir.file("notes.h5");
  std::ofstream(text) << "this is text, not HDF5\n";
  CHECK_THROWS_WITH(TrajectoryReader(text), Contains(text) && Contains("not an HDF5 file"));

  const std::string plain = dir.file("plain.h5");
  write_foreign_hdf5(plain, "", 1);
  CHECK_THROWS_WITH(TrajectoryReader(plain),
                    Contains(plain) && Contains("not a cola trajectory") && Contains("missing"));

  const std::string other = dir.file("other.h5");
  write_foreign_hdf5(other, "netcdf-thing", 1);
  CHECK_THROWS_WITH(TrajectoryReader(other), Contains("'netcdf-thing'"));

  const std::string future = dir.file("future.h5");
  write_foreign_hdf5(future, "cola-trajectory", 99);
  CHECK_THROWS_WITH(TrajectoryReader(future),
                    Contains(future) && Contains("format_version 99 is not supported"));

  CHECK_THROWS_WITH(TrajectoryReader(dir.file("")), Contains("directory"));
}

TEST_CASE("trajectory reader errors: unknown names and chains", "[trajectory][errors]") {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  const TestRun r(2, {0, 1, 1}, 4);
  {
    TrajectoryWriter writer(options_for(path));
    writer.on_start(r.run);
    r.drive_all(writer, {0, 0}, 4, 0, true);
    writer.on_finish(RunEnd{true, ""});
  }
  const TrajectoryReader reader(path);
  CHECK_THROWS_AS(reader.draws("s", 0), ConfigError);  // in the layout, not recorded
  CHECK_THROWS_WITH(reader.draws("nope", 0), Contains("recorded blocks: x, w"));
  CHECK_THROWS_WITH(reader.stat("nope", 0), Contains("energy, iterations, accepted"));
  CHECK_THROWS_WITH(reader.draws("x", 2), Contains("chain 2 out of range"));
  CHECK_THROWS_WITH(reader.committed_stats(9), Contains("chain 9"));
  CHECK_THROWS_WITH(reader.checkpoint(2), Contains("chain 2"));
  CHECK_THROWS_WITH(reader.draw_steps(5), Contains("4 entries"));
  CHECK_THROWS_WITH(reader.attribute("nope"), Contains("no root attribute 'nope'"));
}

// The file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes write()
// fail with EFBIG once the file reaches it: the same path through HDF5 as a
// full disk, without mounting anything. The writer runs in a child process
// so the limit does not touch the test runner.
TEST_CASE("trajectory errors: a write error on the writer thread surfaces as IoError",
          "[trajectory][errors]") {
  TempDir dir;
  const std::string path = dir.file("full.h5");
  const TestRun r(2, {0, 1, 1}, 1000000);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{256 * 1024, 256 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    std::string report;
    int code = 3;
    try {
      TrajectoryOptions o = options_for(path);
      o.queue_bytes = 1 << 16;
      TrajectoryWriter writer(o);
      writer.on_start(r.run);
      std::uint64_t s = 0;
      try {
        // Each call may throw the writer thread's error; 10^5 steps are far
        // more than 256 KiB hold.
        for (s = 1; s <= 100000; ++s) {
          for (std::uint64_t c = 0; c < 2; ++c) {
            writer.on_stats(c, s - 1, r.stats_row(c, s).data());
            writer.on_draw(c, s - 1, r.q(c, s));
            if (s % 16 == 0) writer.on_checkpoint(r.checkpoint(c, s));
          }
        }
        report = "no error after " + std::to_string(s) + " steps";
      } catch (const IoError& e) {
        report = std::string("draw:") + e.what();
        code = 1;
      }
      try {
        writer.on_finish(RunEnd{false, "interrupted"});
        report += "\nfinish: no error";
      } catch (const IoError& e) {
        report += std::string("\nfinish:") + e.what();
        if (code == 1) code = 0;
      }
    } catch (const std::exception& e) {
      report = std::string("setup:") + e.what();
      code = 4;
    }
    const ssize_t written = write(fds[1], report.data(), report.size());
    (void)written;
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;)
    report.append(buffer, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  INFO(report);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(report, Contains("draw:" + path) && Contains("File too large"));
  CHECK_THAT(report, Contains("finish:" + path));

  // Everything committed before the error reads back intact. HDF5 could not
  // close the file, so the writer left it alone: the status stays "running".
  const TrajectoryReader reader(path);
  CHECK(reader.status() == "running");
  for (std::uint64_t c = 0; c < 2; ++c) {
    const std::uint64_t k = reader.committed_draws(c);
    CHECK(k > 0);
    const cola::Matrix x = reader.draws("x", c);
    for (std::uint64_t d = 0; d < k; ++d)
      CHECK(x.row(static_cast<cola::Index>(d)).transpose() ==
            cola::test::block_of(r, r.q(c, d + 1), "x"));
    if (const auto cp = reader.checkpoint(c)) {
      CHECK(cp->state.q == r.q(c, cp->state.step));
      CHECK(cp->state.step <= k);
    }
  }
}
