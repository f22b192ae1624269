#pragma once
// Element-wise activations of the dense layers and their derivatives. The
// derivative is taken from the activation's output y = f(z), so the backward
// pass needs only the stored outputs: relu' = [y > 0], tanh' = 1 - y^2,
// sigmoid' = y (1 - y), identity' = 1. (relu'(0) = 0, PyTorch's choice.)
//
// Stateless; applied in place on column blocks of activations.
#include <Eigen/Core>

#include <string>
#include <string_view>

namespace cola::models {

enum class Activation { kRelu, kTanh, kSigmoid, kIdentity };

// "relu", "tanh", "sigmoid", "identity"; ConfigError naming the valid ones.
Activation parse_activation(std::string_view name);
const char* to_string(Activation a);

// z <- f(z), element-wise.
template <class Derived>
void apply_activation(Activation a, Eigen::MatrixBase<Derived>& z) {
  using S = typename Derived::Scalar;
  switch (a) {
    case Activation::kRelu: z = z.cwiseMax(S(0)); break;
    case Activation::kTanh: z = z.array().tanh().matrix(); break;
    case Activation::kSigmoid:
      // 1 / (1 + e^-z) overflows harmlessly to 0 for z -> -inf.
      z = (S(1) / (S(1) + (-z.array()).exp())).matrix();
      break;
    case Activation::kIdentity: break;
  }
}

// delta <- delta * f'(z), element-wise, with f'(z) computed from y = f(z).
template <class DerivedD, class DerivedY>
void multiply_by_derivative(Activation a, Eigen::MatrixBase<DerivedD>& delta,
                            const Eigen::MatrixBase<DerivedY>& y) {
  using S = typename DerivedD::Scalar;
  switch (a) {
    case Activation::kRelu: delta = (y.array() > S(0)).select(delta, S(0)); break;
    case Activation::kTanh: delta.array() *= S(1) - y.array().square(); break;
    case Activation::kSigmoid: delta.array() *= y.array() * (S(1) - y.array()); break;
    case Activation::kIdentity: break;
  }
}

}  // namespace cola::models
