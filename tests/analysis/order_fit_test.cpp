// fit_order: exact power laws are recovered, the standard error is the delta
// method's, unresolved points are left out, and bad input is refused.
#include <cola/analysis/order_fit.hpp>
#include <cola/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using cola::analysis::fit_order;

TEST_CASE("order fit: an exact power law gives its order and constant", "[analysis][order]") {
  const double p = GENERATE(1.0, 2.0, 0.5);
  std::vector<double> h = {0.4, 0.2, 0.1, 0.05}, e, se;
  for (double x : h) {
    e.push_back(-0.3 * std::pow(x, p));  // the sign of the bias does not matter
    se.push_back(0.01 * std::abs(e.back()));
  }
  const auto fit = fit_order(h, e, se);
  CHECK(fit.points == 4);
  CHECK(fit.order == Approx(p).epsilon(1e-12));
  CHECK(fit.constant == Approx(0.3).epsilon(1e-12));
  CHECK(fit.chi2_per_dof == Approx(0.0).margin(1e-20));
  // Equal relative errors r on every point: var(p) = r^2 / sum (x - mean x)^2.
  double mx = 0, sxx = 0;
  for (double x : h) mx += std::log(x) / 4;
  for (double x : h) sxx += (std::log(x) - mx) * (std::log(x) - mx);
  CHECK(fit.order_se == Approx(0.01 / std::sqrt(sxx)).epsilon(1e-10));
}

TEST_CASE("order fit: two points and the delta-method error bar", "[analysis][order]") {
  // log2(0.0152 / 0.0036) = 2.078; var = (se1/e1)^2 + (se2/e2)^2 over log(2)^2.
  const auto fit = fit_order({0.4, 0.2}, {-1.52e-2, -3.60e-3}, {1.1e-4, 8.5e-5});
  CHECK(fit.points == 2);
  CHECK(fit.order == Approx(std::log2(1.52e-2 / 3.60e-3)).epsilon(1e-12));
  const double r1 = 1.1e-4 / 1.52e-2, r2 = 8.5e-5 / 3.60e-3;
  CHECK(fit.order_se == Approx(std::sqrt(r1 * r1 + r2 * r2) / std::log(2.0)).epsilon(1e-12));
  CHECK(std::isnan(fit.chi2_per_dof));
}

TEST_CASE("order fit: unresolved and non-finite points are left out", "[analysis][order]") {
  // The third bias is 1 SE from zero: not resolved; the fourth is NaN.
  const auto fit =
      fit_order({0.2, 0.1, 0.05, 0.025}, {4e-2, 1e-2, 1e-4, NAN}, {1e-4, 1e-4, 1e-4, 1e-4});
  CHECK(fit.points == 2);
  CHECK(fit.used == std::vector<bool>{true, true, false, false});
  CHECK(fit.order == Approx(2.0).epsilon(1e-12));
  // Fewer than two usable points: no order, no guess.
  const auto none = fit_order({0.2, 0.1}, {4e-2, 1e-5}, {1e-4, 1e-4});
  CHECK(none.points == 1);
  CHECK(std::isnan(none.order));
  CHECK(std::isnan(none.order_se));
  // The same step size twice: no slope.
  CHECK(std::isnan(fit_order({0.1, 0.1}, {1e-2, 2e-2}, {1e-4, 1e-4}).order));
}

TEST_CASE("order fit: mismatched lengths and non-positive step sizes are refused",
          "[analysis][order]") {
  CHECK_THROWS_AS(fit_order({0.1, 0.2}, {1e-2}, {1e-4, 1e-4}), cola::ConfigError);
  CHECK_THROWS_WITH(fit_order({0.1, 0.0}, {1e-2, 1e-3}, {1e-4, 1e-4}),
                    Catch::Contains("step size 0.000000 is not positive"));
}
