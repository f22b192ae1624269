#pragma once
// Weight tying (parameter sharing): groups of entries that must be equal,
// w_ij = w_i'j', within one block or across blocks. For a group
// {e_0, ..., e_k}, the equations are w_{e_0} - w_{e_j} = 0 (j = 1..k).
//
// Both projections are closed forms: SHAKE sets every entry of a group to the
// mass-weighted mean (the M-orthogonal projection onto the tied subspace),
// RATTLE gives every entry of a group the common velocity sum(p)/sum(m).
#include <cola/constraint.hpp>

namespace cola {

struct TiedEntry {
  std::string block;
  Index index = 0;  // flat (column-major) index inside the block
};

class WeightTyingConstraint final : public Constraint {
 public:
  // Throws ConfigError for a group with fewer than two entries; indices and
  // duplicates are checked when bound.
  explicit WeightTyingConstraint(std::vector<std::vector<TiedEntry>> groups,
                                 std::string name = "tying");

  Index num_constraints() const override { return num_constraints_; }
  void value(const Vector& q, VectorRef g) const override;
  void jacobian(const Vector& q, MatrixRef jac) const override;
  void sparse_jacobian(const Vector& q, SparseMatrix& jac) const override;
  double velocity_residual(const Vector& q, const Vector& p) const override;
  bool has_closed_form() const override { return true; }
  // g is linear: no curvature; per group of masses m_e, by the matrix
  // determinant lemma det(G M^-1 G^T) = (sum_e m_e) / prod_e m_e, a constant.
  bool has_second_derivatives() const override { return true; }
  void second_derivatives(const Vector& q, ConstMatrixRef directions, VectorRef out) const override;
  double log_det_gram(const Vector& q, double scale, Vector& gradient) const override;
  ProjectionResult project_position(const Vector& q_old, Vector& q,
                                    const SolverOptions& options) const override;
  ProjectionResult project_momentum(const Vector& q, Vector& p) const override;
  ProjectionResult retract(Vector& q, const SolverOptions& options) const override;

 private:
  void validate_binding() override;
  struct Slot {
    Index global;  // index into q
    Index local;   // column of the Jacobian
    double mass;
  };
  std::vector<std::vector<TiedEntry>> groups_;
  std::vector<std::vector<Slot>> slots_;
  Index num_constraints_ = 0;
};

}  // namespace cola
