// Deferred last kicks (Sampler::step(state, true), Stepper::substeps'
// defer_tail): BAOAB's final B is applied in the next step's first sweep.
// The chain must be the same bits as with every step completed, also when
// steps fail and the failure policy restores a state whose kicks are still
// pending; the counters must agree; constraints whose kick may fail (a user
// functor) are never deferred.
//
// The problem: a circle (closed-form kick and rotation drift, never fails), a
// unit sphere (closed-form RATTLE; its SHAKE fails at this step size: with
// tau = 1 and h = 0.8 a drift has no root when the tangential speed exceeds
// 1/h, about half of the first attempts) and a free block, under a quadratic
// potential whose gradient is NaN at every seventh step's evaluation.
#include "samplers/sampler_test_support.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/functor_constraint.hpp>
#include <cola/samplers/underdamped.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <memory>
#include <optional>
#include <string>

namespace {

using namespace cola;
using namespace cola::samplers;
using sampler_test::same_bits;

class Quadratic final : public Potential {
 public:
  explicit Quadratic(bool nan_sometimes) : nan_sometimes_(nan_sometimes) {}
  double value_and_gradient(const Vector& q, Vector& grad,
                            const PotentialContext& ctx) const override {
    grad = 0.7 * q + Vector::Constant(q.size(), 0.2);
    if (nan_sometimes_ && ctx.step % 7 == 3) grad[0] = std::numeric_limits<double>::quiet_NaN();
    return 0.35 * q.squaredNorm() + 0.2 * q.sum();
  }
  bool stochastic() const override { return nan_sometimes_; }
  std::string name() const override { return "quadratic"; }

 private:
  bool nan_sometimes_;
};

struct Problem {
  ParameterLayout layout;
  ConstraintSet constraints;
  Quadratic potential;
  State start;
  explicit Problem(bool nan_sometimes, bool functor = false) : potential(nan_sometimes) {
    layout.add_block("theta", 2500, 1, 1.5);  // three sweep tiles, the last partial
    layout.add_block("x", 3);
    layout.add_block("free", 3000, 1, 2.0);
    constraints.add(std::make_shared<CircleConstraint>("theta", 0.5));
    if (functor)
      constraints.add(make_constraint("sphere", {"x"}, test::Ellipsoid{Vector::Ones(3)}));
    else
      constraints.add(std::make_shared<FixedNormConstraint>("x", 1.0));
    constraints.bind(layout);
    start.q = sampler_test::start_on_manifold(layout, constraints, 5);
  }
  std::unique_ptr<Underdamped> sampler(FailurePolicy policy, double h = 0.8) const {
    UnderdampedOptions o = UnderdampedOptions::physical(h, 1.0, 1.0);
    o.common.failure_policy = policy;
    o.common.max_halvings = 8;
    o.common.seed = 77;
    return std::make_unique<Underdamped>(layout, potential, constraints, o);
  }
};

struct Run {
  State state;
  SamplerStats stats;
  std::optional<std::string> error;
};

// `steps` steps, deferred (run() without an observer) or each completed.
Run run(const Problem& pr, FailurePolicy policy, int steps, bool deferred) {
  auto s = pr.sampler(policy);
  Run r{pr.start, {}, {}};
  try {
    if (deferred)
      s->run(r.state, static_cast<std::uint64_t>(steps));
    else
      for (int k = 0; k < steps; ++k) s->step(r.state);
  } catch (const NumericalError& e) {
    r.error = e.what();
  }
  r.stats = s->stats();
  return r;
}

void check_same(const Run& a, const Run& b) {
  CHECK(a.state.step == b.state.step);
  CHECK(same_bits(a.state.q, b.state.q));
  CHECK(same_bits(a.state.p, b.state.p));
  CHECK(a.stats.steps == b.stats.steps);
  CHECK(a.stats.rejected == b.stats.rejected);
  CHECK(a.stats.halved_steps == b.stats.halved_steps);
  CHECK(a.stats.nonfinite == b.stats.nonfinite);
  CHECK(a.stats.projection_failures == b.stats.projection_failures);
  CHECK(a.stats.max_residual == b.stats.max_residual);
  CHECK(a.stats.max_iterations == b.stats.max_iterations);
  CHECK(a.error == b.error);
}

}  // namespace

TEST_CASE("deferred kicks: one BAOAB step leaves its last kick pending, complete() applies it",
          "[samplers][deferred]") {
  const Problem pr(false);
  auto deferred = pr.sampler(FailurePolicy::kError, 0.1);
  auto plain = pr.sampler(FailurePolicy::kError, 0.1);
  State a = pr.start, b = pr.start;
  for (int k = 0; k < 3; ++k) {
    REQUIRE(deferred->step(a, true).ok());
    REQUIRE(plain->step(b).ok());
    REQUIRE(deferred->stepper().pending().size() == 1);
    CHECK(deferred->stepper().pending()[0].kind == SubstepOp::Kind::kKick);
    CHECK(same_bits(a.q, b.q));
    CHECK_FALSE(same_bits(a.p, b.p));  // the final B is not applied yet
  }
  deferred->complete(a);
  CHECK(deferred->stepper().pending().empty());
  CHECK(same_bits(a.q, b.q));
  CHECK(same_bits(a.p, b.p));
  deferred->complete(a);  // nothing pending: no change
  CHECK(same_bits(a.p, b.p));
}

TEST_CASE("deferred kicks: a deferred run is the completed run bit for bit, under every policy",
          "[samplers][deferred]") {
  // Halving retries a step with the same minibatch, so a NaN keyed by the
  // step would exhaust it: that policy runs on SHAKE failures alone.
  for (FailurePolicy policy : {FailurePolicy::kReject, FailurePolicy::kHalve}) {
    INFO("policy " << to_string(policy));
    const Problem pr(policy == FailurePolicy::kReject);
    const Run a = run(pr, policy, 400, true), b = run(pr, policy, 400, false);
    check_same(a, b);
    CHECK_FALSE(a.error.has_value());
    // The run exercised the restore paths: SHAKE failures (about 4 % of the
    // drifts) and, for reject, NaN gradients.
    CHECK(a.stats.projection_failures[static_cast<std::size_t>(ProjectionStatus::kNoRoot)] > 10);
    if (policy == FailurePolicy::kReject) CHECK(a.stats.nonfinite > 20);
    if (policy == FailurePolicy::kHalve) CHECK(a.stats.halved_steps > 10);
  }
}

TEST_CASE("deferred kicks: policy error stops at the same step with the same message and state",
          "[samplers][deferred][errors]") {
  const Problem pr(true);
  const Run a = run(pr, FailurePolicy::kError, 400, true),
            b = run(pr, FailurePolicy::kError, 400, false);
  REQUIRE(a.error.has_value());
  CHECK(a.state.step < 400);
  // The state left behind is the last good step's, completed.
  check_same(a, b);
}

TEST_CASE("deferred kicks: a constraint whose kick may fail (user functor) is never deferred",
          "[samplers][deferred]") {
  const Problem pr(false, true);
  auto s = pr.sampler(FailurePolicy::kReject, 0.1);
  State a = pr.start;
  REQUIRE(s->step(a, true).ok());
  CHECK(s->stepper().pending().empty());
  const Run deferred = run(pr, FailurePolicy::kReject, 50, true);
  const Run plain = run(pr, FailurePolicy::kReject, 50, false);
  check_same(deferred, plain);
}
