#pragma once
// Turns a small user functor into a Constraint. The functor sees the
// concatenation x of the constraint's blocks (in the order they were named)
// and provides
//
//   Index num_constraints() const;
//   void value(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> g) const;
//   void jacobian(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::MatrixXd> J) const;
//
// and, optionally (needed by the ambient target measure's Fixman term,
// fixman_term.hpp), the second derivatives contracted with m directions:
//
//   void second_derivatives(const Eigen::Ref<const Eigen::VectorXd>& x,
//                           const Eigen::Ref<const Eigen::MatrixXd>& D,
//                           Eigen::Ref<Eigen::VectorXd> out) const;
//   // out = sum_i Hess g_i(x) D.col(i), i.e. the gradient of trace(J(x) D)
//
// Projections use the generic solvers. Check a new functor with
// check_constraint() (constraint_checker.hpp) before sampling with it.
// Allocates a local copy of x per call: meant for small constraints.
#include <cola/constraint.hpp>

#include <type_traits>
#include <utility>

namespace cola {

namespace detail {
template <class F, class = void>
struct HasSecondDerivatives : std::false_type {};
template <class F>
struct HasSecondDerivatives<F, std::void_t<decltype(std::declval<const F&>().second_derivatives(
                                   std::declval<const Eigen::Ref<const Eigen::VectorXd>&>(),
                                   std::declval<const Eigen::Ref<const Eigen::MatrixXd>&>(),
                                   std::declval<Eigen::Ref<Eigen::VectorXd>>()))>>
    : std::true_type {};
}  // namespace detail

template <class Functor>
class FunctorConstraint final : public Constraint {
 public:
  FunctorConstraint(std::string name, std::vector<std::string> blocks, Functor functor)
      : Constraint(std::move(name), std::move(blocks)), functor_(std::move(functor)) {}

  Index num_constraints() const override { return functor_.num_constraints(); }
  void value(const Vector& q, VectorRef g) const override {
    Vector x(num_variables());
    gather(q, x);
    functor_.value(x, g);
  }
  void jacobian(const Vector& q, MatrixRef jac) const override {
    Vector x(num_variables());
    gather(q, x);
    functor_.jacobian(x, jac);
  }
  bool has_second_derivatives() const override {
    return detail::HasSecondDerivatives<Functor>::value;
  }
  void second_derivatives(const Vector& q, ConstMatrixRef directions,
                          VectorRef out) const override {
    if constexpr (detail::HasSecondDerivatives<Functor>::value) {
      Vector x(num_variables());
      gather(q, x);
      functor_.second_derivatives(x, directions, out);
    } else {
      Constraint::second_derivatives(q, directions, out);  // throws: none given
    }
  }
  const Functor& functor() const { return functor_; }

 private:
  Functor functor_;
};

template <class Functor>
ConstraintPtr make_constraint(std::string name, std::vector<std::string> blocks, Functor functor) {
  return std::make_shared<FunctorConstraint<Functor>>(std::move(name), std::move(blocks),
                                                      std::move(functor));
}

}  // namespace cola
