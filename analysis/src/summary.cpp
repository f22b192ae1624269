#include <cola/analysis/ess.hpp>
#include <cola/analysis/mcse.hpp>
#include <cola/analysis/rank_normal.hpp>
#include <cola/analysis/rhat.hpp>
#include <cola/analysis/summary.hpp>

#include <cmath>
#include <limits>
#include <utility>

namespace cola::analysis {

QuantitySummary summarize(std::string name, const Matrix& x) {
  QuantitySummary s;
  s.name = std::move(name);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (x.size() == 0) {
    s.mean = s.sd = s.q5 = s.q50 = s.q95 = nan;
    s.mcse_mean = s.mcse_sd = s.ess_bulk = s.ess_tail = s.rhat = nan;
    return s;
  }
  s.mean = x.mean();
  s.sd = x.size() > 1
             ? std::sqrt((x.array() - s.mean).square().sum() / static_cast<double>(x.size() - 1))
             : nan;
  s.q5 = quantile(x, 0.05);
  s.q50 = quantile(x, 0.5);
  s.q95 = quantile(x, 0.95);
  s.mcse_mean = mcse_mean(x);
  s.mcse_sd = mcse_sd(x);
  s.ess_bulk = bulk_ess(x);
  s.ess_tail = tail_ess(x);
  s.rhat = rank_normalized_split_rhat(x).max();
  return s;
}

}  // namespace cola::analysis
