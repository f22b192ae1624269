#pragma once
// Fixed Euclidean norm ||w_G|| = r for groups G of one block: the whole block,
// each row, or each column (rows x cols, column-major). One equation per group,
// g_G(w) = |w_G|^2 - r^2, so the manifold is a product of spheres.
//
// SHAKE is closed form: along the old normal w_G^n the multiplier solves one
// quadratic per group (smallest-|lambda| root, DESIGN §1); no real root is
// reported as kNoRoot. RATTLE removes the radial component. The mass of the
// block is a scalar, so it drops out of both. Allocates nothing per step.
#include <cola/constraint.hpp>

namespace cola {

enum class NormGroups { kBlock, kRows, kColumns };

class FixedNormConstraint final : public Constraint {
 public:
  // Throws ConfigError when radius is not finite and positive.
  FixedNormConstraint(const std::string& block, double radius,
                      NormGroups groups = NormGroups::kBlock, std::string name = "");

  double radius() const { return radius_; }
  NormGroups groups() const { return groups_; }
  Index num_constraints() const override;
  void value(const Vector& q, VectorRef g) const override;
  void jacobian(const Vector& q, MatrixRef jac) const override;
  void sparse_jacobian(const Vector& q, SparseMatrix& jac) const override;
  double velocity_residual(const Vector& q, const Vector& p) const override;
  bool has_closed_form() const override { return true; }
  bool has_second_derivatives() const override { return true; }
  void second_derivatives(const Vector& q, ConstMatrixRef directions, VectorRef out) const override;
  // Closed form: G M^-1 G^T is diagonal, 4 |w_G|^2 / m per group.
  double log_det_gram(const Vector& q, double scale, Vector& gradient) const override;
  ProjectionResult project_position(const Vector& q_old, Vector& q,
                                    const SolverOptions& options) const override;
  ProjectionResult project_momentum(const Vector& q, Vector& p) const override;
  // Radial rescaling of each group (the nearest point of the sphere).
  ProjectionResult retract(Vector& q, const SolverOptions& options) const override;

 private:
  struct Group {
    Index start, length, stride;
  };
  Group group(Index i) const;
  double radius_;
  NormGroups groups_;
};

}  // namespace cola
