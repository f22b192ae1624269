// Circle constraint theta_i^2 + xi_i^2 = r^2 with slack variables (c-CoLA).
// The optimised per-weight kernels (circle_kernels.hpp) are compared, in
// float and double, with plain per-pair reference implementations written
// here from the formulas (DESIGN §1): the quadratic formula for the SHAKE
// multiplier, and the angle parametrisation for the exact rotation.
#include "lib_test_support.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/circle_kernels.hpp>
#include <cola/constraint_set.hpp>
#include <cola/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

using Catch::Matchers::Contains;
using cola::CircleConstraint;
using cola::CircleDrift;
using cola::ConfigError;
using cola::Index;
using cola::ParameterLayout;
using cola::ProjectionStatus;
using cola::RngStream;
using cola::StreamKey;
using cola::Vector;
using cola::test::max_abs_diff;
using cola::test::random_vector;

namespace {

constexpr double kPi = 3.14159265358979323846;

// ---- Reference implementations (one pair at a time, double precision) ----

// Smallest-|lambda| root of |q~ + lambda q0|^2 = r^2 by the textbook formula
// lambda = (-b +- sqrt(b^2 - a c)) / a, a = |q0|^2, b = q~.q0, c = |q~|^2 - r^2.
bool ref_lambda(double t0, double x0, double t, double x, double r2, double& lambda) {
  const double a = t0 * t0 + x0 * x0;
  const double b = t * t0 + x * x0;
  const double c = t * t + x * x - r2;
  const double disc = b * b - a * c;
  if (disc < 0) return false;
  const double l1 = (-b + std::sqrt(disc)) / a;
  const double l2 = (-b - std::sqrt(disc)) / a;
  lambda = std::abs(l1) < std::abs(l2) ? l1 : l2;
  return true;
}

struct Pairs {
  std::vector<double> theta, xi, ptheta, pxi;
  std::size_t size() const { return theta.size(); }
  template <class S>
  std::vector<S> as(const std::vector<double>& v) const {
    return std::vector<S>(v.begin(), v.end());
  }
};

// SHAKE: returns the number of pairs without a root; those are left alone.
int ref_shake(const Pairs& old, Pairs& cur, double r2) {
  int failures = 0;
  for (std::size_t i = 0; i < cur.size(); ++i) {
    double lambda = 0;
    if (!ref_lambda(old.theta[i], old.xi[i], cur.theta[i], cur.xi[i], r2, lambda)) {
      ++failures;
      continue;
    }
    cur.theta[i] += lambda * old.theta[i];
    cur.xi[i] += lambda * old.xi[i];
  }
  return failures;
}

void ref_rattle(const Pairs& q, Pairs& p) {
  for (std::size_t i = 0; i < q.size(); ++i) {
    const double t = q.theta[i], x = q.xi[i];
    const double k = (t * p.theta[i] + x * p.xi[i]) / (t * t + x * x);
    p.theta[i] -= k * t;
    p.xi[i] -= k * x;
  }
}

// The A substep: q~ = q + (h/m) p, SHAKE from q, p = m (q_new - q)/h, RATTLE.
int ref_shake_drift(Pairs& s, double h, double m, double r2) {
  Pairs old = s, cur = s;
  for (std::size_t i = 0; i < s.size(); ++i) {
    cur.theta[i] += h / m * s.ptheta[i];
    cur.xi[i] += h / m * s.pxi[i];
  }
  const int failures = ref_shake(old, cur, r2);
  for (std::size_t i = 0; i < s.size(); ++i) {
    s.ptheta[i] = m * (cur.theta[i] - old.theta[i]) / h;
    s.pxi[i] = m * (cur.xi[i] - old.xi[i]) / h;
    s.theta[i] = cur.theta[i];
    s.xi[i] = cur.xi[i];
  }
  Pairs p;
  p.theta = s.ptheta;
  p.xi = s.pxi;
  ref_rattle(s, p);
  s.ptheta = p.theta;
  s.pxi = p.xi;
  return failures;
}

// Exact geodesic flow for a tangent momentum: the angle phi = atan2(xi, theta)
// advances at the signed angular velocity (theta v_xi - xi v_theta) / r^2.
void ref_rotation_drift(Pairs& s, double h, double m, double r) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double vt = s.ptheta[i] / m, vx = s.pxi[i] / m;
    const double omega = (s.theta[i] * vx - s.xi[i] * vt) / (r * r);
    const double phi = std::atan2(s.xi[i], s.theta[i]) + omega * h;
    s.theta[i] = r * std::cos(phi);
    s.xi[i] = r * std::sin(phi);
    s.ptheta[i] = -m * r * omega * std::sin(phi);
    s.pxi[i] = m * r * omega * std::cos(phi);
  }
}

