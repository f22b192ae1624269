#include <cola/apps/exact_marginals.hpp>
#include <cola/error.hpp>
#include <cola/io/result_group.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cola::apps {

TabulatedDensity tabulate(const ExactMarginal& marginal, int points) {
  require(points >= 3, "tabulate: at least 3 points (got " + std::to_string(points) + ")");
  require(marginal.hi > marginal.lo, "tabulate: empty interval for " + marginal.name);
  TabulatedDensity t;
  const double step = (marginal.hi - marginal.lo) / (points - 1);
  double peak = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < points; ++i) {
    t.grid.push_back(i + 1 == points ? marginal.hi : marginal.lo + i * step);
    t.density.push_back(marginal.log_density(t.grid.back()));
    peak = std::max(peak, t.density.back());
  }
  // Scaled by the peak before exponentiating: no overflow for large kappa.
  double integral = 0;
  for (int i = 0; i < points; ++i) {
    t.density[i] = std::exp(t.density[i] - peak);
    integral += (i == 0 || i + 1 == points ? 0.5 : 1.0) * t.density[i] * step;
  }
  for (double& d : t.density) d /= integral;
  return t;
}

void write_exact_marginals(const std::string& path, const std::vector<ExactMarginal>& marginals) {
  if (marginals.empty()) return;
  constexpr int kPoints = 401;
  io::ResultArray grid{"grid",
                       {"quantity", "point"},
                       {marginals.size(), kPoints},
                       {},
                       "abscissae of the exact marginal density"};
  io::ResultArray density{"density",
                          {"quantity", "point"},
                          {marginals.size(), kPoints},
                          {},
                          "exact marginal density of the quantity (integrates to 1)"};
  std::string names, sources;
  for (const ExactMarginal& m : marginals) {
    const TabulatedDensity t = tabulate(m, kPoints);
    grid.data.insert(grid.data.end(), t.grid.begin(), t.grid.end());
    density.data.insert(density.data.end(), t.density.begin(), t.density.end());
    names += (names.empty() ? "" : "\n") + m.name;
    sources += (sources.empty() ? "" : "\n") + m.source;
  }
  io::write_result_group(path, kExactMarginalsGroup, {grid, density}, {},
                         {{"quantities", names}, {"sources", sources}});
}

}  // namespace cola::apps
