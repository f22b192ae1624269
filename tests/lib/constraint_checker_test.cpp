// check_constraint: it must pass on every built-in constraint (closed forms
// agree with the generic solvers, Jacobians with central differences), and it
// must FAIL on broken constraints and on points off the manifold — a checker
// that cannot fail is no evidence.
#include "lib_test_support.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/constraint_checker.hpp>
#include <cola/constraint_set.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/functor_constraint.hpp>
#include <cola/linear_constraint.hpp>
#include <cola/orthogonality_constraint.hpp>
#include <cola/stacked_constraint.hpp>
#include <cola/weight_tying_constraint.hpp>

#include <catch2/catch.hpp>

#include <memory>

using Catch::Matchers::Contains;
using cola::check_constraint;
using cola::CheckReport;
using cola::Constraint;
using cola::ConstraintSet;
using cola::Index;
using cola::Matrix;
using cola::ParameterLayout;
using cola::SparseMatrix;
using cola::Vector;
using cola::test::random_matrix;
using cola::test::random_vector;

namespace {

using ConstRef = Eigen::Ref<const Eigen::VectorXd>;
using GRef = Eigen::Ref<Eigen::VectorXd>;
using JRef = Eigen::Ref<Eigen::MatrixXd>;

using cola::test::Ellipsoid;

// Claims two equations but writes only the first.
struct ForgetsSecondValue {
  Index num_constraints() const { return 2; }
  void value(const ConstRef& x, GRef g) const { g[0] = x.squaredNorm() - 1; }
  void jacobian(const ConstRef& x, JRef j) const {
    j.row(0) = 2 * x.transpose();
    j.row(1).setOnes();
  }
};

// Unit sphere on one block with hand-written (and optionally broken)
// closed-form projections and sparse Jacobian.
class HandWrittenSphere final : public Constraint {
 public:
  enum class Bug { kNone, kMomentumNotProjected, kRadialShake, kSparseJacobianShape };
  HandWrittenSphere(const std::string& block, Bug bug)
      : Constraint("hand_sphere", {block}), bug_(bug) {}
  Index num_constraints() const override { return 1; }
  void value(const Vector& q, cola::VectorRef g) const override { g[0] = x(q).squaredNorm() - 1; }
  void jacobian(const Vector& q, cola::MatrixRef j) const override {
    j.row(0) = 2 * x(q).transpose();
  }
  void sparse_jacobian(const Vector& q, SparseMatrix& j) const override {
    Constraint::sparse_jacobian(q, j);
    if (bug_ == Bug::kSparseJacobianShape) j.resize(1, num_variables() + 1);
  }
  bool has_closed_form() const override { return true; }
  cola::ProjectionResult project_momentum(const Vector& q, Vector& p) const override {
    if (bug_ != Bug::kMomentumNotProjected) return generic_project_momentum(q, p);
    return make_result(cola::ProjectionStatus::kConverged, 1, 0.0);
  }
  cola::ProjectionResult project_position(const Vector& q_old, Vector& q,
                                          const cola::SolverOptions& o) const override {
    if (bug_ != Bug::kRadialShake) return generic_project_position(q_old, q, o);
    // The nearest point of the sphere instead of the point along the old
    // normal: also on the manifold, but not SHAKE.
    const auto& b = block_infos().front();
    q.segment(b.offset, b.size()).normalize();
    return make_result(cola::ProjectionStatus::kConverged, 1, residual(q));
  }

