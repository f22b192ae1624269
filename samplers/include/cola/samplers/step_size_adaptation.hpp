#pragma once
// Step-size adaptation by dual averaging (Nesterov 2009, as adapted to MCMC
// by Hoffman and Gelman 2014, section 3.2.1 and Algorithm 5), for the warm-up
// of the exact samplers: after step m (1-based) with acceptance probability
// alpha_m,
//   Hbar_m     = (1 - 1/(m + t0)) Hbar_{m-1} + (delta - alpha_m) / (m + t0)
//   log h_m+1  = mu - sqrt(m) / gamma * Hbar_m,           mu = log(10 h_0)
//   log hbar_m = m^-kappa log h_m+1 + (1 - m^-kappa) log hbar_{m-1}
// The iterates h_m drive the warm-up (they move fast and noisily towards the
// step size whose mean acceptance is delta); their weighted average hbar_m
// converges more smoothly and is the step size frozen after the warm-up.
// The average acceptance then approaches delta (exactly so only as the
// warm-up grows: the frozen hbar is not the last iterate).
//
// Its whole state is a few doubles (state() / restore()), so that a chain
// checkpointed during the warm-up continues the adaptation bit for bit.
// Not thread-safe (one per chain); allocates nothing after construction.
#include <cstdint>
#include <string>
#include <vector>

namespace cola::samplers {

struct StepSizeAdaptationOptions {
  bool enabled = false;
  double target_acceptance = 0.8;  // delta, in (0, 1)
  double shrinkage = 0.05;         // gamma > 0
  double iteration_offset = 10;    // t0 >= 0: damps the first iterations
  double decay = 0.75;             // kappa in (0.5, 1]: weight of the newest iterate
  // Throws ConfigError naming the field.
  void validate() const;
};

class StepSizeAdaptation {
 public:
  // Throws ConfigError for h_0 not finite and > 0 or invalid options.
  StepSizeAdaptation(double initial_step_size, const StepSizeAdaptationOptions& options);

  // Takes the acceptance probability of the step made with step_size()
  // (NaN, e.g. no proposal, counts as 0) and moves to the next iterate.
  void update(double acceptance);
  // h_m+1: the step size of the next warm-up step.
  double step_size() const;
  // hbar_m: the step size to freeze after the warm-up (h_0 before any update).
  double averaged_step_size() const;
  std::uint64_t iterations() const { return iterations_; }
  const StepSizeAdaptationOptions& options() const { return options_; }

  // The state as doubles (every value exact) and back, for checkpoints.
  static const std::vector<std::string>& state_names();
  std::vector<double> state() const;
  // Throws ConfigError for the wrong count or an inconsistent state.
  void restore(const std::vector<double>& values);

 private:
  StepSizeAdaptationOptions options_;
  double mu_ = 0;
  std::uint64_t iterations_ = 0;
  double error_average_ = 0;  // Hbar
  double log_step_ = 0;       // log h
  double log_average_ = 0;    // log hbar
};

}  // namespace cola::samplers
