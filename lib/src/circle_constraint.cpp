#include <cola/circle_constraint.hpp>
#include <cola/circle_kernels.hpp>
#include <cola/detail/kernel_clones.hpp>
#include <cola/error.hpp>
#include <cola/numeric.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace cola {

namespace {

// The kernels run on AVX-512/AVX2 clones (detail/kernel_clones.hpp).

COLA_KERNEL_CLONES circle::KernelResult<double> rotation_drift_clone(double* theta, double* xi,
                                                                     double* pt, double* px,
                                                                     std::ptrdiff_t n, double h,
                                                                     double inv_m, double radius) {
  return circle::rotation_drift(theta, xi, pt, px, n, h, inv_m, radius);
}

COLA_KERNEL_CLONES circle::KernelResult<double> shake_drift_clone(double* theta, double* xi,
                                                                  double* pt, double* px,
                                                                  std::ptrdiff_t n, double h_over_m,
                                                                  double m_over_h, double r2) {
  return circle::shake_drift(theta, xi, pt, px, n, h_over_m, m_over_h, r2);
}

COLA_KERNEL_CLONES circle::KernelResult<double> shake_clone(const double* theta0, const double* xi0,
                                                            double* theta, double* xi,
                                                            std::ptrdiff_t n, double r2) {
  return circle::shake(theta0, xi0, theta, xi, n, r2);
}

COLA_KERNEL_CLONES double rattle_clone(const double* theta, const double* xi, double* pt,
                                       double* px, std::ptrdiff_t n) {
  return circle::rattle(theta, xi, pt, px, n);
}

COLA_KERNEL_CLONES double kick_rattle_clone(const double* theta, const double* xi, double* pt,
                                            double* px, const double* gt, const double* gx,
                                            double coefficient, std::ptrdiff_t n) {
  return circle::kick_rattle(theta, xi, pt, px, gt, gx, coefficient, n);
}

}  // namespace

CircleConstraint::CircleConstraint(const std::string& block, double radius, CircleDrift drift,
                                   std::string name)
    : Constraint(name.empty() ? "circle(" + block + ")" : std::move(name),
                 {block, block + ".slack"}),
      radius_(radius),
      drift_(drift) {
  require(std::isfinite(radius) && radius > 0,
          describe() + ": radius must be finite and positive (got " + std::to_string(radius) + ")");
}

void CircleConstraint::declare_blocks(ParameterLayout& layout) {
  const BlockInfo& b = layout.block(layout.index_of(block_names()[0]));
  if (layout.find(slack_block()) < 0) layout.add_block(slack_block(), b.rows, b.cols, b.mass);
}

void CircleConstraint::validate_binding() {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  require(t.rows == s.rows && t.cols == s.cols,
          describe() + ": slack block '" + s.name + "' must have the shape of '" + t.name + "'");
  require(t.mass == s.mass, describe() + ": blocks '" + t.name + "' and '" + s.name +
                                "' must have the same mass (the closed forms assume it)");
}

void CircleConstraint::value(const Vector& q, VectorRef g) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  g = q.segment(t.offset, t.size()).array().square() +
      q.segment(s.offset, s.size()).array().square() - radius_ * radius_;
}

void CircleConstraint::jacobian(const Vector& q, MatrixRef jac) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  jac.setZero();
  for (Index i = 0; i < t.size(); ++i) {
    jac(i, i) = 2 * q[t.offset + i];
    jac(i, t.size() + i) = 2 * q[s.offset + i];
  }
}

void CircleConstraint::sparse_jacobian(const Vector& q, SparseMatrix& jac) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  std::vector<Eigen::Triplet<double>> trip;
  trip.reserve(static_cast<std::size_t>(2 * t.size()));
  for (Index i = 0; i < t.size(); ++i) {
    trip.emplace_back(i, i, 2 * q[t.offset + i]);
    trip.emplace_back(i, t.size() + i, 2 * q[s.offset + i]);
  }
  jac.resize(t.size(), 2 * t.size());
  jac.setFromTriplets(trip.begin(), trip.end());
}