 private:
  Eigen::Map<const Vector> x(const Vector& q) const {
    const auto& b = block_infos().front();
    return {q.data() + b.offset, b.size()};
  }
  Bug bug_;
};

// Binds a single constraint to `layout` through a ConstraintSet (so that
// owned blocks are created) and moves a random start onto the manifold.
struct Bound {
  ParameterLayout layout;
  ConstraintSet set;
  Vector q;
};

std::unique_ptr<Bound> bind_and_retract(ParameterLayout layout, std::vector<cola::ConstraintPtr> cs,
                                        std::uint64_t seed, double scale = 1.0) {
  auto out = std::make_unique<Bound>();
  out->layout = std::move(layout);
  for (auto& c : cs) out->set.add(c);
  out->set.bind(out->layout);
  out->q = scale * random_vector(out->layout.size(), seed);
  const auto r = out->set.retract(out->q, {});
  REQUIRE(r.ok());
  REQUIRE(out->set.residual(out->q) <= 1e-11);
  return out;
}

void require_ok(const Constraint& c, const Vector& q) {
  const CheckReport rep = check_constraint(c, q);
  INFO(rep.summary());
  CHECK(rep.ok());
  CHECK(rep.summary() == "ok");
}

}  // namespace

TEST_CASE("checker passes on FixedNormConstraint (block, rows, columns)", "[checker]") {
  for (auto groups :
       {cola::NormGroups::kBlock, cola::NormGroups::kRows, cola::NormGroups::kColumns}) {
    ParameterLayout layout;
    layout.add_block("bias", 2);
    layout.add_block("w", 3, 4, 1.5);
    auto c = std::make_shared<cola::FixedNormConstraint>("w", 0.7, groups);
    auto b = bind_and_retract(layout, {c}, 1);
    require_ok(*c, b->q);
  }
}

TEST_CASE("checker passes on CircleConstraint (rotation and shake drift)", "[checker]") {
  for (auto drift : {cola::CircleDrift::kRotation, cola::CircleDrift::kShake}) {
    ParameterLayout layout;
    layout.add_block("theta", 3, 2, 2.0);
    auto c = std::make_shared<cola::CircleConstraint>("theta", 0.5, drift);
    auto b = bind_and_retract(layout, {c}, 2, 0.2);
    require_ok(*c, b->q);
  }
}

TEST_CASE("checker passes on OrthogonalityConstraint (tall and wide)", "[checker]") {
  for (auto shape : {std::pair<Index, Index>{5, 3}, {3, 5}, {3, 3}}) {
    ParameterLayout layout;
    layout.add_block("w", shape.first, shape.second);
    auto c = std::make_shared<cola::OrthogonalityConstraint>("w");
    auto b = bind_and_retract(layout, {c}, 3);
    INFO(shape.first << "x" << shape.second);
    require_ok(*c, b->q);
  }
}

TEST_CASE("checker passes on LinearConstraint (dense and sparse)", "[checker]") {
  ParameterLayout layout;
  layout.add_block("a", 4);
  layout.add_block("b", 2, 1, 2.0);
  const Matrix a = random_matrix(3, 6, 4);
  const Vector c = random_vector(3, 5);
  auto dense = std::make_shared<cola::LinearConstraint>(std::vector<std::string>{"a", "b"}, a, c);
  auto bd = bind_and_retract(layout, {dense}, 6);
  require_ok(*dense, bd->q);

  SparseMatrix s(3, 6);
  s.insert(0, 0) = 1;
  s.insert(0, 5) = 2;
  s.insert(1, 1) = -1;
  s.insert(1, 2) = 0.5;
  s.insert(2, 3) = 3;
  s.insert(2, 4) = 1;
  auto sparse = std::make_shared<cola::LinearConstraint>(std::vector<std::string>{"a", "b"}, s, c);
  auto bs = bind_and_retract(layout, {sparse}, 7);
  require_ok(*sparse, bs->q);
}

TEST_CASE("checker passes on WeightTyingConstraint (within and across blocks)", "[checker]") {
  using cola::TiedEntry;
  ParameterLayout layout;
  layout.add_block("w", 3, 3);
  layout.add_block("v", 4, 1, 3.0);
  auto within = std::make_shared<cola::WeightTyingConstraint>(
      std::vector<std::vector<TiedEntry>>{{{"w", 0}, {"w", 4}, {"w", 8}}, {{"w", 1}, {"w", 3}}});
  auto b1 = bind_and_retract(layout, {within}, 8);
  require_ok(*within, b1->q);

  auto across = std::make_shared<cola::WeightTyingConstraint>(
      std::vector<std::vector<TiedEntry>>{{{"w", 2}, {"v", 0}}, {{"v", 1}, {"w", 5}, {"v", 3}}});
  auto b2 = bind_and_retract(layout, {across}, 9);
  require_ok(*across, b2->q);
}

