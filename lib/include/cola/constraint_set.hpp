#pragma once
// All constraints of a run. Constraints on disjoint blocks form independent
// components that are projected separately (and in parallel, OpenMP over
// components, results merged in a fixed order so the outcome does not depend
// on the thread count); constraints that share a block are stacked into one
// generic solve (StackedConstraint). Below kParallelWork constrained
// parameters the components run serially: opening an OpenMP region per
// substep costs more than tiny projections (measured: 57 s vs 1 s for 10^4
// steps of a seven-component toy set on a loaded 2-core machine), and so do
// sets whose second largest component is below kParallelWork / 2 or a
// quarter of the largest (the other threads would only spin).
#include <cola/constraint.hpp>

#include <vector>

namespace cola {

class ConstraintSet {
 public:
  static constexpr Index kParallelWork = 1 << 15;

  ConstraintSet() = default;
  void add(ConstraintPtr constraint);
  // Binds every constraint (creating owned blocks such as slacks) and builds
  // the components. Throws ConfigError. Call once, before sampling.
  void bind(ParameterLayout& layout);

  bool empty() const { return constraints_.empty(); }
  bool bound() const { return bound_; }
  const std::vector<ConstraintPtr>& constraints() const { return constraints_; }
  const std::vector<ConstraintPtr>& components() const { return components_; }
  // Blocks no constraint touches (the drift moves them freely).
  const std::vector<Index>& free_blocks() const { return free_blocks_; }
  Index num_constraints() const;

  ProjectionResult project_position(const Vector& q_old, Vector& q,
                                    const SolverOptions& options) const;
  ProjectionResult project_momentum(const Vector& q, Vector& p) const;
  // Kick (p -= coefficient * gradient) and RATTLE on the constrained blocks
  // (Constraint::kick); the free blocks are the caller's.
  ProjectionResult kick(const Vector& q, Vector& p, double coefficient,
                        const Vector& gradient) const;
  // Drift substep on every constrained block (see Constraint::drift).
  ProjectionResult drift(Vector& q, Vector& p, double h, const SolverOptions& options) const;
  // A sweep on every constrained block (Constraint::substeps), components
  // in parallel as in the other substeps; results[k] is op k's result merged
  // over the components in index order. `scratch` holds the per-component
  // results (the caller keeps it, so that a sweep allocates nothing).
  void substeps(Vector& q, Vector& p, const Vector& gradient, const Vector& noise,
                const SubstepOp* ops, std::size_t n, const SolverOptions& options,
                ProjectionResult* results, std::vector<ProjectionResult>& scratch) const;
  // Moves q onto the manifold (initialisation); see Constraint::retract.
  ProjectionResult retract(Vector& q, const SolverOptions& options) const;
  // max over constraints of ||g||_inf (NaN if any is not finite).
  double residual(const Vector& q) const;
  // max over components of ||G M^-1 p||_inf: zero when p is tangent.
  double momentum_residual(const Vector& q, const Vector& p) const;

 private:
  template <class F>
  ProjectionResult for_each_component(F&& f) const;
  // f(i) for every component index i, serially or in parallel (see above).
  template <class F>
  void run_components(F&& f) const;

  std::vector<ConstraintPtr> constraints_;
  std::vector<ConstraintPtr> components_;
  std::vector<Index> free_blocks_;
  Index constrained_size_ = 0;  // parameters under some constraint
  bool parallel_components_ = false;
  bool bound_ = false;
};

}  // namespace cola
