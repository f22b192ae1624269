#pragma once
// CoLA-ud: underdamped Langevin on the constraint manifold,
//   dq = M^-1 p dt,  dp = (-grad V - gamma p) dt + sqrt(2 gamma tau) M^{1/2} dW - G^T dlambda,
// with g(q) = 0 and G M^-1 p = 0, discretised by a splitting string of the
// substeps B, A, O (default BAOAB; g-BAOAB with drift_substeps = K).
//
// Two parametrisations (DESIGN §1):
//  - physical: step size h, friction gamma, temperature tau. Per step, the B
//    letters share h, the A letters share h, the O letters share h:
//    a = exp(-gamma h / n_O), s = sqrt(tau (1 - a^2)).
//  - learning rate / momentum (the paper's code and PyTorch's SGD): lr, mu,
//    tau, with default splitting "OBA". The internal momentum is p_phys / h,
//    so that with tau = 0 and no constraints one step is exactly
//    buf = mu buf + grad; w = w - lr buf  (p = -buf).
//    Mapping: h = sqrt(lr), gamma = -ln(mu) / sqrt(lr); B takes coefficient
//    1, A takes lr, O multiplies by mu and adds sqrt(tau (1 - mu^2)/lr) xi.
// With tau = 0 the sampler is an optimiser (the paper's training mode).
#include <cola/samplers/sampler.hpp>
#include <cola/samplers/splitting.hpp>

#include <vector>

namespace cola::samplers {

enum class Parametrisation { kPhysical, kLearningRate };

struct UnderdampedOptions {
  Parametrisation parametrisation = Parametrisation::kPhysical;
  double step_size = 0.1;    // h (physical)
  double friction = 1.0;     // gamma (physical)
  double learning_rate = 0;  // lr (learning-rate parametrisation)
  double momentum = 0;       // mu in [0, 1) (learning-rate parametrisation)
  double temperature = 1.0;  // tau >= 0
  std::string splitting;     // empty: "BAOAB" (physical) or "OBA" (learning rate)
  int drift_substeps = 1;    // K of g-BAOAB
  CommonOptions common;

  static UnderdampedOptions physical(double h, double gamma, double tau);
  static UnderdampedOptions learning_rate_momentum(double lr, double mu, double tau = 0.0);
  // Throws ConfigError naming the field.
  void validate() const;
};

class Underdamped final : public Sampler {
 public:
  Underdamped(const ParameterLayout& layout, const Potential& potential,
              const ConstraintSet& constraints, const UnderdampedOptions& options);
  std::string name() const override { return "CoLA-ud(" + splitting_.letters + ")"; }
  const UnderdampedOptions& underdamped_options() const { return options_; }
  const Splitting& splitting() const { return splitting_; }

 private:
  StepOutcome attempt(State& state, double scale, std::uint64_t path) override;
  double momentum_temperature() const override;

  UnderdampedOptions options_;
  Splitting splitting_;
  std::vector<SubstepOp> ops_;  // the splitting's substeps for one attempt
};

}  // namespace cola::samplers
