#include <cola/analysis/chains.hpp>
#include <cola/analysis/rank_normal.hpp>
#include <cola/analysis/rhat.hpp>

#include <cmath>
#include <limits>

namespace cola::analysis {

double rhat(const Matrix& x) {
  const Index n = x.rows(), m = x.cols();
  if (n < 2 || m < 2) return std::numeric_limits<double>::quiet_NaN();
  const auto nd = static_cast<double>(n);
  const Vector means = x.colwise().mean().transpose();
  const double b = nd * (means.array() - means.mean()).square().sum() / static_cast<double>(m - 1);
  double w = 0;
  for (Index j = 0; j < m; ++j) w += (x.col(j).array() - means[j]).square().sum() / (nd - 1);
  w /= static_cast<double>(m);
  return std::sqrt((b / w + nd - 1) / nd);
}

double split_rhat(const Matrix& x) {
  return rhat(split_chains(x));
}

RankRhat rank_normalized_split_rhat(const Matrix& x) {
  const Matrix y = split_chains(x);
  if (degenerate(y)) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan};
  }
  const double median = quantile(y, 0.5);
  const Matrix folded = (y.array() - median).abs();
  return {rhat(rank_normalize(y)), rhat(rank_normalize(folded))};
}

}  // namespace cola::analysis
