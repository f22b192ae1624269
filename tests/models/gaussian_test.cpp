// Gaussian target N(mean, covariance): value and gradient against the closed
// form and central differences; configuration errors.
#include "lib/lib_test_support.hpp"
#include "model_test_support.hpp"

#include <cola/error.hpp>
#include <cola/models/gaussian.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using Catch::Matchers::Contains;
using cola::ConfigError;
using cola::Matrix;
using cola::Vector;
using cola::models::Gaussian;
using cola::test::max_abs_diff;
using cola::test::random_matrix;
using cola::test::random_vector;

namespace {

Matrix spd(cola::Index n, std::uint64_t seed) {
  const Matrix l = random_matrix(n, n, seed);
  return l * l.transpose() + 0.5 * Matrix::Identity(n, n);
}

}  // namespace

TEST_CASE("Gaussian value and gradient are the closed form", "[gaussian]") {
  const Vector mean = random_vector(4, 1);
  const Matrix cov = spd(4, 2);
  const Gaussian g(mean, cov);
  CHECK(g.dimension() == 4);
  CHECK(g.name() == "gaussian");
  CHECK(g.mean() == mean);
  CHECK(max_abs_diff(Matrix(g.precision() * cov), Matrix(Matrix::Identity(4, 4))) < 1e-12);
  CHECK_FALSE(g.stochastic());

  const Vector q = random_vector(4, 3);
  Vector grad;
  const double v = g.value_and_gradient(q, grad, {});
  const Vector d = q - mean;
  const Vector expected_grad = cov.ldlt().solve(d);
  CHECK(v == Approx(0.5 * d.dot(expected_grad)).epsilon(1e-12));
  CHECK(max_abs_diff(grad, expected_grad) < 1e-12 * std::max(1.0, expected_grad.norm()));

  // At the mean: V = 0 and grad V = 0.
  CHECK(g.value_and_gradient(mean, grad, {}) == 0.0);
  CHECK(grad.cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("Gaussian gradient matches central differences", "[gaussian]") {
  const Gaussian g(random_vector(5, 4), spd(5, 5));
  for (std::uint64_t seed = 6; seed < 9; ++seed)
    CHECK(cola::test::gradient_error(g, 2.0 * random_vector(5, seed)) < 1e-6);
}

TEST_CASE("Gaussian rejects inconsistent or invalid covariances", "[gaussian][error]") {
  const Vector mean = Vector::Zero(3);
  REQUIRE_THROWS_AS(Gaussian(mean, Matrix::Identity(2, 2)), ConfigError);
  REQUIRE_THROWS_WITH(Gaussian(mean, Matrix::Identity(2, 2)), Contains("covariance must be 3x3"));
  REQUIRE_THROWS_WITH(Gaussian(mean, Matrix::Identity(3, 4)), Contains("covariance must be 3x3"));
  Matrix asym = Matrix::Identity(3, 3);
  asym(0, 1) = 0.5;
  REQUIRE_THROWS_WITH(Gaussian(mean, asym), Contains("symmetric"));
  Matrix indefinite = Matrix::Identity(3, 3);
  indefinite(2, 2) = -1;
  REQUIRE_THROWS_WITH(Gaussian(mean, indefinite), Contains("positive definite"));
  REQUIRE_THROWS_WITH(Gaussian(mean, Matrix::Zero(3, 3)), Contains("positive definite"));
  Vector nan_mean = mean;
  nan_mean[1] = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(Gaussian(nan_mean, Matrix::Identity(3, 3)), Contains("finite"));
  Matrix inf_cov = Matrix::Identity(3, 3);
  inf_cov(1, 1) = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(Gaussian(mean, inf_cov), Contains("finite"));
}

TEST_CASE("Gaussian with a diagonal covariance keeps n precisions and matches the dense one",
          "[gaussian]") {
  const Vector mean = cola::test::random_vector(5, 3);
  const Vector variance = cola::test::random_vector(5, 4).cwiseAbs() + Vector::Constant(5, 0.2);
  const cola::models::Gaussian diag = cola::models::Gaussian::diagonal(mean, variance);
  const cola::models::Gaussian dense(mean, Matrix(variance.asDiagonal()));
  CHECK(diag.is_diagonal());
  CHECK_FALSE(dense.is_diagonal());
  const Vector q = cola::test::random_vector(5, 5);
  Vector g1(5), g2(5);
  const double v1 = diag.value_and_gradient(q, g1, {});
  const double v2 = dense.value_and_gradient(q, g2, {});
  CHECK(v1 == Approx(v2).epsilon(1e-14));
  CHECK(cola::test::max_abs_diff(g1, g2) < 1e-13);
  // V = sum (q - mu)^2 / (2 var) exactly.
  CHECK(v1 == Approx(((q - mean).array().square() / (2 * variance.array())).sum()).epsilon(1e-14));
  CHECK(cola::test::max_abs_diff(diag.precision(), dense.precision()) < 1e-13);
  // 1.6 M parameters: a dense precision would be 20 TB.
  const cola::Index big = 1600000;
  const cola::models::Gaussian wide =
      cola::models::Gaussian::diagonal(Vector::Zero(big), Vector::Constant(big, 4.0));
  Vector g(big);
  CHECK(wide.value_and_gradient(Vector::Constant(big, 2.0), g, {}) == Approx(0.5 * big));
  CHECK(g[big - 1] == 0.5);
}

TEST_CASE("Gaussian with a diagonal covariance refuses bad variances", "[gaussian]") {
  using cola::models::Gaussian;
  CHECK_THROWS_WITH(Gaussian::diagonal(Vector::Zero(3), Vector::Ones(2)),
                    Catch::Contains("variance must have 3 entries"));
  CHECK_THROWS_WITH(Gaussian::diagonal(Vector::Zero(2), Vector::Constant(2, -1.0)),
                    Catch::Contains("every variance must be finite and positive"));
  CHECK_THROWS_WITH(
      Gaussian::diagonal(Vector::Zero(2),
                         Vector::Constant(2, std::numeric_limits<double>::infinity())),
      Catch::Contains("every variance must be finite and positive"));
  CHECK_THROWS_AS(Gaussian::diagonal(Vector::Constant(2, NAN), Vector::Ones(2)), cola::ConfigError);
}
