#pragma once
// The target measure on Sigma = {g = 0}, chosen by wrapping the potential:
//
//   hausdorff (default): exp(-V/tau) sigma(dq), sigma the surface measure of
//              Sigma in the mass metric. What every sampler of the library
//              samples (exactly: HMC/GHMC/MALA; up to O(h^p): CoLA-od/ud)
//              when given V itself.
//   ambient:   the law exp(-V/tau) dq of R^d conditioned on g = 0,
//              = exp(-V/tau) det(G M^-1 G^T)^{-1/2} sigma(dq) (co-area
//              formula; fixman_term.hpp), sampled by giving the same samplers
//              V_F = V + (tau/2) log det(G M^-1 G^T).
// They coincide (up to a constant factor) when det(G M^-1 G^T) is constant
// on Sigma: spheres, circles, Stiefel manifolds, linear constraints. They
// differ on ellipsoid-type constraints, and `ambient` depends on how g is
// written (g and c(q) g have the same Sigma, not the same conditional law).
//
// TargetPotential keeps every sampler unchanged: pass it where the potential
// goes. tau must be the sampler's temperature (the exact samplers check it).
// With `hausdorff` it forwards to V. value_and_gradient is as thread-safe as
// V's; with `ambient` a built-in constraint adds O(n) work and no allocation,
// a user or stacked constraint the generic O(m^2 n + m^3) dense computation.
#include <cola/constraint_set.hpp>
#include <cola/fixman_term.hpp>
#include <cola/potential.hpp>

#include <optional>
#include <string>

namespace cola::samplers {

enum class TargetMeasure { kHausdorff, kAmbient };

// "hausdorff" / "ambient".
const char* to_string(TargetMeasure measure);
// Throws ConfigError listing the valid names.
TargetMeasure parse_target_measure(const std::string& name);

class TargetPotential final : public Potential {
 public:
  // `potential` and `constraints` (bound) must outlive this object. Throws
  // ConfigError: tau not finite or negative; `ambient` with a constraint
  // without second derivatives (FixmanTerm).
  TargetPotential(const Potential& potential, const ConstraintSet& constraints,
                  TargetMeasure measure, double temperature);

  double value_and_gradient(const Vector& q, Vector& grad,
                            const PotentialContext& ctx) const override;
  bool stochastic() const override { return potential_.stochastic(); }
  Index dimension() const override { return potential_.dimension(); }
  std::string name() const override;
  // Names the Fixman term's singular component, or forwards to V.
  std::string explain_nonfinite(const Vector& q, const PotentialContext& ctx) const override;

  TargetMeasure measure() const { return measure_; }
  double temperature() const { return temperature_; }
  const Potential& potential() const { return potential_; }

 private:
  const Potential& potential_;
  TargetMeasure measure_;
  double temperature_;
  std::optional<FixmanTerm> fixman_;  // set for kAmbient
};

}  // namespace cola::samplers
