#pragma once
// A holonomic constraint g(q) = 0, g : R^d -> R^m, acting on one or more
// parameter blocks. Its manifold is Sigma = {q : g(q) = 0}.
//
// What a constraint provides (DESIGN §1):
//  - g and its Jacobian G (dense, or sparse) over the concatenation of its
//    blocks ("local" coordinates, in the order the blocks were named);
//  - SHAKE: given q_old on Sigma and an unconstrained update q~, find lambda
//    with g(q~ + M^-1 G(q_old)^T lambda) = 0. The default is the generic
//    quasi-Newton / Newton solver; built-ins override it with closed forms;
//  - RATTLE: p <- p - G^T (G M^-1 G^T)^-1 G M^-1 p at the current q;
//  - the drift substep A (q~ = q + h M^-1 p, SHAKE, p = M (q_new - q_old)/h,
//    RATTLE), which a built-in may fuse into one pass over memory or replace
//    by its exact geodesic flow;
//  - optionally, second derivatives of g and log det(G M^-1 G^T) with its
//    gradient, for the Fixman term of the ambient target measure
//    (fixman_term.hpp). A constraint without second derivatives says so
//    (has_second_derivatives() is false) and that target is refused.
// Every projection returns a ProjectionResult; nothing throws once bound.
//
// Thread safety: const member functions may be called concurrently on
// distinct state vectors. The mass is the per-block scalar of the layout.
#include <cola/parameter_layout.hpp>
#include <cola/projection.hpp>
#include <cola/substep_op.hpp>
#include <cola/types.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cola {

class Constraint {
 public:
  Constraint(std::string name, std::vector<std::string> block_names);
  virtual ~Constraint() = default;
  Constraint(const Constraint&) = delete;
  Constraint& operator=(const Constraint&) = delete;

  const std::string& name() const { return name_; }
  // "constraint 'name' on block(s) a, b" — used in every message.
  std::string describe() const;

  // Resolves block names against the layout (adding blocks the constraint
  // owns, such as slack variables), then validates sizes. Throws ConfigError.
  // A constraint is bound once, to one layout.
  void bind(ParameterLayout& layout);
  bool bound() const { return bound_; }
  const std::vector<std::string>& block_names() const { return block_names_; }
  const std::vector<Index>& blocks() const { return blocks_; }
  const std::vector<BlockInfo>& block_infos() const { return infos_; }
  Index num_variables() const { return num_variables_; }

  virtual Index num_constraints() const = 0;
  // g(q) for the full vector q (writes m entries).
  virtual void value(const Vector& q, VectorRef g) const = 0;
  // Dense Jacobian, m x num_variables(), local coordinates.
  virtual void jacobian(const Vector& q, MatrixRef jac) const = 0;
  // Sparse Jacobian; the default compresses the dense one.
  virtual void sparse_jacobian(const Vector& q, SparseMatrix& jac) const;
  // ||g(q)||_inf (NaN when g is not finite).
  virtual double residual(const Vector& q) const;
  // ||G(q) M^-1 p||_inf: zero when p is tangent (the hidden constraint of
  // CoLA-ud). The default uses the sparse Jacobian.
  virtual double velocity_residual(const Vector& q, const Vector& p) const;

