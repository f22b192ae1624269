// Crash safety of the trajectory file (DESIGN §3): a child process writes a
// run with known values until the parent kills it with SIGKILL at a random
// moment; every committed draw, statistics row and the newest checkpoint
// must then read back exactly. Also: a reader follows a live run from
// another process, and a killed run is resumed in place.
//
// The children are forked before they touch HDF5 (the parent holds no open
// HDF5 object and no writer thread at that point) and end with _exit.
#include "trajectory_test_support.hpp"

#include <cola/error.hpp>
#include <cola/io/trajectory_reader.hpp>
#include <cola/io/trajectory_writer.hpp>

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using cola::RunEnd;
using cola::io::TrajectoryOptions;
using cola::io::TrajectoryReader;
using cola::io::TrajectoryWriter;
using cola::test::TempDir;
using cola::test::TestRun;

namespace {

constexpr std::uint64_t kEndless = std::uint64_t{1} << 40;
constexpr std::uint64_t kCheckpointEvery = 8;

// Two chains, a draw and a statistics row every step, small chunks so that
// whole and partial chunk writes, extensions and checkpoints all happen
// many times a second.
TestRun child_run() {
  return TestRun(2, {0, 1, 1}, kEndless);
}

TrajectoryOptions child_options(const std::string& path) {
  TrajectoryOptions o;
  o.path = path;
  o.chunk_draws = 4;
  o.stats_chunk_rows = 16;
  o.queue_bytes = 1 << 16;
  return o;
}

// The forked child: writes until killed. One byte on `fd` says on_start
// is done (the file exists).
[[noreturn]] void run_child(const std::string& path, int fd) {
  try {
    const TestRun r = child_run();
    TrajectoryWriter writer(child_options(path));
    writer.on_start(r.run);
    const char started = 1;
    if (write(fd, &started, 1) != 1) _exit(3);
    r.drive_all(writer, {0, 0}, kEndless, kCheckpointEvery, false);
  } catch (...) {
    _exit(2);
  }
  _exit(0);
}

// The writer process. It writes until killed, so it is killed (SIGKILL) and
// reaped at the latest when this goes out of scope: a failed check must not
// leave it writing forever.
struct Child {
  Child() = default;
  Child(Child&& o) noexcept : pid(std::exchange(o.pid, -1)), started(o.started) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child& operator=(Child&&) = delete;
  ~Child() { kill_now(); }
  void kill_now() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
  }
  pid_t pid = -1;
  bool started = false;
};

Child start_child(const std::string& path) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  Child child;
  child.pid = fork();
  if (child.pid < 0) throw std::runtime_error("fork failed");
  if (child.pid == 0) {
    close(fds[0]);
    run_child(path, fds[1]);
  }
  close(fds[1]);
  char byte = 0;
  child.started = read(fds[0], &byte, 1) == 1;  // blocks until on_start is done
  close(fds[0]);
  return child;
}

void kill_child(Child& child) {
  child.kill_now();
}

// Every committed value against the known function; empty when all match.
std::string verify(const TrajectoryReader& reader, const TestRun& r, std::uint64_t& draws) {
  draws = 0;
  if (reader.num_chains() != 2) return "wrong number of chains";
  for (std::uint64_t c = 0; c < 2; ++c) {
    // The checkpoint first: in a live file the counts only grow, and a
    // checkpoint's draws are committed before it becomes the newest.
    const auto cp = reader.checkpoint(c);
    const std::uint64_t k = reader.committed_draws(c);
    draws += k;
    const cola::Matrix x = reader.draws("x", c), w = reader.draws("w", c);
    for (std::uint64_t d = 0; d < k; ++d) {
      const cola::Vector q = r.q(c, d + 1);
      if (x.row(static_cast<cola::Index>(d)).transpose() != cola::test::block_of(r, q, "x") ||
          w.row(static_cast<cola::Index>(d)).transpose() != cola::test::block_of(r, q, "w"))
        return "chain " + std::to_string(c) + " draw " + std::to_string(d) + " of " +
               std::to_string(k) +
               " differs: x = " + std::to_string(x(static_cast<cola::Index>(d), 0)) +
               ", expected " + std::to_string(q[0]);
    }
    const cola::Vector energy = reader.stat("energy", c);
    for (cola::Index s = 0; s < energy.size(); ++s)
      if (energy[s] != r.stats_row(c, static_cast<std::uint64_t>(s) + 1)[0])
        return "chain " + std::to_string(c) + " statistics row " + std::to_string(s) + " differs";
    if (cp) {
      const auto expected = r.checkpoint(c, cp->state.step);
      if (cp->state.step % kCheckpointEvery != 0 || cp->state.q != expected.state.q ||
          cp->state.p != expected.state.p || cp->accumulators != expected.accumulators)
        return "chain " + std::to_string(c) + " checkpoint at step " +
               std::to_string(cp->state.step) + " differs";
      if (cp->state.step > k)
        return "chain " + std::to_string(c) + " checkpoint ahead of the committed draws";
    }
  }
  return "";
}

