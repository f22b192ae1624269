#pragma once
// The substeps every sampler is composed of (DESIGN §1, openmmtools
// notation), acting on one chain:
//   B  kick:   p <- p - c_B grad V(q), then RATTLE (Constraint::kick: one
//              pass per array for constraints with a closed form);
//   A  drift:  q~ = q + c_A M^-1 p, SHAKE, p = M (q_new - q_old)/c_A, RATTLE
//              (free blocks just move: their p is left untouched);
//   O  Ornstein–Uhlenbeck: p <- a p + s M^{1/2} xi, then RATTLE (not needed
//      when s = 0: every substep leaves p cotangent, and so does scaling);
//   overdamped move: q~ = q - h M^-1 grad V + sqrt(2 tau h) M^{-1/2} xi, SHAKE.
// The coefficients are passed in, so that the physical (h, gamma, tau) and the
// learning-rate/momentum parametrisations share these loops.
//
// Numerical events are returned as a StepOutcome, never thrown. A failed
// substep may leave the state modified: the sampler restores its copy.
// Noise for block b comes from the stream (seed, chain, step, b, substream).
// Not thread-safe per Stepper; one Stepper per chain.
#include <cola/constraint_set.hpp>
#include <cola/parameter_layout.hpp>
#include <cola/potential.hpp>
#include <cola/projection.hpp>
#include <cola/state.hpp>
#include <cola/substep_op.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cola {

enum class StepStatus { kOk = 0, kProjectionFailed, kNonFinitePotential };

struct StepOutcome {
  StepStatus status = StepStatus::kOk;
  ProjectionResult projection;  // worst projection result of the step
  std::string detail;           // filled on failure: what and where
  bool ok() const { return status == StepStatus::kOk; }
};

// Seconds spent in the parts of the substeps, accumulated while profiling is
// on (the run driver profiles a fixed sample of steps: reading the clock
// around every call would cost as much as a toy target's whole step).
struct StepTimes {
  double gradient = 0.0;    // potential value and gradient
  double projection = 0.0;  // SHAKE/RATTLE and drift projections
  double noise = 0.0;       // Gaussian draws
  StepTimes& operator+=(const StepTimes& o) {
    gradient += o.gradient;
    projection += o.projection;
    noise += o.noise;
    return *this;
  }
};

class Stepper {
 public:
  // The layout, potential and constraints must outlive the stepper; the
  // constraint set must be bound to this layout.
  Stepper(const ParameterLayout& layout, const Potential& potential,
          const ConstraintSet& constraints, SolverOptions solver, std::uint64_t seed,
          std::uint64_t chain);

  const ParameterLayout& layout() const { return layout_; }
  const ConstraintSet& constraints() const { return constraints_; }
  const Potential& potential() const { return potential_; }
  const SolverOptions& solver() const { return solver_; }
  std::uint64_t seed() const { return seed_; }
  std::uint64_t chain() const { return chain_; }

  // V and grad V at state.q, cached until q changes (BAOAB's last B and the
  // next step's first B share one evaluation). The potential's context (its
  // minibatch) is keyed by the step that produced q: state.step once q has
  // moved within the current step, state.step - 1 before (2^64 - 1 for the
  // initial position). So a gradient recomputed after a resume or a rejected
  // step uses the same minibatch as the cached one it replaces.
  StepOutcome ensure_gradient(const State& state);
  // Forgets the cached gradient; call when q is restored to the start of a step.
  void invalidate_gradient() {
    gradient_valid_ = false;
    moved_step_ = kNotMoved;
  }
  // The cached V and grad V, to hand to another Stepper whose state has the
  // same q (the reverse check of the exact samplers) or to restore after a
  // rejected proposal returns q to where they were computed.
  struct GradientCache {
    double value = 0.0;
    Vector gradient;
    bool valid = false;
    std::uint64_t moved_step = ~std::uint64_t{0};
  };
  void save_gradient(GradientCache& cache) const {
    cache.value = value_;
    cache.gradient = gradient_;
    cache.valid = gradient_valid_;
    cache.moved_step = moved_step_;
  }
  void restore_gradient(const GradientCache& cache) {
    value_ = cache.value;
    gradient_ = cache.gradient;
    gradient_valid_ = cache.valid;
    moved_step_ = cache.moved_step;
  }
  double potential_value() const { return value_; }
  bool gradient_valid() const { return gradient_valid_; }
  void set_profiling(bool on) { profiling_ = on; }
  const StepTimes& times() const { return times_; }
  const Vector& gradient() const { return gradient_; }

