#pragma once
// The summary of one scalar quantity's draws (N x M, chains.hpp), as in
// stansummary plus the diagnostics of Vehtari et al. 2021: mean, sd, 5 / 50 /
// 95 % quantiles (type 7), MCSE of the mean and sd (Stan's convention),
// bulk and tail ESS, rank-normalised split R-hat (max of bulk and tail).
// Undefined entries are NaN (see ess.hpp, rhat.hpp, mcse.hpp).
#include <cola/types.hpp>

#include <string>

namespace cola::analysis {

struct QuantitySummary {
  std::string name;
  double mean = 0, sd = 0, q5 = 0, q50 = 0, q95 = 0;
  double mcse_mean = 0, mcse_sd = 0, ess_bulk = 0, ess_tail = 0, rhat = 0;
};

QuantitySummary summarize(std::string name, const Matrix& draws);

}  // namespace cola::analysis
