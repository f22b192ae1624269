#include <cola/analysis/autocovariance.hpp>
#include <cola/analysis/chains.hpp>
#include <cola/analysis/ess.hpp>
#include <cola/analysis/rank_normal.hpp>

#include <cmath>
#include <limits>
#include <vector>

namespace cola::analysis {

double ess(const Matrix& x) {
  const Index n = x.rows(), m = x.cols();
  if (n < 2 || m < 1) return std::numeric_limits<double>::quiet_NaN();
  const auto nd = static_cast<double>(n), md = static_cast<double>(m);
  std::vector<Vector> acov;
  Vector means(m), variances(m);
  for (Index j = 0; j < m; ++j) {
    acov.push_back(autocovariance(x.col(j)));
    means[j] = x.col(j).mean();
    variances[j] = acov.back()[0] * nd / (nd - 1);
  }
  const double w = variances.mean();
  double var_plus = w * (nd - 1) / nd;
  if (m > 1) var_plus += (means.array() - means.mean()).square().sum() / (md - 1);
  auto rho_hat = [&](Index k) {
    double mean_acov = 0;
    for (Index j = 0; j < m; ++j) mean_acov += acov[static_cast<std::size_t>(j)][k];
    return 1 - (w - mean_acov / md) / var_plus;
  };
  Vector rho = Vector::Zero(n + 2);  // + 2: rho[last + 1] when the loop never runs
  rho[0] = 1;
  rho[1] = rho_hat(1);
  double even = 1, odd = rho[1];
  Index t = 1;
  while (t < n - 4 && even + odd > 0) {
    even = rho_hat(t + 1);
    odd = rho_hat(t + 2);
    if (even + odd >= 0) {
      rho[t + 1] = even;
      rho[t + 2] = odd;
    }
    // Monotone: no pair sum may exceed the previous one.
    if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
      rho[t + 1] = (rho[t - 1] + rho[t]) / 2;
      rho[t + 2] = rho[t + 1];
    }
    t += 2;
  }
  const Index last = t;
  if (even > 0) rho[last + 1] = even;
  double tau = -1 + 2 * rho.head(last).sum() + rho[last + 1];
  tau = std::max(tau, 1 / std::log10(nd * md));
  return nd * md / tau;
}

double bulk_ess(const Matrix& x) {
  const Matrix y = split_chains(x);
  if (y.rows() < 4 || degenerate(y)) return std::numeric_limits<double>::quiet_NaN();
  return ess(rank_normalize(y));
}

double tail_ess(const Matrix& x) {
  const Matrix y = split_chains(x);
  if (y.rows() < 4 || degenerate(y)) return std::numeric_limits<double>::quiet_NaN();
  const double q05 = quantile(y, 0.05), q95 = quantile(y, 0.95);
  const Matrix lower = (y.array() <= q05).cast<double>();
  const Matrix upper = (y.array() >= q95).cast<double>();
  const double a = ess(lower), b = ess(upper);
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return std::min(a, b);
}

double integrated_autocorrelation_time(const Matrix& x) {
  return static_cast<double>(x.size()) / ess(x);
}

}  // namespace cola::analysis