  // The substeps ops[0..n) in order, stopping at the first that fails. Runs
  // of them that need no new gradient (no kick after a drift, at most one
  // noisy thermostat) are applied as one sweep: free entries and
  // element-wise constraints take every op of the run on one tile of entries
  // before the next (Constraint::substeps), so a splitting such as BAOAB
  // reads and writes the state twice per step instead of once per substep.
  // Each entry sees the same operations as with one call per substep, so the
  // results are the same bits.
  //
  // `defer_tail`: when the ops end with kicks after the last drift (BAOAB's
  // final B) and every constraint's kick is a closed form that cannot fail,
  // the gradient at the new q is still evaluated (a non-finite potential is
  // this step's failure) but those kicks are kept pending instead of applied:
  // the next call applies them as the first ops of its first sweep, so that
  // BAOAB reads and writes the state once per step. Until then state.p is not
  // the step's final momentum; complete() applies the pending kicks (no
  // evaluation unless the gradient was invalidated). The same operations run
  // per entry in the same order, so the results are the same bits as without
  // deferral.
  StepOutcome substeps(State& state, const SubstepOp* ops, std::size_t n, bool defer_tail = false);
  // Applies the pending kicks, if any (see substeps()).
  StepOutcome complete(State& state);
  // The pending kicks, to save with a copy of the state and reinstate when
  // the state is restored (the gradient must then be invalidated).
  const std::vector<SubstepOp>& pending() const { return pending_; }
  void set_pending(const std::vector<SubstepOp>& ops) { pending_ = ops; }
  // The merged result of the pending kicks applied by the last substeps()
  // call (they belong to the step before it, not to its outcome).
  const ProjectionResult& applied_pending_result() const { return applied_pending_result_; }
  StepOutcome kick(State& state, double coefficient);
  StepOutcome drift(State& state, double coefficient);
  StepOutcome ornstein_uhlenbeck(State& state, double damping, double noise_scale,
                                 std::uint64_t substream);
  // `tangent_start`: SHAKE starts from q + P(q~ - q), the tangent part of the
  // move (MALA on the manifold needs the root to depend on it alone).
  StepOutcome overdamped_move(State& state, double step_size, double temperature,
                              std::uint64_t substream, bool tangent_start = false);
  // Draws p ~ N(0, tau M) in the cotangent space (zero when tau = 0).
  StepOutcome sample_momentum(State& state, double temperature, std::uint64_t substream);

 private:
  StepOutcome projection_outcome(const ProjectionResult& r, const char* substep) const;
  // One sweep (see substeps()): ops[0..n) need no new gradient.
  // `carried`: how many of the first ops are pending kicks of the previous
  // call; their results go to applied_pending_result_, not to the outcome.
  StepOutcome sweep(State& state, const SubstepOp* ops, std::size_t n, std::size_t carried = 0);
  ProjectionResult project_momentum(State& state);
  // noise_ <- standard normals, block by block from their own streams.
  void draw_noise(std::uint64_t step, std::uint64_t substream);
  // f(), adding its duration to `bucket` when profiling.
  template <class F>
  auto timed(double StepTimes::*bucket, F&& f);

  const ParameterLayout& layout_;
  const Potential& potential_;
  const ConstraintSet& constraints_;
  SolverOptions solver_;
  std::uint64_t seed_, chain_;
  Vector inv_mass_, gradient_, noise_, q_old_;
  // Blocks the sweeps move without a constraint: the free blocks, or all.
  std::vector<Index> unconstrained_blocks_;
  std::vector<ProjectionResult> op_results_, component_results_;
  // Pending kicks (substeps' defer_tail), and the ops of one call with them.
  std::vector<SubstepOp> pending_, merged_ops_;
  ProjectionResult applied_pending_result_;
  bool kicks_cannot_fail_ = true;
  static constexpr std::uint64_t kNotMoved = ~std::uint64_t{0};
  double value_ = 0.0;
  bool gradient_valid_ = false;
  std::uint64_t moved_step_ = kNotMoved;  // state.step of the last move of q
  bool profiling_ = false;
  StepTimes times_;
};

}  // namespace cola
