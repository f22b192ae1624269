#pragma once
// What the exact samplers (hamiltonian.hpp: HMC and GHMC; mala.hpp: MALA)
// show the run driver, shared so that both record the same way:
//   - per-step statistics of the accept/reject step: accepted, acceptance
//     probability, the cause of a rejection (projection failed, reverse
//     check failed, Metropolis test), the step size;
//   - their running counters (MetropolisStats) and the step size, with the
//     adaptation's state, as checkpoint accumulators, so that a resumed chain
//     continues its counters and its step size bit for bit;
//   - the step size: fixed, or adapted during the warm-up by dual averaging
//     (step_size_adaptation.hpp) and frozen at the averaged value after it.
// A concrete sampler calls begin_proposal() / set_acceptance() /
// finish_proposal() around each proposal and applies use_step_size().
// One per chain; not thread-safe.
#include <cola/samplers/metropolis.hpp>
#include <cola/samplers/sampler.hpp>
#include <cola/samplers/step_size_adaptation.hpp>

#include <optional>

namespace cola::samplers {

class MetropolisSampler : public Sampler {
 public:
  const MetropolisStats& metropolis_stats() const { return metropolis_; }
  // The step size of the next step (the adapted one during the warm-up).
  double step_size() const { return step_size_; }
  // The adaptation, if enabled.
  const StepSizeAdaptation* adaptation() const { return adaptation_ ? &*adaptation_ : nullptr; }

  std::vector<StatSpec> stat_specs() const override;
  void stat_values(const State& state, double* values) const override;
  std::vector<std::string> accumulator_names() const override;
  std::vector<double> accumulators() const override;
  void restore_accumulators(const std::vector<double>& values) override;
  void end_warmup_step(const State& state, bool last) override;

 protected:
  MetropolisSampler(const ParameterLayout& layout, const Potential& potential,
                    const ConstraintSet& constraints, const CommonOptions& common, double step_size,
                    const StepSizeAdaptationOptions& adaptation);

  // A proposal for step state.step starts (its acceptance probability is 0
  // until set_acceptance()).
  void begin_proposal(const State& state);
  // min(1, exp(log_ratio)) of the accept/reject test (0 for NaN).
  void set_acceptance(double log_ratio);
  // Counts the proposal's outcome.
  void finish_proposal(Rejection rejection);
  // The concrete sampler takes step size h from its next step on.
  virtual void use_step_size(double h) = 0;

 private:
  MetropolisStats metropolis_;
  std::optional<StepSizeAdaptation> adaptation_;
  double step_size_;
  // The newest proposal: its step (state.step when it started), outcome and
  // acceptance probability.
  std::uint64_t proposal_step_ = 0;
  bool proposed_ = false;
  Rejection rejection_ = Rejection::kNone;
  double acceptance_ = 0;
  double proposal_step_size_ = 0;
};

}  // namespace cola::samplers