double CircleConstraint::velocity_residual(const Vector& q, const Vector& p) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  const double v =
      inf_norm(q.segment(t.offset, t.size()).cwiseProduct(p.segment(t.offset, t.size())) +
               q.segment(s.offset, s.size()).cwiseProduct(p.segment(s.offset, s.size())));
  return 2 * v / t.mass;
}

ProjectionResult CircleConstraint::project_position(const Vector& q_old, Vector& q,
                                                    const SolverOptions& /*options*/) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  const auto r = shake_clone(q_old.data() + t.offset, q_old.data() + s.offset, q.data() + t.offset,
                             q.data() + s.offset, t.size(), radius_ * radius_);
  if (r.nonfinite > 0 || !std::isfinite(r.residual))
    return make_result(ProjectionStatus::kNonFinite, 1, NAN);
  return make_result(r.failures ? ProjectionStatus::kNoRoot : ProjectionStatus::kConverged, 1,
                     r.residual);
}

ProjectionResult CircleConstraint::project_momentum(const Vector& q, Vector& p) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  const double res = 2 / t.mass *
                     rattle_clone(q.data() + t.offset, q.data() + s.offset, p.data() + t.offset,
                                  p.data() + s.offset, t.size());
  return make_result(
      std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
}

ProjectionResult CircleConstraint::kick(const Vector& q, Vector& p, double coefficient,
                                        const Vector& gradient) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  const double res =
      2 / t.mass *
      kick_rattle_clone(q.data() + t.offset, q.data() + s.offset, p.data() + t.offset,
                        p.data() + s.offset, gradient.data() + t.offset, gradient.data() + s.offset,
                        coefficient, t.size());
  return make_result(
      std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
}

ProjectionResult CircleConstraint::drift(Vector& q, Vector& p, double h,
                                         const SolverOptions& /*options*/) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  double* theta = q.data() + t.offset;
  double* xi = q.data() + s.offset;
  double* pt = p.data() + t.offset;
  double* px = p.data() + s.offset;
  const auto r = drift_ == CircleDrift::kShake
                     ? shake_drift_clone(theta, xi, pt, px, t.size(), h / t.mass, t.mass / h,
                                         radius_ * radius_)
                     : rotation_drift_clone(theta, xi, pt, px, t.size(), h, 1.0 / t.mass, radius_);
  if (r.nonfinite > 0 || !std::isfinite(r.residual))
    return make_result(ProjectionStatus::kNonFinite, 1, NAN);
  return make_result(r.failures ? ProjectionStatus::kNoRoot : ProjectionStatus::kConverged, 1,
                     r.residual);
}

namespace {

// One op's kernel results over the tiles of a sweep, reduced as the
// whole-array kernels reduce over pairs.
struct OpTotals {
  std::ptrdiff_t failures = 0, nonfinite = 0;
  double residual = 0;        // max over the finite pairs
  bool nan_residual = false;  // some tile's residual was not finite
  void add(const circle::KernelResult<double>& r) {
    failures += r.failures;
    nonfinite += r.nonfinite;
    if (!std::isfinite(r.residual))
      nan_residual = true;
    else
      residual = std::max(residual, r.residual);
  }
  // rattle()/kick_rattle() return NaN when any pair is not finite.
  void add_rattle(double r) {
    if (std::isnan(r))
      nan_residual = true;
    else
      residual = std::max(residual, r);
  }
};

}  // namespace

