#pragma once
// Expectations with known exact values for the configured target, so that a
// run can report "estimate +- MCSE vs exact". Only where the value is exact
// for the law actually sampled, exp(-V/tau) on the configured manifold:
// constraints change the law, so a target gets references only for the
// constraint sets whose answer is derived here (none, or the sphere of a
// von Mises-Fisher model). The exact value is that of the target, not of the
// discretisation: unadjusted samplers show their step-size bias (O(h) for
// CoLA-od, O(h^2) for BAOAB; BAOAB's E[q_i^2] on a harmonic target is exact).
#include <cola/types.hpp>

#include <functional>
#include <string>

namespace cola::apps {

struct Reference {
  std::string name;                          // "E[x[0]]", "E[direction.x]"
  std::function<double(const Vector& q)> f;  // of the whole parameter vector q
  double exact = 0;
  std::string source;  // why the value is exact
};

// The exact marginal density of one scalar coordinate under the same
// conditions as a Reference, for the histograms of `cola plot`:
// unnormalised log density on [lo, hi] (tabulated and normalised by
// exact_marginals.hpp).
struct ExactMarginal {
  std::string name;  // the coordinate, named as in the plots ("x[2]", "W[1,0]")
  double lo = 0, hi = 0;
  std::function<double(double t)> log_density;
  std::string source;
};

}  // namespace cola::apps
