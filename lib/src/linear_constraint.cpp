#include <cola/error.hpp>
#include <cola/linear_constraint.hpp>
#include <cola/numeric.hpp>

#include <Eigen/QR>
#include <Eigen/SparseQR>

#include <cmath>

namespace cola {

LinearConstraint::LinearConstraint(std::vector<std::string> blocks, Matrix a, Vector c,
                                   std::string name)
    : Constraint(std::move(name), std::move(blocks)),
      sparse_(false),
      dense_a_(std::move(a)),
      c_(std::move(c)) {}

LinearConstraint::LinearConstraint(std::vector<std::string> blocks, SparseMatrix a, Vector c,
                                   std::string name)
    : Constraint(std::move(name), std::move(blocks)),
      sparse_(true),
      sparse_a_(std::move(a)),
      c_(std::move(c)) {
  sparse_a_.makeCompressed();
}

void LinearConstraint::validate_binding() {
  const Index rows = sparse_ ? sparse_a_.rows() : dense_a_.rows();
  const Index cols = sparse_ ? sparse_a_.cols() : dense_a_.cols();
  require(cols == num_variables(), describe() + ": A has " + std::to_string(cols) +
                                       " columns but the blocks hold " +
                                       std::to_string(num_variables()) + " parameters");
  require(rows == c_.size(), describe() + ": A has " + std::to_string(rows) + " rows but c has " +
                                 std::to_string(c_.size()) + " entries");
  require(rows >= 1 && rows <= cols, describe() + ": need 1 <= rows(A) <= cols(A), got " +
                                         std::to_string(rows) + "x" + std::to_string(cols));
  require(c_.allFinite(), describe() + ": c has non-finite entries");
  Index rank = 0;
  if (sparse_) {
    require(sparse_a_.coeffs().allFinite(), describe() + ": A has non-finite entries");
    Eigen::SparseQR<SparseMatrix, Eigen::COLAMDOrdering<int>> qr;
    SparseMatrix at = sparse_a_.transpose();
    at.makeCompressed();
    qr.compute(at);
    rank = qr.info() == Eigen::Success ? qr.rank() : 0;
  } else {
    require(dense_a_.allFinite(), describe() + ": A has non-finite entries");
    Eigen::ColPivHouseholderQR<Matrix> qr(dense_a_.transpose());
    rank = qr.rank();
  }
  require(rank == rows, describe() + ": A must have full row rank, but its rank is " +
                            std::to_string(rank) + " < " + std::to_string(rows) +
                            " (remove redundant rows)");
  minv_ = local_inverse_mass();
  if (sparse_) {
    SparseMatrix gram = sparse_a_ * minv_.asDiagonal() * sparse_a_.transpose();
    sparse_gram_.compute(gram);
    require(sparse_gram_.info() == Eigen::Success, describe() + ": A M^-1 A^T is not factorisable");
    log_det_gram_ = sparse_gram_.vectorD().array().log().sum();
  } else {
    dense_gram_.compute(dense_a_ * minv_.asDiagonal() * dense_a_.transpose());
    require(dense_gram_.info() == Eigen::Success,
            describe() + ": A M^-1 A^T is not positive definite");
    log_det_gram_ = 2 * dense_gram_.matrixLLT().diagonal().array().log().sum();
  }
}

Vector LinearConstraint::apply(const Vector& x) const {
  return sparse_ ? Vector(sparse_a_ * x) : Vector(dense_a_ * x);
}
Vector LinearConstraint::apply_transpose(const Vector& y) const {
  return sparse_ ? Vector(sparse_a_.transpose() * y) : Vector(dense_a_.transpose() * y);
}
Vector LinearConstraint::solve_gram(const Vector& rhs) const {
  return sparse_ ? Vector(sparse_gram_.solve(rhs)) : Vector(dense_gram_.solve(rhs));
}

void LinearConstraint::value(const Vector& q, VectorRef g) const {
  Vector x(num_variables());
  gather(q, x);
  g = apply(x) - c_;
}

void LinearConstraint::jacobian(const Vector& /*q*/, MatrixRef jac) const {
  if (sparse_)
    jac = Matrix(sparse_a_);
  else
    jac = dense_a_;
}

void LinearConstraint::sparse_jacobian(const Vector& /*q*/, SparseMatrix& jac) const {
  jac = sparse_ ? sparse_a_ : SparseMatrix(dense_a_.sparseView());
}

double LinearConstraint::velocity_residual(const Vector& /*q*/, const Vector& p) const {
  Vector v(num_variables());
  gather(p, v);
  return inf_norm(apply(v.cwiseProduct(minv_)));
}

ProjectionResult LinearConstraint::project_position(const Vector& /*q_old*/, Vector& q,
                                                    const SolverOptions& options) const {
  Vector x(num_variables());
  gather(q, x);
  double res = 0;
  int it = 0;
  // Exact in one solve; a second (refinement) only when rounding needs it.
  for (; it < 2; ++it) {
    Vector defect = c_ - apply(x);
    res = inf_norm(defect);
    if (!std::isfinite(res)) return make_result(ProjectionStatus::kNonFinite, it, res);
    if (res <= options.tolerance && it > 0) break;
    x += minv_.cwiseProduct(apply_transpose(solve_gram(defect)));
  }
  res = inf_norm(Vector(apply(x) - c_));
  scatter(x, q);
  return make_result(
      res <= options.tolerance ? ProjectionStatus::kConverged : ProjectionStatus::kMaxIterations,
      it, res);
}

ProjectionResult LinearConstraint::project_momentum(const Vector& /*q*/, Vector& p) const {
  Vector v(num_variables());
  gather(p, v);
  v -= apply_transpose(solve_gram(apply(minv_.cwiseProduct(v))));
  scatter(v, p);
  const double res = inf_norm(apply(minv_.cwiseProduct(v)));
  return make_result(
      std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
}

ProjectionResult LinearConstraint::retract(Vector& q, const SolverOptions& options) const {
  return project_position(q, q, options);
}

void LinearConstraint::second_derivatives(const Vector& /*q*/, ConstMatrixRef /*directions*/,
                                          VectorRef out) const {
  out.setZero();
}

double LinearConstraint::log_det_gram(const Vector& /*q*/, double /*scale*/,
                                      Vector& /*gradient*/) const {
  return log_det_gram_;
}

}  // namespace cola