double ref_residual(const Pairs& s, double r2) {
  double res = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    res = std::max(res, std::abs(s.theta[i] * s.theta[i] + s.xi[i] * s.xi[i] - r2));
  return res;
}

// n pairs on the circle of radius r with tangent momenta whose angular move
// omega h / m ranges over [0, max_angle] (pair 0 has zero momentum, pair 1 a
// tiny one that takes the small-angle branch).
Pairs tangent_pairs(std::size_t n, double r, double h, double m, double max_angle,
                    std::uint64_t seed) {
  RngStream rng(StreamKey{seed, 0, 0, 0, 0});
  Pairs s;
  for (std::size_t i = 0; i < n; ++i) {
    const double phi = 2 * kPi * rng.uniform();
    double angle = max_angle * (2 * rng.uniform() - 1);
    if (i == 0) angle = 0;
    if (i == 1) angle = 1e-12;
    const double omega = angle / h;
    s.theta.push_back(r * std::cos(phi));
    s.xi.push_back(r * std::sin(phi));
    s.ptheta.push_back(-m * r * omega * std::sin(phi));
    s.pxi.push_back(m * r * omega * std::cos(phi));
  }
  return s;
}

// Pairs on the circle with arbitrary (not tangent) momenta whose move
// d = (h/m) p has |d| <= max_move * r (a root exists when |d_perp| < r:
// disc = r^4 + (q0.d)^2 - r^2 |d|^2); `failing` of them get a tangential move
// of 2r, which has no root.
Pairs moving_pairs(std::size_t n, std::size_t failing, double r, double h, double m,
                   double min_move, double max_move, std::uint64_t seed) {
  RngStream rng(StreamKey{seed, 0, 0, 1, 0});
  Pairs s;
  for (std::size_t i = 0; i < n; ++i) {
    const double phi = 2 * kPi * rng.uniform();
    const double dir = 2 * kPi * rng.uniform();
    const double len = r * (min_move + (max_move - min_move) * rng.uniform());
    s.theta.push_back(r * std::cos(phi));
    s.xi.push_back(r * std::sin(phi));
    double dt = len * std::cos(dir), dx = len * std::sin(dir);
    if (i < failing) {
      dt = -2 * r * std::sin(phi);
      dx = 2 * r * std::cos(phi);
    }
    s.ptheta.push_back(m / h * dt);
    s.pxi.push_back(m / h * dx);
  }
  return s;
}

double max_rel_diff(const std::vector<double>& ref, const std::vector<double>& got, double scale) {
  double d = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) d = std::max(d, std::abs(ref[i] - got[i]));
  return d / scale;
}

template <class S>
std::vector<double> to_double(const std::vector<S>& v) {
  return std::vector<double>(v.begin(), v.end());
}

double momentum_scale(const Pairs& s) {
  double m = 0;
  for (std::size_t i = 0; i < s.size(); ++i) m = std::max(m, std::hypot(s.ptheta[i], s.pxi[i]));
  return m;
}