  // SHAKE from q_old (on Sigma) for the updated point q (in/out).
  virtual ProjectionResult project_position(const Vector& q_old, Vector& q,
                                            const SolverOptions& options) const;
  // RATTLE at q (on Sigma) for the momentum p (in/out).
  virtual ProjectionResult project_momentum(const Vector& q, Vector& p) const;
  // Drift substep A on this constraint's blocks, q and p in/out: unconstrained
  // move, SHAKE, momentum from the position change, RATTLE. On failure the
  // caller restores its saved state.
  virtual ProjectionResult drift(Vector& q, Vector& p, double h,
                                 const SolverOptions& options) const;
  // Kick substep B on this constraint's blocks: p -= coefficient * gradient,
  // then RATTLE at q. The default does exactly that in two passes;
  // constraints with a per-element closed form override it with one.
  virtual ProjectionResult kick(const Vector& q, Vector& p, double coefficient,
                                const Vector& gradient) const;
  // A sweep (substep_op.hpp): the substeps ops[0..n) in order on this
  // constraint's blocks. Kicks use `gradient`, the gradient at q before the
  // sweep's first drift (a sweep has no kick after a drift); noisy
  // thermostats take their noise from `noise`. results[k] receives op k's
  // result; after a failed op the later ones may or may not run (the caller
  // reports the first failed op and restores its state). The default applies
  // each op to all of the blocks in turn (kick(), drift(), the thermostat and
  // project_momentum()); constraints that act element by element override it
  // to apply every op to one tile of elements before the next, which reads
  // and writes each array once per sweep, with the same operations per
  // element and so the same bits.
  virtual void substeps(Vector& q, Vector& p, const Vector& gradient, const Vector& noise,
                        const SubstepOp* ops, std::size_t n, const SolverOptions& options,
                        ProjectionResult* results) const;
  // Moves q to a nearby point of Sigma (used to initialise states); the
  // default is Newton's method along G(q).
  virtual ProjectionResult retract(Vector& q, const SolverOptions& options) const;
  // Whether project_position/project_momentum are closed forms (the checker
  // compares them with the generic solver).
  virtual bool has_closed_form() const { return false; }

  // Whether second_derivatives() and log_det_gram() are available. False by
  // default: a user constraint gives only g and G, and guessing its
  // curvature (finite differences of G) would hide the error in the target.
  virtual bool has_second_derivatives() const { return false; }
  // out = sum_i Hess g_i(q) d_i, with d_i column i of `directions`
  // (num_variables() x m, local coordinates): the gradient of
  // q -> trace(G(q) D) at fixed D. Throws ConfigError when
  // has_second_derivatives() is false (the default).
  virtual void second_derivatives(const Vector& q, ConstMatrixRef directions, VectorRef out) const;
  // log det(G M^-1 G^T) at q, and scale * its gradient added into `gradient`
  // (full coordinates). Non-finite (-inf: singular, NaN: non-finite G) when
  // the Gram matrix is not positive definite, and then `gradient` is left
  // unchanged. The default is generic_log_det_gram(); built-ins override it
  // with closed forms. Requires has_second_derivatives().
  virtual double log_det_gram(const Vector& q, double scale, Vector& gradient) const;
  // From the dense Jacobian and second_derivatives(), with
  //   d log det(A) = trace(A^-1 dA),  A = G M^-1 G^T,
  //   grad log det(A) = 2 sum_i Hess g_i(q) (M^-1 G^T A^-1)_i
  // (column i), so O(m^2 n + m^3) time and O(mn) memory: for small
  // constraints; the checker compares closed forms with it.
  double generic_log_det_gram(const Vector& q, double scale, Vector& gradient) const;

  // The generic solvers, also callable on constraints that override the
  // virtual versions (the checker compares the two).
  ProjectionResult generic_project_position(const Vector& q_old, Vector& q,
                                            const SolverOptions& options) const;
  ProjectionResult generic_project_momentum(const Vector& q, Vector& p) const;

  // Local <-> full coordinates.
  void gather(const Vector& full, VectorRef local) const;
  void scatter(const Eigen::Ref<const Vector>& local, Vector& full) const;
  Vector local_inverse_mass() const;

 protected:
  // Called by bind() before names are resolved: create owned blocks here.
  virtual void declare_blocks(ParameterLayout& layout);
  // Called by bind() after names are resolved: validate shapes and cache
  // factorisations here.
  virtual void validate_binding() {}
  ProjectionResult make_result(ProjectionStatus status, int iterations, double residual,
                               double increment = 0.0) const;

 private:
  std::string name_;
  std::vector<std::string> block_names_;
  std::vector<Index> blocks_;
  std::vector<BlockInfo> infos_;
  Index num_variables_ = 0;
  bool bound_ = false;
};

using ConstraintPtr = std::shared_ptr<Constraint>;

}  // namespace cola
