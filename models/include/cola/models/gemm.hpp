#pragma once
// The matrix products of the networks, in one place so that the backend
// and the threading are decided once, by measurement (bench/README.md):
//   C = alpha op(A) op(B) + beta C,  op(X) = X or X^T.
// Backend: OpenBLAS (cblas_sgemm/dgemm, its kernels chosen at run time for
// the CPU) when the build found it (COLA_BLAS=openblas, the default), else
// Eigen's own products (COLA_BLAS=eigen). Measured on 784-1000-10, batch 128,
// float32, one thread: OpenBLAS 160 GFLOP/s, Eigen (SSE2 build) 34 GFLOP/s.
// Every product runs on the calling thread (OpenBLAS's own threads are set
// to 1 once): cola runs one chain per thread, so results are bit-identical
// for any thread count. Allocates nothing beyond the backend's own packing
// buffers.
#include <Eigen/Core>

#include <string>

namespace cola::models {

template <class S>
using MatrixX = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;

enum class Op { kNone, kTranspose };

// "openblas" or "eigen".
const char* gemm_backend();
// The kernel set the products use: OpenBLAS's core name (chosen by OpenBLAS
// for the CPU, or forced by the environment variable OPENBLAS_CORETYPE:
// "Haswell" means AVX2 kernels, at most half of an AVX-512 CPU's FMA peak),
// or "eigen".
std::string gemm_kernels();

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