// Runs the kernel in scalar S on a copy of `in` and compares with `ref`.
template <class S>
void compare_shake_drift(const Pairs& in, double h, double m, double r, double tol) {
  Pairs ref = in;
  const int ref_failures = ref_shake_drift(ref, h, m, r * r);
  REQUIRE(ref_failures == 0);
  auto t = in.as<S>(in.theta), x = in.as<S>(in.xi), pt = in.as<S>(in.ptheta), px = in.as<S>(in.pxi);
  const auto res =
      cola::circle::shake_drift<S>(t.data(), x.data(), pt.data(), px.data(),
                                   std::ptrdiff_t(in.size()), S(h / m), S(m / h), S(r * r));
  CHECK(res.failures == 0);
  CHECK(max_rel_diff(ref.theta, to_double(t), r) < tol);
  CHECK(max_rel_diff(ref.xi, to_double(x), r) < tol);
  const double ps = momentum_scale(ref);
  CHECK(max_rel_diff(ref.ptheta, to_double(pt), ps) < tol);
  CHECK(max_rel_diff(ref.pxi, to_double(px), ps) < tol);
  CHECK(std::abs(double(res.residual) - ref_residual(ref, r * r)) < tol * r * r);
}

template <class S>
void compare_rotation(const Pairs& in, double h, double m, double r, double tol) {
  Pairs ref = in;
  ref_rotation_drift(ref, h, m, r);
  auto t = in.as<S>(in.theta), x = in.as<S>(in.xi), pt = in.as<S>(in.ptheta), px = in.as<S>(in.pxi);
  const auto res = cola::circle::rotation_drift<S>(t.data(), x.data(), pt.data(), px.data(),
                                                   std::ptrdiff_t(in.size()), S(h), S(1 / m), S(r));
  CHECK(res.failures == 0);
  CHECK(max_rel_diff(ref.theta, to_double(t), r) < tol);
  CHECK(max_rel_diff(ref.xi, to_double(x), r) < tol);
  const double ps = momentum_scale(ref);
  CHECK(max_rel_diff(ref.ptheta, to_double(pt), ps) < tol);
  CHECK(max_rel_diff(ref.pxi, to_double(px), ps) < tol);
  CHECK(double(res.residual) < tol * r * r);
}

template <class S>
void compare_shake(const Pairs& in, double h, double m, double r, double tol) {
  Pairs cur = in;
  for (std::size_t i = 0; i < in.size(); ++i) {
    cur.theta[i] += h / m * in.ptheta[i];
    cur.xi[i] += h / m * in.pxi[i];
  }
  Pairs ref = cur;
  const int ref_failures = ref_shake(in, ref, r * r);
  const auto t0 = in.as<S>(in.theta), x0 = in.as<S>(in.xi);
  auto t = in.as<S>(cur.theta), x = in.as<S>(cur.xi);
  const auto res = cola::circle::shake<S>(t0.data(), x0.data(), t.data(), x.data(),
                                          std::ptrdiff_t(in.size()), S(r * r));
  CHECK(res.failures == ref_failures);
  if (ref_failures == 0) {
    CHECK(max_rel_diff(ref.theta, to_double(t), r) < tol);
    CHECK(max_rel_diff(ref.xi, to_double(x), r) < tol);
    CHECK(std::abs(double(res.residual) - ref_residual(ref, r * r)) < tol * r * r);
  }
}

