#pragma once
// Metropolised CoLA-od: MALA on the manifold (Zappa, Holmes-Cerfon, Goodman
// 2018), exact for exp(-V/tau) times the surface measure (metropolis.hpp).
//
// From x on Sigma the CoLA-od move (Stepper::overdamped_move: Euler-Maruyama
// plus SHAKE along the normals at x) proposes y = x + v + M^-1 G(x)^T lambda,
// where v, the tangent part of y - x, is Gaussian on T_x with mean
// mu_x = -h P_x M^-1 grad V(x) and density proportional to
//   exp(-(v - mu_x)^T M (v - mu_x) / (4 tau h))
// (P_x the M-orthogonal projection onto T_x). The reverse move from y uses
// v' = P_y (x - y): y + v' projected along the normals at y must land on x
// (the reverse check; the equation has other roots). Then
//   log ratio = -(V(y) - V(x)) / tau - (|v' - mu_y|_M^2 - |v - mu_x|_M^2) / (4 tau h);
// no Jacobian enters (Zappa et al., section 3). On rejection q stays.
#include <cola/samplers/metropolis_sampler.hpp>

namespace cola::samplers {

struct MalaOptions {
  double step_size = 0.01;
  double temperature = 1.0;
  ReverseCheck reverse;
  StepSizeAdaptationOptions adaptation;  // during the run driver's warm-up
  CommonOptions common;
  // Throws ConfigError naming the field.
  void validate() const;
};

class Mala final : public MetropolisSampler {
 public:
  Mala(const ParameterLayout& layout, const Potential& potential, const ConstraintSet& constraints,
       const MalaOptions& options);
  std::string name() const override { return "MALA"; }

 private:
  StepOutcome attempt(State& state, double scale, std::uint64_t path) override;
  double momentum_temperature() const override { return -1; }
  void use_step_size(double h) override { options_.step_size = h; }
  Rejection propose(State& state, std::uint64_t path);
  // out <- P_q v (the M-orthogonal projection onto T_q); false if it failed.
  bool tangent(const Vector& q, const Vector& v, Vector& out);

  MalaOptions options_;
  Vector inv_mass_, mass_;
  Vector x_, mean_x_, v_, v_back_, mean_y_, scratch_;
  ProjectionResult projection_;
  Stepper::GradientCache x_gradient_;  // at x, restored on rejection
};

}  // namespace cola::samplers