void CircleConstraint::substeps(Vector& q, Vector& p, const Vector& gradient, const Vector& noise,
                                const SubstepOp* ops, std::size_t n,
                                const SolverOptions& /*options*/, ProjectionResult* results) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  std::array<OpTotals, kMaxSweepOps> totals{};
  require(n <= kMaxSweepOps, describe() + ": a sweep takes at most 16 substeps");
  const double r2 = radius_ * radius_;
  const Index pairs = t.size();
  for (Index i0 = 0; i0 < pairs; i0 += kTile) {
    const Index m = std::min(kTile, pairs - i0);
    double* theta = q.data() + t.offset + i0;
    double* xi = q.data() + s.offset + i0;
    double* pt = p.data() + t.offset + i0;
    double* px = p.data() + s.offset + i0;
    for (std::size_t k = 0; k < n; ++k) {
      const SubstepOp& op = ops[k];
      switch (op.kind) {
        case SubstepOp::Kind::kKick:
          totals[k].add_rattle(kick_rattle_clone(theta, xi, pt, px, gradient.data() + t.offset + i0,
                                                 gradient.data() + s.offset + i0, op.coefficient,
                                                 m));
          break;
        case SubstepOp::Kind::kDrift: {
          const double h = op.coefficient;
          totals[k].add(drift_ == CircleDrift::kShake
                            ? shake_drift_clone(theta, xi, pt, px, m, h / t.mass, t.mass / h, r2)
                            : rotation_drift_clone(theta, xi, pt, px, m, h, 1.0 / t.mass, radius_));
          break;
        }
        case SubstepOp::Kind::kThermostat: {
          const double scale = op.noise_scale * std::sqrt(t.mass);
          thermostat_entries(pt, noise.data() + t.offset + i0, m, op.coefficient, scale,
                             op.noisy());
          thermostat_entries(px, noise.data() + s.offset + i0, m, op.coefficient, scale,
                             op.noisy());
          if (op.noisy()) totals[k].add_rattle(rattle_clone(theta, xi, pt, px, m));
          break;
        }
      }
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    const OpTotals& o = totals[k];
    if (ops[k].kind == SubstepOp::Kind::kDrift) {
      results[k] =
          o.nonfinite > 0 || o.nan_residual
              ? make_result(ProjectionStatus::kNonFinite, 1, NAN)
              : make_result(o.failures ? ProjectionStatus::kNoRoot : ProjectionStatus::kConverged,
                            1, o.residual);
    } else if (ops[k].kind == SubstepOp::Kind::kKick || ops[k].noisy()) {
      const double res = o.nan_residual ? NAN : 2 / t.mass * o.residual;
      results[k] = make_result(
          std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
    } else {
      results[k] = ProjectionResult{};
    }
  }
}

Index CircleConstraint::initialise_slack(Vector& q) const {
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  Index clipped = 0;
  for (Index i = 0; i < t.size(); ++i) {
    double& theta = q[t.offset + i];
    double& xi = q[s.offset + i];
    if (std::abs(theta) > radius_) {
      theta = std::copysign(radius_, theta);
      ++clipped;
    }
    xi = std::copysign(std::sqrt(std::max(0.0, radius_ * radius_ - theta * theta)), xi);
  }
  return clipped;
}

ProjectionResult CircleConstraint::retract(Vector& q, const SolverOptions& /*options*/) const {
  initialise_slack(q);
  const double res = residual(q);
  return make_result(
      std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
}

void CircleConstraint::second_derivatives(const Vector& /*q*/, ConstMatrixRef directions,
                                          VectorRef out) const {
  // Hess g_i = 2 I on the pair (theta_i, xi_i).
  const Index n = block_infos()[0].size();
  for (Index i = 0; i < n; ++i) {
    out[i] = 2 * directions(i, i);
    out[n + i] = 2 * directions(n + i, i);
  }
}

double CircleConstraint::log_det_gram(const Vector& q, double scale, Vector& gradient) const {
  // Pairs are disjoint: G M^-1 G^T = diag(4 (theta_i^2 + xi_i^2) / m), and
  // the gradient of log(4 s_i / m) is 2 (theta_i, xi_i) / s_i.
  const BlockInfo& t = block_infos()[0];
  const BlockInfo& s = block_infos()[1];
  const auto theta = q.segment(t.offset, t.size()).array();
  const auto xi = q.segment(s.offset, s.size()).array();
  const Eigen::ArrayXd r2 = theta.square() + xi.square();
  const double log_det = (r2 * (4 / t.mass)).log().sum();
  if (!std::isfinite(log_det)) return log_det;
  gradient.segment(t.offset, t.size()).array() += 2 * scale * theta / r2;
  gradient.segment(s.offset, s.size()).array() += 2 * scale * xi / r2;
  return log_det;
}

}  // namespace cola
