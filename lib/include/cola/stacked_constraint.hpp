#pragma once
// Several constraints that share parameter blocks, stacked into one system
// g = (g_1, ..., g_k) over the union of their blocks and projected with the
// generic solver. ConstraintSet builds these; users rarely need to.
#include <cola/constraint.hpp>

#include <vector>

namespace cola {

class StackedConstraint final : public Constraint {
 public:
  // Members must already be bound to the layout this one is bound to.
  explicit StackedConstraint(std::vector<ConstraintPtr> members);

  Index num_constraints() const override { return num_constraints_; }
  void value(const Vector& q, VectorRef g) const override;
  void jacobian(const Vector& q, MatrixRef jac) const override;
  // When every member has them; Hess of the stack is the members' Hessians.
  bool has_second_derivatives() const override;
  void second_derivatives(const Vector& q, ConstMatrixRef directions, VectorRef out) const override;
  const std::vector<ConstraintPtr>& members() const { return members_; }

 private:
  // Where each block of a member sits: its column among the member's local
  // coordinates and among the stack's.
  struct Span {
    Index member = 0, stacked = 0, size = 0;
  };
  std::vector<Span> spans(const Constraint& member) const;
  void validate_binding() override;
  std::vector<ConstraintPtr> members_;
  Index num_constraints_ = 0;
};

}  // namespace cola
