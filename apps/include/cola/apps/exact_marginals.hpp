#pragma once
// The exact 1-D marginal densities of a run's target (Experiment::
// exact_marginals()), tabulated and stored in its trajectory file as the
// result group "exact_marginals", which `cola plot` overlays on the marginal
// histograms:
//
//   /exact_marginals/grid     float64 [quantity, point]  the abscissae
//   /exact_marginals/density  float64 [quantity, point]  the density there
//   attribute quantities      the coordinate names, one per line
//   attribute sources         why each density is exact, one per line
//
// Written after a completed run (cola run, cola resume) that has any.
#include <cola/apps/reference.hpp>

#include <string>
#include <vector>

namespace cola::apps {

inline constexpr const char* kExactMarginalsGroup = "exact_marginals";

struct TabulatedDensity {
  std::vector<double> grid, density;
};

// `points` equally spaced abscissae on [lo, hi], the density normalised to
// integrate to 1 by the trapezoidal rule. Throws ConfigError for points < 3
// or an empty interval.
TabulatedDensity tabulate(const ExactMarginal& marginal, int points = 401);

void write_exact_marginals(const std::string& path, const std::vector<ExactMarginal>& marginals);

}  // namespace cola::apps
