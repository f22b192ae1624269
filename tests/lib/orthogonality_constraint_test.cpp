// OrthogonalityConstraint (o-CoLA): W^T W = I (tall) or W W^T = I (wide).
// The o-CoLA SHAKE iteration, its iteration cap as a typed and counted
// status, the exact Newton fallback, RATTLE, retraction (polar factor).
#include "lib_test_support.hpp"

#include <cola/constraint_set.hpp>
#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/models/harmonic_oscillator.hpp>
#include <cola/orthogonality_constraint.hpp>
#include <cola/samplers/overdamped.hpp>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using Catch::Matchers::Contains;
using cola::Index;
using cola::Matrix;
using cola::OrthogonalityConstraint;
using cola::ParameterLayout;
using cola::ProjectionStatus;
using cola::SolverKind;
using cola::SolverOptions;
using cola::Vector;
using cola::test::max_abs_diff;
using cola::test::random_vector;

namespace {

// Layout: "bias" (2), "w" (rows x cols); q has w on the manifold.
struct Fixture {
  ParameterLayout layout;
  std::shared_ptr<OrthogonalityConstraint> c;
  Fixture(Index rows, Index cols) {
    layout.add_block("bias", 2);
    layout.add_block("w", rows, cols, 1.5);
    c = std::make_shared<OrthogonalityConstraint>("w");
    c->bind(layout);
  }
  Matrix w(const Vector& q) const { return layout.matrix(q, 1); }
  Vector on_manifold(std::uint64_t seed) const {
    Vector q = random_vector(layout.size(), seed);
    REQUIRE(c->retract(q, {}).ok());
    return q;
  }
  // The defect Q^T Q - I of the oriented matrix (Q = W tall, W^T wide).
  Matrix defect(const Vector& q) const {
    const Matrix m = w(q);
    const Matrix o = c->tall() ? Matrix(m) : Matrix(m.transpose());
    return o.transpose() * o - Matrix::Identity(o.cols(), o.cols());
  }
};

const std::pair<Index, Index> kShapes[] = {{5, 3}, {3, 5}};

}  // namespace

TEST_CASE("k(k+1)/2 equations: the upper triangle of Q^T Q - I", "[orthogonality]") {
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    CHECK(f.c->tall() == (rows >= cols));
    CHECK(f.c->num_constraints() == 6);
    CHECK(f.c->name() == "orthogonal(w)");
    const Vector q = random_vector(f.layout.size(), 1);
    Vector g(6);
    f.c->value(q, g);
    const Matrix d = f.defect(q);
    Index k = 0;
    for (Index j = 0; j < 3; ++j)
      for (Index i = 0; i <= j; ++i) CHECK(g[k++] == Approx(d(i, j)).margin(1e-14));
    CHECK(f.c->residual(q) == Approx(d.cwiseAbs().maxCoeff()));
  }
}

TEST_CASE("retract gives the polar factor, the nearest orthonormal matrix", "[orthogonality]") {
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    const Vector q0 = random_vector(f.layout.size(), 2);
    Vector q = q0;
    const auto r = f.c->retract(q, {});
    REQUIRE(r.ok());
    CHECK(f.defect(q).cwiseAbs().maxCoeff() < 1e-14);
    // Polar factor U of W: U^T W (tall) / W U^T (wide) is symmetric positive
    // definite.
    const Matrix s =
        f.c->tall() ? Matrix(f.w(q).transpose() * f.w(q0)) : Matrix(f.w(q0) * f.w(q).transpose());
    CHECK(max_abs_diff(s, Matrix(s.transpose())) < 1e-13);
    Eigen::SelfAdjointEigenSolver<Matrix> eig(s);
    CHECK(eig.eigenvalues().minCoeff() > 0);
    CHECK(q.head(2) == q0.head(2));
  }
}

TEST_CASE("retract reaches rounding level for an ill-conditioned 100 x 100 matrix",
          "[orthogonality]") {
  // Singular values from 1 to 1e-5 (condition 1e5): one polar pass leaves an
  // orthogonality error of about condition x epsilon, above the default
  // tolerance; the further passes remove it.
  Fixture f(100, 100);
  Vector q = random_vector(f.layout.size(), 3);
  const Matrix g1 = f.w(random_vector(f.layout.size(), 4));
  const Matrix g2 = f.w(random_vector(f.layout.size(), 5));
  const Matrix u = Eigen::HouseholderQR<Matrix>(g1).householderQ();
  const Matrix v = Eigen::HouseholderQR<Matrix>(g2).householderQ();
  Vector sv(100);
  for (Index i = 0; i < 100; ++i) sv[i] = std::pow(10.0, -5.0 * static_cast<double>(i) / 99);
  f.layout.matrix(q, 1) = u * sv.asDiagonal() * v.transpose();
  const auto r = f.c->retract(q, {});
  REQUIRE(r.ok());
  CHECK(r.iterations >= 2);
  CHECK(f.defect(q).cwiseAbs().maxCoeff() < 1e-13);
  // The polar factor of U S V^T is U V^T, here to within what forming
  // Y^T Y allows: it squares the condition number, an error up to
  // eps kappa^2 = 2e-6 (measured 3e-9).
  CHECK(max_abs_diff(f.w(q), Matrix(u * v.transpose())) < 1e-7);
}

