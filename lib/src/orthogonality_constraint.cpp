#include <cola/error.hpp>
#include <cola/lyapunov.hpp>
#include <cola/numeric.hpp>
#include <cola/orthogonality_constraint.hpp>

#include <Eigen/Eigenvalues>
#include <Eigen/LU>

#include <cmath>
#include <functional>

namespace cola {
namespace {

// F = Y^T Y - I, through a symmetric rank-k update (half the flops of a GEMM).
void gram_defect(const Eigen::Ref<const Matrix>& y, Matrix& f) {
  const Index k = y.cols();
  f.setZero(k, k);
  f.selfadjointView<Eigen::Lower>().rankUpdate(y.transpose());
  f.triangularView<Eigen::StrictlyUpper>() = f.transpose();
  f.diagonal().array() -= 1.0;
}

struct Scratch {
  Matrix f, d, b, delta, y0, yt, qt;
  Eigen::PartialPivLU<Matrix> lu;
  LyapunovSolver lyapunov;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// The tall-case solver: Y (in/out) from the old point Q_old, both n x k.
ProjectionResult shake_tall(
    Eigen::Ref<Matrix> y, const Eigen::Ref<const Matrix>& q_old, const SolverOptions& opt,
    const std::function<ProjectionResult(ProjectionStatus, int, double, double)>& result) {
  Scratch& s = scratch();
  // A root whose frame is flipped relative to the old point, det(Q_old^T Y) <= 0,
  // is never the continuation of the step: for square W it lies on the other
  // component of O(k) (det W changes sign), for tall W it is a turn of at least
  // a right angle. It is reported as kNoRoot, for the failure policy to handle.
  // (Measured: CoLA-od at h = 0.05 on a 3 x 3 block reached such roots through
  // the Newton fallback in 3e-3 of the steps and left SO(3).)
  // Only Newton needs the check: the quasi-Newton map L -> L - 1/2 (L B + B^T L)
  // linearised at a root is a contraction only if every eigenvalue of
  // B = Q_old^T Y has positive real part, so a root it converges to has
  // det B > 0. Skipping it there saves a GEMM and an LU per projection.
  auto newton_converged = [&](int it, double r, double inc) {
    s.b.noalias() = q_old.transpose() * y;
    s.lu.compute(s.b);
    return result(s.lu.determinant() > 0 ? ProjectionStatus::kConverged : ProjectionStatus::kNoRoot,
                  it, r, inc);
  };
  gram_defect(y, s.f);
  const double r0 = inf_norm(s.f);
  if (!std::isfinite(r0)) return result(ProjectionStatus::kNonFinite, 0, r0, 0);
  if (r0 <= opt.tolerance) return result(ProjectionStatus::kConverged, 0, r0, 0);
  if (opt.newton_fallback) s.y0 = y;

  double r = r0, inc = 0;
  int it = 0;
  ProjectionStatus status = ProjectionStatus::kMaxIterations;
  while (it < opt.orthogonality_max_iterations) {
    ++it;
    s.d.noalias() = q_old * s.f;
    y.noalias() -= 0.5 * s.d;
    inc = 0.5 * inf_norm(s.d);
    gram_defect(y, s.f);
    r = inf_norm(s.f);
    if (!std::isfinite(r)) {
      status = ProjectionStatus::kNonFinite;
      break;
    }
    if (r <= opt.tolerance && inc <= opt.increment_tolerance)
      return result(ProjectionStatus::kConverged, it, r, inc);
    if (r > opt.divergence_factor * std::max(r0, opt.tolerance)) {
      status = ProjectionStatus::kDiverged;
      break;
    }
  }
  if (!opt.newton_fallback) return result(status, it, r, inc);

  // Newton from the unprojected point: each step solves the linearised
  // equation B^T D + D B = -F for the symmetric multiplier increment D. B is
  // factorised once, at the first Newton point (a chord / simplified Newton
  // method): the Schur form dominates the cost (measured ~30 s per projection
  // for 1000x784 when refactorised every step), and B changes only by the
  // accumulated multiplier, so convergence stays fast.
  y = s.y0;
  gram_defect(y, s.f);
  s.b.noalias() = q_old.transpose() * y;
  if (!s.lyapunov.compute(s.b)) return result(ProjectionStatus::kSingular, it, r, inc);
  for (int nit = 1; nit <= opt.max_iterations; ++nit) {
    ++it;
    if (!s.lyapunov.solve(-s.f, s.delta)) return result(ProjectionStatus::kNonFinite, it, r, inc);
    s.d.noalias() = q_old * s.delta;
    y += s.d;
    inc = inf_norm(s.d);
    gram_defect(y, s.f);
    r = inf_norm(s.f);
    if (!std::isfinite(r)) return result(ProjectionStatus::kNonFinite, it, r, inc);
    if (r <= opt.tolerance && inc <= opt.increment_tolerance) return newton_converged(it, r, inc);
    if (r > opt.divergence_factor * std::max(r0, opt.tolerance))
      return result(ProjectionStatus::kDiverged, it, r, inc);
  }
  return result(ProjectionStatus::kMaxIterations, it, r, inc);
}

}  // namespace

OrthogonalityConstraint::OrthogonalityConstraint(const std::string& block, std::string name)
    : Constraint(name.empty() ? "orthogonal(" + block + ")" : std::move(name), {block}) {}

void OrthogonalityConstraint::validate_binding() {}

bool OrthogonalityConstraint::tall() const {
  const BlockInfo& b = block_infos().front();
  return b.rows >= b.cols;
}

Index OrthogonalityConstraint::num_constraints() const {
  const BlockInfo& b = block_infos().front();
  const Index k = std::min(b.rows, b.cols);
  return k * (k + 1) / 2;
}

void OrthogonalityConstraint::value(const Vector& q, VectorRef g) const {
  const BlockInfo& b = block_infos().front();
  Eigen::Map<const Matrix> w(q.data() + b.offset, b.rows, b.cols);
  Matrix f;
  if (tall())
    gram_defect(w, f);
  else
    gram_defect(w.transpose(), f);
  Index idx = 0;
  for (Index j = 0; j < f.cols(); ++j)
    for (Index i = 0; i <= j; ++i) g[idx++] = f(i, j);
}

void OrthogonalityConstraint::jacobian(const Vector& q, MatrixRef jac) const {
  const BlockInfo& b = block_infos().front();
  Eigen::Map<const Matrix> w(q.data() + b.offset, b.rows, b.cols);
  const Matrix qm = tall() ? Matrix(w) : Matrix(w.transpose());
  const Index n = qm.rows(), k = qm.cols();
  // Local index of Q(a, c): W is stored column-major; Q = W or W^T.
  auto local = [&](Index a, Index c) { return tall() ? a + c * b.rows : c + a * b.rows; };
  jac.setZero();
  Index row = 0;
  for (Index j = 0; j < k; ++j)
    for (Index i = 0; i <= j; ++i, ++row)
      for (Index a = 0; a < n; ++a) {
        // d(Q^T Q)_ij / dQ_ac = delta_ci Q_aj + delta_cj Q_ai
        jac(row, local(a, i)) += qm(a, j);
        jac(row, local(a, j)) += qm(a, i);
      }
}

double OrthogonalityConstraint::residual(const Vector& q) const {
  const BlockInfo& b = block_infos().front();
  Eigen::Map<const Matrix> w(q.data() + b.offset, b.rows, b.cols);
  Matrix f;
  if (tall())
    gram_defect(w, f);
  else
    gram_defect(w.transpose(), f);
  return inf_norm(f);
}

double OrthogonalityConstraint::velocity_residual(const Vector& q, const Vector& p) const {
  const BlockInfo& b = block_infos().front();
  Eigen::Map<const Matrix> w(q.data() + b.offset, b.rows, b.cols);
  Eigen::Map<const Matrix> v(p.data() + b.offset, b.rows, b.cols);
  const Matrix s = tall() ? Matrix(w.transpose() * v) : Matrix(w * v.transpose());
  // dg[V] = Q^T V + V^T Q = 2 sym(Q^T V), and V = M^-1 P.
  return inf_norm(s + s.transpose()) / b.mass;
}

ProjectionResult OrthogonalityConstraint::project_position(const Vector& q_old, Vector& q,
                                                           const SolverOptions& options) const {
  const BlockInfo& b = block_infos().front();
  Eigen::Map<Matrix> w(q.data() + b.offset, b.rows, b.cols);
  Eigen::Map<const Matrix> w_old(q_old.data() + b.offset, b.rows, b.cols);
  auto result = [this](ProjectionStatus st, int it, double r, double inc) {
    return make_result(st, it, r, inc);
  };
  if (tall()) return shake_tall(w, w_old, options, result);
  Scratch& s = scratch();
  s.yt = w.transpose();
  s.qt = w_old.transpose();
  const ProjectionResult r = shake_tall(s.yt, s.qt, options, result);
  w = s.yt.transpose();
  return r;
}

ProjectionResult OrthogonalityConstraint::project_momentum(const Vector& q, Vector& p) const {
  const BlockInfo& b = block_infos().front();
  Eigen::Map<const Matrix> w(q.data() + b.offset, b.rows, b.cols);
  Eigen::Map<Matrix> v(p.data() + b.offset, b.rows, b.cols);
  Scratch& s = scratch();
  if (tall()) {
    s.b.noalias() = w.transpose() * v;
    s.f = 0.5 * (s.b + s.b.transpose());
    v.noalias() -= w * s.f;
  } else {
    s.b.noalias() = v * w.transpose();
    s.f = 0.5 * (s.b + s.b.transpose());
    v.noalias() -= s.f * w;
  }
  const double res = velocity_residual(q, p);
  return make_result(
      std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
}

ProjectionResult OrthogonalityConstraint::retract(Vector& q, const SolverOptions& options) const {
  const BlockInfo& b = block_infos().front();
  Eigen::Map<Matrix> w(q.data() + b.offset, b.rows, b.cols);
  // The polar factor Y (Y^T Y)^{-1/2}. Its orthogonality error grows with the
  // condition number of Y (about 1e-11 for a 100 x 100 PyTorch-initialised
  // matrix), so a second or third pass, on an already nearly orthogonal
  // matrix, brings it to rounding level.
  constexpr int kPasses = 3;
  double res = 0;
  for (int pass = 1; pass <= kPasses; ++pass) {
    Matrix y = tall() ? Matrix(w) : Matrix(w.transpose());
    Eigen::SelfAdjointEigenSolver<Matrix> eig(y.transpose() * y);
    // A numerically rank-deficient Q has no polar factor: an eigenvalue of
    // Q^T Q at rounding level, even if positive, must not be inverted.
    constexpr double kMinRelativeEigenvalue = 1e-13;
    if (eig.info() != Eigen::Success ||
        !(eig.eigenvalues().minCoeff() > kMinRelativeEigenvalue * eig.eigenvalues().maxCoeff()))
      return make_result(ProjectionStatus::kSingular, pass, residual(q));
    const Matrix inv_sqrt = eig.eigenvectors() *
                            eig.eigenvalues().cwiseSqrt().cwiseInverse().asDiagonal() *
                            eig.eigenvectors().transpose();
    y = y * inv_sqrt;
    if (tall())
      w = y;
    else
      w = y.transpose();
    res = residual(q);
    if (!std::isfinite(res)) return make_result(ProjectionStatus::kNonFinite, pass, res);
    // Converged means on the manifold, not merely finite.
    if (res <= options.tolerance) return make_result(ProjectionStatus::kConverged, pass, res);
  }
  return make_result(ProjectionStatus::kMaxIterations, kPasses, res);
}

void OrthogonalityConstraint::second_derivatives(const Vector& /*q*/, ConstMatrixRef directions,
                                                 VectorRef out) const {
  // Row (i, j) of g is sum_a Q_ai Q_aj, so the gradient of
  // sum_a (D_ai Q_aj + D_aj Q_ai) is D_ai at Q_aj and D_aj at Q_ai.
  const BlockInfo& b = block_infos().front();
  const Index n = tall() ? b.rows : b.cols, k = tall() ? b.cols : b.rows;
  auto local = [&](Index a, Index c) { return tall() ? a + c * b.rows : c + a * b.rows; };
  out.setZero();
  Index row = 0;
  for (Index j = 0; j < k; ++j)
    for (Index i = 0; i <= j; ++i, ++row)
      for (Index a = 0; a < n; ++a) {
        out[local(a, j)] += directions(local(a, i), row);
        out[local(a, i)] += directions(local(a, j), row);
      }
}

}  // namespace cola
