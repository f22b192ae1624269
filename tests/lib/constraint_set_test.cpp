// ConstraintSet: disjoint constraints form independent components (projected
// exactly as each alone would be), constraints that share a block are stacked
// into one generic solve (transitively), free blocks are left alone; merged
// results name the failing constraint; configuration and state errors.
#include "lib_test_support.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/constraint_set.hpp>
#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/functor_constraint.hpp>
#include <cola/linear_constraint.hpp>
#include <cola/models/harmonic_oscillator.hpp>
#include <cola/orthogonality_constraint.hpp>
#include <cola/samplers/overdamped.hpp>
#include <cola/samplers/underdamped.hpp>
#include <cola/stacked_constraint.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using Catch::Matchers::Contains;
using cola::CircleConstraint;
using cola::ConfigError;
using cola::ConstraintSet;
using cola::FixedNormConstraint;
using cola::Index;
using cola::LinearConstraint;
using cola::Matrix;
using cola::OrthogonalityConstraint;
using cola::ParameterLayout;
using cola::ProjectionStatus;
using cola::StackedConstraint;
using cola::Vector;
using cola::test::max_abs_diff;
using cola::test::random_matrix;
using cola::test::random_vector;

namespace {

// Four disjoint constraints and one free block:
//   "a" (6): |a| = 1;  "w" (4 x 2): orthonormal columns;  "t" (3): circles r = 0.5
//   (+ "t.slack");  "d" (4): linear, 2 equations;  "free" (3).
struct Disjoint {
  ParameterLayout layout;
  ConstraintSet set;
  std::shared_ptr<FixedNormConstraint> norm = std::make_shared<FixedNormConstraint>("a", 1.0);
  std::shared_ptr<OrthogonalityConstraint> orth = std::make_shared<OrthogonalityConstraint>("w");
  std::shared_ptr<CircleConstraint> circle = std::make_shared<CircleConstraint>("t", 0.5);
  std::shared_ptr<LinearConstraint> linear = std::make_shared<LinearConstraint>(
      std::vector<std::string>{"d"}, random_matrix(2, 4, 100), random_vector(2, 101));
  Disjoint() {
    layout.add_block("a", 6);
    layout.add_block("w", 4, 2, 2.0);
    layout.add_block("free", 3);
    layout.add_block("t", 3);
    layout.add_block("d", 4, 1, 0.5);
    for (cola::ConstraintPtr c : {cola::ConstraintPtr(norm), cola::ConstraintPtr(orth),
                                  cola::ConstraintPtr(circle), cola::ConstraintPtr(linear)})
      set.add(c);
    set.bind(layout);
  }
  Vector on_manifold(std::uint64_t seed) const {
    Vector q = 0.3 * random_vector(layout.size(), seed);
    REQUIRE(set.retract(q, {}).ok());
    return q;
  }
};

}  // namespace

TEST_CASE("disjoint constraints are separate components, untouched blocks are free",
          "[constraint_set]") {
  Disjoint s;
  CHECK(s.set.bound());
  CHECK(s.set.constraints().size() == 4);
  REQUIRE(s.set.components().size() == 4);
  for (const auto& c : s.set.components())
    CHECK(dynamic_cast<const StackedConstraint*>(c.get()) == nullptr);
  CHECK(s.layout.find("t.slack") == 5);
  CHECK(s.set.free_blocks() == std::vector<Index>{s.layout.index_of("free")});
  CHECK(s.set.num_constraints() == 1 + 3 + 3 + 2);
}

