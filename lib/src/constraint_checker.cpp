#include <cola/constraint_checker.hpp>
#include <cola/numeric.hpp>
#include <cola/rng.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace cola {
namespace {

std::string num(double x) {
  std::ostringstream os;
  os.precision(3);
  os << x;
  return os.str();
}

}  // namespace

std::string CheckReport::summary() const {
  if (ok()) return "ok";
  std::string s;
  for (const auto& f : failures) s += f + "\n";
  return s;
}

CheckReport check_constraint(const Constraint& c, const Vector& q, const CheckOptions& o) {
  CheckReport rep;
  auto fail = [&](const std::string& what) { rep.failures.push_back(c.describe() + ": " + what); };
  if (!c.bound()) {
    fail("not bound to a layout");
    return rep;
  }
  for (const auto& b : c.block_infos())
    if (b.offset + b.size() > q.size()) {
      fail("q has " + std::to_string(q.size()) + " entries, block '" + b.name + "' ends at " +
           std::to_string(b.offset + b.size()));
      return rep;
    }
  const Index m = c.num_constraints(), n = c.num_variables();
  if (m < 1 || m > n) {
    fail("num_constraints() = " + std::to_string(m) + " must be in [1, " + std::to_string(n) + "]");
    return rep;
  }
  Vector g(m);
  g.setConstant(NAN);
  c.value(q, g);
  if (!g.allFinite()) {
    fail("g(q) is not finite (or value() did not write all " + std::to_string(m) + " entries)");
    return rep;
  }
  if (inf_norm(g) > o.solver.tolerance)
    fail("the given point is off the manifold: ||g||_inf = " + num(inf_norm(g)));
  Matrix jac(m, n);
  jac.setConstant(NAN);
  c.jacobian(q, jac);
  if (!jac.allFinite()) {
    fail("the Jacobian is not finite (or jacobian() did not write every entry)");
    return rep;
  }
  SparseMatrix sj;
  c.sparse_jacobian(q, sj);
  if (sj.rows() != m || sj.cols() != n) {
    // The default velocity_residual multiplies by the sparse Jacobian: stop
    // here rather than run the remaining checks into a size mismatch.
    fail("sparse Jacobian is " + std::to_string(sj.rows()) + "x" + std::to_string(sj.cols()) +
         ", expected " + std::to_string(m) + "x" + std::to_string(n));
    return rep;
  }
  if (inf_norm(Matrix(sj) - jac) > 1e-14 * std::max(1.0, inf_norm(jac)))
    fail("sparse and dense Jacobians differ");

  // Central differences, column by column in local coordinates.
  {
    Vector qp = q, gp(m), gm(m);
    double worst = 0;
    Index worst_col = -1;
    Index col = 0;
    for (const auto& b : c.block_infos())
      for (Index i = 0; i < b.size(); ++i, ++col) {
        const Index at = b.offset + i;
        const double e = o.finite_difference_step * std::max(1.0, std::abs(q[at]));
        qp[at] = q[at] + e;
        c.value(qp, gp);
        qp[at] = q[at] - e;
        c.value(qp, gm);
        qp[at] = q[at];
        const double err = inf_norm(Vector((gp - gm) / (2 * e) - jac.col(col)));
        if (!(err <= worst)) {
          worst = err;
          worst_col = col;
        }
      }
    if (!(worst <= o.jacobian_tolerance * std::max(1.0, inf_norm(jac))))
      fail("Jacobian differs from central differences by " + num(worst) + " in column " +
           std::to_string(worst_col));
  }

  // Second derivatives (for the Fixman term): the gradient of
  // q -> trace(G(q) D) for a random D against central differences of the
  // Jacobian, and log_det_gram (a closed form, if any) against the generic
  // path.
  if (c.has_second_derivatives()) {
    RngStream drng(StreamKey{o.seed, 0, 0, 1, 0});
    Matrix d(n, m);
    for (Index j = 0; j < m; ++j)
      for (Index i = 0; i < n; ++i) d(i, j) = drng.normal();
    Vector analytic(n);
    analytic.setConstant(NAN);
    c.second_derivatives(q, d, analytic);
    Vector qp = q;
    Matrix jp(m, n), jm(m, n);
    double worst = 0;
    Index col = 0;
    for (const auto& b : c.block_infos())
      for (Index i = 0; i < b.size(); ++i, ++col) {
        const Index at = b.offset + i;
        const double e = o.finite_difference_step * std::max(1.0, std::abs(q[at]));
        qp[at] = q[at] + e;
        c.jacobian(qp, jp);
        qp[at] = q[at] - e;
        c.jacobian(qp, jm);
        qp[at] = q[at];
        const double fd = (jp - jm).cwiseProduct(d.transpose()).sum() / (2 * e);
        const double err = std::abs(fd - analytic[col]);
        if (!(err <= worst)) worst = err;
      }
    if (!(worst <= o.jacobian_tolerance * std::max(1.0, inf_norm(analytic))))
      fail("second_derivatives differ from central differences of the Jacobian by " + num(worst));
    Vector g1 = Vector::Zero(q.size()), g2 = Vector::Zero(q.size());
    const double v1 = c.log_det_gram(q, 1.0, g1), v2 = c.generic_log_det_gram(q, 1.0, g2);
    const double grad_err = inf_norm(Vector(g1 - g2));
    if (!(std::abs(v1 - v2) <= o.agreement_tolerance * std::max(1.0, std::abs(v2))) ||
        !(grad_err <= o.agreement_tolerance * std::max(1.0, inf_norm(g2))))
      fail("log_det_gram disagrees with the generic path: value " + num(v1) + " vs " + num(v2) +
           ", gradient by " + num(grad_err));
  }

  RngStream rng(StreamKey{o.seed, 0, 0, 0, 0});
  auto random_like = [&](Vector& v) {
    for (const auto& b : c.block_infos())
      for (Index i = 0; i < b.size(); ++i) v[b.offset + i] = rng.normal();
  };
  for (int trial = 0; trial < o.trials; ++trial) {
    // Momentum projection.
    Vector p = Vector::Zero(q.size());
    random_like(p);
    Vector p_generic = p;
    const ProjectionResult rm = c.project_momentum(q, p);
    const ProjectionResult rg = c.generic_project_momentum(q, p_generic);
    if (!rm.ok()) fail("project_momentum: " + rm.describe());
    if (!rg.ok()) fail("generic momentum projection: " + rg.describe());
    if (!(c.velocity_residual(q, p) <= o.agreement_tolerance))
      fail("projected momentum is not tangent: ||G M^-1 p|| = " + num(c.velocity_residual(q, p)));
    if (!(inf_norm(Vector(p - p_generic)) <= o.agreement_tolerance))
      fail("project_momentum disagrees with the generic solve by " +
           num(inf_norm(Vector(p - p_generic))));

    // Position projection from a nearby point.
    Vector move = Vector::Zero(q.size());
    random_like(move);
    Vector q1 = q + o.perturbation * move;
    Vector q2 = q1;
    const ProjectionResult r1 = c.project_position(q, q1, o.solver);
    const ProjectionResult r2 = c.generic_project_position(q, q2, o.solver);
    if (!r1.ok()) fail("project_position: " + r1.describe());
    if (!r2.ok()) fail("generic position projection: " + r2.describe());
    if (r1.ok() && !(c.residual(q1) <= o.solver.tolerance))
      fail("project_position reports convergence but the residual is " + num(c.residual(q1)));
    if (r1.ok() && r2.ok() && !(inf_norm(Vector(q1 - q2)) <= o.agreement_tolerance))
      fail("project_position disagrees with the generic solver by " +
           num(inf_norm(Vector(q1 - q2))));

    // Drift substep from a tangent momentum.
    Vector qd = q;
    const ProjectionResult rd = c.drift(qd, p, o.drift_step, o.solver);
    if (!rd.ok()) fail("drift: " + rd.describe());
    if (!(c.residual(qd) <= o.solver.tolerance))
      fail("drift leaves q off the manifold: " + num(c.residual(qd)));
    if (!(c.velocity_residual(qd, p) <= o.agreement_tolerance))
      fail("drift leaves p not tangent: " + num(c.velocity_residual(qd, p)));

    // Retraction of a perturbed point.
    Vector qr = q + o.perturbation * move;
    const ProjectionResult rr = c.retract(qr, o.solver);
    if (!rr.ok())
      fail("retract: " + rr.describe());
    else if (!(c.residual(qr) <= o.solver.tolerance))
      fail("retract leaves residual " + num(c.residual(qr)));
  }
  return rep;
}

}  // namespace cola
