// The diagnostics against Stan's golden data: CmdStan 2.35's 4 Bernoulli
// chains (tests/analysis/data/bern*.csv, from stan-dev/stan, see NOTICE.md)
// and the reference values of ../shared/reference/diagnostics.md (Stan's
// unit-test literals and the values of its algorithm to 12 digits), plus
// Stan's autocovariance test data and the NaN cases Stan asserts.
#include <cola/analysis/autocovariance.hpp>
#include <cola/analysis/chains.hpp>
#include <cola/analysis/ess.hpp>
#include <cola/analysis/mcse.hpp>
#include <cola/analysis/rank_normal.hpp>
#include <cola/analysis/rhat.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace cola;
using namespace cola::analysis;

namespace {

std::filesystem::path data_dir() {
  return std::filesystem::path(__FILE__).parent_path() / "data";
}

// Column `col` of the four chains: 1000 x 4.
Matrix bern(int col) {
  Matrix x(1000, 4);
  for (int chain = 0; chain < 4; ++chain) {
    std::ifstream in(data_dir() / ("bern" + std::to_string(chain + 1) + ".csv"));
    REQUIRE(in.good());
    std::string line;
    int row = -1;  // -1: the header is next
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      if (row < 0) {
        row = 0;
        continue;
      }
      std::stringstream fields(line);
      std::string field;
      for (int c = 0; c <= col; ++c) std::getline(fields, field, ',');
      REQUIRE(row < 1000);
      x(row++, chain) = std::stod(field);
    }
    REQUIRE(row == 1000);
  }
  return x;
}

constexpr int kLp = 0, kDivergent = 5, kTheta = 7;

// Relative agreement to 1e-8: the reference column is Stan's algorithm in
// numpy to 12 significant digits; FFT and direct sums agree to 3e-16.
Approx rel(double v) {
  return Approx(v).epsilon(1e-8);
}

}  // namespace

TEST_CASE("golden: basic ESS and classic split R-hat of Stan's Bernoulli chains",
          "[analysis][golden]") {
  const Matrix lp = bern(kLp), theta = bern(kTheta);
  CHECK(ess(lp) == rel(1335.41366787));
  CHECK(ess(theta) == rel(1377.50302820));
  CHECK(split_rhat(lp) == rel(1.00035489482));
  CHECK(split_rhat(theta) == rel(1.00721797217));
  // Stan's test literals with its tolerances.
  CHECK(std::abs(ess(lp) - 1335.41366787) < 1e-8);
  CHECK(std::abs(split_rhat(theta) - 1.00721797217) < 1e-10);
}

TEST_CASE("golden: rank-normalised split R-hat and bulk and tail ESS", "[analysis][golden]") {
  const Matrix lp = bern(kLp), theta = bern(kTheta);
  const RankRhat r_lp = rank_normalized_split_rhat(lp), r_theta = rank_normalized_split_rhat(theta);
  CHECK(r_lp.bulk == rel(1.00044571367));
  CHECK(r_lp.tail == rel(1.00073006946));
  CHECK(r_theta.bulk == rel(1.00678968411));
  CHECK(r_theta.tail == rel(1.00057960986));
  CHECK(std::abs(r_lp.max() - 1.00073) < 1e-5);  // Stan's literals
  CHECK(std::abs(r_theta.max() - 1.006789) < 1e-5);
  CHECK(bulk_ess(lp) == rel(1512.76837704));
  CHECK(bulk_ess(theta) == rel(1407.51242268));
  CHECK(tail_ess(lp) == rel(1591.97066879));
  CHECK(tail_ess(theta) == rel(1291.71312241));
}

TEST_CASE("golden: MCSE of the mean and sd, Stan's convention", "[analysis][golden]") {
  const Matrix lp = bern(kLp), theta = bern(kTheta);
  CHECK(mcse_mean(lp) == rel(0.0202120721354));
  CHECK(mcse_mean(theta) == rel(0.00327489095264));
  CHECK(mcse_sd(lp) == Approx(0.0355304659137).epsilon(1e-6));
  CHECK(mcse_sd(theta) == Approx(0.00219662298963).epsilon(1e-6));
  // stansummary's mean and sd of the same draws.
  CHECK(lp.mean() == rel(-7.2867579275));
  CHECK(std::sqrt((theta.array() - theta.mean()).square().sum() / 3999.0) == rel(0.121546686658));
}

TEST_CASE("golden: odd N drops the middle draw of each chain", "[analysis][golden]") {
  const Matrix lp = bern(kLp).topRows(999), theta = bern(kTheta).topRows(999);
  CHECK(ess(lp) == rel(1334.01583782));
  CHECK(split_rhat(lp) == rel(1.00038592322));
  CHECK(rank_normalized_split_rhat(lp).bulk == rel(1.00048120611));
  CHECK(rank_normalized_split_rhat(lp).tail == rel(1.00071917098));
  CHECK(bulk_ess(lp) == rel(1510.35420751));
  CHECK(tail_ess(lp) == rel(1588.29574615));
  CHECK(ess(theta) == rel(1381.48904184));
  CHECK(split_rhat(theta) == rel(1.00723557532));
  CHECK(bulk_ess(theta) == rel(1403.26296273));
  CHECK(tail_ess(theta) == rel(1288.99610384));
  const Matrix s = split_chains(Matrix(Eigen::VectorXd::LinSpaced(5, 0, 4)));
  REQUIRE(s.rows() == 2);
  CHECK(s(0, 0) == 0);
  CHECK(s(1, 0) == 1);
  CHECK(s(0, 1) == 3);  // row 2 (the middle) dropped
  CHECK(s(1, 1) == 4);
}