TEST_CASE("disjoint components are projected independently", "[constraint_set]") {
  Disjoint s;
  const Vector q_old = s.on_manifold(1);
  CHECK(s.set.residual(q_old) <= 1e-11);
  const Vector q_tilde = q_old + 0.01 * random_vector(s.layout.size(), 2);
  const Vector p0 = random_vector(s.layout.size(), 3);

  // The set's projections equal each constraint's own, bit for bit, and the
  // free block is left alone.
  Vector q_set = q_tilde;
  const auto r = s.set.project_position(q_old, q_set, {});
  REQUIRE(r.ok());
  Vector q_each = q_tilde;
  for (const auto& c : s.set.constraints()) REQUIRE(c->project_position(q_old, q_each, {}).ok());
  CHECK(q_set == q_each);
  const auto free = s.layout.segment(q_tilde, s.layout.index_of("free"));
  CHECK(s.layout.segment(q_set, s.layout.index_of("free")) == free);
  CHECK(s.set.residual(q_set) <= 1e-11);

  Vector p_set = p0, p_each = p0;
  REQUIRE(s.set.project_momentum(q_set, p_set).ok());
  for (const auto& c : s.set.constraints()) REQUIRE(c->project_momentum(q_set, p_each).ok());
  CHECK(p_set == p_each);
  CHECK(s.set.momentum_residual(q_set, p_set) < 1e-12);

  // Moving one component does not change another's projection.
  Vector q_other = q_tilde;
  s.layout.segment(q_other, s.layout.index_of("a")) *= 3.0;
  REQUIRE(s.set.project_position(q_old, q_other, {}).ok());
  for (const char* b : {"w", "t", "t.slack", "d"})
    CHECK(s.layout.segment(q_other, s.layout.index_of(b)) ==
          s.layout.segment(q_set, s.layout.index_of(b)));

  // Drift: every component stays on its manifold, the free block does not move
  // (the stepper moves it, not the set).
  Vector q = q_set, p = p_set;
  REQUIRE(s.set.drift(q, p, 0.01, {}).ok());
  CHECK(s.set.residual(q) <= 1e-11);
  CHECK(s.set.momentum_residual(q, p) < 1e-11);
  CHECK(s.layout.segment(q, s.layout.index_of("free")) ==
        s.layout.segment(q_set, s.layout.index_of("free")));
}

TEST_CASE("constraints sharing a block are stacked into one component",
          "[constraint_set][stacked]") {
  ParameterLayout layout;
  layout.add_block("x", 5, 1, 2.0);
  layout.add_block("y", 2);
  auto norm = std::make_shared<FixedNormConstraint>("x", 1.0);
  auto plane = std::make_shared<LinearConstraint>(
      std::vector<std::string>{"x"}, Matrix(Matrix::Ones(1, 5)), Vector::Constant(1, 0.5), "plane");
  auto ysum = std::make_shared<LinearConstraint>(
      std::vector<std::string>{"y"}, Matrix(Matrix::Ones(1, 2)), Vector::Constant(1, 1.0), "ysum");
  ConstraintSet set;
  set.add(norm);
  set.add(plane);
  set.add(ysum);
  set.bind(layout);
  REQUIRE(set.components().size() == 2);
  const auto* stacked = dynamic_cast<const StackedConstraint*>(set.components()[0].get());
  REQUIRE(stacked != nullptr);
  CHECK(stacked->name() == "stack(norm(x)+plane)");
  CHECK(stacked->members().size() == 2);
  CHECK(stacked->num_constraints() == 2);
  CHECK(set.components()[1] == ysum);
  CHECK(set.free_blocks().empty());

  Vector q = random_vector(layout.size(), 4);
  REQUIRE(set.retract(q, {}).ok());
  CHECK(norm->residual(q) <= 1e-11);
  CHECK(plane->residual(q) <= 1e-11);
  CHECK(ysum->residual(q) <= 1e-11);
  // The stacked SHAKE satisfies both equations at once.
  const Vector q_tilde = q + 0.02 * random_vector(layout.size(), 5);
  Vector q1 = q_tilde;
  REQUIRE(set.project_position(q, q1, {}).ok());
  CHECK(norm->residual(q1) <= 1e-11);
  CHECK(plane->residual(q1) <= 1e-11);
  Vector p = random_vector(layout.size(), 6);
  REQUIRE(set.project_momentum(q1, p).ok());
  CHECK(norm->velocity_residual(q1, p) < 1e-12);
  CHECK(plane->velocity_residual(q1, p) < 1e-12);
  // Projecting one member alone would break the other.
  Vector q2 = q_tilde;
  REQUIRE(norm->project_position(q, q2, {}).ok());
  CHECK(plane->residual(q2) > 1e-6);
}

