#pragma once
// The order of convergence of a weak error, e(h) ~ C h^p, from estimates
// e_i +- se_i at step sizes h_i: a weighted least-squares line through
// (log h_i, log |e_i|). By the delta method log|e_i| has standard error
// se_i / |e_i|, so the weights are (e_i / se_i)^2 and the slope's standard
// error follows from those known variances (it does not need residual degrees
// of freedom, so two points give an order with an error bar).
//
// A point whose |e_i| is below `min_z` standard errors is not resolved from
// zero (its logarithm is noise) and is left out; so are non-finite ones.
#include <cstddef>
#include <vector>

namespace cola::analysis {

struct OrderFit {
  double order = 0;        // p (NaN when fewer than 2 points are usable)
  double order_se = 0;     // its standard error
  double constant = 0;     // C
  std::vector<bool> used;  // per input point
  std::size_t points = 0;  // how many were used
  // Chi-square of the residuals on points - 2 degrees of freedom: about 1
  // when a single power law fits within the error bars (NaN for 2 points).
  double chi2_per_dof = 0;
};

// Throws ConfigError when the vectors differ in length or an h is not > 0.
OrderFit fit_order(const std::vector<double>& h, const std::vector<double>& error,
                   const std::vector<double>& se, double min_z = 3.0);

}  // namespace cola::analysis
