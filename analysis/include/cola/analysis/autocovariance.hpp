#pragma once
// Autocovariance of one chain by FFT: a_k = (1/n) sum_{i=0}^{n-1-k} d_i d_{i+k},
// d = y - mean(y), k = 0 .. n-1, divisor n at every lag (the biased, positive
// semi-definite estimator Geyer's sequence needs). The series is zero-padded
// to a power of two >= 2n, so nothing wraps around. O(n log n); agrees with
// the direct O(n^2) sum to ~1e-15 relative (tested).
#include <cola/types.hpp>

namespace cola::analysis {

Vector autocovariance(const Eigen::Ref<const Vector>& y);

}  // namespace cola::analysis
