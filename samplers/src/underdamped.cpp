#include <cola/error.hpp>
#include <cola/samplers/underdamped.hpp>

#include <cmath>

namespace cola::samplers {

UnderdampedOptions UnderdampedOptions::physical(double h, double gamma, double tau) {
  UnderdampedOptions o;
  o.parametrisation = Parametrisation::kPhysical;
  o.step_size = h;
  o.friction = gamma;
  o.temperature = tau;
  return o;
}

UnderdampedOptions UnderdampedOptions::learning_rate_momentum(double lr, double mu, double tau) {
  UnderdampedOptions o;
  o.parametrisation = Parametrisation::kLearningRate;
  o.learning_rate = lr;
  o.momentum = mu;
  o.temperature = tau;
  return o;
}

void UnderdampedOptions::validate() const {
  if (parametrisation == Parametrisation::kPhysical) {
    require(std::isfinite(step_size) && step_size > 0, "step_size must be finite and > 0");
    require(std::isfinite(friction) && friction >= 0, "friction must be finite and >= 0");
  } else {
    require(std::isfinite(learning_rate) && learning_rate > 0,
            "learning_rate must be finite and > 0");
    require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)");
  }
  require(std::isfinite(temperature) && temperature >= 0, "temperature must be finite and >= 0");
  common.validate();
}

namespace {
std::string default_splitting(const UnderdampedOptions& o) {
  if (!o.splitting.empty()) return o.splitting;
  return o.parametrisation == Parametrisation::kPhysical ? "BAOAB" : "OBA";
}
}  // namespace

Underdamped::Underdamped(const ParameterLayout& layout, const Potential& potential,
                         const ConstraintSet& constraints, const UnderdampedOptions& options)
    : Sampler(layout, potential, constraints, options.common),
      options_(options),
      splitting_(parse_splitting(default_splitting(options), options.drift_substeps)) {
  options_.validate();
  ops_.reserve(splitting_.letters.size());
}

double Underdamped::momentum_temperature() const {
  return options_.parametrisation == Parametrisation::kPhysical
             ? options_.temperature
             : options_.temperature / options_.learning_rate;
}

StepOutcome Underdamped::attempt(State& state, double scale, std::uint64_t path) {
  const bool physical = options_.parametrisation == Parametrisation::kPhysical;
  const double kick = (physical ? options_.step_size : 1.0) * scale / splitting_.kicks;
  const double drift =
      (physical ? options_.step_size : options_.learning_rate) * scale / splitting_.drifts;
  double damping = 0;
  if (splitting_.thermostats > 0) {
    const double fraction = scale / splitting_.thermostats;
    if (physical)
      damping = std::exp(-options_.friction * options_.step_size * fraction);
    else  // mu itself when fraction is 1, so SGD-m is reproduced bit for bit
      damping = fraction == 1.0 ? options_.momentum : std::pow(options_.momentum, fraction);
  }
  double noise = std::sqrt(options_.temperature * (1 - damping * damping));
  if (!physical) noise /= std::sqrt(options_.learning_rate);

  ops_.clear();
  for (std::size_t i = 0; i < splitting_.letters.size(); ++i) {
    switch (splitting_.letters[i]) {
      case 'B': ops_.push_back(SubstepOp::kick(kick)); break;
      case 'A': ops_.push_back(SubstepOp::drift(drift)); break;
      default: ops_.push_back(SubstepOp::thermostat(damping, noise, substream(path, i))); break;
    }
  }
  return stepper_.substeps(state, ops_.data(), ops_.size(), defer_);
}

}  // namespace cola::samplers
