#include <cola/analysis/batch_means.hpp>
#include <cola/error.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace cola::analysis {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// sd of the given means around `centre`, divided by sqrt(count): the standard
// error of their average.
double standard_error(const std::vector<double>& means, double centre) {
  double ss = 0;
  for (double m : means) ss += (m - centre) * (m - centre);
  const auto n = static_cast<double>(means.size());
  return std::sqrt(ss / (n - 1) / n);
}
}  // namespace

BatchMeans::BatchMeans(std::size_t min_batches) : min_batches_(min_batches) {
  require(min_batches >= 2,
          "batch means: min_batches must be at least 2 (got " + std::to_string(min_batches) + ")");
  sums_.reserve(2 * min_batches);
}

void BatchMeans::add(double x) {
  ++count_;
  total_ += x;
  partial_ += x;
  if (++in_partial_ < batch_size_) return;
  sums_.push_back(partial_);
  partial_ = 0;
  in_partial_ = 0;
  if (sums_.size() < 2 * min_batches_) return;
  // Merge adjacent pairs: K batches of twice the size.
  for (std::size_t k = 0; k < min_batches_; ++k) sums_[k] = sums_[2 * k] + sums_[2 * k + 1];
  sums_.resize(min_batches_);
  batch_size_ *= 2;
}

double BatchMeans::mean() const {
  return count_ == 0 ? kNaN : total_ / static_cast<double>(count_);
}

double BatchMeans::batch_mean(std::size_t k) const {
  require(k < sums_.size(),
          "batch means: batch " + std::to_string(k) + " of " + std::to_string(sums_.size()));
  return sums_[k] / static_cast<double>(batch_size_);
}

double BatchMeans::mcse() const {
  if (sums_.size() < 2) return kNaN;
  std::vector<double> means(sums_.size());
  double centre = 0;
  for (std::size_t k = 0; k < sums_.size(); ++k) centre += (means[k] = batch_mean(k));
  return standard_error(means, centre / static_cast<double>(means.size()));
}

double pooled_mean(const std::vector<BatchMeans>& chains) {
  double total = 0;
  std::uint64_t n = 0;
  for (const BatchMeans& c : chains) {
    if (c.count() == 0) continue;
    total += c.mean() * static_cast<double>(c.count());
    n += c.count();
  }
  return n == 0 ? kNaN : total / static_cast<double>(n);
}

double pooled_mcse(const std::vector<BatchMeans>& chains) {
  std::uint64_t n = 0, size = 0;
  bool equal_sizes = true;
  for (const BatchMeans& c : chains) {
    if (c.count() == 0) continue;
    if (c.batches() < 2) return kNaN;
    if (size != 0 && c.batch_size() != size) equal_sizes = false;
    size = c.batch_size();
    n += c.count();
  }
  if (n == 0) return kNaN;
  if (equal_sizes) {
    std::vector<double> means;
    double centre = 0;
    for (const BatchMeans& c : chains)
      for (std::size_t k = 0; k < c.batches(); ++k) {
        means.push_back(c.batch_mean(k));
        centre += means.back();
      }
    return standard_error(means, centre / static_cast<double>(means.size()));
  }
  double var = 0;
  for (const BatchMeans& c : chains) {
    if (c.count() == 0) continue;
    const double w = static_cast<double>(c.count()) / static_cast<double>(n);
    var += w * w * c.mcse() * c.mcse();
  }
  return std::sqrt(var);
}

}  // namespace cola::analysis
