#pragma once
// The posterior predictive of a network from its draws: the mean over draws
// of the class probabilities p(y | x, theta_s) (classification) or of the
// predictions (regression), and the usual uncertainty metrics on a labelled
// set.
//
// Classification, from mean probabilities P (n x classes) and labels:
//   accuracy  fraction of examples whose argmax_k P_ik is the label (ties:
//             the lowest class)
//   NLL       mean of -log max(P_i,label, 1e-12) (the clamp bounds a single
//             confident mistake at 27.6 nats)
//   entropy   mean predictive entropy -sum_k P_ik log P_ik (nats, 0 log 0 = 0)
//   ECE       expected calibration error with 15 equal-width confidence bins
//             (Guo et al. 2017): confidence c_i = max_k P_ik falls in bin
//             ceil(15 c_i) - 1 (c = 0 in the first), ECE = sum_b (n_b / n)
//             |accuracy_b - mean confidence_b|
// Regression, from the mean prediction m, the mean of its square s (n x k)
// and targets t: RMSE = sqrt(mean (m - t)^2) and the mean predictive sd
// mean sqrt(max(s - m^2, 0)) over examples and outputs (the spread of the
// network's predictions across draws; the noise sd is not added).
//
// Value types; allocate.
#include <cola/types.hpp>

#include <vector>

namespace cola::models {

struct ClassificationMetrics {
  double accuracy = 0, nll = 0, entropy = 0, ece = 0;
};

inline constexpr int kCalibrationBins = 15;
inline constexpr double kProbabilityFloor = 1e-12;

// ConfigError when the sizes disagree, the set is empty or a label is
// outside [0, classes).
ClassificationMetrics classification_metrics(const Matrix& probabilities,
                                             const std::vector<int>& labels);

struct RegressionMetrics {
  double rmse = 0, predictive_sd = 0;
};

RegressionMetrics regression_metrics(const Matrix& mean, const Matrix& mean_square,
                                     const Matrix& targets);

// Sums the per-draw outputs (n x k) of one or more chains.
class PredictiveAccumulator {
 public:
  void add(const Matrix& outputs);  // ConfigError on a shape different from the first
  // Adds another accumulator's draws (e.g. one chain into the pooled sum).
  void merge(const PredictiveAccumulator& other);
  Index count() const { return count_; }
  Matrix mean() const;         // ConfigError when empty
  Matrix mean_square() const;  // of each entry

 private:
  Matrix sum_, sum_sq_;
  Index count_ = 0;
};

}  // namespace cola::models
