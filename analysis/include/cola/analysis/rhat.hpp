#pragma once
// Potential scale reduction R-hat of N x M draws (chains.hpp).
//
// rhat(): the classic Gelman-Rubin estimate sqrt(((n - 1)/n W + B/n) / W)
// with B = n var(chain means), W = mean of the chain variances (divisor
// n - 1). split_rhat() = rhat(split_chains(x)).
// rank_normalized_split_rhat(): Vehtari et al. 2021: bulk = rhat of the
// rank-normalised split chains, tail = rhat of the rank-normalised
// |split - median|; max(bulk, tail) is the value to report. NaN (both) when
// degenerate(split). With one chain the split gives two: R-hat still
// compares the halves.
#include <cola/types.hpp>

namespace cola::analysis {

double rhat(const Matrix& x);
double split_rhat(const Matrix& x);

struct RankRhat {
  double bulk = 0, tail = 0;
  double max() const { return bulk > tail ? bulk : tail; }  // NaN if either is
};
RankRhat rank_normalized_split_rhat(const Matrix& x);

}  // namespace cola::analysis
