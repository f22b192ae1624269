#pragma once
// Monte Carlo standard errors of N x M draws (chains.hpp), Stan's
// conventions (analyze/mcmc/mcse.hpp, CmdStan 2.35):
//   mcse_mean = sqrt(var / ess(x)), var over all pooled draws (divisor NM - 1),
//               ess on the UNSPLIT chains (the R package posterior uses the
//               split ESS; the two differ by ~0.3 % on Stan's test data);
//   mcse_sd   = sqrt((m4 - m2^2) / (4 m2 e)), m2, m4 the pooled central
//               moments (divisor NM), e = ess of |x - mean| on split chains.
// mcse_quantile follows posterior/ArviZ (Stan has none): e = ess of the
// indicator I(x <= q_p) on split chains, a = Beta^{-1}(0.1587, 0.8413;
// e p + 1, e (1 - p) + 1), the half-width of the order statistics at
// floor(a_lo S) and ceil(a_hi S) (1-based, clamped to [1, S]).
// NaN (Stan's guards) for degenerate input or N < 4.
#include <cola/types.hpp>

namespace cola::analysis {

double mcse_mean(const Matrix& x);
double mcse_sd(const Matrix& x);
double mcse_quantile(const Matrix& x, double p);

}  // namespace cola::analysis
