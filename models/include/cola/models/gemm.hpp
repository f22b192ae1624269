#pragma once
// The matrix products of the networks, in one place so that the backend
// (Eigen or a BLAS) and the threading are decided once, by measurement
// (bench/README.md):
//   C = alpha op(A) op(B) + beta C,  op(X) = X or X^T.
// Results are bit-identical for any thread count (the work is split in a
// fixed way, independent of the number of threads). Allocates nothing beyond
// the backend's own packing buffers.
#include <Eigen/Core>

namespace cola::models {

template <class S>
using MatrixX = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;

enum class Op { kNone, kTranspose };

template <class S>
void gemm(Op op_a, Op op_b, S alpha, const Eigen::Ref<const MatrixX<S>>& a,
          const Eigen::Ref<const MatrixX<S>>& b, S beta, Eigen::Ref<MatrixX<S>> c);

extern template void gemm<float>(Op, Op, float, const Eigen::Ref<const MatrixX<float>>&,
                                 const Eigen::Ref<const MatrixX<float>>&, float,
                                 Eigen::Ref<MatrixX<float>>);
extern template void gemm<double>(Op, Op, double, const Eigen::Ref<const MatrixX<double>>&,
                                  const Eigen::Ref<const MatrixX<double>>&, double,
                                  Eigen::Ref<MatrixX<double>>);

}  // namespace cola::models
