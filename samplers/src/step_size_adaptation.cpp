#include <cola/error.hpp>
#include <cola/samplers/step_size_adaptation.hpp>

#include <algorithm>
#include <cmath>

namespace cola::samplers {

void StepSizeAdaptationOptions::validate() const {
  require(target_acceptance > 0 && target_acceptance < 1, "target_acceptance must be in (0, 1)");
  require(std::isfinite(shrinkage) && shrinkage > 0, "adaptation shrinkage must be finite and > 0");
  require(std::isfinite(iteration_offset) && iteration_offset >= 0,
          "adaptation iteration_offset must be finite and >= 0");
  require(decay > 0.5 && decay <= 1, "adaptation decay must be in (0.5, 1]");
}

StepSizeAdaptation::StepSizeAdaptation(double initial_step_size,
                                       const StepSizeAdaptationOptions& options)
    : options_(options) {
  require(std::isfinite(initial_step_size) && initial_step_size > 0,
          "step_size must be finite and > 0");
  options_.validate();
  // Hoffman and Gelman's mu = log(10 h_0): the iterates are pulled towards
  // a step larger than h_0, which explores larger steps early.
  mu_ = std::log(10 * initial_step_size);
  log_step_ = std::log(initial_step_size);
  log_average_ = log_step_;
}

void StepSizeAdaptation::update(double acceptance) {
  const double alpha = std::isnan(acceptance) ? 0.0 : std::min(1.0, std::max(0.0, acceptance));
  ++iterations_;
  const double m = static_cast<double>(iterations_);
  const double w = 1.0 / (m + options_.iteration_offset);
  error_average_ = (1 - w) * error_average_ + w * (options_.target_acceptance - alpha);
  log_step_ = mu_ - std::sqrt(m) / options_.shrinkage * error_average_;
  const double eta = std::pow(m, -options_.decay);
  log_average_ = eta * log_step_ + (1 - eta) * log_average_;
}

double StepSizeAdaptation::step_size() const {
  return std::exp(log_step_);
}

double StepSizeAdaptation::averaged_step_size() const {
  return std::exp(log_average_);
}

const std::vector<std::string>& StepSizeAdaptation::state_names() {
  static const std::vector<std::string> names = {"iterations", "error_average", "log_step_size",
                                                 "log_averaged_step_size"};
  return names;
}

std::vector<double> StepSizeAdaptation::state() const {
  return {static_cast<double>(iterations_), error_average_, log_step_, log_average_};
}

void StepSizeAdaptation::restore(const std::vector<double>& v) {
  require(v.size() == state_names().size(), "step-size adaptation: expected " +
                                                std::to_string(state_names().size()) +
                                                " state values, got " + std::to_string(v.size()));
  require(v[0] >= 0 && v[0] == std::floor(v[0]) && std::isfinite(v[1]) && std::isfinite(v[2]) &&
              std::isfinite(v[3]),
          "step-size adaptation: the saved state is not finite or its iteration count is not "
          "a count");
  iterations_ = static_cast<std::uint64_t>(v[0]);
  error_average_ = v[1];
  log_step_ = v[2];
  log_average_ = v[3];
}

}  // namespace cola::samplers
