// summarize_file on a trajectory file written with known draws: iid N(0, 1)
// entries (ESS ~ N M, R-hat ~ 1, mean within MCSE of 0), a block with one
// shifted chain (R-hat warning), slab-wise reading of a large block equal to
// reading it whole, dropped draws, chains of different lengths, errors.
#include "temp_dir.hpp"

#include <cola/analysis/file_summary.hpp>
#include <cola/error.hpp>
#include <cola/io/trajectory_writer.hpp>
#include <cola/rng.hpp>

#include <catch2/catch.hpp>
#include <omp.h>

#include <cmath>

using namespace cola;
using namespace cola::analysis;
using Catch::Matchers::Contains;

namespace {

constexpr std::uint64_t kDraws = 400, kChains = 4;

// Blocks: x (3 entries), w (20 x 10, 200 entries), bad (2 entries; chain 0
// shifted by +2). Chain 3 commits only `last_chain_draws` draws.
void write_file(const std::string& path, std::uint64_t last_chain_draws = kDraws) {
  ParameterLayout layout;
  layout.add_block("x", 3);
  layout.add_block("w", 20, 10);
  layout.add_block("bad", 2);
  RunDescription run;
  run.layout = &layout;
  run.recorded_blocks = {0, 1, 2};
  run.stats = {{"potential", StatSpec::Kind::kFloat64, "potential energy"}};
  run.num_chains = kChains;
  run.thinning = {0, 1, 1};
  run.total_steps = kDraws;
  io::TrajectoryOptions options;
  options.path = path;
  options.overwrite = true;
  options.chunk_draws = 50;
  io::TrajectoryWriter writer(options);
  writer.on_start(run);
  for (std::uint64_t c = 0; c < kChains; ++c) {
    RngStream rng(StreamKey{77, c, 0, 0, 0});
    Vector q(layout.size());
    const std::uint64_t n = c + 1 == kChains ? last_chain_draws : kDraws;
    for (std::uint64_t s = 0; s < n; ++s) {
      rng.fill_normal(q);
      if (c == 0) layout.segment(q, 2).array() += 2.0;
      const double row[1] = {static_cast<double>(s)};
      writer.on_stats(c, s, row);
      writer.on_draw(c, s, q);
    }
  }
  writer.on_finish(RunEnd{true, ""});
}

}  // namespace

TEST_CASE("file summary: iid draws have ESS ~ N M, R-hat ~ 1, the mean within MCSE",
          "[analysis][file]") {
  test::TempDir dir;
  const std::string path = dir.file("iid.h5");
  write_file(path);
  FileSummaryOptions o;
  o.scalar_limit = 16;
  const FileSummary s = summarize_file(path, o);
  CHECK(s.status == "completed");
  CHECK(s.chains == kChains);
  CHECK(s.draws == kDraws);
  REQUIRE(s.blocks.size() == 3);
  const BlockSummary& x = s.blocks[0];
  REQUIRE(x.per_entry());
  REQUIRE(x.entries.size() == 3);
  for (const auto& q : x.entries) {
    INFO(q.name);
    // Exact: mean 0 and sd 1. |mean| within 5 MCSE; ESS of iid draws is
    // N M = 1600 up to its sampling error (sd ~ 5 % of it at N = 400).
    CHECK(std::abs(q.mean) < 5 * q.mcse_mean);
    CHECK(std::abs(q.sd - 1) < 5 * q.mcse_sd);
    CHECK(q.ess_bulk > 0.75 * 1600);
    CHECK(q.ess_bulk < 1.25 * 1600);
    CHECK(q.rhat < 1.01);
  }
  CHECK(x.entries[1].name == "x[1]");
  const BlockSummary& w = s.blocks[1];
  REQUIRE_FALSE(w.per_entry());
  CHECK(w.size == 200);
  CHECK(w.median_rhat < 1.01);
  CHECK(w.median_ess_bulk > 0.75 * 1600);
  CHECK(w.worst_rhat.name.rfind("w[", 0) == 0);
  // The shifted chain: 8 split chains with means (2, 2, 0, ..., 0) have
  // var(means) = 6/7 against W = 1, so classic R-hat ~ sqrt(1 + 6/7) = 1.36
  // (rank-normalised: 1.30 here). Far above 1.01, and warned about.
  const BlockSummary& bad = s.blocks[2];
  CHECK(bad.entries[0].rhat > 1.2);
  bool warned = false;
  for (const auto& msg : s.warnings) warned = warned || msg.find("bad[0]") != std::string::npos;
  CHECK(warned);
  // Statistics: 0 .. 399 in every chain.
  REQUIRE(s.statistics.size() == 1);
  CHECK(s.statistics[0].mean == Approx(199.5));
  CHECK(s.statistics[0].max == 399);
  CHECK(s.statistics[0].last == 399);
}

