#include <cola/error.hpp>
#include <cola/numeric.hpp>
#include <cola/substeps.hpp>

#include <chrono>
#include <cmath>
#include <sstream>

namespace cola {

template <class F>
auto Stepper::timed(double StepTimes::*bucket, F&& f) {
  if (!profiling_) return f();
  const auto start = std::chrono::steady_clock::now();
  auto result = f();
  times_.*bucket += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

Stepper::Stepper(const ParameterLayout& layout, const Potential& potential,
                 const ConstraintSet& constraints, SolverOptions solver, std::uint64_t seed,
                 std::uint64_t chain)
    : layout_(layout),
      potential_(potential),
      constraints_(constraints),
      solver_(solver),
      seed_(seed),
      chain_(chain),
      inv_mass_(layout.inverse_mass()),
      gradient_(layout.size()),
      noise_(layout.size()) {
  solver_.validate();
  require(constraints.empty() || constraints.bound(),
          "stepper: the constraint set must be bound to the layout first");
}

StepOutcome Stepper::projection_outcome(const ProjectionResult& r, const char* substep) const {
  StepOutcome out;
  out.projection = r;
  if (!r.ok()) {
    out.status = StepStatus::kProjectionFailed;
    out.detail = std::string(substep) + " projection " + r.describe();
  }
  return out;
}

StepOutcome Stepper::ensure_gradient(const State& state) {
  StepOutcome out;
  if (gradient_valid_) return out;
  const std::uint64_t producer = moved_step_ == state.step ? state.step : state.step - 1;
  const PotentialContext ctx{seed_, chain_, producer};
  value_ = timed(&StepTimes::gradient,
                 [&] { return potential_.value_and_gradient(state.q, gradient_, ctx); });
  if (!std::isfinite(value_) || !gradient_.allFinite()) {
    out.status = StepStatus::kNonFinitePotential;
    std::string where;
    for (const auto& b : layout_.blocks())
      if (!gradient_.segment(b.offset, b.size()).allFinite()) {
        where = " in block '" + b.name + "'";
        break;
      }
    // Name the first block with a non-finite gradient also when the value is
    // non-finite (the usual case: NaN in the value and the gradient).
    const char* what = std::isfinite(value_) ? "gradient"
                       : where.empty()       ? "value"
                                             : "value and gradient";
    out.detail = "potential '" + potential_.name() + "' returned a non-finite " + what + where;
    const std::string why = potential_.explain_nonfinite(state.q, ctx);
    if (!why.empty()) out.detail += ": " + why;
    return out;
  }
  gradient_valid_ = true;
  return out;
}

StepOutcome Stepper::kick(State& state, double coefficient) {
  StepOutcome g = ensure_gradient(state);
  if (!g.ok()) return g;
  if (constraints_.empty()) {
    state.p.noalias() -= coefficient * gradient_;
    return {};
  }
  // Free blocks here; each constraint kicks its own blocks and applies
  // RATTLE, in one pass where it has a per-element closed form.
  for (Index b : constraints_.free_blocks())
    layout_.segment(state.p, b) -= coefficient * layout_.segment(gradient_, b);
  return projection_outcome(
      timed(&StepTimes::projection,
            [&] { return constraints_.kick(state.q, state.p, coefficient, gradient_); }),
      "B (RATTLE)");
}

StepOutcome Stepper::drift(State& state, double coefficient) {
  gradient_valid_ = false;
  moved_step_ = state.step;
  auto move_freely = [&](const BlockInfo& k) {
    state.q.segment(k.offset, k.size()) +=
        (coefficient / k.mass) * state.p.segment(k.offset, k.size());
  };
  if (constraints_.empty()) {
    for (const auto& k : layout_.blocks()) move_freely(k);
    return {};
  }
  for (Index b : constraints_.free_blocks()) move_freely(layout_.block(b));
  return projection_outcome(
      timed(&StepTimes::projection,
            [&] { return constraints_.drift(state.q, state.p, coefficient, solver_); }),
      "A (SHAKE/RATTLE)");
}

ProjectionResult Stepper::project_momentum(State& state) {
  return timed(&StepTimes::projection,
               [&] { return constraints_.project_momentum(state.q, state.p); });
}

void Stepper::draw_noise(std::uint64_t step, std::uint64_t substream) {
  timed(&StepTimes::noise, [&] {
    for (Index b = 0; b < layout_.num_blocks(); ++b) {
      RngStream rng(StreamKey{seed_, chain_, step, static_cast<std::uint64_t>(b), substream});
      rng.fill_normal(layout_.segment(noise_, b));
    }
    return 0;
  });
}

StepOutcome Stepper::ornstein_uhlenbeck(State& state, double damping, double noise_scale,
                                        std::uint64_t substream) {
  if (noise_scale == 0.0) {
    // Every substep leaves p in the cotangent space, and a multiple of a
    // cotangent vector is one: no RATTLE needed (tau = 0, the optimisers).
    state.p *= damping;
    return {};
  } else {
    draw_noise(state.step, substream);
    for (const auto& k : layout_.blocks())
      state.p.segment(k.offset, k.size()) =
          damping * state.p.segment(k.offset, k.size()) +
          (noise_scale * std::sqrt(k.mass)) * noise_.segment(k.offset, k.size());
  }
  if (constraints_.empty()) return {};
  return projection_outcome(project_momentum(state), "O (RATTLE)");
}

StepOutcome Stepper::overdamped_move(State& state, double step_size, double temperature,
                                     std::uint64_t substream, bool tangent_start) {
  StepOutcome g = ensure_gradient(state);
  if (!g.ok()) return g;
  if (!constraints_.empty()) q_old_ = state.q;
  state.q.noalias() -= step_size * inv_mass_.cwiseProduct(gradient_);
  if (temperature > 0) {
    draw_noise(state.step, substream);
    const double scale = std::sqrt(2 * temperature * step_size);
    state.q.noalias() += scale * inv_mass_.cwiseSqrt().cwiseProduct(noise_);
  }
  gradient_valid_ = false;
  moved_step_ = state.step;
  if (constraints_.empty()) return {};
  if (tangent_start) {
    // q~ <- q_old + P(q~ - q_old): the normal part of the move only shifts
    // where Newton starts on the line of solutions, and with several roots
    // it would pick among them at random; from the tangent point the root
    // is a function of the tangent step alone.
    noise_ = (state.q - q_old_).cwiseQuotient(inv_mass_);
    const ProjectionResult r = timed(&StepTimes::projection,
                                     [&] { return constraints_.project_momentum(q_old_, noise_); });
    if (!r.ok()) return projection_outcome(r, "SHAKE (tangent start)");
    state.q = q_old_ + inv_mass_.cwiseProduct(noise_);
  }
  return projection_outcome(
      timed(&StepTimes::projection,
            [&] { return constraints_.project_position(q_old_, state.q, solver_); }),
      "SHAKE");
}

StepOutcome Stepper::sample_momentum(State& state, double temperature, std::uint64_t substream) {
  state.p.setZero(layout_.size());
  if (temperature > 0) {
    draw_noise(state.step, substream);
    for (const auto& k : layout_.blocks())
      state.p.segment(k.offset, k.size()) =
          std::sqrt(temperature * k.mass) * noise_.segment(k.offset, k.size());
  }
  if (constraints_.empty()) return {};
  return projection_outcome(project_momentum(state), "initial momentum (RATTLE)");
}

}  // namespace cola
