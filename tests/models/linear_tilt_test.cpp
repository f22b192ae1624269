// LinearTilt V(q) = -kappa mu.q and vmf_mean_cosine, the mean cosine of the
// von Mises–Fisher law on S^{d-1}: against the closed form coth(k) - 1/k for
// d = 3, an independent power series for general d, and its large-kappa
// expansion; configuration errors.
#include "lib/lib_test_support.hpp"
#include "model_test_support.hpp"

#include <cola/constraint_set.hpp>
#include <cola/error.hpp>
#include <cola/models/linear_tilt.hpp>
#include <cola/samplers/overdamped.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using Catch::Matchers::Contains;
using cola::ConfigError;
using cola::Vector;
using cola::models::LinearTilt;
using cola::test::random_vector;

namespace {

// coth(k) - 1/k, with its Taylor series k/3 - k^3/45 + 2k^5/945 where the
// closed form cancels (k < 1e-2: the series' next term 1e-2^7/4725 is 1e-18).
double mean_cosine_d3(double k) {
  if (k < 1e-2) return k / 3 - k * k * k / 45 + 2 * std::pow(k, 5) / 945;
  return 1 / std::tanh(k) - 1 / k;
}

// I_nu(k) / I_{nu-1}(k) = (k / 2nu) S_nu / S_{nu-1} with
// S_nu = sum_m (k^2/4)^m / (m! (nu+1)_m), the power series of I_nu without its
// leading factor (k/2)^nu / Gamma(nu+1): exact for moderate k, for any nu.
double series_ratio(double nu, double k) {
  auto s = [k](double n) {
    double term = 1, sum = 1;
    for (int m = 1; m < 500; ++m) {
      term *= (k * k / 4) / (m * (n + m));
      sum += term;
      if (term < 1e-18 * sum) break;
    }
    return sum;
  };
  return k / (2 * nu) * s(nu) / s(nu - 1);
}

}  // namespace

TEST_CASE("LinearTilt normalises its direction, V = -kappa mu.q", "[linear_tilt]") {
  Vector dir(3);
  dir << 0, 3, 4;
  const LinearTilt t(dir, 2.0);
  CHECK(t.name() == "linear_tilt");
  CHECK(t.kappa() == 2.0);
  CHECK(t.dimension() == 3);
  CHECK(t.direction().norm() == Approx(1.0).epsilon(1e-15));
  CHECK(t.direction()[2] == Approx(0.8));
  Vector q(3);
  q << 1, 1, 1;
  Vector grad;
  CHECK(t.value_and_gradient(q, grad, {}) == Approx(-2.0 * (0.6 + 0.8)));
  CHECK(grad[0] == 0.0);
  CHECK(grad[1] == Approx(-1.2));
  CHECK(grad[2] == Approx(-1.6));
  CHECK(cola::test::gradient_error(t, random_vector(3, 1)) < 1e-6);
  // kappa = 0 is the uniform law: V = 0.
  const LinearTilt flat(dir, 0.0);
  CHECK(flat.value_and_gradient(q, grad, {}) == 0.0);
  CHECK(grad.cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("vmf_mean_cosine for d = 3 is coth(k) - 1/k", "[linear_tilt][vmf]") {
  CHECK(LinearTilt::vmf_mean_cosine(3, 0.0) == 0.0);
  for (double k : {1e-8, 1e-3, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 700.0, 1e3, 1e4, 1e5}) {
    INFO("kappa = " << k);
    CHECK(LinearTilt::vmf_mean_cosine(3, k) == Approx(mean_cosine_d3(k)).epsilon(1e-13));
  }
}

TEST_CASE("vmf_mean_cosine for other d agrees with the power series", "[linear_tilt][vmf]") {
  for (cola::Index d : {2, 4, 5, 10, 50, 784}) {
    for (double k : {1e-3, 0.5, 2.0, 5.0, 20.0, 60.0}) {
      INFO("d = " << d << ", kappa = " << k);
      const double v = LinearTilt::vmf_mean_cosine(d, k);
      REQUIRE(std::isfinite(v));
      CHECK(v == Approx(series_ratio(0.5 * double(d), k)).epsilon(1e-12));
      CHECK(v > 0);
      CHECK(v < 1);
    }
  }
}

TEST_CASE("vmf_mean_cosine for large kappa follows 1 - (d-1)/(2k) + (d-1)(d-3)/(8k^2)",
          "[linear_tilt][vmf]") {
  // From I_nu(k) ~ e^k / sqrt(2 pi k) (1 - (mu-1)/(8k) + (mu-1)(mu-9)/(2 (8k)^2) - ...),
  // mu = 4 nu^2, for the ratio nu = d/2 over nu - 1. The remainder is
  // O(1/k^3), bounded here by (d-1)^3 / k^3, plus 1e-12 for rounding.
  for (cola::Index d : {2, 3, 10}) {
    for (double k : {1e3, 1e4, 1e5}) {
      INFO("d = " << d << ", kappa = " << k);
      const double dm = double(d) - 1;
      const double expansion = 1 - dm / (2 * k) + dm * (dm - 2) / (8 * k * k);
      CHECK(std::abs(LinearTilt::vmf_mean_cosine(d, k) - expansion) <
            dm * dm * dm / (k * k * k) + 1e-12);
    }
  }
  // Monotone in kappa and below 1 all the way.
  double previous = 0;
  for (double k = 1; k < 2e5; k *= 3) {
    const double v = LinearTilt::vmf_mean_cosine(784, k);
    CHECK(v > previous);
    CHECK(v < 1);
    previous = v;
  }
}

TEST_CASE("LinearTilt and vmf_mean_cosine configuration errors", "[linear_tilt][error]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_AS(LinearTilt(Vector::Zero(3), 1.0), ConfigError);
  REQUIRE_THROWS_WITH(LinearTilt(Vector::Zero(3), 1.0),
                      Contains("direction must be finite and non-zero"));
  Vector nan_dir = Vector::Ones(3);
  nan_dir[0] = nan;
  REQUIRE_THROWS_WITH(LinearTilt(nan_dir, 1.0), Contains("direction"));
  for (double k : {-1.0, nan, inf})
    REQUIRE_THROWS_WITH(LinearTilt(Vector::Ones(3), k), Contains("kappa must be finite and >= 0"));

  REQUIRE_THROWS_AS(LinearTilt::vmf_mean_cosine(1, 1.0), ConfigError);
  REQUIRE_THROWS_WITH(LinearTilt::vmf_mean_cosine(1, 1.0), Contains("dimension must be >= 2"));
  for (double k : {-1.0, nan, inf})
    REQUIRE_THROWS_WITH(LinearTilt::vmf_mean_cosine(3, k),
                        Contains("kappa must be finite and >= 0"));
}

TEST_CASE("a sampler refuses a layout of another size than the direction", "[linear_tilt][error]") {
  cola::ParameterLayout layout;
  layout.add_block("x", 4);
  cola::ConstraintSet none;
  const LinearTilt t(Vector::Ones(3), 1.0);
  cola::samplers::OverdampedOptions opt;
  REQUIRE_THROWS_AS(cola::samplers::Overdamped(layout, t, none, opt), ConfigError);
  REQUIRE_THROWS_WITH(
      cola::samplers::Overdamped(layout, t, none, opt),
      Contains("linear_tilt") && Contains("expects 3 parameters") && Contains("layout has 4"));
}