TEST_CASE("checker passes on a user functor (ellipsoid)", "[checker]") {
  ParameterLayout layout;
  layout.add_block("u", 2);
  layout.add_block("v", 1, 1, 3.0);
  Vector a(3);
  a << 1.0, 2.0, 0.5;
  auto c = cola::make_constraint("ellipsoid", {"u", "v"}, Ellipsoid{a});
  auto b = bind_and_retract(layout, {c}, 10);
  require_ok(*c, b->q);
}

TEST_CASE("checker passes on StackedConstraints built by a ConstraintSet", "[checker][stacked]") {
  SECTION("sphere and hyperplane on one block") {
    ParameterLayout layout;
    layout.add_block("x", 5, 1, 2.0);
    auto norm = std::make_shared<cola::FixedNormConstraint>("x", 1.0);
    auto plane = std::make_shared<cola::LinearConstraint>(std::vector<std::string>{"x"},
                                                          Matrix(Matrix::Ones(1, 5)),
                                                          Vector::Constant(1, 0.5), "plane");
    auto b = bind_and_retract(layout, {norm, plane}, 11);
    REQUIRE(b->set.components().size() == 1);
    const auto* stacked =
        dynamic_cast<const cola::StackedConstraint*>(b->set.components().front().get());
    REQUIRE(stacked != nullptr);
    CHECK(stacked->num_constraints() == 2);
    require_ok(*stacked, b->q);
  }
  SECTION("members whose blocks come in a different order than the union") {
    // Union of blocks: (b, a) from the linear constraint; the norm on `a`
    // sits at a column offset inside the stacked Jacobian.
    ParameterLayout layout;
    layout.add_block("a", 3);
    layout.add_block("b", 2, 1, 0.5);
    auto linear = std::make_shared<cola::LinearConstraint>(
        std::vector<std::string>{"b", "a"}, random_matrix(2, 5, 12), random_vector(2, 13));
    auto norm = std::make_shared<cola::FixedNormConstraint>("a", 2.0);
    auto b = bind_and_retract(layout, {linear, norm}, 14);
    REQUIRE(b->set.components().size() == 1);
    require_ok(*b->set.components().front(), b->q);
  }
  SECTION("a circle (with its slack block) stacked with a linear constraint") {
    ParameterLayout layout;
    layout.add_block("theta", 3);
    auto circle = std::make_shared<cola::CircleConstraint>("theta", 1.0);
    auto sum = std::make_shared<cola::LinearConstraint>(std::vector<std::string>{"theta"},
                                                        Matrix(Matrix::Ones(1, 3)),
                                                        Vector::Constant(1, 0.3), "sum");
    auto b = bind_and_retract(layout, {circle, sum}, 15, 0.3);
    REQUIRE(b->set.components().size() == 1);
    require_ok(*b->set.components().front(), b->q);
  }
}

TEST_CASE("checker FAILS on a functor with the wrong Jacobian sign", "[checker][fails]") {
  ParameterLayout layout;
  layout.add_block("u", 3);
  Vector a(3);
  a << 1.0, 2.0, 0.5;
  auto good = cola::make_constraint("ellipsoid", {"u"}, Ellipsoid{a, 1.0});
  auto b = bind_and_retract(layout, {good}, 16);
  ParameterLayout layout2 = b->layout;
  auto broken = cola::make_constraint("broken_ellipsoid", {"u"}, Ellipsoid{a, -1.0});
  broken->bind(layout2);
  const CheckReport rep = check_constraint(*broken, b->q);
  CHECK_FALSE(rep.ok());
  CHECK_THAT(rep.summary(), Contains("'broken_ellipsoid'") && Contains("central differences"));
}

