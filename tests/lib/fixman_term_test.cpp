// The Fixman term log det(G M^-1 G^T) of a constraint set (fixman_term.hpp)
// and the second derivatives it is built from: the gradient against central
// differences on an ellipsoid and on a two-equation user functor (with
// masses != 1, stacked with another constraint), the built-ins' closed forms
// against the generic dense path, the refusal of constraints without second
// derivatives, and the report of a singular Gram matrix.
#include "lib_test_support.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/constraint_set.hpp>
#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/fixman_term.hpp>
#include <cola/functor_constraint.hpp>
#include <cola/linear_constraint.hpp>
#include <cola/orthogonality_constraint.hpp>
#include <cola/weight_tying_constraint.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace cola;
using Catch::Matchers::Contains;
using cola::test::max_abs_diff;
using cola::test::random_vector;

namespace {

using ConstRef = Eigen::Ref<const Eigen::VectorXd>;
using ConstMRef = Eigen::Ref<const Eigen::MatrixXd>;
using GRef = Eigen::Ref<Eigen::VectorXd>;
using JRef = Eigen::Ref<Eigen::MatrixXd>;

// Two non-quadratic equations in R^3:
//   g_0 = x0^3 + sin(x1) x2 - 0.5,   g_1 = x0 x2^2 + exp(x1) - 2.
struct Twisted {
  Index num_constraints() const { return 2; }
  void value(const ConstRef& x, GRef g) const {
    g[0] = x[0] * x[0] * x[0] + std::sin(x[1]) * x[2] - 0.5;
    g[1] = x[0] * x[2] * x[2] + std::exp(x[1]) - 2;
  }
  void jacobian(const ConstRef& x, JRef j) const {
    j << 3 * x[0] * x[0], std::cos(x[1]) * x[2], std::sin(x[1]),  //
        x[2] * x[2], std::exp(x[1]), 2 * x[0] * x[2];
  }
  void second_derivatives(const ConstRef& x, const ConstMRef& d, GRef out) const {
    Eigen::Matrix3d h0, h1;
    h0 << 6 * x[0], 0, 0,                           //
        0, -std::sin(x[1]) * x[2], std::cos(x[1]),  //
        0, std::cos(x[1]), 0;
    h1 << 0, 0, 2 * x[2],      //
        0, std::exp(x[1]), 0,  //
        2 * x[2], 0, 2 * x[0];
    out = h0 * d.col(0) + h1 * d.col(1);
  }
};

// Central differences of q -> log det(G M^-1 G^T).
Vector numerical_gradient(const FixmanTerm& term, const Vector& q, double step = 1e-6) {
  Vector grad(q.size()), unused = Vector::Zero(q.size());
  for (Index i = 0; i < q.size(); ++i) {
    Vector plus = q, minus = q;
    plus[i] += step;
    minus[i] -= step;
    grad[i] =
        (term.log_det_gram(plus, 0.0, unused) - term.log_det_gram(minus, 0.0, unused)) / (2 * step);
  }
  return grad;
}

Vector analytic_gradient(const FixmanTerm& term, const Vector& q, double* value = nullptr) {
  Vector grad = Vector::Zero(q.size());
  const double v = term.log_det_gram(q, 1.0, grad);
  if (value) *value = v;
  return grad;
}

// Checks Constraint::log_det_gram (value and gradient) against the generic
// dense path at q.
void check_closed_form(const Constraint& c, const Vector& q) {
  Vector closed = Vector::Zero(q.size()), generic = Vector::Zero(q.size());
  const double v_closed = c.log_det_gram(q, 1.5, closed);
  const double v_generic = c.generic_log_det_gram(q, 1.5, generic);
  INFO(c.describe());
  CHECK(v_closed == Approx(v_generic).epsilon(1e-12).margin(1e-12));
  CHECK(max_abs_diff(closed, generic) < 1e-10 * (1 + generic.lpNorm<Eigen::Infinity>()));
}

}  // namespace

