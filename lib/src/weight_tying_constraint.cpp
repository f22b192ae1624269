#include <cola/error.hpp>
#include <cola/numeric.hpp>
#include <cola/weight_tying_constraint.hpp>

#include <algorithm>
#include <cmath>
#include <set>

namespace cola {
namespace {

std::vector<std::string> blocks_of(const std::vector<std::vector<TiedEntry>>& groups) {
  std::vector<std::string> names;
  for (const auto& g : groups)
    for (const auto& e : g)
      if (std::find(names.begin(), names.end(), e.block) == names.end()) names.push_back(e.block);
  if (names.empty()) throw ConfigError("weight tying: no groups given");
  return names;
}

}  // namespace

WeightTyingConstraint::WeightTyingConstraint(std::vector<std::vector<TiedEntry>> groups,
                                             std::string name)
    : Constraint(std::move(name), blocks_of(groups)), groups_(std::move(groups)) {
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    require(groups_[i].size() >= 2,
            describe() + ": group " + std::to_string(i) + " has fewer than two entries");
    num_constraints_ += static_cast<Index>(groups_[i].size()) - 1;
  }
}

void WeightTyingConstraint::validate_binding() {
  std::set<Index> seen;
  slots_.clear();
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    std::vector<Slot> slots;
    for (const auto& e : groups_[gi]) {
      Index local = 0;
      const BlockInfo* info = nullptr;
      for (const auto& b : block_infos()) {
        if (b.name == e.block) {
          info = &b;
          break;
        }
        local += b.size();
      }
      require(e.index >= 0 && e.index < info->size(),
              describe() + ": group " + std::to_string(gi) + " index " + std::to_string(e.index) +
                  " is outside block '" + e.block + "' (size " + std::to_string(info->size()) +
                  ")");
      const Index global = info->offset + e.index;
      require(seen.insert(global).second, describe() + ": entry " + e.block + "[" +
                                              std::to_string(e.index) +
                                              "] appears twice (merge the groups instead)");
      slots.push_back({global, local + e.index, info->mass});
    }
    slots_.push_back(std::move(slots));
  }
}

void WeightTyingConstraint::value(const Vector& q, VectorRef g) const {
  Index row = 0;
  for (const auto& s : slots_)
    for (std::size_t j = 1; j < s.size(); ++j) g[row++] = q[s[0].global] - q[s[j].global];
}

void WeightTyingConstraint::jacobian(const Vector& /*q*/, MatrixRef jac) const {
  jac.setZero();
  Index row = 0;
  for (const auto& s : slots_)
    for (std::size_t j = 1; j < s.size(); ++j, ++row) {
      jac(row, s[0].local) = 1;
      jac(row, s[j].local) = -1;
    }
}

void WeightTyingConstraint::sparse_jacobian(const Vector& /*q*/, SparseMatrix& jac) const {
  std::vector<Eigen::Triplet<double>> t;
  Index row = 0;
  for (const auto& s : slots_)
    for (std::size_t j = 1; j < s.size(); ++j, ++row) {
      t.emplace_back(row, s[0].local, 1.0);
      t.emplace_back(row, s[j].local, -1.0);
    }
  jac.resize(num_constraints_, num_variables());
  jac.setFromTriplets(t.begin(), t.end());
}

double WeightTyingConstraint::velocity_residual(const Vector& /*q*/, const Vector& p) const {
  double r = 0;
  for (const auto& s : slots_)
    for (std::size_t j = 1; j < s.size(); ++j) {
      const double d = std::abs(p[s[0].global] / s[0].mass - p[s[j].global] / s[j].mass);
      if (!std::isfinite(d)) return NAN;
      r = std::max(r, d);
    }
  return r;
}

ProjectionResult WeightTyingConstraint::project_position(const Vector& /*q_old*/, Vector& q,
                                                         const SolverOptions& /*options*/) const {
  for (const auto& s : slots_) {
    double num = 0, den = 0;
    for (const auto& e : s) {
      num += e.mass * q[e.global];
      den += e.mass;
    }
    const double mean = num / den;
    for (const auto& e : s) q[e.global] = mean;
  }
  const double res = residual(q);
  return make_result(
      std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
}

ProjectionResult WeightTyingConstraint::project_momentum(const Vector& q, Vector& p) const {
  for (const auto& s : slots_) {
    double num = 0, den = 0;
    for (const auto& e : s) {
      num += p[e.global];
      den += e.mass;
    }
    const double v = num / den;
    for (const auto& e : s) p[e.global] = e.mass * v;
  }
  const double res = velocity_residual(q, p);
  return make_result(
      std::isfinite(res) ? ProjectionStatus::kConverged : ProjectionStatus::kNonFinite, 1, res);
}

ProjectionResult WeightTyingConstraint::retract(Vector& q, const SolverOptions& options) const {
  return project_position(q, q, options);
}

void WeightTyingConstraint::second_derivatives(const Vector& /*q*/, ConstMatrixRef /*directions*/,
                                               VectorRef out) const {
  out.setZero();
}

double WeightTyingConstraint::log_det_gram(const Vector& /*q*/, double /*scale*/,
                                           Vector& /*gradient*/) const {
  double log_det = 0;
  for (const auto& s : slots_) {
    double total = 0;
    for (const auto& e : s) {
      total += e.mass;
      log_det -= std::log(e.mass);
    }
    log_det += std::log(total);
  }
  return log_det;
}

}  // namespace cola