struct KillOutcome {
  int readable = 0;
  std::uint64_t draws = 0;
  std::vector<std::string> errors;
};

KillOutcome kill_repeatedly(const TempDir& dir, int runs) {
  std::mt19937_64 rng(20240501);
  std::uniform_int_distribution<int> delay_ms(20, 300);
  const TestRun r = child_run();
  KillOutcome out;
  for (int i = 0; i < runs; ++i) {
    const std::string path = dir.file("killed_" + std::to_string(i) + ".h5");
    const int delay = delay_ms(rng);
    Child child = start_child(path);
    // The delay is the experiment (where the kill lands), not synchronisation.
    if (child.started) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    kill_child(child);
    try {
      if (!child.started) throw std::runtime_error("the child did not start");
      const TrajectoryReader reader(path);
      std::uint64_t draws = 0;
      const std::string error = verify(reader, r, draws);
      if (!error.empty()) throw std::runtime_error(error);
      ++out.readable;
      out.draws += draws;
    } catch (const std::exception& e) {
      out.errors.push_back("run " + std::to_string(i) + " (killed after " + std::to_string(delay) +
                           " ms): " + e.what());
    }
    std::remove(path.c_str());
  }
  return out;
}

}  // namespace

TEST_CASE("trajectory: a run killed with SIGKILL at a random moment stays readable",
          "[trajectory][crash]") {
  TempDir dir;
  const KillOutcome out = kill_repeatedly(dir, 20);
  for (const auto& e : out.errors) UNSCOPED_INFO(e);
  WARN("SWMR: " << out.readable << "/20 killed files readable with every committed value; "
                << out.draws << " committed draws checked");
  CHECK(out.readable == 20);
  CHECK(out.draws > 0);
}

TEST_CASE("trajectory: a reader follows a live run, and the killed run resumes in place",
          "[trajectory][crash]") {
  TempDir dir;
  const std::string path = dir.file("live.h5");
  const TestRun r = child_run();
  Child child = start_child(path);
  REQUIRE(child.started);
  std::uint64_t seen = 0;
  {
    // Another process's SWMR reader sees the committed draws grow.
    const TrajectoryReader reader(path);
    CHECK(reader.status() == "running");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::uint64_t first = reader.committed_draws(0);
    while ((seen = reader.committed_draws(0)) < first + 16 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    CHECK(seen >= first + 16);
    std::uint64_t draws = 0;
    CHECK(verify(reader, r, draws) == "");
    // The newest checkpoint, read again and again while the writer keeps
    // replacing it (a checkpoint every 8 steps): every copy read is one the
    // writer wrote whole, never a slot overwritten while it was read.
    std::uint64_t distinct = 0, last_step = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto cp = reader.checkpoint(0);
      REQUIRE(cp.has_value());
      const auto expected = r.checkpoint(0, cp->state.step);
      if (cp->state.q != expected.state.q || cp->state.p != expected.state.p ||
          cp->accumulators != expected.accumulators)
        FAIL("read " << i << ": the checkpoint at step " << cp->state.step << " differs");
      distinct += cp->state.step != last_step;
      last_step = cp->state.step;
    }
    CHECK(distinct > 10);  // the writer was replacing it meanwhile
  }
  kill_child(child);

  // Resume the killed file from its newest checkpoints and run 24 more steps (three checkpoint
  // intervals).
  std::vector<std::uint64_t> from;
  {
    const TrajectoryReader reader(path);
    CHECK(reader.status() == "running");  // nobody recorded an end
    for (std::uint64_t c = 0; c < 2; ++c) {
      const auto cp = reader.checkpoint(c);
      from.push_back(cp ? cp->state.step : 0);
    }
  }
  {
    TrajectoryOptions o;
    o.path = path;
    TrajectoryWriter writer = TrajectoryWriter::resume(o);
    writer.on_start(r.run);
    std::vector<std::thread> threads;
    std::vector<std::string> errors(2);
    for (std::uint64_t c = 0; c < 2; ++c)
      threads.emplace_back([&, c] {
        try {
          r.drive(writer, c, from[c], from[c] + 24, 0, true);
        } catch (const std::exception& e) {
          errors[c] = e.what();
        }
      });
    for (auto& t : threads) t.join();
    CHECK(errors == std::vector<std::string>(2));
    writer.on_finish(RunEnd{false, "interrupted"});
  }
  const TrajectoryReader reader(path);
  INFO("resumed from steps " << from[0] << ", " << from[1]);
  CHECK(reader.status() == "interrupted");
  for (std::uint64_t c = 0; c < 2; ++c) {
    CHECK(reader.committed_draws(c) == from[c] + 24);
    CHECK(reader.checkpoint(c)->state.step == from[c] + 24);
  }
  std::uint64_t draws = 0;
  CHECK(verify(reader, r, draws) == "");
}
