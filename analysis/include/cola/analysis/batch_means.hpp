#pragma once
// Monte Carlo standard error of a running mean by batch means, in bounded
// memory: for estimates taken while a run streams (the references of
// `cola run`, the weak errors of `cola convergence`), where the draws are
// never stored. ESS and R-hat on the written file give the sharper answer
// afterwards (ess.hpp, mcse.hpp).
//
// The values are cut into consecutive batches of equal size b; with B full
// batches of means m_1..m_B, MCSE = sd(m_k) / sqrt(B). It is consistent when
// b grows past the integrated autocorrelation time, so b is not fixed: it
// starts at 1 and doubles (adjacent batches merge) each time 2K batches are
// full, which keeps K <= B < 2K batches (once there are K values) in O(K)
// memory for any length. K = 32 by default: the relative error of the MCSE
// is then about 1/sqrt(2B) <= 12.5 %.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cola::analysis {

class BatchMeans {
 public:
  static constexpr std::size_t kDefaultMinBatches = 32;

  // `min_batches` is K above; at least 2.
  explicit BatchMeans(std::size_t min_batches = kDefaultMinBatches);

  void add(double x);

  std::uint64_t count() const { return count_; }
  // The mean of every value added (NaN when none; NaN/Inf propagate).
  double mean() const;
  // Full batches and their size; the values of a partial last batch count in
  // mean() but not in the batch means.
  std::size_t batches() const { return sums_.size(); }
  std::uint64_t batch_size() const { return batch_size_; }
  double batch_mean(std::size_t k) const;
  // sd of the batch means / sqrt(batches); NaN with fewer than 2 full batches.
  double mcse() const;

 private:
  std::size_t min_batches_;
  std::uint64_t count_ = 0;
  double total_ = 0;
  std::uint64_t batch_size_ = 1;
  std::vector<double> sums_;  // sums of the full batches
  double partial_ = 0;        // sum of the values of the batch being filled
  std::uint64_t in_partial_ = 0;
};

// The MCSE of the mean over several chains pooled with equal weight per draw
// (the estimate is the mean of all draws). When every chain has the same batch
// size, all batch means are pooled around their grand mean, so chains that
// disagree widen the error (as split R-hat would flag them); otherwise the
// per-chain variances combine as sum_c (n_c / N)^2 mcse_c^2. NaN when any
// chain with values has fewer than 2 full batches.
double pooled_mcse(const std::vector<BatchMeans>& chains);
// The mean of all draws of all chains (NaN when there are none).
double pooled_mean(const std::vector<BatchMeans>& chains);

}  // namespace cola::analysis
