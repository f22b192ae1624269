#include <cola/models/gemm.hpp>

#include <mutex>

#ifdef COLA_USE_OPENBLAS
#include <cblas.h>
extern "C" {
void openblas_set_num_threads(int);
char* openblas_get_corename(void);
}
#endif

namespace cola::models {

namespace {

#ifdef COLA_USE_OPENBLAS
// OpenBLAS runs every product on the calling thread: cola's parallelism is
// one chain per thread, and OpenBLAS's own pthreads would compete with those
// threads (and a split that depends on the thread count could change the
// bits).
void use_calling_thread_only() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

CBLAS_TRANSPOSE blas_op(Op op) {
  return op == Op::kNone ? CblasNoTrans : CblasTrans;
}

int blas_int(Eigen::Index v) {
  return static_cast<int>(v < 1 ? 1 : v);
}

void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
               const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasColMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha,
               const double* a, int lda, const double* b, int ldb, double beta, double* c,
               int ldc) {
  cblas_dgemm(CblasColMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif

}  // namespace

template <class S>
void gemm(Op op_a, Op op_b, S alpha, const Eigen::Ref<const MatrixX<S>>& a,
          const Eigen::Ref<const MatrixX<S>>& b, S beta, Eigen::Ref<MatrixX<S>> c) {
  if (c.size() == 0) return;
#ifdef COLA_USE_OPENBLAS
  use_calling_thread_only();
  const Eigen::Index k = op_a == Op::kNone ? a.cols() : a.rows();
  if (k == 0) {
    c *= beta;
    return;
  }
  blas_gemm(blas_op(op_a), blas_op(op_b), static_cast<int>(c.rows()), static_cast<int>(c.cols()),
            static_cast<int>(k), alpha, a.data(), blas_int(a.outerStride()), b.data(),
            blas_int(b.outerStride()), beta, c.data(), blas_int(c.outerStride()));
#else
  if (beta == S(0))
    c.setZero();
  else if (beta != S(1))
    c *= beta;
  if (op_a == Op::kNone && op_b == Op::kNone)
    c.noalias() += alpha * a * b;
  else if (op_a == Op::kTranspose && op_b == Op::kNone)
    c.noalias() += alpha * a.transpose() * b;
  else if (op_a == Op::kNone && op_b == Op::kTranspose)
    c.noalias() += alpha * a * b.transpose();
  else
    c.noalias() += alpha * a.transpose() * b.transpose();
#endif
}

const char* gemm_backend() {
#ifdef COLA_USE_OPENBLAS
  return "openblas";
#else
  return "eigen";
#endif
}

std::string gemm_kernels() {
#ifdef COLA_USE_OPENBLAS
  const char* name = openblas_get_corename();
  return name != nullptr ? name : "unknown";
#else
  return "eigen";
#endif
}

template void gemm<float>(Op, Op, float, const Eigen::Ref<const MatrixX<float>>&,
                          const Eigen::Ref<const MatrixX<float>>&, float,
                          Eigen::Ref<MatrixX<float>>);
template void gemm<double>(Op, Op, double, const Eigen::Ref<const MatrixX<double>>&,
                           const Eigen::Ref<const MatrixX<double>>&, double,
                           Eigen::Ref<MatrixX<double>>);

}  // namespace cola::models