TEST_CASE("Fixman term on an ellipsoid: value in closed form and gradient by differences",
          "[fixman]") {
  ParameterLayout layout;
  layout.add_block("x", 3, 1, 2.0);  // mass 2
  ConstraintSet set;
  const Vector a = (Vector(3) << 1.0, 0.6, 0.3).finished();
  set.add(make_constraint("ellipsoid", {"x"}, test::CurvedEllipsoid{{a}}));
  set.bind(layout);
  const FixmanTerm term(set);
  // On the ellipsoid and off it: the term is defined on all of R^3 \ {0}.
  for (std::uint64_t seed : {1, 2, 3}) {
    Vector q = random_vector(3, seed);
    if (seed != 3) q /= (q.array() / a.array()).matrix().norm();
    double value = 0;
    const Vector grad = analytic_gradient(term, q, &value);
    // G = 2 (x_i / a_i^2), M^-1 = 1/2: G M^-1 G^T = 2 sum_i x_i^2 / a_i^4.
    const double exact = std::log(2 * (q.array().square() / a.array().pow(4)).sum());
    CHECK(value == Approx(exact).epsilon(1e-13));
    const Vector fd = numerical_gradient(term, q);
    INFO("analytic " << grad.transpose() << ", differences " << fd.transpose());
    CHECK(max_abs_diff(grad, fd) < 1e-6 * (1 + fd.norm()));
  }
}

TEST_CASE(
    "Fixman term of a two-equation user functor stacked with a coupling functor matches "
    "differences",
    "[fixman]") {
  ParameterLayout layout;
  layout.add_block("x", 3, 1, 0.5);
  layout.add_block("y", 1, 1, 0.5);
  ConstraintSet set;
  set.add(make_constraint("twisted", {"x"}, Twisted{}));
  // Shares x[0..2] with "twisted", so the set stacks them into one generic
  // component: the second derivatives are mapped across member coordinates.
  struct Coupled {
    Index num_constraints() const { return 1; }
    void value(const ConstRef& v, GRef g) const { g[0] = v[0] * v[3] + v[2] * v[2] - 1; }
    void jacobian(const ConstRef& v, JRef j) const { j << v[3], 0, 2 * v[2], v[0]; }
    void second_derivatives(const ConstRef& /*v*/, const ConstMRef& d, GRef out) const {
      out << d(3, 0), 0, 2 * d(2, 0), d(0, 0);
    }
  };
  set.add(make_constraint("coupled", {"x", "y"}, Coupled{}));
  set.bind(layout);
  REQUIRE(set.components().size() == 1);
  const FixmanTerm term(set);
  for (std::uint64_t seed : {4, 5, 6}) {
    const Vector q = random_vector(4, seed);
    const Vector grad = analytic_gradient(term, q);
    const Vector fd = numerical_gradient(term, q);
    INFO("analytic " << grad.transpose() << ", differences " << fd.transpose());
    CHECK(max_abs_diff(grad, fd) < 1e-6 * (1 + fd.norm()));
  }
}

TEST_CASE("Fixman term of a user functor alone matches differences", "[fixman]") {
  ParameterLayout layout;
  layout.add_block("x", 3, 1, 3.0);
  ConstraintSet set;
  set.add(make_constraint("twisted", {"x"}, Twisted{}));
  set.bind(layout);
  const FixmanTerm term(set);
  for (std::uint64_t seed : {7, 8, 9}) {
    const Vector q = random_vector(3, seed);
    const Vector grad = analytic_gradient(term, q);
    const Vector fd = numerical_gradient(term, q);
    INFO("analytic " << grad.transpose() << ", differences " << fd.transpose());
    CHECK(max_abs_diff(grad, fd) < 1e-6 * (1 + fd.norm()));
  }
}

