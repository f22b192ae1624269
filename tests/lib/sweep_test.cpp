// Sweeps (Stepper::substeps, Constraint::substeps): a run of substeps applied
// tile by tile must give the same bits as the same substeps applied as whole
// arrays one after the other (the reference below), on free blocks larger than a tile, a circle
// constraint whose pair count is not a multiple of its tile, and a sphere (the default, whole-block
// path), with and without thermostat noise; failures report the same substep, status and detail;
// long runs are split.
#include "lib_test_support.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/constraint_set.hpp>
#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/potential.hpp>
#include <cola/rng.hpp>
#include <cola/substeps.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace {

using namespace cola;

// V = sum_i w_i q_i^2 / 2 + c_i q_i: a gradient in every entry (slacks too).
// With `poison` >= 0 the gradient of that entry is NaN.
class Quadratic final : public Potential {
 public:
  Quadratic(Vector w, Vector c) : w_(std::move(w)), c_(std::move(c)) {}
  double value_and_gradient(const Vector& q, Vector& grad,
                            const PotentialContext& /*ctx*/) const override {
    grad = w_.cwiseProduct(q) + c_;
    if (poison >= 0) grad[poison] = std::numeric_limits<double>::quiet_NaN();
    return 0.5 * q.dot(w_.cwiseProduct(q)) + c_.dot(q);
  }
  std::string name() const override { return "quadratic"; }
  Index poison = -1;

 private:
  Vector w_, c_;
};

struct Problem {
  ParameterLayout layout;
  ConstraintSet constraints;
  std::unique_ptr<Quadratic> potential;
  State start;

  explicit Problem(CircleDrift drift = CircleDrift::kRotation, double speed = 0.2) {
    layout.add_block("theta", 3001, 1, 1.5);  // 3 tiles of 1024 pairs, the last partial
    layout.add_block("x", 5);
    layout.add_block("free", 5000, 1, 2.0);  // 3 tiles of 2048 entries
    layout.add_block("bias", 7, 1, 0.5);
    constraints.add(std::make_shared<CircleConstraint>("theta", 0.5, drift));
    constraints.add(std::make_shared<FixedNormConstraint>("x", 1.0));
    constraints.bind(layout);
    const Index n = layout.size();
    potential =
        std::make_unique<Quadratic>(test::random_vector(n, 1).cwiseAbs() + Vector::Constant(n, 0.1),
                                    0.3 * test::random_vector(n, 2));
    start.q = 0.3 * test::random_vector(n, 3);
    REQUIRE(constraints.retract(start.q, SolverOptions{}).ok());
    start.p = speed * test::random_vector(n, 4);
    REQUIRE(constraints.project_momentum(start.q, start.p).ok());
    start.step = 11;
  }
};

bool same_bits(const Vector& a, const Vector& b) {
  return a.size() == b.size() && (a.array() == b.array()).all();
}

// The oracle: the substeps as the Stepper applied them before sweeps, one
// whole-array pass each, written with Eigen expressions and the constraint
// set's own kick, drift and RATTLE (not through Constraint::substeps).
struct Reference {
  const Problem& pr;
  Vector grad;
  StepOutcome run(State& state, const std::vector<SubstepOp>& ops) {
    const ParameterLayout& layout = pr.layout;
    const ConstraintSet& cs = pr.constraints;
    StepOutcome total;
    bool fresh = false;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const SubstepOp& op = ops[i];
      ProjectionResult r;
      if (op.kind == SubstepOp::Kind::kKick) {
        if (!fresh) pr.potential->value_and_gradient(state.q, grad, {});
        fresh = true;
        for (Index b : cs.free_blocks())
          layout.segment(state.p, b) -= op.coefficient * layout.segment(grad, b);
        r = cs.kick(state.q, state.p, op.coefficient, grad);
      } else if (op.kind == SubstepOp::Kind::kDrift) {
        fresh = false;
        for (Index b : cs.free_blocks())
          layout.segment(state.q, b) +=
              (op.coefficient / layout.block(b).mass) * layout.segment(state.p, b);
        r = cs.drift(state.q, state.p, op.coefficient, {});
      } else if (op.noisy()) {
        for (Index b = 0; b < layout.num_blocks(); ++b) {
          Vector xi(layout.block(b).size());
          RngStream rng(StreamKey{5, 0, state.step, static_cast<std::uint64_t>(b), op.substream});
          rng.fill_normal(xi);
          layout.segment(state.p, b) = op.coefficient * layout.segment(state.p, b) +
                                       (op.noise_scale * std::sqrt(layout.block(b).mass)) * xi;
        }
        r = cs.project_momentum(state.q, state.p);
      } else {
        state.p *= op.coefficient;
      }
      if (!r.ok()) {
        StepOutcome out;
        out.status = StepStatus::kProjectionFailed;
        out.projection = r;
        return out;
      }
      total.projection.merge(r);
    }
    return total;
  }
};

// Runs `steps` steps of `ops` both ways from the problem's start and checks
// that every step gives the same bits and the same outcome.
void check_same_bits(Problem& pr, const std::vector<SubstepOp>& ops, int steps) {
  Stepper fused(pr.layout, *pr.potential, pr.constraints, {}, 5, 0);
  Reference reference{pr, Vector(pr.layout.size())};
  State a = pr.start, b = pr.start;
  for (int i = 0; i < steps; ++i) {
    const StepOutcome oa = fused.substeps(a, ops.data(), ops.size());
    const StepOutcome ob = reference.run(b, ops);
    REQUIRE(oa.ok());
    REQUIRE(ob.ok());
    CHECK(oa.projection.residual == ob.projection.residual);
    CHECK(oa.projection.iterations == ob.projection.iterations);
    REQUIRE(same_bits(a.q, b.q));
    REQUIRE(same_bits(a.p, b.p));
    ++a.step;
    ++b.step;
  }
  // The state moved, and stayed on the manifold.
  CHECK_FALSE(same_bits(a.q, pr.start.q));
  CHECK(pr.constraints.residual(a.q) < 1e-12);
}

}  // namespace

