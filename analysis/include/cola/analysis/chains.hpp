#pragma once
// Draws of one scalar quantity from several chains as an N x M matrix: row i
// is iteration i, column j is chain j (the convention of Stan's analysis
// code and of Vehtari et al. 2021). The diagnostics in this folder take such
// matrices; readers of trajectory files build them one quantity at a time.
#include <cola/types.hpp>

namespace cola::analysis {

// Split chains (Vehtari et al. 2021): each chain's first and second halves
// become two chains, h = floor(N / 2) rows each; for odd N the middle row is
// dropped (Stan's code; its comments say "last draw"). N x M -> h x 2M.
Matrix split_chains(const Matrix& x);

// Stan's guards of the rank-based diagnostics (analyze/mcmc): true when any
// value is not finite, any column is constant (relative tolerance 1e-12,
// exact for 0), or, with several chains, every column starts with the same
// value. Diagnostics return NaN for such input.
bool degenerate(const Matrix& x);

}  // namespace cola::analysis