TEST_CASE("Built-in closed forms of log det(G M^-1 G^T) agree with the generic path", "[fixman]") {
  ParameterLayout layout;
  layout.add_block("rows", 3, 4, 2.0);
  layout.add_block("circle", 5, 1, 0.7);
  layout.add_block("lin", 4, 1, 1.5);
  layout.add_block("tied", 3, 1, 1.0);
  layout.add_block("tied2", 2, 1, 4.0);
  layout.add_block("stiefel", 4, 2, 1.0);
  layout.add_block("wide", 2, 3, 1.0);
  auto norm = std::make_shared<FixedNormConstraint>("rows", 1.3, NormGroups::kRows);
  auto circle = std::make_shared<CircleConstraint>("circle", 0.8);
  auto linear = std::make_shared<LinearConstraint>(std::vector<std::string>{"lin"},
                                                   test::random_matrix(2, 4, 11), Vector::Ones(2));
  auto tying = std::make_shared<WeightTyingConstraint>(std::vector<std::vector<TiedEntry>>{
      {{"tied", 0}, {"tied", 2}, {"tied2", 1}}, {{"tied", 1}, {"tied2", 0}}});
  auto stiefel = std::make_shared<OrthogonalityConstraint>("stiefel");
  auto wide = std::make_shared<OrthogonalityConstraint>("wide");
  ConstraintSet set;
  for (const ConstraintPtr& c :
       std::vector<ConstraintPtr>{norm, circle, linear, tying, stiefel, wide})
    set.add(c);
  set.bind(layout);
  const Vector q = random_vector(layout.size(), 12);
  for (const auto& c : set.constraints()) {
    REQUIRE(c->has_second_derivatives());
    check_closed_form(*c, q);
  }
  // The orthogonality constraints use the generic path: check it by differences.
  const FixmanTerm term(set);
  const Vector grad = analytic_gradient(term, q);
  const Vector fd = numerical_gradient(term, q);
  CHECK(max_abs_diff(grad, fd) < 1e-6 * (1 + fd.norm()));
}

TEST_CASE("Fixman term refuses a constraint without second derivatives", "[fixman]") {
  ParameterLayout layout;
  layout.add_block("x", 3);
  ConstraintSet set;
  set.add(make_constraint("plain ellipsoid", {"x"}, test::Ellipsoid{Vector::Ones(3)}));
  set.bind(layout);
  REQUIRE_FALSE(set.constraints().front()->has_second_derivatives());
  CHECK_THROWS_AS(FixmanTerm(set), ConfigError);
  CHECK_THROWS_WITH(FixmanTerm(set), Contains("constraint 'plain ellipsoid' on block x") &&
                                         Contains("second_derivatives"));
  Vector out(3);
  CHECK_THROWS_AS(
      set.constraints().front()->second_derivatives(Vector::Ones(3), Matrix::Ones(3, 1), out),
      ConfigError);
  ConstraintSet unbound;
  CHECK_THROWS_WITH(FixmanTerm(unbound), Contains("bound"));
}

TEST_CASE("A singular Gram matrix gives a non-finite term, and diagnose names the constraint",
          "[fixman]") {
  ParameterLayout layout;
  layout.add_block("x", 3);
  layout.add_block("w", 2);
  ConstraintSet set;
  const Vector a = Vector::Ones(3);
  set.add(make_constraint("ellipsoid", {"x"}, test::CurvedEllipsoid{{a}}));
  set.add(std::make_shared<FixedNormConstraint>("w", 1.0));
  set.bind(layout);
  const FixmanTerm term(set);
  Vector q = Vector::Zero(5);
  q[3] = 1;  // w on its sphere, x = 0 where G = 0
  Vector grad = Vector::Zero(5);
  CHECK(term.log_det_gram(q, 1.0, grad) == -std::numeric_limits<double>::infinity());
  CHECK_THAT(term.diagnose(q),
             Contains("constraint 'ellipsoid' on block x") && Contains("singular"));
  q.head(3) = Vector::Unit(3, 0);
  q[4] = std::nan("");
  CHECK(std::isnan(term.log_det_gram(q, 1.0, grad)));
  CHECK_THAT(term.diagnose(q), Contains("constraint") && Contains("on block w"));
  q[4] = 0;
  CHECK(term.diagnose(q).empty());
}