TEST_CASE("golden: autocovariance of Stan's AR(1) chain, FFT against the direct sum",
          "[analysis][golden]") {
  std::ifstream in(data_dir() / "ar1.csv");
  std::vector<double> v;
  for (double d; in >> d;) v.push_back(d);
  REQUIRE(v.size() == 1000);
  const Vector y = Eigen::Map<const Vector>(v.data(), 1000);
  const Vector a = autocovariance(y);
  const double expected[] = {2.686966, 2.157167, 1.730246, 1.378911, 1.096460, 0.892631};
  for (int k = 0; k < 6; ++k) CHECK(a[k] == Approx(expected[k]).margin(5e-7));
  const Vector d = y.array() - y.mean();
  for (Index k : {Index{0}, Index{1}, Index{7}, Index{500}, Index{999}}) {
    const double direct = d.head(1000 - k).dot(d.tail(1000 - k)) / 1000;
    CHECK(std::abs(a[k] - direct) <= 1e-14 * a[0]);
  }
}

TEST_CASE("golden: constant, infinite and too-short input give NaN as in Stan",
          "[analysis][golden][edge]") {
  const Matrix divergent = bern(kDivergent);
  REQUIRE(divergent.isZero(0));
  const RankRhat r = rank_normalized_split_rhat(divergent);
  CHECK(std::isnan(r.bulk));
  CHECK(std::isnan(r.tail));
  CHECK(std::isnan(bulk_ess(divergent)));
  CHECK(std::isnan(tail_ess(divergent)));
  CHECK(std::isnan(mcse_mean(divergent)));
  CHECK(std::isnan(mcse_sd(divergent)));
  Matrix inf = bern(kTheta);
  inf(0, 0) = INFINITY;
  CHECK(std::isnan(rank_normalized_split_rhat(inf).max()));
  CHECK(std::isnan(bulk_ess(inf)));
  CHECK(std::isnan(tail_ess(inf)));
  CHECK(std::isnan(mcse_mean(inf)));
  CHECK(std::isnan(mcse_sd(inf)));
  const Matrix short_theta = bern(kTheta).topRows(3);
  CHECK(std::isnan(bulk_ess(short_theta)));
  CHECK(std::isnan(tail_ess(short_theta)));
  CHECK(std::isnan(mcse_mean(short_theta)));
  CHECK(std::isnan(mcse_sd(short_theta)));
  // Documented edges of the unguarded estimators: one row, one chain.
  CHECK(std::isnan(ess(bern(kTheta).topRows(1))));
  CHECK(ess(bern(kTheta).topRows(4)) == 8.0);  // N <= 5: N M / 2
  CHECK(std::isnan(rhat(bern(kTheta).leftCols(1))));
  const Matrix one_chain = bern(kTheta).leftCols(1);
  CHECK(std::isfinite(split_rhat(one_chain)));  // the two halves compared
  CHECK(std::isfinite(bulk_ess(one_chain)));
}

TEST_CASE("MCSE of quantiles, posterior's convention, brackets the binomial error",
          "[analysis][golden]") {
  // The delta method: MCSE(q_p) ~ sqrt(p (1 - p) / ESS) / f(q_p), with the
  // density f from the type-7 quantiles q(p +- 0.025) and ESS the bulk ESS.
  // Measured: 0.003431 vs 0.003394 (p = 0.05), 0.004698 vs 0.004659 (0.5);
  // asserted within 10 %.
  const Matrix theta = bern(kTheta);
  for (double p : {0.05, 0.5}) {
    const double density = 0.05 / (quantile(theta, p + 0.025) - quantile(theta, p - 0.025));
    const double delta = std::sqrt(p * (1 - p) / bulk_ess(theta)) / density;
    const double m = mcse_quantile(theta, p);
    INFO("p = " << p << ": " << m << " vs " << delta);
    CHECK(std::abs(m - delta) < 0.1 * delta);
  }
  CHECK(std::isnan(mcse_quantile(theta, 0.0)));
  CHECK(std::isnan(mcse_quantile(bern(kDivergent), 0.5)));
  // Quantiles: type 7.
  const Matrix q = Eigen::VectorXd::LinSpaced(5, 1, 5);
  CHECK(quantile(q, 0.5) == 3);
  CHECK(quantile(q, 0.1) == Approx(1.4));
  CHECK(quantile(q, 0) == 1);
  CHECK(quantile(q, 1) == 5);
  // Ties get average ranks.
  const Matrix t{{1.0, 2.0}, {2.0, 3.0}};
  const Matrix z = rank_normalize(t);
  CHECK(z(1, 0) == z(0, 1));
  CHECK(z(0, 0) < z(1, 0));
}
