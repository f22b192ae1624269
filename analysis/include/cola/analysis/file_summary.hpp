#pragma once
// The summary of a trajectory file (what `cola analyze` prints): every
// recorded block matching a pattern, read through cola::io::TrajectoryReader
// a slab of block rows at a time, so that memory stays within a budget
// whatever the file's size; the sampler statistics; warnings.
//
// Blocks of at most `scalar_limit` entries get one row per entry
// ("x[2]", "w[1,0]"); larger blocks one row per block with the worst entry
// (largest R-hat, smallest bulk ESS) and the median of each diagnostic over
// the entries. Chains are cut to the shortest committed length (a killed or
// live file has chains of different lengths); `drop_draws` more draws are
// discarded at the start of each chain.
//
// Warnings: R-hat > 1.01, bulk or tail ESS < 100 per chain.
//
// Throws IoError for an unreadable file, ConfigError for a pattern that
// matches no recorded block. Allocates.
#include <cola/analysis/summary.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cola::analysis {

struct BlockSummary {
  std::string block;
  Index size = 0;
  std::vector<QuantitySummary> entries;  // small blocks: every entry
  // Large blocks: the worst entries and the medians over all entries.
  QuantitySummary worst_rhat, worst_ess;
  double median_rhat = 0, median_ess_bulk = 0, median_ess_tail = 0, median_mcse_mean = 0;
  bool per_entry() const { return !entries.empty(); }
};

struct StatisticSummary {
  std::string name;
  double mean = 0, max = 0, sum = 0, last = 0;  // over the finite values of every chain
  std::uint64_t count = 0;                      // finite values
};

struct FileSummary {
  std::string path, status;
  std::uint64_t chains = 0, draws = 0;  // draws per chain used
  std::uint64_t dropped = 0;            // per chain, at the start
  double steps_per_second = 0;          // NaN when the file has no timing
  std::vector<BlockSummary> blocks;
  std::vector<StatisticSummary> statistics;
  std::vector<std::string> warnings;
};

struct FileSummaryOptions {
  std::string pattern = "*";
  std::uint64_t drop_draws = 0;
  Index scalar_limit = 16;
  std::size_t memory_budget = std::size_t{256} << 20;  // bytes of draws held at once
};

FileSummary summarize_file(const std::string& path, const FileSummaryOptions& options = {});

}  // namespace cola::analysis
