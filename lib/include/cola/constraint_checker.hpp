#pragma once
// A checker for constraints, shipped with the interface so that users can
// test their own (like Ceres' manifold invariants). Given a bound constraint
// and a point on its manifold it checks:
//  - sizes: q covers the blocks; g has num_constraints() entries; the dense
//    Jacobian is m x n and the sparse one equals it;
//  - finiteness of g and G, and that q is on the manifold;
//  - the Jacobian against central differences;
//  - when it has second derivatives: them against central differences of
//    the Jacobian, and log_det_gram against the generic path;
//  - momentum projection: the projected momentum is tangent and agrees with
//    the generic RATTLE solve;
//  - position projection: from random nearby points, the constraint's SHAKE
//    converges onto the manifold and agrees with the generic quasi-Newton
//    solver (both along the old normal);
//  - the drift substep keeps q on the manifold and p tangent;
//  - retract moves a perturbed point back onto the manifold.
// Returns a report listing every failure; it never throws for a failed check.
#include <cola/constraint.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cola {

struct CheckOptions {
  double finite_difference_step = 1e-6;
  double jacobian_tolerance = 1e-6;   // relative to max(1, |G|)
  double agreement_tolerance = 1e-8;  // closed form vs generic solver
  double perturbation = 1e-3;         // size of the random moves
  double drift_step = 1e-2;
  int trials = 5;
  std::uint64_t seed = 12345;
  SolverOptions solver;
};

struct CheckReport {
  std::vector<std::string> failures;
  bool ok() const { return failures.empty(); }
  // One line per failure, or "ok".
  std::string summary() const;
};

CheckReport check_constraint(const Constraint& constraint, const Vector& q_on_manifold,
                             const CheckOptions& options = {});

}  // namespace cola
