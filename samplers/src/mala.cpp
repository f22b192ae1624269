#include <cola/error.hpp>
#include <cola/samplers/mala.hpp>

#include <algorithm>
#include <cmath>

namespace cola::samplers {

void MalaOptions::validate() const {
  require(std::isfinite(step_size) && step_size > 0, "step_size must be finite and > 0");
  common.validate();
}

Mala::Mala(const ParameterLayout& layout, const Potential& potential,
           const ConstraintSet& constraints, const MalaOptions& options)
    : MetropolisSampler(layout, potential, constraints, options.common, options.step_size,
                        options.adaptation),
      options_(options),
      inv_mass_(layout.inverse_mass()),
      mass_(inv_mass_.cwiseInverse()) {
  options_.validate();
  require_exact("MALA", layout, potential, constraints, options_.temperature, options_.reverse,
                options_.common.solver);
}

bool Mala::tangent(const Vector& q, const Vector& v, Vector& out) {
  out = mass_.cwiseProduct(v);  // the covector M v; RATTLE makes it cotangent
  if (!stepper_.constraints().empty()) {
    const ProjectionResult r = stepper_.constraints().project_momentum(q, out);
    if (!r.ok()) return false;
  }
  out = inv_mass_.cwiseProduct(out);
  return true;
}

Rejection Mala::propose(State& state, std::uint64_t path) {
  const double h = options_.step_size, tau = options_.temperature;
  x_ = state.q;
  const StepOutcome gx = stepper_.ensure_gradient(state);
  if (!gx.ok()) return Rejection::kMetropolis;
  const double vx = stepper_.potential_value();
  stepper_.save_gradient(x_gradient_);
  if (!tangent(x_, -h * inv_mass_.cwiseProduct(stepper_.gradient()), mean_x_))
    return Rejection::kProjection;

  const StepOutcome move = stepper_.overdamped_move(state, h, tau, path, true);
  if (move.status == StepStatus::kProjectionFailed) return Rejection::kProjection;
  if (!move.ok()) return Rejection::kMetropolis;
  projection_ = move.projection;
  if (!tangent(x_, state.q - x_, v_)) return Rejection::kProjection;

  const StepOutcome gy = stepper_.ensure_gradient(state);
  if (!gy.ok()) return Rejection::kMetropolis;
  const double vy = stepper_.potential_value();
  if (!tangent(state.q, -h * inv_mass_.cwiseProduct(stepper_.gradient()), mean_y_) ||
      !tangent(state.q, x_ - state.q, v_back_))
    return Rejection::kProjection;

  if (options_.reverse.enabled) {
    scratch_ = state.q + v_back_;
    const ProjectionResult r =
        stepper_.constraints().empty()
            ? ProjectionResult{}
            : stepper_.constraints().project_position(state.q, scratch_, options_.common.solver);
    if (!r.ok() || !((scratch_ - x_).lpNorm<Eigen::Infinity>() <= options_.reverse.tolerance))
      return Rejection::kReverse;
  }

  auto energy = [&](const Vector& v, const Vector& mean) {
    return (v - mean).dot(mass_.cwiseProduct(v - mean)) / (4 * tau * h);
  };
  const double log_ratio = -(vy - vx) / tau - energy(v_back_, mean_y_) + energy(v_, mean_x_);
  set_acceptance(log_ratio);
  return metropolis_accept(log_ratio, options_.common.seed, options_.common.chain, state.step)
             ? Rejection::kNone
             : Rejection::kMetropolis;
}

StepOutcome Mala::attempt(State& state, double /*scale*/, std::uint64_t path) {
  projection_ = ProjectionResult{};
  x_gradient_.valid = false;
  // A non-finite V at the current point is the failure policy's (as in
  // GHMC): rejecting every proposal from there would stall the chain
  // silently. (At a proposed point it is a rejection: probability 0.)
  const StepOutcome gx = stepper_.ensure_gradient(state);
  if (!gx.ok()) return gx;
  begin_proposal(state);
  const Rejection r = propose(state, substream(path, 0));
  finish_proposal(r);
  StepOutcome out;
  if (r == Rejection::kNone) {
    out.projection = projection_;
  } else {
    state.q = x_;
    // V and grad V at x, if they were computed: no re-evaluation.
    if (x_gradient_.valid)
      stepper_.restore_gradient(x_gradient_);
    else
      stepper_.invalidate_gradient();
  }
  return out;
}

}  // namespace cola::samplers
