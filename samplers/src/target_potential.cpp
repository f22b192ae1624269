#include <cola/error.hpp>
#include <cola/samplers/target_potential.hpp>

#include <cmath>
#include <sstream>

namespace cola::samplers {

const char* to_string(TargetMeasure measure) {
  return measure == TargetMeasure::kAmbient ? "ambient" : "hausdorff";
}

TargetMeasure parse_target_measure(const std::string& name) {
  if (name == "hausdorff") return TargetMeasure::kHausdorff;
  if (name == "ambient") return TargetMeasure::kAmbient;
  throw ConfigError("target measure '" + name +
                    "' is not known; valid: hausdorff (surface measure, the default), ambient "
                    "(the ambient density conditioned on g = 0, with the Fixman term)");
}

TargetPotential::TargetPotential(const Potential& potential, const ConstraintSet& constraints,
                                 TargetMeasure measure, double temperature)
    : potential_(potential), measure_(measure), temperature_(temperature) {
  require(std::isfinite(temperature) && temperature >= 0,
          "target potential: temperature must be finite and >= 0");
  if (measure == TargetMeasure::kAmbient) fixman_.emplace(constraints);
}

double TargetPotential::value_and_gradient(const Vector& q, Vector& grad,
                                           const PotentialContext& ctx) const {
  const double v = potential_.value_and_gradient(q, grad, ctx);
  if (!fixman_ || temperature_ == 0) return v;
  const double half_tau = 0.5 * temperature_;
  return v + half_tau * fixman_->log_det_gram(q, half_tau, grad);
}

std::string TargetPotential::name() const {
  if (!fixman_) return potential_.name();
  return potential_.name() + " + Fixman term";
}

std::string TargetPotential::explain_nonfinite(const Vector& q, const PotentialContext& ctx) const {
  if (fixman_) {
    std::string why = fixman_->diagnose(q);
    if (!why.empty()) return why;
  }
  return potential_.explain_nonfinite(q, ctx);
}

}  // namespace cola::samplers
