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
  // One FFT object per thread: it caches its plans (twiddle factors) by size,
  // which were otherwise recomputed on every call. Half spectrum: the input is
  // real, and the inverse of a half spectrum takes kissfft's real-output path.
  thread_local Eigen::FFT<double> fft = [] {
    Eigen::FFT<double> f;
    f.SetFlag(Eigen::FFT<double>::HalfSpectrum);
    return f;
  }();
  thread_local std::vector<std::complex<double>> freq;
  thread_local std::vector<double> back;
  fft.fwd(freq, padded);
  for (auto& f : freq) f = std::norm(f);
  fft.inv(back, freq, size);
  Vector a(n);
  for (Index k = 0; k < n; ++k) a[k] = back[static_cast<std::size_t>(k)] / static_cast<double>(n);
  return a;
}

}  // namespace cola::analysis
