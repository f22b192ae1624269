#pragma once
// Orthogonality of a weight matrix W (rows x cols): W^T W = I when tall
// (rows >= cols), W W^T = I when wide (o-CoLA; the Stiefel manifold).
// g is the upper triangle of F = Q^T Q - I (Q = W, or W^T when wide), so
// m = k(k+1)/2 with k = min(rows, cols).
//
// SHAKE is the o-CoLA iteration Q <- Q - 1/2 Q_old (Q^T Q - I), which is the
// quasi-Newton iteration with the Gram matrix at the old point (DESIGN §1).
// It stops on ||F||_inf <= tolerance and the increment tolerance, at
// `orthogonality_max_iterations` (default 10, the paper's fixed count), or on
// divergence; when it stops without converging and `newton_fallback` is set,
// Newton steps follow from the unprojected point (each solves
// B^T D + D B = -F by Bartels–Stewart, with B = Q_old^T Q factorised once at
// the first Newton point: a simplified Newton method). A root with det(Q_old^T Q) <= 0 (for square
// W: on the other component of O(k), det W flipped) is reported as kNoRoot, so a chain started in
// SO(k) stays there. RATTLE is P <- P - Q sym(Q^T P). The block mass is a scalar and drops out.
// Per-step scratch is thread_local (no allocation after the first step on a thread).
#include <cola/constraint.hpp>

namespace cola {

class OrthogonalityConstraint final : public Constraint {
 public:
  explicit OrthogonalityConstraint(const std::string& block, std::string name = "");

  bool tall() const;
  Index num_constraints() const override;
  void value(const Vector& q, VectorRef g) const override;
  void jacobian(const Vector& q, MatrixRef jac) const override;
  double residual(const Vector& q) const override;
  double velocity_residual(const Vector& q, const Vector& p) const override;
  bool has_closed_form() const override { return true; }
  // Exact second derivatives; log det(G M^-1 G^T) takes the generic dense
  // path (O(k^6 + k^4 n)), and is constant on the Stiefel manifold anyway
  // (O(n) acts transitively and leaves g invariant), so there both target
  // measures coincide.
  bool has_second_derivatives() const override { return true; }
  void second_derivatives(const Vector& q, ConstMatrixRef directions, VectorRef out) const override;
  ProjectionResult project_position(const Vector& q_old, Vector& q,
                                    const SolverOptions& options) const override;
  ProjectionResult project_momentum(const Vector& q, Vector& p) const override;
  // Polar factor Q (Q^T Q)^{-1/2}: the nearest orthonormal matrix.
  ProjectionResult retract(Vector& q, const SolverOptions& options) const override;

 private:
  void validate_binding() override;
};

}  // namespace cola
