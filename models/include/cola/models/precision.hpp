#pragma once
// Conversions between the samplers' float64 state and a float32 network's
// weights and gradient. A float32 gradient pays them twice per call (the
// weights down, the gradient up): memory-bound passes over every weight,
// compiled for the widest vector ISA (AVX-512/AVX2 clones). Conversions are
// exact (up) or correctly rounded (down) in every clone.
#include <cola/types.hpp>

namespace cola::models {

void convert(const double* in, float* out, Index n);
void convert(const float* in, double* out, Index n);

}  // namespace cola::models
