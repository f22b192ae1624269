#include <cola/error.hpp>
#include <cola/fixman_term.hpp>

#include <cmath>
#include <sstream>

namespace cola {

FixmanTerm::FixmanTerm(const ConstraintSet& constraints) : constraints_(constraints) {
  require(constraints.bound(), "Fixman term: the constraint set must be bound to a layout first");
  for (const auto& c : constraints.constraints())
    if (!c->has_second_derivatives())
      throw ConfigError(
          "the ambient target measure (the Fixman term 1/2 log det(G M^-1 G^T) and its "
          "gradient) needs the second derivatives of every constraint, but " +
          c->describe() +
          " provides none: give its functor a second_derivatives(x, D, out) member "
          "(functor_constraint.hpp), or use the hausdorff target");
}

double FixmanTerm::log_det_gram(const Vector& q, double scale, Vector& gradient) const {
  double total = 0;
  for (const auto& c : constraints_.components()) total += c->log_det_gram(q, scale, gradient);
  return total;
}

std::string FixmanTerm::diagnose(const Vector& q) const {
  Vector scratch = Vector::Zero(q.size());
  for (const auto& c : constraints_.components()) {
    const double v = c->log_det_gram(q, 0.0, scratch);
    if (std::isfinite(v)) continue;
    std::ostringstream os;
    os << "Fixman term of " << c->describe() << ": log det(G M^-1 G^T) = " << v
       << (std::isnan(v) ? " (G is not finite)" : " (G M^-1 G^T is singular)");
    return os.str();
  }
  return {};
}

}  // namespace cola
