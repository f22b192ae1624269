#include <cola/models/gemm.hpp>

namespace cola::models {

template <class S>
void gemm(Op op_a, Op op_b, S alpha, const Eigen::Ref<const MatrixX<S>>& a,
          const Eigen::Ref<const MatrixX<S>>& b, S beta, Eigen::Ref<MatrixX<S>> c) {
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
}

template void gemm<float>(Op, Op, float, const Eigen::Ref<const MatrixX<float>>&,
                          const Eigen::Ref<const MatrixX<float>>&, float,
                          Eigen::Ref<MatrixX<float>>);
template void gemm<double>(Op, Op, double, const Eigen::Ref<const MatrixX<double>>&,
                           const Eigen::Ref<const MatrixX<double>>&, double,
                           Eigen::Ref<MatrixX<double>>);

}  // namespace cola::models
