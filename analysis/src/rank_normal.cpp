#include <cola/analysis/rank_normal.hpp>
#include <cola/error.hpp>

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace cola::analysis {

Matrix rank_normalize(const Matrix& x) {
  const Index s = x.size();
  std::vector<Index> order(static_cast<std::size_t>(s));
  std::iota(order.begin(), order.end(), Index{0});
  const double* v = x.data();
  std::stable_sort(order.begin(), order.end(), [v](Index a, Index b) { return v[a] < v[b]; });
  Matrix z(x.rows(), x.cols());
  const boost::math::normal normal;
  const double denominator = static_cast<double>(s) + 0.25;
  for (Index i = 0; i < s;) {
    Index j = i;
    while (j + 1 < s &&
           v[order[static_cast<std::size_t>(j + 1)]] == v[order[static_cast<std::size_t>(i)]])
      ++j;
    // Ranks i+1 .. j+1 tie: their average.
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    const double zk = boost::math::quantile(normal, (rank - 0.375) / denominator);
    for (Index k = i; k <= j; ++k) z.data()[order[static_cast<std::size_t>(k)]] = zk;
    i = j + 1;
  }
  return z;
}

double quantile(const Matrix& x, double p) {
  if (x.size() == 0) throw ConfigError("quantile of no draws");
  std::vector<double> v(x.data(), x.data() + x.size());
  std::sort(v.begin(), v.end());
  const double h = static_cast<double>(v.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = static_cast<std::size_t>(std::ceil(h));
  const double f = h - std::floor(h);
  return (1 - f) * v[lo] + f * v[hi];
}

}  // namespace cola::analysis
