#pragma once
// Circle constraint with slack variables (c-CoLA; Leimkuhler, Pouchon, Vlaar,
// Storkey): every weight theta_i of a block gets a slack xi_i and
//   g_i(theta, xi) = theta_i^2 + xi_i^2 - r^2,
// so |theta_i| <= r while (theta, xi) moves freely on a product of circles.
// The slack block "<block>.slack" (same shape, same mass) is created by the
// library when the constraint is bound; initialise_slack() sets
// xi_0 = +sqrt(r^2 - theta_0^2), clipping weights outside the radius.
//
// Drift: kRotation (default) is the exact geodesic flow, a rotation of each
// pair on its circle; kShake is the generic A substep (SHAKE quadratic and
// RATTLE) fused into one pass. Both hold |g_i| / r^2 to ~1e-15 in double,
// where the authors' PyTorch code drifts by up to 2e-1. Allocates nothing.
#include <cola/constraint.hpp>

namespace cola {

enum class CircleDrift { kRotation, kShake };

class CircleConstraint final : public Constraint {
 public:
  // Throws ConfigError when radius is not finite and positive.
  CircleConstraint(const std::string& block, double radius,
                   CircleDrift drift = CircleDrift::kRotation, std::string name = "");

  double radius() const { return radius_; }
  const std::string& slack_block() const { return block_names()[1]; }
  Index num_constraints() const override { return block_infos().front().size(); }
  void value(const Vector& q, VectorRef g) const override;
  void jacobian(const Vector& q, MatrixRef jac) const override;
  void sparse_jacobian(const Vector& q, SparseMatrix& jac) const override;
  double velocity_residual(const Vector& q, const Vector& p) const override;
  bool has_closed_form() const override { return true; }
  bool has_second_derivatives() const override { return true; }
  void second_derivatives(const Vector& q, ConstMatrixRef directions, VectorRef out) const override;
  // Closed form: G M^-1 G^T is diagonal, 4 (theta_i^2 + xi_i^2) / m per pair.
  double log_det_gram(const Vector& q, double scale, Vector& gradient) const override;
  ProjectionResult project_position(const Vector& q_old, Vector& q,
                                    const SolverOptions& options) const override;
  ProjectionResult project_momentum(const Vector& q, Vector& p) const override;
  // Kick and RATTLE fused into one pass over the four arrays.
  ProjectionResult kick(const Vector& q, Vector& p, double coefficient,
                        const Vector& gradient) const override;
  ProjectionResult drift(Vector& q, Vector& p, double h,
                         const SolverOptions& options) const override;
  // Every op of the sweep on one tile of kTile pairs before the next tile:
  // the pairs are independent, so each sees the operations of kick(),
  // drift() and RATTLE in the same order, and the arrays pass through the
  // cache once per sweep instead of once per op.
  void substeps(Vector& q, Vector& p, const Vector& gradient, const Vector& noise,
                const SubstepOp* ops, std::size_t n, const SolverOptions& options,
                ProjectionResult* results) const override;
  // Pairs per tile: the tile's theta, xi, their momenta, gradients and noise
  // (8 doubles a pair, 64 KB) stay in the L2 cache of any x86-64 core.
  static constexpr Index kTile = 1024;
  // initialise_slack(), reported as converged.
  ProjectionResult retract(Vector& q, const SolverOptions& options) const override;
  // Sets xi = sign(xi) sqrt(r^2 - theta^2) (sign + for xi = 0) after clipping
  // theta to [-r, r]; returns how many weights were clipped.
  Index initialise_slack(Vector& q) const;

 private:
  void declare_blocks(ParameterLayout& layout) override;
  void validate_binding() override;
  double radius_;
  CircleDrift drift_;
};

}  // namespace cola
