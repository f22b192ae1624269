#pragma once
// The Fixman term of a constraint set: log det(G M^-1 G^T) and its gradient,
// the density that turns one target measure on Sigma = {g = 0} into the other
// (DESIGN §1).
//
// Every sampler of the library targets exp(-V/tau) sigma(dq), sigma the
// surface (Hausdorff) measure of Sigma in the mass metric. The ambient law
// exp(-V/tau) dq conditioned on g = 0, i.e. the limit of the law restricted
// to the shells {|g| < eps}, is instead, by the co-area formula
//   int f(q) dq = int_{R^m} int_{g = z} f det(G M^-1 G^T)^{-1/2} dsigma_z dz
// (mass-weighted coordinates q' = M^{1/2} q, where G' = G M^-1/2),
//   exp(-V/tau) det(G M^-1 G^T)^{-1/2} sigma(dq)
//     = exp(-[V + (tau/2) log det(G M^-1 G^T)] / tau) sigma(dq),
// so sampling it means adding (tau/2) log det(G M^-1 G^T) to V
// (TargetPotential in samplers/ does that). Unlike sigma, this law depends on
// g and not only on Sigma: g -> c g with a non-constant c(q) changes it.
//
// The Gram matrix is block diagonal over the independent components of the
// set, so the term is a sum of Constraint::log_det_gram over them (closed
// forms for the built-ins, the generic dense path otherwise). Components are
// evaluated serially, in a fixed order.
//
// Thread safety: const members may be called concurrently. The generic path
// allocates per call.
#include <cola/constraint_set.hpp>

#include <string>

namespace cola {

class FixmanTerm {
 public:
  // `constraints` must be bound and outlive this object. Throws ConfigError
  // naming the first constraint without second derivatives.
  explicit FixmanTerm(const ConstraintSet& constraints);

  // log det(G M^-1 G^T) at q (summed over components); adds scale times its
  // gradient into `gradient` (full coordinates). Non-finite when a Gram
  // matrix is singular or G is not finite (diagnose() says which); then
  // `gradient` is unspecified.
  double log_det_gram(const Vector& q, double scale, Vector& gradient) const;
  // Empty when every component's term is finite at q; otherwise names the
  // first component whose term is not, and its value.
  std::string diagnose(const Vector& q) const;
  const ConstraintSet& constraints() const { return constraints_; }

 private:
  const ConstraintSet& constraints_;
};

}  // namespace cola
