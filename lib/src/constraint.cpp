#include <cola/constraint.hpp>
#include <cola/error.hpp>
#include <cola/numeric.hpp>

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cola {

Constraint::Constraint(std::string name, std::vector<std::string> block_names)
    : name_(std::move(name)), block_names_(std::move(block_names)) {
  require(!name_.empty(), "constraint: the name must not be empty");
  require(!block_names_.empty(), "constraint '" + name_ + "': it must act on at least one block");
}

std::string Constraint::describe() const {
  std::string out = "constraint '" + name_ + "' on block" + (block_names_.size() > 1 ? "s " : " ");
  for (std::size_t i = 0; i < block_names_.size(); ++i) out += (i ? ", " : "") + block_names_[i];
  return out;
}

void Constraint::declare_blocks(ParameterLayout& /*layout*/) {}

void Constraint::bind(ParameterLayout& layout) {
  require(!bound_, describe() + ": already bound to a layout");
  declare_blocks(layout);
  blocks_.clear();
  infos_.clear();
  num_variables_ = 0;
  for (const auto& n : block_names_) {
    const Index b = layout.index_of(n);
    require(std::find(blocks_.begin(), blocks_.end(), b) == blocks_.end(),
            describe() + ": block '" + n + "' is named twice");
    blocks_.push_back(b);
    infos_.push_back(layout.block(b));
    num_variables_ += layout.block(b).size();
  }
  bound_ = true;
  validate_binding();
}

void Constraint::gather(const Vector& full, VectorRef local) const {
  Index k = 0;
  for (const auto& b : infos_) {
    local.segment(k, b.size()) = full.segment(b.offset, b.size());
    k += b.size();
  }
}

void Constraint::scatter(const Eigen::Ref<const Vector>& local, Vector& full) const {
  Index k = 0;
  for (const auto& b : infos_) {
    full.segment(b.offset, b.size()) = local.segment(k, b.size());
    k += b.size();
  }
}

Vector Constraint::local_inverse_mass() const {
  Vector out(num_variables_);
  Index k = 0;
  for (const auto& b : infos_) {
    out.segment(k, b.size()).setConstant(1.0 / b.mass);
    k += b.size();
  }
  return out;
}

void Constraint::sparse_jacobian(const Vector& q, SparseMatrix& jac) const {
  Matrix dense(num_constraints(), num_variables_);
  jacobian(q, dense);
  jac = dense.sparseView();
}

double Constraint::residual(const Vector& q) const {
  Vector g(num_constraints());
  value(q, g);
  return inf_norm(g);
}

double Constraint::velocity_residual(const Vector& q, const Vector& p) const {
  SparseMatrix jac;
  sparse_jacobian(q, jac);
  Vector v(num_variables_);
  gather(p, v);
  return inf_norm(Vector(jac * v.cwiseProduct(local_inverse_mass())));
}

ProjectionResult Constraint::make_result(ProjectionStatus status, int iterations, double residual,
                                         double increment) const {
  ProjectionResult r;
  r.status = status;
  r.iterations = iterations;
  r.residual = residual;
  r.increment = increment;
  r.source = status == ProjectionStatus::kConverged ? nullptr : this;
  return r;
}

ProjectionResult Constraint::project_position(const Vector& q_old, Vector& q,
                                              const SolverOptions& options) const {
  return generic_project_position(q_old, q, options);
}

ProjectionResult Constraint::project_momentum(const Vector& q, Vector& p) const {
  return generic_project_momentum(q, p);
}

ProjectionResult Constraint::drift(Vector& q, Vector& p, double h,
                                   const SolverOptions& options) const {
  Vector q_old_local(num_variables_);
  gather(q, q_old_local);
  for (const auto& b : infos_)
    q.segment(b.offset, b.size()) += (h / b.mass) * p.segment(b.offset, b.size());
  // The generic solver reads q_old through the full vector; build it once.
  Vector q_old = q;
  scatter(q_old_local, q_old);
  ProjectionResult r = project_position(q_old, q, options);
  if (!r.ok()) return r;
  for (const auto& b : infos_)
    p.segment(b.offset, b.size()) =
        (q.segment(b.offset, b.size()) - q_old.segment(b.offset, b.size())) * (b.mass / h);
  const ProjectionResult rm = project_momentum(q, p);
  r.merge(rm);
  return r;
}

ProjectionResult Constraint::kick(const Vector& q, Vector& p, double coefficient,
                                  const Vector& gradient) const {
  for (const auto& b : infos_)
    kick_entries(p.data() + b.offset, gradient.data() + b.offset, b.size(), coefficient);
  return project_momentum(q, p);
}

void Constraint::substeps(Vector& q, Vector& p, const Vector& gradient, const Vector& noise,
                          const SubstepOp* ops, std::size_t n, const SolverOptions& options,
                          ProjectionResult* results) const {
  for (std::size_t k = 0; k < n; ++k) {
    const SubstepOp& op = ops[k];
    switch (op.kind) {
      case SubstepOp::Kind::kKick: results[k] = kick(q, p, op.coefficient, gradient); break;
      case SubstepOp::Kind::kDrift: results[k] = drift(q, p, op.coefficient, options); break;
      case SubstepOp::Kind::kThermostat:
        for (const auto& b : infos_)
          thermostat_entries(p.data() + b.offset, noise.data() + b.offset, b.size(), op.coefficient,
                             op.noise_scale * std::sqrt(b.mass), op.noisy());
        // A multiple of a cotangent vector is one: RATTLE only after noise.
        results[k] = op.noisy() ? project_momentum(q, p) : ProjectionResult{};
        break;
    }
    if (!results[k].ok()) return;
  }
}

ProjectionResult Constraint::retract(Vector& q, const SolverOptions& options) const {
  SolverOptions newton = options;
  newton.kind = SolverKind::kNewton;
  const Vector start = q;
  return generic_project_position(start, q, newton);
}

void Constraint::second_derivatives(const Vector& /*q*/, ConstMatrixRef /*directions*/,
                                    VectorRef /*out*/) const {
  throw ConfigError(describe() +
                    ": has no second derivatives (needed for the Fixman term of the "
                    "ambient target measure)");
}

double Constraint::log_det_gram(const Vector& q, double scale, Vector& gradient) const {
  return generic_log_det_gram(q, scale, gradient);
}

double Constraint::generic_log_det_gram(const Vector& q, double scale, Vector& gradient) const {
  const Index m = num_constraints();
  Matrix jac(m, num_variables_);
  jacobian(q, jac);
  if (!jac.allFinite()) return std::numeric_limits<double>::quiet_NaN();
  const Vector minv = local_inverse_mass();
  const Matrix scaled = jac * minv.asDiagonal();  // G M^-1
  const Eigen::LLT<Matrix> gram(scaled * jac.transpose());
  if (gram.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
  const Matrix& l = gram.matrixLLT();
  double log_det = 0;
  for (Index i = 0; i < m; ++i) {
    // A semi-definite Gram matrix can pass LLT with a zero pivot.
    if (!(l(i, i) > 0)) return -std::numeric_limits<double>::infinity();
    log_det += 2 * std::log(l(i, i));
  }
  // directions = M^-1 G^T A^-1 = (A^-1 G M^-1)^T (A is symmetric).
  const Matrix directions = gram.solve(scaled).transpose();
  Vector local(num_variables_);
  second_derivatives(q, directions, local);
  Vector current(num_variables_);
  gather(gradient, current);
  current += (2 * scale) * local;
  scatter(current, gradient);
  return log_det;
}

}  // namespace cola