template <class S>
void compare_rattle(const Pairs& in, double tol) {
  Pairs ref = in;
  Pairs q = in;
  Pairs p;
  p.theta = in.ptheta;
  p.xi = in.pxi;
  ref_rattle(q, p);
  const auto t = in.as<S>(in.theta), x = in.as<S>(in.xi);
  auto pt = in.as<S>(in.ptheta), px = in.as<S>(in.pxi);
  const S residual =
      cola::circle::rattle<S>(t.data(), x.data(), pt.data(), px.data(), std::ptrdiff_t(in.size()));
  // The residual comes from the same pass: max |theta ptheta + xi pxi| after it.
  S direct = 0;
  for (std::size_t i = 0; i < in.size(); ++i)
    direct = std::max(direct, std::abs(t[i] * pt[i] + x[i] * px[i]));
  CHECK(residual == direct);
  const double ps = momentum_scale(in);
  CHECK(max_rel_diff(p.theta, to_double(pt), ps) < tol);
  CHECK(max_rel_diff(p.xi, to_double(px), ps) < tol);
  // The fused kick + RATTLE is the kick followed by rattle(), bit for bit.
  const auto gt = in.as<S>(in.xi), gx = in.as<S>(in.theta);  // any gradient
  auto kt = in.as<S>(in.ptheta), kx = in.as<S>(in.pxi);
  auto st = kt, sx = kx;
  const S c = S(0.37);
  const S fused = cola::circle::kick_rattle<S>(t.data(), x.data(), kt.data(), kx.data(), gt.data(),
                                               gx.data(), c, std::ptrdiff_t(in.size()));
  for (std::size_t i = 0; i < in.size(); ++i) {
    st[i] -= c * gt[i];
    sx[i] -= c * gx[i];
  }
  const S split =
      cola::circle::rattle<S>(t.data(), x.data(), st.data(), sx.data(), std::ptrdiff_t(in.size()));
  CHECK(kt == st);
  CHECK(kx == sx);
  CHECK(fused == split);
}

// Tolerances relative to r (positions) and max |p| (momenta): a few hundred
// rounding units of each precision (the kernels and the references use
// different but equivalent formulas).
constexpr double kTolDouble = 1e-13;
constexpr double kTolFloat = 2e-5;

}  // namespace

TEST_CASE("circle kernels match the reference implementations (double and float)",
          "[circle][kernel]") {
  for (double r : {0.05, 1.0}) {
    for (double m : {1.0, 2.5}) {
      const double h = 0.3;
      INFO("r = " << r << ", m = " << m);
      const Pairs moving = moving_pairs(67, 0, r, h, m, 0.05, 0.5, 1);
      const Pairs tangent = tangent_pairs(67, r, h, m, 3.0, 2);
      SECTION("shake_drift") {
        compare_shake_drift<double>(moving, h, m, r, kTolDouble);
        compare_shake_drift<float>(moving, h, m, r, kTolFloat);
      }
      SECTION("rotation_drift") {
        compare_rotation<double>(tangent, h, m, r, kTolDouble);
        compare_rotation<float>(tangent, h, m, r, kTolFloat);
      }
      SECTION("shake") {
        compare_shake<double>(moving, h, m, r, kTolDouble);
        compare_shake<float>(moving, h, m, r, kTolFloat);
      }
      SECTION("shake without roots counts the failures") {
        const Pairs mixed = moving_pairs(67, 9, r, h, m, 0.05, 0.5, 3);
        compare_shake<double>(mixed, h, m, r, kTolDouble);
        compare_shake<float>(mixed, h, m, r, kTolFloat);
        auto t = mixed.theta, x = mixed.xi, pt = mixed.ptheta, px = mixed.pxi;
        const auto res = cola::circle::shake_drift<double>(t.data(), x.data(), pt.data(), px.data(),
                                                           67, h / m, m / h, r * r);
        CHECK(res.failures == 9);
      }
      SECTION("rattle") {
        compare_rattle<double>(moving, kTolDouble);
        compare_rattle<float>(moving, kTolFloat);
      }
    }
  }
}

