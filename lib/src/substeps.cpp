#include <cola/error.hpp>
#include <cola/numeric.hpp>
#include <cola/substeps.hpp>

#include <algorithm>
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
  if (constraints.empty())
    for (Index b = 0; b < layout.num_blocks(); ++b) unconstrained_blocks_.push_back(b);
  else
    unconstrained_blocks_ = constraints.free_blocks();
  op_results_.reserve(kMaxSweepOps);
  for (const auto& c : constraints.constraints()) kicks_cannot_fail_ &= c->has_closed_form();
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

namespace {

const char* substep_label(SubstepOp::Kind kind) {
  switch (kind) {
    case SubstepOp::Kind::kKick: return "B (RATTLE)";
    case SubstepOp::Kind::kDrift: return "A (SHAKE/RATTLE)";
    case SubstepOp::Kind::kThermostat: break;
  }
  return "O (RATTLE)";
}

// Entries per tile of an unconstrained block: q, p, gradient and noise of a
// tile (64 KB) stay in the L2 cache while every op of the sweep passes.
constexpr Index kFreeTile = 2048;

}  // namespace

StepOutcome Stepper::substeps(State& state, const SubstepOp* ops, std::size_t n, bool defer_tail) {
  applied_pending_result_ = ProjectionResult{};
  const std::size_t carried = pending_.size();
  if (carried > 0) {
    merged_ops_.assign(pending_.begin(), pending_.end());
    merged_ops_.insert(merged_ops_.end(), ops, ops + n);
    pending_.clear();
    ops = merged_ops_.data();
    n = merged_ops_.size();
  }
  // The kicks after the last drift are deferred only when they cannot fail
  // (closed-form RATTLE, and the gradient is checked below): a failure found
  // in the next step would otherwise be charged to the wrong step.
  std::size_t tail = n;
  if (defer_tail && kicks_cannot_fail_) {
    while (tail > carried && ops[tail - 1].kind == SubstepOp::Kind::kKick) --tail;
    if (tail == n || tail == carried || ops[tail - 1].kind != SubstepOp::Kind::kDrift) tail = n;
  }
  StepOutcome total;
  std::size_t begin = 0;
  while (begin < tail) {
    // The sweep ends before a kick that follows a drift (it needs the
    // gradient at the new q), before a second noisy thermostat (one noise
    // vector) and at kMaxSweepOps.
    std::size_t end = begin;
    bool drifted = false, noisy = false;
    for (; end < tail && end - begin < kMaxSweepOps; ++end) {
      const SubstepOp& op = ops[end];
      if ((op.kind == SubstepOp::Kind::kKick && drifted) || (op.noisy() && noisy)) break;
      drifted |= op.kind == SubstepOp::Kind::kDrift;
      noisy |= op.noisy();
    }
    const std::size_t carried_here = std::min(carried, end) - std::min(carried, begin);
    const StepOutcome out = sweep(state, ops + begin, end - begin, carried_here);
    if (!out.ok()) return out;
    total.projection.merge(out.projection);
    begin = end;
  }
  if (tail < n) {
    const StepOutcome g = ensure_gradient(state);
    if (!g.ok()) return g;
    pending_.assign(ops + tail, ops + n);
  }
  return total;
}

StepOutcome Stepper::complete(State& state) {
  if (pending_.empty()) return {};
  merged_ops_.assign(pending_.begin(), pending_.end());
  pending_.clear();
  return sweep(state, merged_ops_.data(), merged_ops_.size());
}

StepOutcome Stepper::sweep(State& state, const SubstepOp* ops, std::size_t n, std::size_t carried) {
  bool kicks = false, drifts = false;
  const SubstepOp* noisy = nullptr;
  for (std::size_t k = 0; k < n; ++k) {
    kicks |= ops[k].kind == SubstepOp::Kind::kKick;
    drifts |= ops[k].kind == SubstepOp::Kind::kDrift;
    if (ops[k].noisy()) noisy = ops + k;
  }
  if (kicks) {
    StepOutcome g = ensure_gradient(state);
    if (!g.ok()) return g;
  }
  if (noisy != nullptr) draw_noise(state.step, noisy->substream);
  if (drifts) {
    gradient_valid_ = false;
    moved_step_ = state.step;
  }
  for (Index b : unconstrained_blocks_) {
    const BlockInfo& k = layout_.block(b);
    double* q = state.q.data() + k.offset;
    double* p = state.p.data() + k.offset;
    const double* g = gradient_.data() + k.offset;
    const double* xi = noise_.data() + k.offset;
    const double sqrt_mass = std::sqrt(k.mass);
    for (Index i0 = 0; i0 < k.size(); i0 += kFreeTile) {
      const Index m = std::min(kFreeTile, k.size() - i0);
      for (std::size_t j = 0; j < n; ++j) {
        const SubstepOp& op = ops[j];
        switch (op.kind) {
          case SubstepOp::Kind::kKick: kick_entries(p + i0, g + i0, m, op.coefficient); break;
          case SubstepOp::Kind::kDrift:
            drift_entries(q + i0, p + i0, m, op.coefficient / k.mass);
            break;
          case SubstepOp::Kind::kThermostat:
            thermostat_entries(p + i0, xi + i0, m, op.coefficient, op.noise_scale * sqrt_mass,
                               op.noisy());
            break;
        }
      }
    }
  }
  if (constraints_.empty()) return {};
  op_results_.resize(n);
  timed(&StepTimes::projection, [&] {
    constraints_.substeps(state.q, state.p, gradient_, noise_, ops, n, solver_, op_results_.data(),
                          component_results_);
    return 0;
  });
  StepOutcome total;
  for (std::size_t k = 0; k < n; ++k) {
    if (!op_results_[k].ok()) return projection_outcome(op_results_[k], substep_label(ops[k].kind));
    (k < carried ? applied_pending_result_ : total.projection).merge(op_results_[k]);
  }
  return total;
}

StepOutcome Stepper::kick(State& state, double coefficient) {
  const SubstepOp op = SubstepOp::kick(coefficient);
  return substeps(state, &op, 1);
}

StepOutcome Stepper::drift(State& state, double coefficient) {
  const SubstepOp op = SubstepOp::drift(coefficient);
  return substeps(state, &op, 1);
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
  const SubstepOp op = SubstepOp::thermostat(damping, noise_scale, substream);
  return substeps(state, &op, 1);
}

StepOutcome Stepper::overdamped_move(State& state, double step_size, double temperature,
                                     std::uint64_t substream, bool tangent_start) {
  const StepOutcome pending = complete(state);
  if (!pending.ok()) return pending;
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
  pending_.clear();  // they would only change the p replaced here
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
