#pragma once
// Small helpers shared by the tests of lib/: reproducible random vectors and
// matrices (from cola's own keyed streams, so every test is deterministic).
#include <cola/numeric.hpp>
#include <cola/rng.hpp>
#include <cola/types.hpp>

#include <cstdint>

namespace cola::test {

inline Vector random_vector(Index n, std::uint64_t seed, std::uint64_t stream = 0) {
  RngStream rng(StreamKey{seed, 0, 0, stream, 0});
  Vector v(n);
  rng.fill_normal(v);
  return v;
}

inline Matrix random_matrix(Index rows, Index cols, std::uint64_t seed, std::uint64_t stream = 0) {
  const Vector v = random_vector(rows * cols, seed, stream);
  return Eigen::Map<const Matrix>(v.data(), rows, cols);
}

template <class A, class B>
double max_abs_diff(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  return inf_norm((a - b).eval());
}

// User functor for the ellipsoid sum_i (x_i / a_i)^2 = 1 (one equation);
// jacobian_sign = -1 is a deliberate bug for the checker to find.
struct Ellipsoid {
  Vector a;
  double jacobian_sign = 1.0;
  Index num_constraints() const { return 1; }
  void value(const Eigen::Ref<const Vector>& x, Eigen::Ref<Vector> g) const {
    g[0] = (x.array() / a.array()).square().sum() - 1;
  }
  void jacobian(const Eigen::Ref<const Vector>& x, Eigen::Ref<Matrix> j) const {
    j.row(0) = jacobian_sign * (2 * x.array() / a.array().square()).matrix().transpose();
  }
};

// The same ellipsoid with its Hessian 2 diag(1 / a_i^2) (the Fixman term
// needs second derivatives).
struct CurvedEllipsoid : Ellipsoid {
  void second_derivatives(const Eigen::Ref<const Vector>& /*x*/, const Eigen::Ref<const Matrix>& d,
                          Eigen::Ref<Vector> out) const {
    out = 2 * d.col(0).cwiseQuotient(a.cwiseProduct(a));
  }
};

}  // namespace cola::test
