#include <cola/error.hpp>
#include <cola/models/predictive.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace cola::models {

ClassificationMetrics classification_metrics(const Matrix& p, const std::vector<int>& labels) {
  const Index n = p.rows();
  if (n == 0 || p.cols() < 1) throw ConfigError("predictive metrics: no examples");
  if (static_cast<Index>(labels.size()) != n)
    throw ConfigError("predictive metrics: " + std::to_string(labels.size()) + " labels for " +
                      std::to_string(n) + " rows of probabilities");
  std::array<double, kCalibrationBins> bin_count{}, bin_correct{}, bin_confidence{};
  ClassificationMetrics m;
  for (Index i = 0; i < n; ++i) {
    const int label = labels[static_cast<std::size_t>(i)];
    if (label < 0 || label >= p.cols())
      throw ConfigError("predictive metrics: label " + std::to_string(label) + " of example " +
                        std::to_string(i) + " is outside [0, " + std::to_string(p.cols()) + ")");
    Index argmax = 0;
    const double confidence = p.row(i).maxCoeff(&argmax);
    const bool correct = argmax == label;
    m.accuracy += correct;
    m.nll -= std::log(std::max(p(i, label), kProbabilityFloor));
    for (Index k = 0; k < p.cols(); ++k)
      if (p(i, k) > 0) m.entropy -= p(i, k) * std::log(p(i, k));
    const int bin = std::clamp(static_cast<int>(std::ceil(confidence * kCalibrationBins)) - 1, 0,
                               kCalibrationBins - 1);
    bin_count[static_cast<std::size_t>(bin)] += 1;
    bin_correct[static_cast<std::size_t>(bin)] += correct;
    bin_confidence[static_cast<std::size_t>(bin)] += confidence;
  }
  const auto nd = static_cast<double>(n);
  for (std::size_t b = 0; b < bin_count.size(); ++b)
    if (bin_count[b] > 0) m.ece += std::abs(bin_correct[b] - bin_confidence[b]) / nd;
  m.accuracy /= nd;
  m.nll /= nd;
  m.entropy /= nd;
  return m;
}

RegressionMetrics regression_metrics(const Matrix& mean, const Matrix& mean_square,
                                     const Matrix& targets) {
  if (mean.size() == 0) throw ConfigError("predictive metrics: no examples");
  if (mean.rows() != targets.rows() || mean.cols() != targets.cols() ||
      mean_square.rows() != mean.rows() || mean_square.cols() != mean.cols())
    throw ConfigError("predictive metrics: predictions are " + std::to_string(mean.rows()) + " x " +
                      std::to_string(mean.cols()) + " but the targets are " +
                      std::to_string(targets.rows()) + " x " + std::to_string(targets.cols()));
  RegressionMetrics r;
  const auto size = static_cast<double>(mean.size());
  r.rmse = std::sqrt((mean - targets).squaredNorm() / size);
  r.predictive_sd = (mean_square - mean.cwiseAbs2()).cwiseMax(0.0).cwiseSqrt().sum() / size;
  return r;
}

void PredictiveAccumulator::add(const Matrix& outputs) {
  if (count_ == 0) {
    sum_ = Matrix::Zero(outputs.rows(), outputs.cols());
    sum_sq_ = Matrix::Zero(outputs.rows(), outputs.cols());
  } else if (outputs.rows() != sum_.rows() || outputs.cols() != sum_.cols()) {
    throw ConfigError("predictive accumulator: a draw of " + std::to_string(outputs.rows()) +
                      " x " + std::to_string(outputs.cols()) + " after draws of " +
                      std::to_string(sum_.rows()) + " x " + std::to_string(sum_.cols()));
  }
  sum_ += outputs;
  sum_sq_ += outputs.cwiseAbs2();
  ++count_;
}

void PredictiveAccumulator::merge(const PredictiveAccumulator& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  if (other.sum_.rows() != sum_.rows() || other.sum_.cols() != sum_.cols())
    throw ConfigError("predictive accumulator: merging different shapes");
  sum_ += other.sum_;
  sum_sq_ += other.sum_sq_;
  count_ += other.count_;
}

Matrix PredictiveAccumulator::mean() const {
  if (count_ == 0) throw ConfigError("predictive accumulator: no draws");
  return sum_ / static_cast<double>(count_);
}

Matrix PredictiveAccumulator::mean_square() const {
  if (count_ == 0) throw ConfigError("predictive accumulator: no draws");
  return sum_sq_ / static_cast<double>(count_);
}

}  // namespace cola::models
