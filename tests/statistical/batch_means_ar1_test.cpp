// BatchMeans on stationary Gaussian AR(1) chains, x_t = rho x_{t-1} + e_t,
// whose autocovariances are exact: c_k = rho^|k| / (1 - rho^2). The variance
// of the mean of L consecutive values is then
//   v_L = (1 / L^2) sum_{|k| < L} (L - |k|) c_k,
// and with B full batches of size b the estimator's exact expectation is
//   E[MCSE^2] = (v_b - v_{Bb}) / (B - 1)
// (the batch means are centred on their own mean). R = 400 replications of
// N = 20000 (K = 32: 39 batches of 512), fixed seeds; the replication mean of
// MCSE^2 must lie within 5 of its standard errors of that expectation. The
// expectation itself is within 3 % of the true variance of the mean v_N
// (checked too), which is what the MCSE is for.
#include <cola/analysis/batch_means.hpp>
#include <cola/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace cola;
using cola::analysis::BatchMeans;

namespace {

double mean_variance(double rho, double length) {
  const double c0 = 1 / (1 - rho * rho);
  double v = length * c0;
  double rk = 1;
  for (double k = 1; k < length; ++k) {
    rk *= rho;
    v += 2 * (length - k) * rk * c0;
  }
  return v / (length * length);
}

}  // namespace

TEST_CASE("batch means: the MCSE of AR(1) chains has its exact expectation",
          "[analysis][statistical][batch_means]") {
  const double rho = GENERATE(0.0, 0.5, 0.9, -0.5);
  constexpr int kN = 20000, kReplications = 400;
  double sum = 0, sum_sq = 0;
  std::uint64_t b = 0, batches = 0;
  for (int r = 0; r < kReplications; ++r) {
    RngStream rng(StreamKey{20261206, static_cast<std::uint64_t>(r), 0, 0, 0});
    BatchMeans bm;
    double x = rng.normal() / std::sqrt(1 - rho * rho);
    for (int t = 0; t < kN; ++t) {
      if (t > 0) x = rho * x + rng.normal();
      bm.add(x);
    }
    const double v = bm.mcse() * bm.mcse();
    sum += v;
    sum_sq += v * v;
    b = bm.batch_size();
    batches = bm.batches();
  }
  REQUIRE(b == 512);
  REQUIRE(batches == 39);
  const double mean = sum / kReplications;
  const double se = std::sqrt((sum_sq / kReplications - mean * mean) / (kReplications - 1));
  const double expected = (mean_variance(rho, static_cast<double>(b)) -
                           mean_variance(rho, static_cast<double>(b * batches))) /
                          static_cast<double>(batches - 1);
  INFO("rho " << rho << ": mean MCSE^2 " << mean << " +- " << se << ", exact expectation "
              << expected << ", true variance of the mean " << mean_variance(rho, kN));
  CHECK(std::abs(mean - expected) < 5 * se);
  CHECK(expected == Approx(mean_variance(rho, kN)).epsilon(0.03));
}
