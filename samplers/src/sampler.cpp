#include <cola/error.hpp>
#include <cola/samplers/sampler.hpp>

#include <cmath>
#include <sstream>

namespace cola::samplers {

std::uint64_t SamplerStats::failed_attempts() const {
  std::uint64_t n = nonfinite;
  for (auto f : projection_failures) n += f;
  return n;
}

void CommonOptions::validate() const {
  require(max_halvings >= 1 && max_halvings <= 20, "max_halvings must be in [1, 20]");
  solver.validate();
}

Sampler::Sampler(const ParameterLayout& layout, const Potential& potential,
                 const ConstraintSet& constraints, const CommonOptions& options)
    : stepper_(layout, potential, constraints, options.solver, options.seed, options.chain),
      options_(options) {
  options_.validate();
  require(potential.dimension() < 0 || potential.dimension() == layout.size(),
          "potential '" + potential.name() + "' expects " + std::to_string(potential.dimension()) +
              " parameters but the layout has " + std::to_string(layout.size()));
}

void Sampler::restore_accumulators(const std::vector<double>& values) {
  require(values.empty(), "checkpoint: " + name() + " keeps no accumulators of its own, got " +
                              std::to_string(values.size()));
}

void Sampler::initialise(State& state) {
  const ParameterLayout& layout = stepper_.layout();
  const ConstraintSet& constraints = stepper_.constraints();
  if (state.q.size() != layout.size())
    throw StateError("initial state: q has " + std::to_string(state.q.size()) +
                     " entries but the layout has " + std::to_string(layout.size()));
  if (!state.q.allFinite()) throw StateError("initial state: q has non-finite entries");
  for (const auto& c : constraints.constraints()) {
    const double r = c->residual(state.q);
    if (!(r <= options_.solver.tolerance)) {
      std::ostringstream os;
      os << "initial state is off the manifold: " << c->describe() << " has residual " << r
         << " > tolerance " << options_.solver.tolerance
         << "; move it there first with ConstraintSet::retract(q)";
      throw StateError(os.str());
    }
  }
  const double tau = momentum_temperature();
  if (tau >= 0) {
    StepOutcome out;
    if (state.p.size() == 0) {
      out = stepper_.sample_momentum(state, tau, substream(0, 0));
    } else {
      if (state.p.size() != layout.size())
        throw StateError("initial state: p has " + std::to_string(state.p.size()) +
                         " entries but the layout has " + std::to_string(layout.size()));
      if (!state.p.allFinite()) throw StateError("initial state: p has non-finite entries");
      // A p that is already tangent (e.g. a saved state) is kept bit for bit:
      // RATTLE is idempotent only up to rounding, and re-projecting would
      // make a resumed run differ from the uninterrupted one in the last bit.
      if (!constraints.empty() &&
          !(constraints.momentum_residual(state.q, state.p) <= options_.solver.tolerance)) {
        const ProjectionResult r = constraints.project_momentum(state.q, state.p);
        if (!r.ok()) throw StateError("initial momentum could not be projected: " + r.describe());
      }
    }
    if (!out.ok()) throw StateError("initial momentum: " + out.detail);
  }
  stepper_.invalidate_gradient();
  initialised_ = true;
}

void Sampler::record(const StepOutcome& outcome) {
  if (outcome.status == StepStatus::kNonFinitePotential) ++stats_.nonfinite;
  if (outcome.status == StepStatus::kProjectionFailed)
    ++stats_.projection_failures[static_cast<std::size_t>(outcome.projection.status)];
}

void Sampler::fail(const State& state, const StepOutcome& outcome) const {
  std::ostringstream os;
  os << name() << ": step " << state.step << " of chain " << options_.chain
     << " failed: " << outcome.detail << "; failure_policy '" << to_string(options_.failure_policy)
     << "'"
     << (options_.failure_policy == FailurePolicy::kError
             ? " (use 'reject' or 'halve' to continue past such steps, or a smaller step size)"
             : " gave up after " + std::to_string(options_.max_halvings) + " halvings");
  throw NumericalError(os.str());
}

void Sampler::restore_completed(State& state) {
  state.q = saved_q_;
  state.p = saved_p_;
  stepper_.invalidate_gradient();
  stepper_.set_pending(saved_pending_);
  complete(state);
  // As after a restore without pending kicks: the next use re-evaluates the
  // gradient at this q with the context of the step then running.
  stepper_.invalidate_gradient();
}

void Sampler::note_projection(const ProjectionResult& r) {
  if (r.residual > stats_.max_residual) stats_.max_residual = r.residual;
  if (r.iterations > stats_.max_iterations) stats_.max_iterations = r.iterations;
}

void Sampler::complete(State& state) {
  const StepOutcome out = stepper_.complete(state);
  if (!out.ok()) {
    record(out);
    fail(state, out);
  }
  note_projection(out.projection);
}

StepOutcome Sampler::step(State& state, bool defer) {
  if (!initialised_) initialise(state);
  // The copy the failure policy restores, taken before the state changes.
  // With kicks pending from the previous step it is that step's state
  // before them, and they are saved with it.
  saved_q_ = state.q;
  saved_p_ = state.p;
  saved_pending_ = stepper_.pending();
  defer_ = defer;
  StepOutcome out = attempt(state, 1.0, 1);
  defer_ = false;
  if (!out.ok()) {
    record(out);
    switch (options_.failure_policy) {
      case FailurePolicy::kError: restore_completed(state); fail(state, out);
      case FailurePolicy::kReject: {
        restore_completed(state);
        // Keep q but redraw p ~ N(0, tau M) in the cotangent space (a full
        // Ornstein–Uhlenbeck refresh, which leaves the Gibbs measure invariant).
        // Keeping p too would deadlock schemes whose first drift comes before
        // any noise (BAOAB: B-A is deterministic in (q, p)), which would then
        // fail at every later step.
        const double tau = momentum_temperature();
        if (tau >= 0) {
          const StepOutcome refresh = stepper_.sample_momentum(state, tau, substream(0, 1));
          if (!refresh.ok()) fail(state, refresh);
        }
        ++stats_.rejected;
        break;
      }
      case FailurePolicy::kHalve: {
        bool done = false;
        for (int level = 1; level <= options_.max_halvings && !done; ++level) {
          restore_completed(state);
          const std::uint64_t parts = std::uint64_t{1} << level;
          done = true;
          for (std::uint64_t j = 0; j < parts; ++j) {
            out = attempt(state, 1.0 / static_cast<double>(parts), parts + j);
            if (!out.ok()) {
              record(out);
              done = false;
              break;
            }
          }
        }
        if (!done) {
          restore_completed(state);
          fail(state, out);
        }
        ++stats_.halved_steps;
        break;
      }
    }
  }
  if (out.ok()) {
    note_projection(out.projection);
    // The previous step's kicks that this step's first sweep applied.
    note_projection(stepper_.applied_pending_result());
  }
  ++state.step;
  ++stats_.steps;
  return out;
}

void Sampler::run(State& state, std::uint64_t n,
                  const std::function<void(const State&, const StepOutcome&)>& observe) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const StepOutcome out = step(state, !observe);
    if (observe) observe(state, out);
  }
  complete(state);
}

}  // namespace cola::samplers