TEST_CASE("the rotation drift holds theta^2 + xi^2 = r^2 to 1e-12 over 10^4 drifts",
          "[circle][kernel]") {
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  for (double r : {0.05, 1.0}) {
    const double h = 0.3, m = 1.7;
    const Pairs start = tangent_pairs(16, r, h, m, 2.0, 4);
    Pairs s = start;
    // Angle each pair should have turned through: the sum over drifts of
    // omega_k h, omega_k the signed angular velocity before drift k. (Summing
    // the actual omega_k separates the exactness of each rotation from the
    // rounding walk of the speed, which is checked on its own below.) The
    // sum reaches 2e4 rad, so it is kept in long double: in double its own
    // rounding (eps * 2e4 per addition) would exceed the kernel's.
    std::vector<long double> turned(s.size(), 0.0L);
    double worst_constraint = 0, worst_tangent = 0;
    constexpr int kDrifts = 10000;
    for (int k = 0; k < kDrifts; ++k) {
      for (std::size_t i = 0; i < s.size(); ++i)
        turned[i] += static_cast<long double>((s.theta[i] * s.pxi[i] - s.xi[i] * s.ptheta[i]) /
                                              (m * r * r) * h);
      cola::circle::rotation_drift<double>(s.theta.data(), s.xi.data(), s.ptheta.data(),
                                           s.pxi.data(), 16, h, 1 / m, r);
      for (std::size_t i = 0; i < s.size(); ++i) {
        const double rel = std::abs(s.theta[i] * s.theta[i] + s.xi[i] * s.xi[i] - r * r) / (r * r);
        worst_constraint = std::max(worst_constraint, rel);
        const double speed = std::hypot(s.ptheta[i], s.pxi[i]);
        if (speed > 0)
          worst_tangent = std::max(
              worst_tangent, std::abs(s.theta[i] * s.ptheta[i] + s.xi[i] * s.pxi[i]) / (r * speed));
      }
    }
    INFO("r = " << r);
    CHECK(worst_constraint <= 1e-12);
    CHECK(worst_tangent <= 1e-12);
    // Bounds for N = 10^4 drifts with rounding growing at most linearly:
    // N * 100 eps = 2.2e-10 (relative).
    const double bound = kDrifts * 100 * kEps;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const double speed0 = std::hypot(start.ptheta[i], start.pxi[i]);
      const double speed = std::hypot(s.ptheta[i], s.pxi[i]);
      CHECK(std::abs(speed - speed0) <= bound * speed0);
      const long double phi = std::atan2(start.xi[i], start.theta[i]) + turned[i];
      CHECK(std::abs(s.theta[i] - r * static_cast<double>(std::cos(phi))) <= bound * r);
      CHECK(std::abs(s.xi[i] - r * static_cast<double>(std::sin(phi))) <= bound * r);
    }
  }
}

namespace {

// Layout: "bias" (3), "theta" (2 x 3, mass 2); the constraint adds
// "theta.slack".
struct Fixture {
  ParameterLayout layout;
  std::shared_ptr<CircleConstraint> c;
  explicit Fixture(CircleDrift drift = CircleDrift::kRotation, double radius = 0.5) {
    layout.add_block("bias", 3);
    layout.add_block("theta", 2, 3, 2.0);
    c = std::make_shared<CircleConstraint>("theta", radius, drift);
    c->bind(layout);
  }
  Vector on_manifold(std::uint64_t seed) const {
    Vector q = 0.2 * random_vector(layout.size(), seed);
    c->initialise_slack(q);
    return q;
  }
  Vector tangent_momentum(const Vector& q, std::uint64_t seed) const {
    Vector p = random_vector(layout.size(), seed);
    REQUIRE(c->project_momentum(q, p).ok());
    return p;
  }
};

}  // namespace

TEST_CASE("binding creates the slack block with the same shape and mass", "[circle]") {
  Fixture f;
  REQUIRE(f.layout.num_blocks() == 3);
  const auto& s = f.layout.block(2);
  CHECK(s.name == "theta.slack");
  CHECK(f.c->slack_block() == "theta.slack");
  CHECK(s.rows == 2);
  CHECK(s.cols == 3);
  CHECK(s.mass == 2.0);
  CHECK(f.c->num_constraints() == 6);
  CHECK(f.c->num_variables() == 12);
  CHECK(f.c->name() == "circle(theta)");
  CHECK(f.c->radius() == 0.5);
}