TEST_CASE("sweep: BAOAB with noise gives the bits of one call per substep") {
  Problem pr;
  check_same_bits(
      pr,
      {SubstepOp::kick(0.05), SubstepOp::drift(0.05), SubstepOp::thermostat(0.9, 0.3, 7),
       SubstepOp::drift(0.05), SubstepOp::kick(0.05)},
      6);
}

TEST_CASE("sweep: BAOAB without noise (tau = 0) and OBA gives the bits of one call per substep") {
  Problem pr;
  check_same_bits(pr,
                  {SubstepOp::kick(0.1), SubstepOp::drift(0.1), SubstepOp::thermostat(0.74, 0, 0),
                   SubstepOp::drift(0.1), SubstepOp::kick(0.1)},
                  6);
  check_same_bits(
      pr, {SubstepOp::thermostat(0.9, 0, 0), SubstepOp::kick(1.0), SubstepOp::drift(0.01)}, 6);
}

TEST_CASE("sweep: OBABO (two noisy thermostats) and 20 drift substeps are split into sweeps") {
  Problem pr;
  check_same_bits(
      pr,
      {SubstepOp::thermostat(0.95, 0.2, 1), SubstepOp::kick(0.05), SubstepOp::drift(0.1),
       SubstepOp::kick(0.05), SubstepOp::thermostat(0.95, 0.2, 5)},
      4);
  std::vector<SubstepOp> g_baoab{SubstepOp::kick(0.05)};
  for (int i = 0; i < 10; ++i) g_baoab.push_back(SubstepOp::drift(0.005));
  g_baoab.push_back(SubstepOp::thermostat(0.9, 0.3, 3));
  for (int i = 0; i < 10; ++i) g_baoab.push_back(SubstepOp::drift(0.005));
  g_baoab.push_back(SubstepOp::kick(0.05));
  REQUIRE(g_baoab.size() > kMaxSweepOps);
  check_same_bits(pr, g_baoab, 3);
}

TEST_CASE("sweep: a failed drift is reported as the same substep and status as one by one") {
  // SHAKE drift with speeds far beyond r / h: pairs without a real root.
  Problem pr(CircleDrift::kShake, 40.0);
  const std::vector<SubstepOp> ops{SubstepOp::kick(0.1), SubstepOp::drift(0.1),
                                   SubstepOp::thermostat(0.9, 0.3, 7), SubstepOp::drift(0.1),
                                   SubstepOp::kick(0.1)};
  Stepper fused(pr.layout, *pr.potential, pr.constraints, {}, 5, 0);
  Reference reference{pr, Vector(pr.layout.size())};
  State a = pr.start, b = pr.start;
  const StepOutcome oa = fused.substeps(a, ops.data(), ops.size());
  const StepOutcome ob = reference.run(b, ops);
  REQUIRE_FALSE(oa.ok());
  CHECK(oa.status == StepStatus::kProjectionFailed);
  CHECK(oa.projection.status == ProjectionStatus::kNoRoot);
  CHECK(oa.status == ob.status);
  CHECK(oa.projection.status == ob.projection.status);
  CHECK(oa.projection.residual == ob.projection.residual);
  CHECK(oa.projection.source == ob.projection.source);
  CHECK(oa.detail.rfind("A (SHAKE/RATTLE) projection", 0) == 0);
}

TEST_CASE("sweep: a non-finite gradient stops the sweep before any substep, naming the block") {
  Problem pr;
  pr.potential->poison = pr.layout.block(pr.layout.index_of("free")).offset + 4321;
  const std::vector<SubstepOp> ops{SubstepOp::thermostat(0.9, 0, 0), SubstepOp::kick(0.1),
                                   SubstepOp::drift(0.1)};
  Stepper fused(pr.layout, *pr.potential, pr.constraints, {}, 5, 0);
  State a = pr.start;
  const StepOutcome out = fused.substeps(a, ops.data(), ops.size());
  REQUIRE(out.status == StepStatus::kNonFinitePotential);
  CHECK(out.detail == "potential 'quadratic' returned a non-finite gradient in block 'free'");
  // Nothing moved: the thermostat is part of the sweep that needed the gradient.
  CHECK(same_bits(a.q, pr.start.q));
  CHECK(same_bits(a.p, pr.start.p));
}

TEST_CASE("sweep: a constraint refuses more substeps than one sweep takes") {
  Problem pr;
  const std::vector<SubstepOp> ops(kMaxSweepOps + 1, SubstepOp::thermostat(0.9, 0, 0));
  std::vector<ProjectionResult> results(ops.size());
  State a = pr.start;
  const Vector grad = Vector::Zero(pr.layout.size());
  CHECK_THROWS_WITH(pr.constraints.constraints().front()->substeps(a.q, a.p, grad, grad, ops.data(),
                                                                   ops.size(), {}, results.data()),
                    Catch::Contains("at most 16 substeps"));
  // Through the stepper the run is split instead.
  Stepper s(pr.layout, *pr.potential, pr.constraints, {}, 5, 0);
  CHECK(s.substeps(a, ops.data(), ops.size()).ok());
  const double damping = std::pow(0.9, static_cast<double>(ops.size()));
  CHECK(test::max_abs_diff(a.p, damping * pr.start.p) < 1e-12);
}
