#pragma once
// The posterior predictive of a network run on its test set, from the
// retained draws in the finished trajectory file: for every committed draw
// theta_s of every chain, the class probabilities p(y | x, theta_s) (or the
// predictions, for regression) on each test example, averaged over the draws
// of each chain and over all chains. Metrics as in models/predictive.hpp:
// accuracy, NLL, predictive entropy and expected calibration error of the
// pooled mean (RMSE and predictive sd for regression), and each chain's own
// accuracy (RMSE) to show how much the chains agree.
//
// It reads draws from the file, so a resumed run counts every draw once and
// the result does not depend on how the run was split; it needs every block
// of the network recorded (output.record).
//
// Not thread-safe with respect to the file (call after the writer has
// finished). Allocates (one chain's draws at a time).
#include <cola/apps/experiment.hpp>
#include <cola/apps/summary.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cola::apps {

struct PosteriorPredictive {
  PredictiveSummary summary;
  Matrix mean;                       // n x classes (probabilities) or n x outputs
  Matrix mean_square;                // regression: mean of the squared predictions
  std::vector<double> chain_metric;  // each chain's accuracy (RMSE for regression)
  std::vector<double> chain_draws;   // draws per chain
};

// Empty, with the reason in *why_not, when the file lacks a network block or
// holds no draws. Throws IoError for an unreadable file.
std::optional<PosteriorPredictive> posterior_predictive(const std::string& path,
                                                        const Experiment& experiment,
                                                        std::string* why_not);

// Writes group `posterior_predictive` of the file (cola::io::write_result_group).
void write_posterior_predictive(const std::string& path, const Experiment& experiment,
                                const PosteriorPredictive& p);

inline constexpr const char* kPredictiveGroup = "posterior_predictive";

}  // namespace cola::apps