TEST_CASE("file summary: reading a block in slabs gives the same numbers", "[analysis][file]") {
  test::TempDir dir;
  const std::string path = dir.file("slabs.h5");
  write_file(path);
  FileSummaryOptions whole, slabs;
  whole.pattern = slabs.pattern = "w";
  slabs.memory_budget = 1;  // one row of the block at a time
  const FileSummary a = summarize_file(path, whole), b = summarize_file(path, slabs);
  CHECK(a.blocks[0].median_rhat == b.blocks[0].median_rhat);
  CHECK(a.blocks[0].median_ess_bulk == b.blocks[0].median_ess_bulk);
  CHECK(a.blocks[0].worst_ess.name == b.blocks[0].worst_ess.name);
  CHECK(a.blocks[0].worst_ess.ess_bulk == b.blocks[0].worst_ess.ess_bulk);
}

TEST_CASE("file summary: the same numbers for any thread count", "[analysis][file]") {
  // The 200 entries of w are summarised in parallel; the reduction is in
  // entry order, so one thread and two give bit-identical summaries.
  test::TempDir dir;
  const std::string path = dir.file("threads.h5");
  write_file(path);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const FileSummary one = summarize_file(path, FileSummaryOptions{});
  omp_set_num_threads(2);
  const FileSummary two = summarize_file(path, FileSummaryOptions{});
  omp_set_num_threads(threads);
  REQUIRE(one.blocks.size() == two.blocks.size());
  for (std::size_t b = 0; b < one.blocks.size(); ++b) {
    const BlockSummary &x = one.blocks[b], &y = two.blocks[b];
    CHECK(x.median_rhat == y.median_rhat);
    CHECK(x.median_ess_bulk == y.median_ess_bulk);
    CHECK(x.median_ess_tail == y.median_ess_tail);
    CHECK(x.median_mcse_mean == y.median_mcse_mean);
    CHECK(x.worst_rhat.name == y.worst_rhat.name);
    CHECK(x.worst_ess.name == y.worst_ess.name);
    REQUIRE(x.entries.size() == y.entries.size());
    for (std::size_t e = 0; e < x.entries.size(); ++e) {
      CHECK(x.entries[e].mean == y.entries[e].mean);
      CHECK(x.entries[e].ess_tail == y.entries[e].ess_tail);
      CHECK(x.entries[e].rhat == y.entries[e].rhat);
    }
  }
  CHECK(one.warnings == two.warnings);
}

TEST_CASE("file summary: dropped draws and chains of different lengths", "[analysis][file]") {
  test::TempDir dir;
  const std::string path = dir.file("short.h5");
  write_file(path, 250);  // like a killed run: chain 3 committed fewer draws
  FileSummaryOptions o;
  o.pattern = "x";
  o.drop_draws = 50;
  const FileSummary s = summarize_file(path, o);
  CHECK(s.draws == 200);  // 250 common, minus 50
  CHECK(s.dropped == 50);
  CHECK(s.blocks[0].entries[0].ess_bulk < 0.75 * 1600);
}

TEST_CASE("file summary: errors name the file or the pattern", "[analysis][file][errors]") {
  test::TempDir dir;
  CHECK_THROWS_AS(summarize_file(dir.file("missing.h5")), IoError);
  const std::string path = dir.file("iid.h5");
  write_file(path);
  FileSummaryOptions o;
  o.pattern = "layer*";
  CHECK_THROWS_WITH(summarize_file(path, o), Contains("--blocks layer* matches no recorded block"));
}
