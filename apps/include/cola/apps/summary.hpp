#pragma once
// The end-of-run summary of `cola run` / `cola resume`: throughput per chain
// and in total, where the time went, failures by cause, the reference
// expectations against their exact values, and the file written; for the
// exact samplers, the acceptance, the rejections by cause and the step size.
#include <cola/apps/reference_estimator.hpp>
#include <cola/samplers/run_driver.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cola::apps {

// Posterior predictive on the test set, pooled over chains (see
// posterior_predictive.hpp).
struct PredictiveSummary {
  std::uint64_t draws = 0, chains = 0, examples = 0;
  bool classification = true;
  // Classification: accuracy of the mean probabilities, mean NLL, mean
  // predictive entropy (nats), expected calibration error.
  double accuracy = 0, nll = 0, entropy = 0, ece = 0;
  // Regression: RMSE of the mean prediction, mean sd of the predictions
  // across draws.
  double rmse = 0, predictive_sd = 0;
  // Range over chains of each chain's own predictive accuracy (or RMSE).
  double chain_min = 0, chain_max = 0;
};

// What a network run adds to the summary.
struct NetworkSummary {
  std::uint64_t clipped = 0;  // weights outside their radius at the start, moved onto it
  // Last evaluation during the run (column name, mean over chains).
  std::vector<std::pair<std::string, double>> last_evaluation;
  std::optional<PredictiveSummary> predictive;
  std::string predictive_note;   // why there is no predictive, when there is none
  std::string predictive_group;  // where it was written, when it was
};

struct SummaryInput {
  std::string sampler;  // e.g. "CoLA-ud(BAOAB)"
  const samplers::RunReport* report = nullptr;
  // Names of ChainReport::sampler_accumulators (RunDriver::
  // sampler_accumulator_names()): an exact sampler's proposals and
  // rejections by cause, and its step size, are printed from them.
  std::vector<std::string> sampler_accumulators;
  std::uint64_t warmup = 0;
  std::uint64_t total_steps = 0;
  std::vector<ReferenceEstimate> references;
  std::string output_path;         // empty when output is disabled
  double writer_busy_seconds = 0;  // on the writer's own thread
  std::uint64_t bytes_written = 0;
  std::uint64_t chunks_written = 0;
  std::optional<NetworkSummary> network;
};

void print_summary(std::FILE* out, const SummaryInput& in);

}  // namespace cola::apps