TEST_CASE("stacking is transitive over chains of shared blocks", "[constraint_set][stacked]") {
  // c1 on a, c2 on (a, b), c3 on b: one component; c4 on c: its own.
  ParameterLayout layout;
  layout.add_block("a", 3);
  layout.add_block("b", 3);
  layout.add_block("c", 3);
  auto c1 = std::make_shared<FixedNormConstraint>("a", 1.0);
  auto c2 = std::make_shared<LinearConstraint>(std::vector<std::string>{"a", "b"},
                                               random_matrix(1, 6, 7), random_vector(1, 8), "ab");
  auto c3 = std::make_shared<FixedNormConstraint>("b", 2.0);
  auto c4 = std::make_shared<FixedNormConstraint>("c", 3.0);
  ConstraintSet set;
  set.add(c3);
  set.add(c4);
  set.add(c1);
  set.add(c2);
  set.bind(layout);
  REQUIRE(set.components().size() == 2);
  const auto* stacked = dynamic_cast<const StackedConstraint*>(set.components()[0].get());
  REQUIRE(stacked != nullptr);
  CHECK(stacked->members().size() == 3);
  CHECK(stacked->num_constraints() == 3);
  CHECK(set.components()[1] == c4);
  Vector q = random_vector(layout.size(), 9);
  REQUIRE(set.retract(q, {}).ok());
  CHECK(set.residual(q) <= 1e-11);
}

TEST_CASE("the merged result names the first failing component", "[constraint_set][failure]") {
  Disjoint s;
  const Vector q_old = s.on_manifold(10);
  Vector q = q_old + 0.01 * random_vector(s.layout.size(), 11);
  // A tangential move of 2r on circle pair 1: no root for the circle only.
  const Index t = s.layout.block(s.layout.index_of("t")).offset + 1;
  const Index x = s.layout.block(s.layout.index_of("t.slack")).offset + 1;
  q[t] = q_old[t] - 2 * q_old[x];
  q[x] = q_old[x] + 2 * q_old[t];
  const auto r = s.set.project_position(q_old, q, {});
  CHECK(r.status == ProjectionStatus::kNoRoot);
  CHECK(r.source == s.circle.get());
  CHECK_THAT(r.describe(), Contains("no_root") && Contains("circle(t)"));
  // The other components were still projected.
  CHECK(s.norm->residual(q) <= 1e-11);
  CHECK(s.linear->residual(q) <= 1e-11);
}

TEST_CASE("NaN from a user functor in a set is kNonFinite naming it", "[constraint_set][failure]") {
  struct NanSphere {
    Index num_constraints() const { return 1; }
    void value(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> g) const {
      g[0] = x[0] > 0.9 ? std::nan("") : x.squaredNorm() - 1;
    }
    void jacobian(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::MatrixXd> j) const {
      j.row(0) = 2 * x.transpose();
    }
  };
  ParameterLayout layout;
  layout.add_block("u", 2);
  layout.add_block("a", 3);
  auto user = cola::make_constraint("user_sphere", {"u"}, NanSphere{});
  auto norm = std::make_shared<FixedNormConstraint>("a", 1.0);
  ConstraintSet set;
  set.add(norm);
  set.add(user);
  set.bind(layout);
  Vector q_old(5);
  q_old << 0.6, 0.8, 1, 0, 0;
  Vector q = q_old;
  q[0] = 0.95;
  cola::ProjectionResult r;
  REQUIRE_NOTHROW(r = set.project_position(q_old, q, {}));
  CHECK(r.status == ProjectionStatus::kNonFinite);
  CHECK(r.source == user.get());
  CHECK(std::isnan(set.residual(q)));
}

