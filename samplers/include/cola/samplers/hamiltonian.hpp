#pragma once
// Metropolis-adjusted constrained Hamiltonian samplers (metropolis.hpp):
//
//   HMC:  p ~ N(0, tau M) in the cotangent space; L RATTLE steps
//         B(h/2) A(h/K)^K B(h/2); accept with min(1, exp(-(H1 - H0) / tau)),
//         H = V + p^T M^-1 p / 2; on rejection q stays (p is redrawn at the
//         next step anyway).
//   GHMC: Metropolised CoLA-ud (Lelievre, Rousset, Stoltz 2019): O with
//         a = exp(-gamma h) (partial refresh, then RATTLE), then one RATTLE
//         step with the same accept/reject; on rejection the momentum is
//         flipped, p <- -p, which keeps the chain reversible. At gamma h -> 0
//         the momentum persists; at a = 0 it is HMC with L = 1.
//
// Both are one class: a refresh O(a) followed by L RATTLE steps and the
// test. Every RATTLE step is composed of the Stepper's kick and drift (the
// same substeps as CoLA-ud), and is checked by running it backwards from
// (q1, -p1) with a second Stepper: its kick (with the gradient at q1, already
// known) and drifts must succeed and land on q0. The check costs projections,
// no gradient evaluation; a rejection restores the cached gradient at q0.
//
// Steps: one sampler step = one proposal (L RATTLE steps, 2L with the
// reverse check); the failure policy is never consulted (see metropolis.hpp).
#include <cola/samplers/metropolis_sampler.hpp>

namespace cola::samplers {

struct HamiltonianOptions {
  double step_size = 0.1;  // h of one RATTLE step
  int leapfrog_steps = 1;  // L
  int drift_substeps = 1;  // K (geodesic drift substeps)
  double persistence = 0;  // a in [0, 1): 0 is a full refresh (HMC)
  // gamma of a = exp(-gamma h) (GHMC): when > 0, a follows an adapted h.
  double friction = 0;
  double temperature = 1.0;
  ReverseCheck reverse;
  StepSizeAdaptationOptions adaptation;  // during the run driver's warm-up
  CommonOptions common;

  // HMC: full refresh, L steps of size h.
  static HamiltonianOptions hmc(double h, int steps, double tau = 1.0);
  // GHMC: a = exp(-gamma h), one step.
  static HamiltonianOptions ghmc(double h, double gamma, double tau = 1.0);
  // Throws ConfigError naming the field.
  void validate() const;
};

class Hamiltonian final : public MetropolisSampler {
 public:
  Hamiltonian(const ParameterLayout& layout, const Potential& potential,
              const ConstraintSet& constraints, const HamiltonianOptions& options);
  std::string name() const override;
  const HamiltonianOptions& hamiltonian_options() const { return options_; }
  // The energy change of the last proposal (NaN when a projection failed).
  double last_energy_error() const { return last_energy_error_; }

  // One RATTLE step of size h from `state` with `stepper` (which holds the
  // gradient at state.q or computes it). Public for the reversibility tests.
  StepOutcome rattle_step(Stepper& stepper, State& state) const;

 private:
  StepOutcome attempt(State& state, double scale, std::uint64_t path) override;
  double momentum_temperature() const override { return options_.temperature; }
  void use_step_size(double h) override;
  // The proposal from `state` (changed in place); the cause if rejected.
  Rejection propose(State& state, double h0);

  HamiltonianOptions options_;
  Vector inv_mass_;
  Stepper reverse_;
  State start_, back_;
  Vector previous_;
  ProjectionResult projection_;  // of the current proposal's forward steps
  Stepper::GradientCache cache_, start_gradient_;
  double last_energy_error_ = 0;
};

}  // namespace cola::samplers
