#pragma once
// Effective sample size of N x M draws (chains.hpp).
//
// ess(): Geyer's initial monotone sequence estimator on the multi-chain
// autocorrelation (Stan's algorithm; Vehtari et al. 2021, eq. 10): rho_k =
// 1 - (W - mean_j a_jk) / var+, summed over the initial positive pairs,
// monotone, tau = -1 + 2 sum rho_k (+ the last positive even lag), clamped to
// tau >= 1 / log10(N M), ESS = N M / tau. Unsplit, no ranks ("basic" ESS).
// It is not capped at N M: antithetic chains (negative lag-1 correlation)
// give ESS > N M.
// bulk_ess(): ess() of the rank-normalised split chains.
// tail_ess(): min of ess() of the indicators I(y <= q05) and I(y >= q95) on
// the split chains (q from quantile(), type 7).
// integrated_autocorrelation_time() = N M / ess().
//
// Edge cases (documented results, never a crash): N < 2 gives NaN; 2 <= N <= 5
// gives N M / 2 (the loop never runs); NaN input gives NaN; a constant chain
// gives NaN (0/0); bulk and tail ESS are NaN when
// degenerate(split) or the split chains have fewer than 4 rows.
#include <cola/types.hpp>

namespace cola::analysis {

double ess(const Matrix& x);
double bulk_ess(const Matrix& x);
double tail_ess(const Matrix& x);
double integrated_autocorrelation_time(const Matrix& x);

}  // namespace cola::analysis
