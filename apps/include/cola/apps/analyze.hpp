#pragma once
// `cola analyze FILE [--blocks PATTERN] [--warmup N] [--json]`: the summary of
// a trajectory file (cola::analysis::summarize_file) as a stansummary-like
// table, or the same as JSON (NaN as null).
#include <cola/analysis/file_summary.hpp>

#include <cstdio>
#include <string>

namespace cola::apps {

struct AnalyzeArguments {
  std::string path;
  std::string blocks = "*";
  std::uint64_t warmup = 0;  // draws dropped at the start of each chain
  bool json = false;
};

int analyze_command(const AnalyzeArguments& args);

void print_summary_table(std::FILE* out, const analysis::FileSummary& s);
void print_summary_json(std::FILE* out, const analysis::FileSummary& s);

}  // namespace cola::apps
