#include <cola/analysis/chains.hpp>

#include <cmath>

namespace cola::analysis {

Matrix split_chains(const Matrix& x) {
  const Index n = x.rows(), m = x.cols(), h = n / 2, second = (n + 1) / 2;
  Matrix y(h, 2 * m);
  for (Index j = 0; j < m; ++j) {
    y.col(2 * j) = x.col(j).head(h);
    y.col(2 * j + 1) = x.col(j).segment(second, h);
  }
  return y;
}

bool degenerate(const Matrix& x) {
  if (!x.allFinite()) return true;
  for (Index j = 0; j < x.cols(); ++j) {
    const double first = x(0, j);
    const double tol = 1e-12 * std::abs(first);
    bool constant = true;
    for (Index i = 1; i < x.rows() && constant; ++i) constant = std::abs(x(i, j) - first) <= tol;
    if (constant) return true;
  }
  if (x.cols() > 1) {
    bool same_start = true;
    for (Index j = 1; j < x.cols() && same_start; ++j) same_start = x(0, j) == x(0, 0);
    if (same_start) return true;
  }
  return false;
}

}  // namespace cola::analysis
