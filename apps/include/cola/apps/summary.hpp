#pragma once
// The end-of-run summary of `cola run` / `cola resume`: throughput per chain
// and in total, where the time went, failures by cause, the reference
// expectations against their exact values, and the file written.
#include <cola/apps/reference_estimator.hpp>
#include <cola/samplers/run_driver.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cola::apps {

struct SummaryInput {
  std::string sampler;  // e.g. "CoLA-ud(BAOAB)"
  const samplers::RunReport* report = nullptr;
  std::uint64_t warmup = 0;
  std::uint64_t total_steps = 0;
  std::vector<ReferenceEstimate> references;
  std::string output_path;         // empty when output is disabled
  double writer_busy_seconds = 0;  // on the writer's own thread
  std::uint64_t bytes_written = 0;
  std::uint64_t chunks_written = 0;
};

void print_summary(std::FILE* out, const SummaryInput& in);

}  // namespace cola::apps
