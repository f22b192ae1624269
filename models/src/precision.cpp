#include <cola/detail/kernel_clones.hpp>
#include <cola/models/precision.hpp>

namespace cola::models {

COLA_KERNEL_CLONES void convert(const double* in, float* out, Index n) {
  for (Index i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
}

COLA_KERNEL_CLONES void convert(const float* in, double* out, Index n) {
  for (Index i = 0; i < n; ++i) out[i] = static_cast<double>(in[i]);
}

}  // namespace cola::models
