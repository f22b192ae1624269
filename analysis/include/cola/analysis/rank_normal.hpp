#pragma once
// Rank normalisation and quantiles of pooled draws (Vehtari et al. 2021).
#include <cola/types.hpp>

namespace cola::analysis {

// z = Phi^{-1}((r - 3/8) / (S + 1/4)) with r the rank of each entry among all
// S = N M entries (ties get their average rank); Phi^{-1} at full double
// precision (Boost.Math). Same shape as x.
Matrix rank_normalize(const Matrix& x);

// Quantile of all entries, R's type 7 (linear interpolation between order
// statistics): h = (S - 1) p, x_(floor h) + (h - floor h)(x_(ceil h) - x_(floor h)).
double quantile(const Matrix& x, double p);

}  // namespace cola::analysis