// The ellipsoid with its second derivatives 2 D / a^2; curvature_scale != 1
// is a deliberate bug.
struct CurvedEllipsoid : Ellipsoid {
  double curvature_scale = 1.0;
  void second_derivatives(const ConstRef& /*x*/, const Eigen::Ref<const Eigen::MatrixXd>& d,
                          GRef out) const {
    out = curvature_scale * 2 * d.col(0).cwiseQuotient(a.cwiseProduct(a));
  }
};

TEST_CASE("checker checks second derivatives against differences of the Jacobian",
          "[checker][fails]") {
  ParameterLayout layout;
  layout.add_block("u", 3, 1, 2.0);
  Vector a(3);
  a << 1.0, 2.0, 0.5;
  CurvedEllipsoid good;
  good.a = a;
  auto c = cola::make_constraint("curved", {"u"}, good);
  auto b = bind_and_retract(layout, {c}, 17);
  REQUIRE(c->has_second_derivatives());
  require_ok(*c, b->q);
  ParameterLayout layout2 = b->layout;
  CurvedEllipsoid bad = good;
  bad.curvature_scale = 1.01;
  auto broken = cola::make_constraint("bad_curvature", {"u"}, bad);
  broken->bind(layout2);
  const CheckReport rep = check_constraint(*broken, b->q);
  CHECK_FALSE(rep.ok());
  CHECK_THAT(rep.summary(), Contains("'bad_curvature'") && Contains("second_derivatives"));
}

TEST_CASE("checker FAILS on a point off the manifold", "[checker][fails]") {
  ParameterLayout layout;
  layout.add_block("w", 5, 3);
  auto c = std::make_shared<cola::OrthogonalityConstraint>("w");
  auto b = bind_and_retract(layout, {c}, 17);
  const Vector off = b->q + 1e-4 * random_vector(b->q.size(), 18);
  const CheckReport rep = check_constraint(*c, off);
  CHECK_FALSE(rep.ok());
  CHECK_THAT(rep.summary(), Contains("off the manifold"));
}

TEST_CASE("checker FAILS on broken closed forms and on malformed output", "[checker][fails]") {
  using Bug = HandWrittenSphere::Bug;
  ParameterLayout layout;
  layout.add_block("x", 4);
  Vector q = random_vector(4, 19).normalized();

  auto ok = std::make_shared<HandWrittenSphere>("x", Bug::kNone);
  ok->bind(layout);
  require_ok(*ok, q);

  auto momentum = std::make_shared<HandWrittenSphere>("x", Bug::kMomentumNotProjected);
  momentum->bind(layout);
  CHECK_THAT(check_constraint(*momentum, q).summary(),
             Contains("not tangent") && Contains("disagrees with the generic solve"));

  auto radial = std::make_shared<HandWrittenSphere>("x", Bug::kRadialShake);
  radial->bind(layout);
  CHECK_THAT(check_constraint(*radial, q).summary(),
             Contains("project_position disagrees with the generic solver"));

  auto sparse = std::make_shared<HandWrittenSphere>("x", Bug::kSparseJacobianShape);
  sparse->bind(layout);
  CHECK_THAT(check_constraint(*sparse, q).summary(), Contains("sparse Jacobian is 1x5"));

  auto forgets = cola::make_constraint("forgets", {"x"}, ForgetsSecondValue{});
  forgets->bind(layout);
  CHECK_THAT(check_constraint(*forgets, q).summary(), Contains("not finite"));

  auto unbound = std::make_shared<HandWrittenSphere>("x", Bug::kNone);
  CHECK_THAT(check_constraint(*unbound, q).summary(), Contains("not bound"));
  CHECK_THAT(check_constraint(*ok, Vector(Vector::Zero(2))).summary(), Contains("q has 2 entries"));
}