TEST_CASE("a slack block added beforehand with the right shape is reused", "[circle]") {
  ParameterLayout layout;
  layout.add_block("theta", 4);
  layout.add_block("theta.slack", 4);
  CircleConstraint c("theta", 1.0);
  c.bind(layout);
  CHECK(layout.num_blocks() == 2);
  CHECK(c.blocks() == std::vector<Index>{0, 1});
}

TEST_CASE("initialise_slack sets xi = sign(xi) sqrt(r^2 - theta^2) and clips", "[circle]") {
  ParameterLayout layout;
  layout.add_block("theta", 4);
  CircleConstraint c("theta", 0.5);
  c.bind(layout);
  Vector q(8);
  q << 0.3, -0.7, 0.5, 0.0, /* slack */ 0.0, 1.0, 2.0, -3.0;
  CHECK(c.initialise_slack(q) == 1);
  CHECK(q[0] == 0.3);
  CHECK(q[1] == -0.5);  // clipped
  CHECK(q[4] == Approx(0.4));
  CHECK(q[5] == 0.0);
  CHECK(q[6] == 0.0);
  CHECK(q[7] == -0.5);  // negative slack keeps its sign
  CHECK(c.residual(q) < 1e-15);
  Vector q2 = q;
  q2[0] = 0.1;
  const auto r = c.retract(q2, {});
  CHECK(r.ok());
  CHECK(c.residual(q2) < 1e-15);
}

TEST_CASE("project_position is the kernel's SHAKE on the blocks", "[circle]") {
  Fixture f;
  const Vector q_old = f.on_manifold(1);
  const Vector q_tilde = q_old + 0.05 * random_vector(f.layout.size(), 2);
  Vector q = q_tilde;
  const auto r = f.c->project_position(q_old, q, {});
  REQUIRE(r.ok());
  CHECK(f.c->residual(q) < 1e-15);
  CHECK(q.head(3) == q_tilde.head(3));
  Vector qg = q_tilde;
  REQUIRE(f.c->generic_project_position(q_old, qg, {}).ok());
  CHECK(max_abs_diff(q, qg) < 1e-10);
}

TEST_CASE("project_position without a root reports kNoRoot naming the constraint",
          "[circle][failure]") {
  Fixture f;
  const Vector q_old = f.on_manifold(3);
  Vector q = q_old;
  // A tangential move of 2r for pair 4: no point of its circle along the old normal.
  const Index t = 3 + 4, s = 9 + 4;
  q[t] -= 2 * 0.5 * q_old[s] / 0.5;
  q[s] += 2 * 0.5 * q_old[t] / 0.5;
  const auto r = f.c->project_position(q_old, q, {});
  CHECK(r.status == ProjectionStatus::kNoRoot);
  CHECK(r.source == f.c.get());
  CHECK_THAT(r.describe(), Contains("no_root") && Contains("circle(theta)"));
}

TEST_CASE("RATTLE removes the radial component of each pair", "[circle]") {
  Fixture f;
  const Vector q = f.on_manifold(4);
  const Vector p0 = random_vector(f.layout.size(), 5);
  Vector p = p0;
  REQUIRE(f.c->project_momentum(q, p).ok());
  CHECK(f.c->velocity_residual(q, p) < 1e-15);
  Vector pg = p0;
  REQUIRE(f.c->generic_project_momentum(q, pg).ok());
  CHECK(max_abs_diff(p, pg) < 1e-14);
  CHECK(p.head(3) == p0.head(3));
}