TEST_CASE("retract of a rank-deficient matrix reports kSingular", "[orthogonality][failure]") {
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    Vector q = random_vector(f.layout.size(), 3);
    auto w = f.layout.matrix(q, 1);
    if (f.c->tall())
      w.col(2) = 2 * w.col(0);
    else
      w.row(2) = 2 * w.row(0);
    const auto r = f.c->retract(q, {});
    CHECK(r.status == ProjectionStatus::kSingular);
    CHECK(r.source == f.c.get());
    Vector zero = Vector::Zero(f.layout.size());
    CHECK(f.c->retract(zero, {}).status == ProjectionStatus::kSingular);
  }
}

TEST_CASE("retract of an ill-conditioned matrix still lands on the manifold", "[orthogonality]") {
  // cond(W) = 1e6, cond(W^T W) = 1e12: still of full numerical rank, so the
  // polar factor exists and must be found to the solver tolerance.
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    Vector q = f.on_manifold(21);
    auto w = f.layout.matrix(q, 1);
    Eigen::Vector3d scales(1.0, 1e-3, 1e-6);
    Matrix v = cola::test::random_matrix(3, 3, 22).householderQr().householderQ();
    if (f.c->tall())
      w = Matrix(w * v * scales.asDiagonal());
    else
      w = Matrix(scales.asDiagonal() * v * w);
    const auto r = f.c->retract(q, {});
    REQUIRE(r.ok());
    CHECK(f.defect(q).cwiseAbs().maxCoeff() <= 1e-11);
  }
}

TEST_CASE("the o-CoLA iteration converges to 1e-10 for small moves", "[orthogonality]") {
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    INFO(rows << "x" << cols);
    const Vector q_old = f.on_manifold(4);
    const Vector q_tilde = q_old + 1e-2 * random_vector(f.layout.size(), 5);
    SolverOptions opt;
    opt.newton_fallback = false;  // the o-CoLA iteration alone
    Vector q = q_tilde;
    const auto r = f.c->project_position(q_old, q, opt);
    REQUIRE(r.ok());
    CHECK(r.iterations <= opt.orthogonality_max_iterations);
    CHECK(r.residual <= 1e-10);
    CHECK(f.defect(q).cwiseAbs().maxCoeff() <= 1e-10);
    CHECK(q.head(2) == q_tilde.head(2));
    // Along the old normal: tall W - W~ = W_old S, wide W - W~ = S W_old, S symmetric.
    const Matrix d = f.w(q) - f.w(q_tilde), u = f.w(q_old);
    const Matrix s = f.c->tall() ? Matrix(u.transpose() * d) : Matrix(d * u.transpose());
    const Matrix rebuilt = f.c->tall() ? Matrix(u * s) : Matrix(s * u);
    CHECK(max_abs_diff(rebuilt, d) < 1e-14);
    CHECK(max_abs_diff(s, Matrix(s.transpose())) < 1e-14);
    // The same point as the generic quasi-Newton solver (the o-CoLA iteration is one).
    Vector qg = q_tilde;
    REQUIRE(f.c->generic_project_position(q_old, qg, opt).ok());
    CHECK(max_abs_diff(q, qg) < 1e-10);
  }
}

TEST_CASE("the iteration cap is a typed status, the Newton fallback then converges",
          "[orthogonality][failure]") {
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    INFO(rows << "x" << cols);
    const Vector q_old = f.on_manifold(6);
    const Vector q_tilde = q_old + 0.1 * random_vector(f.layout.size(), 7);

    SolverOptions capped;
    capped.orthogonality_max_iterations = 1;
    capped.newton_fallback = false;
    Vector q1 = q_tilde;
    const auto r1 = f.c->project_position(q_old, q1, capped);
    CHECK(r1.status == ProjectionStatus::kMaxIterations);
    CHECK(r1.iterations == 1);
    CHECK(r1.residual > capped.tolerance);
    CHECK(r1.source == f.c.get());
    CHECK_THAT(r1.describe(), Contains("max_iterations") && Contains("orthogonal(w)"));

    SolverOptions fallback = capped;
    fallback.newton_fallback = true;
    Vector q2 = q_tilde;
    const auto r2 = f.c->project_position(q_old, q2, fallback);
    REQUIRE(r2.ok());
    CHECK(r2.iterations > 1);
    CHECK(f.defect(q2).cwiseAbs().maxCoeff() <= fallback.tolerance);
    // Newton along the old normal finds the same point as the generic Newton solver.
    SolverOptions newton;
    newton.kind = SolverKind::kNewton;
    Vector q3 = q_tilde;
    REQUIRE(f.c->generic_project_position(q_old, q3, newton).ok());
    CHECK(max_abs_diff(q2, q3) < 1e-9);
  }
}