TEST_CASE("ConstraintSet configuration errors", "[constraint_set][error]") {
  SECTION("unknown block name lists the valid ones") {
    ParameterLayout layout;
    layout.add_block("layer0.weight", 3, 2);
    layout.add_block("layer0.bias", 3);
    ConstraintSet set;
    set.add(std::make_shared<FixedNormConstraint>("layer1.weight", 1.0));
    REQUIRE_THROWS_AS(set.bind(layout), ConfigError);
    ParameterLayout layout2 = layout;
    ConstraintSet set2;
    set2.add(std::make_shared<FixedNormConstraint>("layer1.weight", 1.0));
    REQUIRE_THROWS_WITH(set2.bind(layout2), Contains("unknown parameter block 'layer1.weight'") &&
                                                Contains("valid: layer0.weight, layer0.bias"));
  }
  SECTION("duplicate block names") {
    ParameterLayout layout;
    layout.add_block("w", 2);
    REQUIRE_THROWS_WITH(layout.add_block("w", 3), Contains("'w'") && Contains("exists already"));
    LinearConstraint twice({"w", "w"}, Matrix(Matrix::Ones(1, 4)), Vector::Ones(1), "twice");
    REQUIRE_THROWS_AS(twice.bind(layout), ConfigError);
    LinearConstraint twice2({"w", "w"}, Matrix(Matrix::Ones(1, 4)), Vector::Ones(1), "twice");
    REQUIRE_THROWS_WITH(twice2.bind(layout), Contains("'twice'") && Contains("named twice"));
  }
  SECTION("null, late additions and double binding") {
    ParameterLayout layout;
    layout.add_block("w", 2);
    ConstraintSet set;
    REQUIRE_THROWS_WITH(set.add(nullptr), Contains("null constraint"));
    set.add(std::make_shared<FixedNormConstraint>("w", 1.0));
    set.bind(layout);
    REQUIRE_THROWS_WITH(set.add(std::make_shared<FixedNormConstraint>("w", 2.0)),
                        Contains("after the set is bound"));
    REQUIRE_THROWS_WITH(set.bind(layout), Contains("already bound"));
  }
  SECTION("a constraint bound to another set already") {
    ParameterLayout layout;
    layout.add_block("w", 2);
    auto c = std::make_shared<FixedNormConstraint>("w", 1.0);
    ConstraintSet a, b;
    a.add(c);
    b.add(c);
    a.bind(layout);
    REQUIRE_THROWS_WITH(b.bind(layout), Contains("norm(w)") && Contains("already bound"));
  }
}

TEST_CASE("an initial state off the manifold is refused until retracted",
          "[constraint_set][error]") {
  ParameterLayout layout;
  layout.add_block("w", 4, 2);
  layout.add_block("a", 3);
  layout.add_block("bias", 2);
  ConstraintSet set;
  set.add(std::make_shared<OrthogonalityConstraint>("w", "stiefel_w"));
  set.add(std::make_shared<FixedNormConstraint>("a", 2.0, cola::NormGroups::kBlock, "sphere_a"));
  set.bind(layout);
  const cola::models::HarmonicOscillator potential(Vector::Ones(layout.size()));

  cola::State state;
  state.q = random_vector(layout.size(), 12);
  // Put a on its sphere, leave w off: the error names the orthogonality constraint.
  set.constraints()[1]->retract(state.q, {});
  cola::samplers::OverdampedOptions od;
  cola::samplers::Overdamped overdamped(layout, potential, set, od);
  REQUIRE_THROWS_AS(overdamped.initialise(state), cola::StateError);
  REQUIRE_THROWS_WITH(overdamped.initialise(state), Contains("off the manifold") &&
                                                        Contains("'stiefel_w'") &&
                                                        Contains("retract"));

  auto ud = cola::samplers::UnderdampedOptions::physical(0.1, 1.0, 1.0);
  cola::samplers::Underdamped underdamped(layout, potential, set, ud);
  cola::State state2 = state;
  REQUIRE_THROWS_AS(underdamped.initialise(state2), cola::StateError);

  const auto r = set.retract(state.q, {});
  REQUIRE(r.ok());
  CHECK(set.residual(state.q) <= 1e-11);
  REQUIRE_NOTHROW(overdamped.initialise(state));
  cola::State state3;
  state3.q = state.q;
  REQUIRE_NOTHROW(underdamped.initialise(state3));
  CHECK(set.momentum_residual(state3.q, state3.p) < 1e-12);
  CHECK(underdamped.step(state3).ok());
  CHECK(set.residual(state3.q) <= 1e-11);
}
