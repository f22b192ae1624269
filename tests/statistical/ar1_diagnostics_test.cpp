// The diagnostics on stationary Gaussian AR(1) chains, whose exact answers are
// known (../shared/reference/diagnostics.md §4): x_t = rho x_{t-1} + eps_t,
// x_0 ~ N(0, 1 / (1 - rho^2)) (exactly stationary). For the mean (and the
// bulk, the rank-normal transform of a Gaussian being nearly affine) ESS ->
// M N (1 - rho) / (1 + rho); for the 5 % tail indicator the limit is the
// integral of §4 (tabulated there). R = 200 replications of M = 4 chains of
// N = 1000, fixed seeds.
//
// Windows: the reference measured the finite-N behaviour of these estimators
// (1000 replications): mean ratio estimate/limit 0.981-0.996 for basic ESS,
// 0.986-1.009 bulk, 0.955-0.968 tail (biased about -4 % at N = 1000), with
// sd <= 0.2 per replication, so sd/sqrt(200) <= 0.014. The asserted windows,
// [0.92, 1.08] for basic and bulk and [0.88, 1.05] for tail, are >= 4 of
// those standard errors wide around the measured means.
#include <cola/analysis/chains.hpp>
#include <cola/analysis/ess.hpp>
#include <cola/analysis/mcse.hpp>
#include <cola/analysis/rhat.hpp>
#include <cola/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace cola;
using namespace cola::analysis;

namespace {

constexpr Index kN = 1000, kM = 4;
constexpr int kReplications = 200;

Matrix ar1(double rho, std::uint64_t seed, Index n = kN) {
  Matrix x(n, kM);
  for (Index j = 0; j < kM; ++j) {
    RngStream rng(StreamKey{seed, static_cast<std::uint64_t>(j), 0, 0, 0});
    double v = rng.normal() / std::sqrt(1 - rho * rho);
    for (Index i = 0; i < n; ++i) {
      if (i > 0) v = rho * v + rng.normal();
      x(i, j) = v;
    }
  }
  return x;
}

struct Limits {
  double rho, tail;  // tail: the p = 0.05 indicator's ESS limit for M N = 4000
};

}  // namespace

TEST_CASE("AR(1): basic, bulk and tail ESS and MCSE of the mean match their exact limits",
          "[analysis][statistical]") {
  const Limits limits = GENERATE(Limits{0.0, 4000.0}, Limits{0.5, 2371.8601}, Limits{0.9, 466.8047},
                                 Limits{-0.3, 4207.8545},
                                 // The issue's -0.5; no tail limit is tabulated for it.
                                 Limits{-0.5, NAN});
  const double rho = limits.rho;
  const double mn = static_cast<double>(kN * kM);
  const double ess_limit = mn * (1 - rho) / (1 + rho);
  const double mcse_limit = std::sqrt((1 + rho) / (1 - rho) / mn) / std::sqrt(1 - rho * rho);
  double basic = 0, bulk = 0, tail = 0, mcse = 0, rhat_max = 0;
  for (int r = 0; r < kReplications; ++r) {
    const Matrix x = ar1(rho, 1000 + static_cast<std::uint64_t>(r));
    basic += ess(x) / ess_limit;
    bulk += bulk_ess(x) / ess_limit;
    if (!std::isnan(limits.tail)) tail += tail_ess(x) / limits.tail;
    mcse += mcse_mean(x) / mcse_limit;
    rhat_max += rank_normalized_split_rhat(x).max();
  }
  basic /= kReplications;
  bulk /= kReplications;
  tail /= kReplications;
  mcse /= kReplications;
  rhat_max /= kReplications;
  INFO("rho = " << rho << ": basic " << basic << ", bulk " << bulk << ", tail " << tail
                << ", mcse_mean " << mcse << ", mean max R-hat " << rhat_max);
  CHECK(basic > 0.92);
  CHECK(basic < 1.08);
  CHECK(bulk > 0.92);
  CHECK(bulk < 1.08);
  if (!std::isnan(limits.tail)) {
    CHECK(tail > 0.88);
    CHECK(tail < 1.05);
  }
  CHECK(std::abs(mcse - 1) < 0.05);
  CHECK(rhat_max < (rho <= 0.5 ? 1.005 : 1.03));
  // Antithetic chains: ESS above M N (not capped there).
  if (rho < 0) CHECK(basic * ess_limit > mn);
}

TEST_CASE("AR(1): R-hat detects a shifted chain", "[analysis][statistical]") {
  // Positive control of the reference: chain 0 shifted by one sd at rho =
  // 0.5 gives R-hat > 1.05 in every replication (observed minimum 1.068).
  const double sd = 1 / std::sqrt(1 - 0.25);
  for (int r = 0; r < 50; ++r) {
    Matrix x = ar1(0.5, 5000 + static_cast<std::uint64_t>(r));
    x.col(0).array() += sd;
    CHECK(rank_normalized_split_rhat(x).max() > 1.05);
  }
}

TEST_CASE("AR(1): thinning by k gives the correlation rho^k", "[analysis][statistical]") {
  // Every k-th draw of an AR(1) chain is AR(1) with rho^k: the ESS of the
  // thinned chains approaches M (N / k) (1 - rho^k) / (1 + rho^k).
  const double rho = 0.9;
  const Index k = 5;
  const double rk = std::pow(rho, static_cast<double>(k));
  const double limit = static_cast<double>(kM * kN) * (1 - rk) / (1 + rk);
  double ratio = 0;
  for (int r = 0; r < kReplications; ++r) {
    const Matrix x = ar1(rho, 9000 + static_cast<std::uint64_t>(r), kN * k);
    Matrix thinned(kN, kM);
    for (Index i = 0; i < kN; ++i) thinned.row(i) = x.row(i * k);
    ratio += ess(thinned) / limit;
  }
  ratio /= kReplications;
  INFO("thinned ESS / limit " << ratio);
  CHECK(ratio > 0.92);
  CHECK(ratio < 1.08);
}
