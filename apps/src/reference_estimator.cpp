#include <cola/apps/reference_estimator.hpp>

#include <cmath>
#include <limits>

namespace cola::apps {

void ReferenceEstimator::on_start(const RunDescription& run) {
  values_.assign(run.num_chains, std::vector<std::vector<double>>(references_.size()));
}

void ReferenceEstimator::on_draw(std::uint64_t chain, std::uint64_t, const Vector& q) {
  auto& mine = values_[chain];
  for (std::size_t r = 0; r < references_.size(); ++r) mine[r].push_back(references_[r].f(q));
}

std::vector<ReferenceEstimate> ReferenceEstimator::estimates() const {
  std::vector<ReferenceEstimate> out;
  for (std::size_t r = 0; r < references_.size(); ++r) {
    ReferenceEstimate e{
        references_[r].name,   0.0, std::numeric_limits<double>::quiet_NaN(), references_[r].exact,
        references_[r].source, 0};
    double sum = 0;
    std::vector<double> batch_means;
    for (const auto& chain : values_) {
      const std::vector<double>& v = chain[r];
      for (double x : v) sum += x;
      e.draws += v.size();
      const std::size_t len = v.size() / kBatches;
      if (len < 2) continue;
      for (std::size_t b = 0; b < kBatches; ++b) {
        double s = 0;
        for (std::size_t i = b * len; i < (b + 1) * len; ++i) s += v[i];
        batch_means.push_back(s / static_cast<double>(len));
      }
    }
    if (e.draws == 0) continue;
    e.estimate = sum / static_cast<double>(e.draws);
    if (batch_means.size() >= 2) {
      double m = 0, ss = 0;
      for (double x : batch_means) m += x;
      m /= static_cast<double>(batch_means.size());
      for (double x : batch_means) ss += (x - m) * (x - m);
      const double n = static_cast<double>(batch_means.size());
      e.mcse = std::sqrt(ss / (n - 1) / n);
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace cola::apps
