#include <cola/analysis/chains.hpp>
#include <cola/analysis/ess.hpp>
#include <cola/analysis/mcse.hpp>

#include <boost/math/special_functions/beta.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace cola::analysis {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
bool unusable(const Matrix& x) {
  return x.rows() < 4 || degenerate(x);
}
}  // namespace

double mcse_mean(const Matrix& x) {
  if (unusable(x)) return kNaN;
  const double s = static_cast<double>(x.size());
  const double var = (x.array() - x.mean()).square().sum() / (s - 1);
  return std::sqrt(var / ess(x));
}

double mcse_sd(const Matrix& x) {
  if (unusable(x)) return kNaN;
  const Matrix c = x.array() - x.mean();
  const double e = ess(split_chains(c.cwiseAbs()));
  const double m2 = c.array().square().mean();
  const double m4 = c.array().square().square().mean();
  return std::sqrt((m4 - m2 * m2) / e / (4 * m2));
}

double mcse_quantile(const Matrix& x, double p) {
  if (unusable(x) || !(p > 0 && p < 1)) return kNaN;
  std::vector<double> sorted(x.data(), x.data() + x.size());
  std::sort(sorted.begin(), sorted.end());
  const auto s = static_cast<Index>(sorted.size());
  const double q = sorted[static_cast<std::size_t>(
      std::clamp<Index>(static_cast<Index>(std::floor(p * static_cast<double>(s - 1))), 0, s - 1))];
  const Matrix indicator = (x.array() <= q).cast<double>();
  const double e = ess(split_chains(indicator));
  const double alpha = e * p + 1, beta = e * (1 - p) + 1;
  // +-1 sd of a normal: 0.1586553 and 0.8413447.
  const double lo = boost::math::ibeta_inv(alpha, beta, 0.15865525393145707);
  const double hi = boost::math::ibeta_inv(alpha, beta, 0.8413447460685429);
  const Index i1 =
      std::clamp<Index>(static_cast<Index>(std::floor(lo * static_cast<double>(s))), 1, s);
  const Index i2 =
      std::clamp<Index>(static_cast<Index>(std::ceil(hi * static_cast<double>(s))), 1, s);
  return (sorted[static_cast<std::size_t>(i2 - 1)] - sorted[static_cast<std::size_t>(i1 - 1)]) / 2;
}

}  // namespace cola::analysis
