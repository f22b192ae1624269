#include <cola/error.hpp>
#include <cola/samplers/hamiltonian.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cola::samplers {

HamiltonianOptions HamiltonianOptions::hmc(double h, int steps, double tau) {
  HamiltonianOptions o;
  o.step_size = h;
  o.leapfrog_steps = steps;
  o.persistence = 0;
  o.temperature = tau;
  return o;
}

HamiltonianOptions HamiltonianOptions::ghmc(double h, double gamma, double tau) {
  require(std::isfinite(gamma) && gamma >= 0, "friction must be finite and >= 0");
  HamiltonianOptions o;
  o.step_size = h;
  o.leapfrog_steps = 1;
  o.persistence = std::exp(-gamma * h);
  o.friction = gamma;
  o.temperature = tau;
  return o;
}

void HamiltonianOptions::validate() const {
  require(std::isfinite(step_size) && step_size > 0, "step_size must be finite and > 0");
  require(leapfrog_steps >= 1, "leapfrog_steps must be at least 1");
  require(drift_substeps >= 1, "drift_substeps must be at least 1");
  require(persistence >= 0 && persistence < 1,
          "persistence (exp(-friction step_size)) must be in [0, 1)");
  common.validate();
}

Hamiltonian::Hamiltonian(const ParameterLayout& layout, const Potential& potential,
                         const ConstraintSet& constraints, const HamiltonianOptions& options)
    : MetropolisSampler(layout, potential, constraints, options.common, options.step_size,
                        options.adaptation),
      options_(options),
      inv_mass_(layout.inverse_mass()),
      reverse_(layout, potential, constraints, options.common.solver, options.common.seed,
               options.common.chain) {
  options_.validate();
  require_exact(options_.persistence > 0 ? "GHMC" : "HMC", layout, potential, constraints,
                options_.temperature, options_.reverse, options_.common.solver);
}

void Hamiltonian::use_step_size(double h) {
  options_.step_size = h;
  // The friction, not the persistence, is the physical parameter: the same
  // formula as ghmc() gives.
  if (options_.friction > 0) options_.persistence = std::exp(-options_.friction * h);
}

std::string Hamiltonian::name() const {
  if (options_.persistence > 0 && options_.leapfrog_steps == 1) return "GHMC";
  return "HMC(L=" + std::to_string(options_.leapfrog_steps) + ")";
}

StepOutcome Hamiltonian::rattle_step(Stepper& stepper, State& state) const {
  const double h = options_.step_size;
  StepOutcome total = stepper.kick(state, h / 2);
  if (!total.ok()) return total;
  for (int k = 0; k < options_.drift_substeps; ++k) {
    const StepOutcome a = stepper.drift(state, h / options_.drift_substeps);
    if (!a.ok()) return a;
    total.projection.merge(a.projection);
  }
  const StepOutcome b = stepper.kick(state, h / 2);
  if (!b.ok()) return b;
  total.projection.merge(b.projection);
  return total;
}

Rejection Hamiltonian::propose(State& state, double h0) {
  last_energy_error_ = std::numeric_limits<double>::quiet_NaN();
  projection_ = ProjectionResult{};
  for (int l = 0; l < options_.leapfrog_steps; ++l) {
    previous_ = state.q;  // where the reverse step must return to
    const StepOutcome forward = rattle_step(stepper_, state);
    if (forward.status == StepStatus::kProjectionFailed) return Rejection::kProjection;
    if (!forward.ok()) return Rejection::kMetropolis;  // NaN/Inf energy: probability 0
    projection_.merge(forward.projection);
    if (!options_.reverse.enabled) continue;
    back_.q = state.q;
    back_.p = -state.p;
    back_.step = state.step;
    // Only the positions are compared, so the reverse step is its first
    // kick (with the forward step's gradient at q1: no new evaluation) and
    // its drifts; its last kick would not change q.
    stepper_.save_gradient(cache_);
    reverse_.restore_gradient(cache_);
    StepOutcome reverse = reverse_.kick(back_, options_.step_size / 2);
    for (int k = 0; k < options_.drift_substeps && reverse.ok(); ++k)
      reverse = reverse_.drift(back_, options_.step_size / options_.drift_substeps);
    if (!reverse.ok() ||
        !((back_.q - previous_).lpNorm<Eigen::Infinity>() <= options_.reverse.tolerance))
      return Rejection::kReverse;
  }
  const double h1 = stepper_.potential_value() + 0.5 * state.p.dot(inv_mass_.cwiseProduct(state.p));
  last_energy_error_ = h1 - h0;
  const double log_ratio = -last_energy_error_ / options_.temperature;
  set_acceptance(log_ratio);
  return metropolis_accept(log_ratio, options_.common.seed, options_.common.chain, state.step)
             ? Rejection::kNone
             : Rejection::kMetropolis;
}

StepOutcome Hamiltonian::attempt(State& state, double /*scale*/, std::uint64_t path) {
  const double a = options_.persistence;
  StepOutcome refresh = stepper_.ornstein_uhlenbeck(
      state, a, std::sqrt(options_.temperature * (1 - a * a)), substream(path, 0));
  if (!refresh.ok()) return refresh;
  const StepOutcome g = stepper_.ensure_gradient(state);
  if (!g.ok()) return g;
  const double h0 = stepper_.potential_value() + 0.5 * state.p.dot(inv_mass_.cwiseProduct(state.p));
  start_.q = state.q;
  start_.p = state.p;
  stepper_.save_gradient(start_gradient_);
  begin_proposal(state);
  const Rejection r = propose(state, h0);
  finish_proposal(r);
  if (r != Rejection::kNone) {
    // Flip on rejection: with a partial refresh this keeps the chain
    // reversible (the next O step then mostly reverses the direction).
    state.q = start_.q;
    state.p = -start_.p;
    stepper_.restore_gradient(start_gradient_);  // V and grad V at q0: no re-evaluation
  } else {
    refresh.projection.merge(projection_);
  }
  return refresh;
}

}  // namespace cola::samplers
