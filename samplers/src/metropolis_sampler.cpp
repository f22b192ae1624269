#include <cola/error.hpp>
#include <cola/samplers/metropolis_sampler.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cola::samplers {

namespace {

enum Column : std::size_t {
  kAccepted,
  kAcceptance,
  kProjectionRejected,
  kReverseRejected,
  kMetropolisRejected,
  kStepSize,
  kNumColumns
};

// Accumulators before the adaptation's state.
const std::vector<std::string> kCounterNames = {"metropolis.proposals",
                                                "metropolis.accepted",
                                                "metropolis.projection_rejected",
                                                "metropolis.reverse_rejected",
                                                "metropolis.metropolis_rejected",
                                                "metropolis.acceptance_sum",
                                                "step_size"};

}  // namespace

MetropolisSampler::MetropolisSampler(const ParameterLayout& layout, const Potential& potential,
                                     const ConstraintSet& constraints, const CommonOptions& common,
                                     double step_size, const StepSizeAdaptationOptions& adaptation)
    : Sampler(layout, potential, constraints, common), step_size_(step_size) {
  if (adaptation.enabled) adaptation_.emplace(step_size, adaptation);
}

std::vector<StatSpec> MetropolisSampler::stat_specs() const {
  using K = StatSpec::Kind;
  return {
      {"accepted", K::kInt64, "1 if the step's proposal was accepted"},
      {"acceptance_probability", K::kFloat64,
       "min(1, exp(log ratio)) of the step's proposal (0 when rejected before the test, NaN "
       "when the step made none)"},
      {"projection_rejected", K::kInt64, "1 if a projection of the proposal failed"},
      {"reverse_rejected", K::kInt64,
       "1 if the reverse move failed or did not return to the start"},
      {"metropolis_rejected", K::kInt64,
       "1 if the accept/reject test (or a NaN/Inf energy) rejected the proposal"},
      {"step_size", K::kFloat64, "step size h of the step (adapted during the warm-up)"},
  };
}

void MetropolisSampler::stat_values(const State& state, double* values) const {
  // Only a proposal of this very step counts (a step whose refresh failed
  // made none).
  const bool ours = proposed_ && proposal_step_ + 1 == state.step;
  values[kAccepted] = ours && rejection_ == Rejection::kNone ? 1 : 0;
  values[kAcceptance] = ours ? acceptance_ : std::numeric_limits<double>::quiet_NaN();
  values[kProjectionRejected] = ours && rejection_ == Rejection::kProjection ? 1 : 0;
  values[kReverseRejected] = ours && rejection_ == Rejection::kReverse ? 1 : 0;
  values[kMetropolisRejected] = ours && rejection_ == Rejection::kMetropolis ? 1 : 0;
  values[kStepSize] = ours ? proposal_step_size_ : step_size_;
}

std::vector<std::string> MetropolisSampler::accumulator_names() const {
  std::vector<std::string> names = kCounterNames;
  if (adaptation_)
    for (const auto& n : StepSizeAdaptation::state_names()) names.push_back("adaptation." + n);
  return names;
}

std::vector<double> MetropolisSampler::accumulators() const {
  // Counts below 2^53 are exact in a double.
  const MetropolisStats& m = metropolis_;
  std::vector<double> v = {static_cast<double>(m.proposals),
                           static_cast<double>(m.accepted),
                           static_cast<double>(m.projection_rejected),
                           static_cast<double>(m.reverse_rejected),
                           static_cast<double>(m.metropolis_rejected),
                           m.acceptance_sum,
                           step_size_};
  if (adaptation_) {
    const std::vector<double> a = adaptation_->state();
    v.insert(v.end(), a.begin(), a.end());
  }
  return v;
}

void MetropolisSampler::restore_accumulators(const std::vector<double>& v) {
  const std::size_t n = accumulator_names().size();
  require(v.size() == n, "checkpoint: " + name() + " expects " + std::to_string(n) +
                             " accumulators of its own, got " + std::to_string(v.size()));
  auto count = [](double x) { return static_cast<std::uint64_t>(x); };
  metropolis_.proposals = count(v[0]);
  metropolis_.accepted = count(v[1]);
  metropolis_.projection_rejected = count(v[2]);
  metropolis_.reverse_rejected = count(v[3]);
  metropolis_.metropolis_rejected = count(v[4]);
  metropolis_.acceptance_sum = v[5];
  require(std::isfinite(v[6]) && v[6] > 0, "checkpoint: step_size must be finite and > 0");
  step_size_ = v[6];
  if (adaptation_)
    adaptation_->restore(std::vector<double>(
        v.begin() + static_cast<std::ptrdiff_t>(kCounterNames.size()), v.end()));
  use_step_size(step_size_);
}

void MetropolisSampler::end_warmup_step(const State& state, bool last) {
  if (!adaptation_) return;
  const bool ours = proposed_ && proposal_step_ + 1 == state.step;
  adaptation_->update(ours ? acceptance_ : 0.0);
  step_size_ = last ? adaptation_->averaged_step_size() : adaptation_->step_size();
  use_step_size(step_size_);
}

void MetropolisSampler::begin_proposal(const State& state) {
  proposed_ = true;
  proposal_step_ = state.step;
  proposal_step_size_ = step_size_;
  rejection_ = Rejection::kNone;
  acceptance_ = 0;
}

void MetropolisSampler::set_acceptance(double log_ratio) {
  acceptance_ = std::isnan(log_ratio) ? 0.0 : std::exp(std::min(0.0, log_ratio));
}

void MetropolisSampler::finish_proposal(Rejection rejection) {
  rejection_ = rejection;
  metropolis_.count(rejection);
  metropolis_.acceptance_sum += acceptance_;
}

}  // namespace cola::samplers
