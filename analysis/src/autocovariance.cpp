#include <cola/analysis/autocovariance.hpp>

#include <unsupported/Eigen/FFT>

#include <complex>
#include <vector>

namespace cola::analysis {

Vector autocovariance(const Eigen::Ref<const Vector>& y) {
  const Index n = y.size();
  if (n == 0) return Vector();
  Index size = 1;
  while (size < 2 * n) size *= 2;
  std::vector<double> padded(static_cast<std::size_t>(size), 0.0);
  const double mean = y.mean();
  for (Index i = 0; i < n; ++i) padded[static_cast<std::size_t>(i)] = y[i] - mean;
  Eigen::FFT<double> fft;
  std::vector<std::complex<double>> freq;
  fft.fwd(freq, padded);
  for (auto& f : freq) f = std::norm(f);
  std::vector<double> back;
  fft.inv(back, freq);
  Vector a(n);
  for (Index k = 0; k < n; ++k) a[k] = back[static_cast<std::size_t>(k)] / static_cast<double>(n);
  return a;
}

}  // namespace cola::analysis
