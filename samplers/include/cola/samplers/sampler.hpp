#pragma once
// The step loop shared by every sampler: state checks, the failure policy
// (error / reject / halve) and the counters. A concrete sampler only says how
// one attempt of one step at step size scale*h is composed from the substeps
// (lib/substeps.hpp). One Sampler per chain; not thread-safe.
#include <cola/observer.hpp>
#include <cola/samplers/failure_policy.hpp>
#include <cola/substeps.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cola::samplers {

struct SamplerStats {
  std::uint64_t steps = 0;
  std::uint64_t rejected = 0;      // policy reject
  std::uint64_t halved_steps = 0;  // steps completed only after halving
  std::uint64_t nonfinite = 0;     // attempts with NaN/Inf in the potential
  std::array<std::uint64_t, kNumProjectionStatus> projection_failures{};  // by status
  double max_residual = 0.0;  // largest ||g||_inf returned by an accepted projection
  int max_iterations = 0;     // most projection iterations in one call

  std::uint64_t failed_attempts() const;
};

struct CommonOptions {
  FailurePolicy failure_policy = FailurePolicy::kError;
  int max_halvings = 4;
  SolverOptions solver;
  std::uint64_t seed = 0;
  std::uint64_t chain = 0;
  void validate() const;
};

class Sampler {
 public:
  Sampler(const ParameterLayout& layout, const Potential& potential,
          const ConstraintSet& constraints, const CommonOptions& options);
  virtual ~Sampler() = default;
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  virtual std::string name() const = 0;

  // Checks sizes and finiteness, and that q is on the manifold (StateError
  // naming the constraint and its residual otherwise: move it there first
  // with ConstraintSet::retract). Underdamped samplers draw p ~ N(0, tau M)
  // in the cotangent space when p is empty, or project a given p onto it
  // (a p already tangent to solver.tolerance is kept unchanged, so that a
  // run resumed from a saved State continues bit for bit).
  void initialise(State& state);
  // One step under the failure policy (initialises on first use).
  //
  // `defer`: the step may end with its last kicks pending (BAOAB's final B,
  // see Stepper::substeps), to be applied in the next step's first pass over
  // the state: state.q is the step's position, but state.p is not yet its
  // momentum until the next step() or complete(), and the state must not be
  // changed in between. The chain is the same bits either way. Samplers
  // without such a tail ignore it.
  StepOutcome step(State& state, bool defer = false);
  // Applies pending kicks, if any, so that state.p is the last step's.
  void complete(State& state);
  // n steps; `observe` (optional) sees the state after each. Without an
  // observer the steps are deferred (step()) and the state completed at the
  // end.
  void run(State& state, std::uint64_t n,
           const std::function<void(const State&, const StepOutcome&)>& observe = {});

  const SamplerStats& stats() const { return stats_; }
  // Continues the counters of a resumed chain.
  void restore_stats(const SamplerStats& stats) { stats_ = stats; }
  const CommonOptions& options() const { return options_; }
  Stepper& stepper() { return stepper_; }

  // What a sampler adds to the run driver's records (the unadjusted samplers
  // add nothing, so their files keep exactly the driver's columns and
  // accumulators). The lists are the same for every chain of a run.
  //
  // Per-step statistics after the driver's own sample_stats columns, and
  // their values for the step that led to `state` (one per spec).
  virtual std::vector<StatSpec> stat_specs() const { return {}; }
  virtual void stat_values(const State& state, double* values) const { (void)state, (void)values; }
  // Running counters beyond SamplerStats, saved in checkpoints after the
  // driver's accumulators and restored on resume (values exact as doubles;
  // restore throws ConfigError for the wrong count).
  virtual std::vector<std::string> accumulator_names() const { return {}; }
  virtual std::vector<double> accumulators() const { return {}; }
  virtual void restore_accumulators(const std::vector<double>& values);
  // Called by the run driver after every warm-up step (`last`: the final
  // one), so that a sampler may adapt its step size and freeze it.
  virtual void end_warmup_step(const State& state, bool last) { (void)state, (void)last; }

 protected:
  // One attempt of a whole step with step size scale*h; `path` numbers the
  // attempt (1 for the plain step, 2^k + j for substep j after k halvings) so
  // that every attempt draws fresh, reproducible noise.
  virtual StepOutcome attempt(State& state, double scale, std::uint64_t path) = 0;
  // Temperature of the momentum in the sampler's own units; < 0 when the
  // sampler has no momentum.
  virtual double momentum_temperature() const = 0;

  // Substream for letter `letter` of attempt `path`.
  static std::uint64_t substream(std::uint64_t path, std::size_t letter) {
    return path * 64 + letter;
  }

  Stepper stepper_;
  // Whether the current attempt may defer its last kicks (step()'s `defer`);
  // attempts built from Stepper::substeps pass it on.
  bool defer_ = false;

 private:
  void record(const StepOutcome& outcome);
  [[noreturn]] void fail(const State& state, const StepOutcome& outcome) const;

  CommonOptions options_;
  SamplerStats stats_;
  bool initialised_ = false;
  Vector saved_q_, saved_p_;
  std::vector<SubstepOp> saved_pending_;
  // The start of the step as saved, with its pending kicks applied.
  void restore_completed(State& state);
  void note_projection(const ProjectionResult& r);
};

}  // namespace cola::samplers
