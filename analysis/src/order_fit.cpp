#include <cola/analysis/order_fit.hpp>
#include <cola/error.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace cola::analysis {

OrderFit fit_order(const std::vector<double>& h, const std::vector<double>& error,
                   const std::vector<double>& se, double min_z) {
  require(h.size() == error.size() && h.size() == se.size(),
          "fit_order: " + std::to_string(h.size()) + " step sizes, " +
              std::to_string(error.size()) + " errors and " + std::to_string(se.size()) +
              " standard errors");
  OrderFit fit;
  fit.used.assign(h.size(), false);
  double sw = 0, swx = 0, swy = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    require(h[i] > 0, "fit_order: step size " + std::to_string(h[i]) + " is not positive");
    const double e = std::abs(error[i]);
    if (!std::isfinite(e) || !(se[i] > 0) || !std::isfinite(se[i]) || e < min_z * se[i]) continue;
    const double w = (e / se[i]) * (e / se[i]);
    fit.used[i] = true;
    ++fit.points;
    sw += w;
    swx += w * std::log(h[i]);
    swy += w * std::log(e);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (fit.points < 2) {
    fit.order = fit.order_se = fit.constant = fit.chi2_per_dof = nan;
    return fit;
  }
  const double mx = swx / sw, my = swy / sw;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (!fit.used[i]) continue;
    const double w = (error[i] / se[i]) * (error[i] / se[i]);
    const double dx = std::log(h[i]) - mx;
    sxx += w * dx * dx;
    sxy += w * dx * (std::log(std::abs(error[i])) - my);
  }
  if (!(sxx > 0)) {  // all points at one step size: no slope
    fit.order = fit.order_se = fit.constant = fit.chi2_per_dof = nan;
    return fit;
  }
  fit.order = sxy / sxx;
  fit.order_se = 1 / std::sqrt(sxx);
  const double log_c = my - fit.order * mx;
  fit.constant = std::exp(log_c);
  double chi2 = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (!fit.used[i]) continue;
    const double r = std::log(std::abs(error[i])) - log_c - fit.order * std::log(h[i]);
    chi2 += r * r * (error[i] / se[i]) * (error[i] / se[i]);
  }
  fit.chi2_per_dof = fit.points > 2 ? chi2 / static_cast<double>(fit.points - 2) : nan;
  return fit;
}

}  // namespace cola::analysis