TEST_CASE("a capped projection failure is counted by the sampler", "[orthogonality][failure]") {
  ParameterLayout layout;
  layout.add_block("w", 4, 2);
  cola::ConstraintSet set;
  set.add(std::make_shared<OrthogonalityConstraint>("w"));
  set.bind(layout);
  const cola::models::HarmonicOscillator potential(Vector::Ones(layout.size()));
  cola::samplers::OverdampedOptions opt;
  opt.step_size = 0.01;
  opt.temperature = 1.0;
  opt.common.failure_policy = cola::samplers::FailurePolicy::kReject;
  opt.common.solver.orthogonality_max_iterations = 1;
  opt.common.solver.newton_fallback = false;
  cola::samplers::Overdamped sampler(layout, potential, set, opt);
  cola::State state;
  state.q = random_vector(layout.size(), 8);
  REQUIRE(set.retract(state.q, {}).ok());
  const Vector start = state.q;
  sampler.run(state, 3);
  const auto& stats = sampler.stats();
  CHECK(stats.projection_failures[std::size_t(ProjectionStatus::kMaxIterations)] == 3);
  CHECK(stats.rejected == 3);
  CHECK(state.q == start);  // rejected steps keep the previous state
}

TEST_CASE("RATTLE is P - Q sym(Q^T P), tangent and idempotent", "[orthogonality]") {
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    const Vector q = f.on_manifold(9);
    const Vector p0 = random_vector(f.layout.size(), 10);
    Vector p = p0;
    REQUIRE(f.c->project_momentum(q, p).ok());
    CHECK(f.c->velocity_residual(q, p) < 1e-14);
    const Matrix w = f.w(q), v0 = f.layout.matrix(p0, 1);
    Matrix expected;
    if (f.c->tall()) {
      const Matrix s = w.transpose() * v0;
      expected = v0 - w * (0.5 * (s + s.transpose()));
    } else {
      const Matrix s = v0 * w.transpose();
      expected = v0 - (0.5 * (s + s.transpose())) * w;
    }
    CHECK(max_abs_diff(Matrix(f.layout.matrix(p, 1)), expected) < 1e-14);
    Vector pg = p0;
    REQUIRE(f.c->generic_project_momentum(q, pg).ok());
    CHECK(max_abs_diff(p, pg) < 1e-13);
    Vector pp = p;
    REQUIRE(f.c->project_momentum(q, pp).ok());
    CHECK(max_abs_diff(pp, p) < 1e-14);
    CHECK(p.head(2) == p0.head(2));
  }
}

TEST_CASE("the drift keeps W orthonormal and P tangent", "[orthogonality]") {
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    Vector q = f.on_manifold(11);
    Vector p = random_vector(f.layout.size(), 12);
    REQUIRE(f.c->project_momentum(q, p).ok());
    for (int i = 0; i < 50; ++i) {
      REQUIRE(f.c->drift(q, p, 0.02, {}).ok());
      REQUIRE(f.c->residual(q) <= 1e-11);
      REQUIRE(f.c->velocity_residual(q, p) < 1e-12);
    }
  }
}

TEST_CASE("a single column is the unit sphere", "[orthogonality]") {
  ParameterLayout layout;
  layout.add_block("w", 4, 1);
  OrthogonalityConstraint orth("w");
  cola::FixedNormConstraint sphere("w", 1.0);
  orth.bind(layout);
  sphere.bind(layout);
  const Vector q_old = random_vector(4, 13).normalized();
  const Vector q_tilde = q_old + 0.05 * random_vector(4, 14);
  Vector q1 = q_tilde, q2 = q_tilde;
  REQUIRE(orth.project_position(q_old, q1, {}).ok());
  REQUIRE(sphere.project_position(q_old, q2, {}).ok());
  CHECK(max_abs_diff(q1, q2) < 1e-11);
}

TEST_CASE("NaN in W gives kNonFinite", "[orthogonality][failure]") {
  for (auto [rows, cols] : kShapes) {
    Fixture f(rows, cols);
    const Vector q_old = f.on_manifold(15);
    Vector q = q_old;
    q[3] = std::numeric_limits<double>::quiet_NaN();
    Vector qq = q;
    CHECK(f.c->project_position(q_old, qq, {}).status == ProjectionStatus::kNonFinite);
    Vector p = random_vector(f.layout.size(), 16);
    CHECK(f.c->project_momentum(q, p).status == ProjectionStatus::kNonFinite);
    CHECK(std::isnan(f.c->residual(q)));
  }
}

TEST_CASE("OrthogonalityConstraint on an unknown block names the valid ones",
          "[orthogonality][error]") {
  ParameterLayout layout;
  layout.add_block("w0", 3, 2);
  OrthogonalityConstraint c("w1");
  REQUIRE_THROWS_AS(c.bind(layout), cola::ConfigError);
  ParameterLayout layout2 = layout;
  OrthogonalityConstraint c2("w1");
  REQUIRE_THROWS_WITH(c2.bind(layout2),
                      Contains("unknown parameter block 'w1'") && Contains("valid: w0"));
}
