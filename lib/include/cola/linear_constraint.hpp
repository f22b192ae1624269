#pragma once
// Linear equality constraints A x = c over the concatenation x of one or more
// blocks, A dense or sparse (m x n, full row rank, m <= n).
//
// The Jacobian is constant, so SHAKE is exact in one linear solve:
//   x <- x + M^-1 A^T (A M^-1 A^T)^-1 (c - A x),
// and RATTLE is p <- p - A^T (A M^-1 A^T)^-1 A M^-1 p. The Gram matrix is
// factorised once when the constraint is bound (dense LLT or sparse
// SimplicialLDLT). One step of iterative refinement is taken when rounding
// leaves the residual above tolerance. Rank deficiency is refused at bind
// time with the rank found.
#include <cola/constraint.hpp>

#include <Eigen/Cholesky>
#include <Eigen/SparseCholesky>

namespace cola {

class LinearConstraint final : public Constraint {
 public:
  LinearConstraint(std::vector<std::string> blocks, Matrix a, Vector c,
                   std::string name = "linear");
  LinearConstraint(std::vector<std::string> blocks, SparseMatrix a, Vector c,
                   std::string name = "linear");

  bool sparse() const { return sparse_; }
  Index num_constraints() const override { return c_.size(); }
  void value(const Vector& q, VectorRef g) const override;
  void jacobian(const Vector& q, MatrixRef jac) const override;
  void sparse_jacobian(const Vector& q, SparseMatrix& jac) const override;
  double velocity_residual(const Vector& q, const Vector& p) const override;
  bool has_closed_form() const override { return true; }
  // g is affine: no curvature, and log det(A M^-1 A^T) is the constant
  // factorised at bind time (its gradient is zero).
  bool has_second_derivatives() const override { return true; }
  void second_derivatives(const Vector& q, ConstMatrixRef directions, VectorRef out) const override;
  double log_det_gram(const Vector& q, double scale, Vector& gradient) const override;
  ProjectionResult project_position(const Vector& q_old, Vector& q,
                                    const SolverOptions& options) const override;
  ProjectionResult project_momentum(const Vector& q, Vector& p) const override;
  ProjectionResult retract(Vector& q, const SolverOptions& options) const override;

 private:
  void validate_binding() override;
  Vector apply(const Vector& x) const;            // A x
  Vector apply_transpose(const Vector& y) const;  // A^T y
  Vector solve_gram(const Vector& rhs) const;     // (A M^-1 A^T)^-1 rhs

  bool sparse_;
  Matrix dense_a_;
  SparseMatrix sparse_a_;
  Vector c_;
  Vector minv_;
  Eigen::LLT<Matrix> dense_gram_;
  Eigen::SimplicialLDLT<SparseMatrix> sparse_gram_;
  double log_det_gram_ = 0;  // log det(A M^-1 A^T), from the factorisation
};

}  // namespace cola
