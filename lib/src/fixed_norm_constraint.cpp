#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/numeric.hpp>

#include <cmath>
#include <vector>

namespace cola {
namespace {

using StridedMap = Eigen::Map<Vector, 0, Eigen::InnerStride<>>;
using ConstStridedMap = Eigen::Map<const Vector, 0, Eigen::InnerStride<>>;

std::string default_name(const std::string& block, NormGroups groups) {
  const char* kind = groups == NormGroups::kBlock  ? "norm"
                     : groups == NormGroups::kRows ? "row_norm"
                                                   : "column_norm";
  return std::string(kind) + "(" + block + ")";
}

}  // namespace

FixedNormConstraint::FixedNormConstraint(const std::string& block, double radius, NormGroups groups,
                                         std::string name)
    : Constraint(name.empty() ? default_name(block, groups) : std::move(name), {block}),
      radius_(radius),
      groups_(groups) {
  require(std::isfinite(radius) && radius > 0,
          describe() + ": radius must be finite and positive (got " + std::to_string(radius) + ")");
}

Index FixedNormConstraint::num_constraints() const {
  const BlockInfo& b = block_infos().front();
  return groups_ == NormGroups::kBlock ? 1 : groups_ == NormGroups::kRows ? b.rows : b.cols;
}

FixedNormConstraint::Group FixedNormConstraint::group(Index i) const {
  const BlockInfo& b = block_infos().front();
  switch (groups_) {
    case NormGroups::kRows: return {b.offset + i, b.cols, b.rows};
    case NormGroups::kColumns: return {b.offset + i * b.rows, b.rows, 1};
    case NormGroups::kBlock: break;
  }
  return {b.offset, b.size(), 1};
}

void FixedNormConstraint::value(const Vector& q, VectorRef g) const {
  const double r2 = radius_ * radius_;
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    g[i] = ConstStridedMap(q.data() + k.start, k.length, Eigen::InnerStride<>(k.stride))
               .squaredNorm() -
           r2;
  }
}

void FixedNormConstraint::jacobian(const Vector& q, MatrixRef jac) const {
  jac.setZero();
  const Index base = block_infos().front().offset;
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    for (Index j = 0; j < k.length; ++j) {
      const Index at = k.start + j * k.stride;
      jac(i, at - base) = 2 * q[at];
    }
  }
}

void FixedNormConstraint::sparse_jacobian(const Vector& q, SparseMatrix& jac) const {
  const Index base = block_infos().front().offset;
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(static_cast<std::size_t>(num_variables()));
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    for (Index j = 0; j < k.length; ++j) {
      const Index at = k.start + j * k.stride;
      t.emplace_back(i, at - base, 2 * q[at]);
    }
  }
  jac.resize(num_constraints(), num_variables());
  jac.setFromTriplets(t.begin(), t.end());
}

double FixedNormConstraint::velocity_residual(const Vector& q, const Vector& p) const {
  const double minv = 1.0 / block_infos().front().mass;
  double r = 0;
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    const Eigen::InnerStride<> s(k.stride);
    const double v = 2 * minv *
                     ConstStridedMap(q.data() + k.start, k.length, s)
                         .dot(ConstStridedMap(p.data() + k.start, k.length, s));
    if (!std::isfinite(v)) return NAN;
    r = std::max(r, std::abs(v));
  }
  return r;
}

ProjectionResult FixedNormConstraint::project_position(const Vector& q_old, Vector& q,
                                                       const SolverOptions& /*options*/) const {
  const double r2 = radius_ * radius_;
  double res = 0;
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    const Eigen::InnerStride<> s(k.stride);
    ConstStridedMap u(q_old.data() + k.start, k.length, s);
    StridedMap x(q.data() + k.start, k.length, s);
    double lambda = 0;
    if (!smallest_root(u.squaredNorm(), x.dot(u), x.squaredNorm() - r2, lambda)) {
      // smallest_root also fails on NaN; report that as what it is.
      const double defect = std::abs(x.squaredNorm() - r2);
      if (!std::isfinite(defect) || !std::isfinite(u.squaredNorm()))
        return make_result(ProjectionStatus::kNonFinite, 1, NAN);
      return make_result(ProjectionStatus::kNoRoot, 1, defect);
    }
    x += lambda * u;
    res = std::max(res, std::abs(x.squaredNorm() - r2));
  }
  if (!std::isfinite(res)) return make_result(ProjectionStatus::kNonFinite, 1, NAN);
  return make_result(ProjectionStatus::kConverged, 1, res);
}

ProjectionResult FixedNormConstraint::project_momentum(const Vector& q, Vector& p) const {
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    const Eigen::InnerStride<> s(k.stride);
    ConstStridedMap x(q.data() + k.start, k.length, s);
    StridedMap v(p.data() + k.start, k.length, s);
    v -= (x.dot(v) / x.squaredNorm()) * x;
  }
  const double res = velocity_residual(q, p);
  return make_result(
      std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
}

ProjectionResult FixedNormConstraint::retract(Vector& q, const SolverOptions& /*options*/) const {
  double res = 0;
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    StridedMap x(q.data() + k.start, k.length, Eigen::InnerStride<>(k.stride));
    const double n = x.norm();
    if (!(n > 0)) return make_result(ProjectionStatus::kSingular, 1, radius_ * radius_);
    x *= radius_ / n;
    res = std::max(res, std::abs(x.squaredNorm() - radius_ * radius_));
  }
  return make_result(ProjectionStatus::kConverged, 1, res);
}

void FixedNormConstraint::second_derivatives(const Vector& /*q*/, ConstMatrixRef directions,
                                             VectorRef out) const {
  // Hess g_G = 2 I on group G.
  out.setZero();
  const Index base = block_infos().front().offset;
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    for (Index j = 0; j < k.length; ++j) {
      const Index at = k.start + j * k.stride - base;
      out[at] += 2 * directions(at, i);
    }
  }
}

double FixedNormConstraint::log_det_gram(const Vector& q, double scale, Vector& gradient) const {
  // Groups are disjoint, so G M^-1 G^T = diag(4 |w_G|^2 / m) and
  // grad log(4 |w_G|^2 / m) = 2 w_G / |w_G|^2. The value is checked first so
  // that a failure leaves `gradient` unchanged.
  const double four_over_mass = 4 / block_infos().front().mass;
  double log_det = 0;
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    log_det += std::log(four_over_mass * ConstStridedMap(q.data() + k.start, k.length,
                                                         Eigen::InnerStride<>(k.stride))
                                             .squaredNorm());
  }
  if (!std::isfinite(log_det)) return log_det;
  for (Index i = 0; i < num_constraints(); ++i) {
    const Group k = group(i);
    const ConstStridedMap w(q.data() + k.start, k.length, Eigen::InnerStride<>(k.stride));
    StridedMap(gradient.data() + k.start, k.length, Eigen::InnerStride<>(k.stride)) +=
        (2 * scale / w.squaredNorm()) * w;
  }
  return log_det;
}

}  // namespace cola