TEST_CASE("the shake drift equals the unfused A substep", "[circle]") {
  Fixture f(CircleDrift::kShake);
  Vector q1 = f.on_manifold(6);
  Vector p1 = f.tangent_momentum(q1, 7);
  Vector q2 = q1, p2 = p1;
  const auto r1 = f.c->drift(q1, p1, 0.05, {});
  const auto r2 = f.c->Constraint::drift(q2, p2, 0.05, {});  // generic composition
  REQUIRE(r1.ok());
  REQUIRE(r2.ok());
  CHECK(max_abs_diff(q1, q2) < 1e-15);
  CHECK(max_abs_diff(p1, p2) < 1e-12);
  CHECK(f.c->residual(q1) < 1e-15);
  CHECK(f.c->velocity_residual(q1, p1) < 1e-13);
}

TEST_CASE("both drifts agree to O(h^3) and stay on the circles", "[circle]") {
  // One drift of size h: SHAKE/RATTLE is a second-order approximation of the
  // geodesic flow, so positions differ by O(h^3).
  Fixture rot(CircleDrift::kRotation), sh(CircleDrift::kShake);
  const Vector q0 = rot.on_manifold(8);
  const Vector p0 = rot.tangent_momentum(q0, 9);
  double previous = 0;
  for (double h : {0.04, 0.02, 0.01}) {
    Vector q1 = q0, p1 = p0, q2 = q0, p2 = p0;
    REQUIRE(rot.c->drift(q1, p1, h, {}).ok());
    REQUIRE(sh.c->drift(q2, p2, h, {}).ok());
    CHECK(rot.c->residual(q1) < 1e-15);
    CHECK(sh.c->residual(q2) < 1e-15);
    const double d = max_abs_diff(q1, q2);
    if (previous > 0) CHECK(d < previous / 6);  // 8x in exact arithmetic
    previous = d;
  }
}

TEST_CASE("NaN in q gives kNonFinite from projections and drifts", "[circle][failure]") {
  for (auto drift : {CircleDrift::kRotation, CircleDrift::kShake}) {
    Fixture f(drift);
    Vector q = f.on_manifold(10);
    Vector p = f.tangent_momentum(q, 11);
    const Vector q_old = q;
    q[3] = std::numeric_limits<double>::quiet_NaN();
    Vector qq = q;
    CHECK(f.c->project_position(q_old, qq, {}).status == ProjectionStatus::kNonFinite);
    Vector pp = p;
    CHECK(f.c->project_momentum(q, pp).status == ProjectionStatus::kNonFinite);
    CHECK(f.c->drift(q, p, 0.1, {}).status == ProjectionStatus::kNonFinite);
  }
}

TEST_CASE("CircleConstraint rejects a bad radius and inconsistent slack blocks",
          "[circle][error]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double radius : {0.0, -0.1, nan, inf}) {
    REQUIRE_THROWS_AS(CircleConstraint("theta", radius), ConfigError);
    REQUIRE_THROWS_WITH(
        CircleConstraint("theta", radius),
        Contains("circle(theta)") && Contains("radius must be finite and positive"));
  }
  {
    ParameterLayout layout;
    layout.add_block("theta", 2, 3);
    layout.add_block("theta.slack", 3, 2);
    CircleConstraint c("theta", 1.0);
    REQUIRE_THROWS_AS(c.bind(layout), ConfigError);
  }
  {
    ParameterLayout layout;
    layout.add_block("theta", 2, 3);
    layout.add_block("theta.slack", 3, 2);
    CircleConstraint c("theta", 1.0);
    REQUIRE_THROWS_WITH(c.bind(layout), Contains("'theta.slack'") && Contains("shape"));
  }
  {
    ParameterLayout layout;
    layout.add_block("theta", 2, 3);
    layout.add_block("theta.slack", 2, 3, 4.0);
    CircleConstraint c("theta", 1.0);
    REQUIRE_THROWS_WITH(c.bind(layout), Contains("same mass"));
  }
  {
    ParameterLayout layout;
    layout.add_block("w", 2);
    CircleConstraint c("theta", 1.0);
    REQUIRE_THROWS_WITH(c.bind(layout),
                        Contains("unknown parameter block 'theta'") && Contains("valid: w"));
  }
}
