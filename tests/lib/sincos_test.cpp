// detail::sincos_reduced, the branch-free sin/cos of the vectorised rotation
// drift, against std::sin/std::cos; and the drift's fallback for angles
// beyond its range.
#include <cola/circle_kernels.hpp>
#include <cola/detail/sincos.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

using cola::detail::sincos_reduced;

namespace {

// |a - b| in units of the spacing of doubles at max(|b|, 2^-30): an ulp
// error for values of order 1, absolute 1e-25 near the zeros.
double ulps(double a, double b) {
  const double scale = std::max(std::abs(b), std::ldexp(1.0, -30));
  return std::abs(a - b) / (scale * std::numeric_limits<double>::epsilon());
}

}  // namespace

TEST_CASE("sincos: within 2 ulp of std::sin and std::cos over its range", "[lib][sincos]") {
  double worst = 0;
  std::vector<double> angles = {0.0,
                                1e-300,
                                1e-12,
                                0.5,
                                0.785398163397448,
                                1.5707963267948966,
                                3.141592653589793,
                                4.71238898038469,
                                6.283185307179586,
                                100.0,
                                12345.678,
                                cola::detail::kSincosLimit};
  // Every quadrant, over 10 orders of magnitude.
  for (int k = 0; k < 200000; ++k) angles.push_back(std::pow(10.0, -5 + 10.0 * k / 200000.0));
  for (double phi : angles) {
    const auto sc = sincos_reduced(phi);
    worst = std::max({worst, ulps(sc.sin, std::sin(phi)), ulps(sc.cos, std::cos(phi))});
    // sin and cos of -phi: odd and even.
    const auto neg = sincos_reduced(-phi);
    CHECK(neg.sin == -sc.sin);
    CHECK(neg.cos == sc.cos);
  }
  INFO("worst error " << worst << " ulp");
  CHECK(worst <= 2.0);
}

TEST_CASE("rotation drift: angles beyond the fast range fall back to std::sin and std::cos",
          "[lib][sincos]") {
  // Pair 0 rotates by phi = 1e6 rad (beyond kSincosLimit), pair 1 by 0.3 rad,
  // pair 2 has a NaN momentum: both fast and fallback paths in one chunk.
  const double r = 0.5, h = 1.0, m = 1.0;
  std::vector<double> theta = {r, 0.0, r}, xi = {0.0, r, 0.0};
  std::vector<double> pt = {0.0, -0.3 * r, 0.0}, px = {1e6 * r, 0.0, NAN};
  const auto res = cola::circle::rotation_drift<double>(theta.data(), xi.data(), pt.data(),
                                                        px.data(), 3, h, 1 / m, r);
  CHECK(res.nonfinite == 1);
  // Exact: angle 1e6 from the positive theta axis.
  CHECK(theta[0] == Approx(r * std::cos(1e6)).margin(1e-9));
  CHECK(xi[0] == Approx(r * std::sin(1e6)).margin(1e-9));
  CHECK(std::hypot(pt[0], px[0]) == Approx(1e6 * r).epsilon(1e-12));
  CHECK(theta[1] == Approx(r * std::cos(M_PI / 2 + 0.3)).margin(1e-15));
  CHECK(xi[1] == Approx(r * std::sin(M_PI / 2 + 0.3)).margin(1e-15));
}
