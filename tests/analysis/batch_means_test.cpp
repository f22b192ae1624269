// BatchMeans: the batching is exact bookkeeping (checked against the values
// themselves) and the degenerate inputs have defined results. Its statistical
// behaviour on AR(1) chains is tests/statistical/batch_means_ar1_test.cpp.
#include <cola/analysis/batch_means.hpp>
#include <cola/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

using cola::analysis::BatchMeans;

TEST_CASE("batch means: K to 2K full batches of a power-of-two size, each the mean of its values",
          "[analysis][batch_means]") {
  const std::size_t k = 4;
  BatchMeans bm(k);
  std::vector<double> values;
  for (int i = 0; i < 1000; ++i) {
    const double x = std::sin(0.37 * i) + 0.01 * i;
    values.push_back(x);
    bm.add(x);
    const std::uint64_t n = bm.count();
    REQUIRE(n == values.size());
    // Until 2K values the batches have size 1; afterwards K <= B < 2K.
    if (n >= k) {
      CHECK(bm.batches() >= k);
      CHECK(bm.batches() < 2 * k);
    }
    CHECK((bm.batch_size() & (bm.batch_size() - 1)) == 0);
    CHECK(bm.batches() * bm.batch_size() <= n);
    CHECK(n - bm.batches() * bm.batch_size() < bm.batch_size());
  }
  // 1000 values, K = 4: batches of 128, 7 full ones (896 values).
  REQUIRE(bm.batch_size() == 128);
  REQUIRE(bm.batches() == 7);
  double total = 0;
  for (double x : values) total += x;
  CHECK(bm.mean() == Approx(total / 1000).epsilon(1e-14));
  std::vector<double> means;
  for (std::size_t b = 0; b < bm.batches(); ++b) {
    double s = 0;
    for (std::size_t i = b * 128; i < (b + 1) * 128; ++i) s += values[i];
    means.push_back(s / 128);
    CHECK(bm.batch_mean(b) == Approx(means.back()).epsilon(1e-13));
  }
  double m = 0, ss = 0;
  for (double x : means) m += x / 7;
  for (double x : means) ss += (x - m) * (x - m);
  CHECK(bm.mcse() == Approx(std::sqrt(ss / 6 / 7)).epsilon(1e-12));
}

TEST_CASE("batch means: empty, single value, constant, NaN and a bad K",
          "[analysis][batch_means]") {
  BatchMeans empty;
  CHECK(empty.count() == 0);
  CHECK(std::isnan(empty.mean()));
  CHECK(std::isnan(empty.mcse()));

  BatchMeans one;
  one.add(2.5);
  CHECK(one.mean() == 2.5);
  CHECK(std::isnan(one.mcse()));  // one batch: no spread to estimate

  BatchMeans constant;
  for (int i = 0; i < 500; ++i) constant.add(3.0);
  CHECK(constant.mean() == 3.0);
  CHECK(constant.mcse() == 0.0);

  BatchMeans nan;
  for (int i = 0; i < 100; ++i) nan.add(i == 50 ? std::numeric_limits<double>::quiet_NaN() : 1.0);
  CHECK(std::isnan(nan.mean()));
  CHECK(std::isnan(nan.mcse()));

  CHECK_THROWS_AS(BatchMeans(1), cola::ConfigError);
  CHECK_THROWS_WITH(BatchMeans(1), Catch::Contains("min_batches must be at least 2"));
  CHECK_THROWS_AS(one.batch_mean(1), cola::ConfigError);
}

TEST_CASE("batch means: chains pooled with equal and with unequal batch sizes",
          "[analysis][batch_means]") {
  // Two chains of equal length around different levels: pooling the batch
  // means around the grand mean sees the disagreement.
  std::vector<BatchMeans> chains(2, BatchMeans(4));
  for (int i = 0; i < 56; ++i) {
    chains[0].add(1.0 + 0.1 * ((i % 2) ? 1 : -1));
    chains[1].add(-1.0 + 0.1 * ((i % 2) ? 1 : -1));
  }
  CHECK(cola::analysis::pooled_mean(chains) == Approx(0.0).margin(1e-15));
  // 7 batches of 8 per chain (the +-0.1 cancel within a batch): seven means
  // at 1 and seven at -1, so sd = sqrt(14/13) and MCSE = sd / sqrt(14).
  REQUIRE(chains[0].batch_size() == 8);
  REQUIRE(chains[0].batches() == 7);
  CHECK(cola::analysis::pooled_mcse(chains) == Approx(std::sqrt(1.0 / 13)).epsilon(1e-12));
  CHECK(chains[0].mcse() == 0.0);

  // Unequal lengths: per-chain variances weighted by (n_c / N)^2.
  std::vector<BatchMeans> uneven(2, BatchMeans(2));
  for (int i = 0; i < 8; ++i) uneven[0].add(i < 4 ? 0.0 : 1.0);
  for (int i = 0; i < 4; ++i) uneven[1].add(i < 2 ? 0.0 : 2.0);
  REQUIRE(uneven[0].batch_size() == 4);  // means 0 and 1: MCSE 0.5
  REQUIRE(uneven[1].batch_size() == 2);  // means 0 and 2: MCSE 1
  CHECK(uneven[0].mcse() == Approx(0.5));
  CHECK(uneven[1].mcse() == Approx(1.0));
  const double w0 = 8.0 / 12, w1 = 4.0 / 12;
  const double expected = std::sqrt(w0 * w0 * uneven[0].mcse() * uneven[0].mcse() +
                                    w1 * w1 * uneven[1].mcse() * uneven[1].mcse());
  CHECK(cola::analysis::pooled_mcse(uneven) == Approx(expected).epsilon(1e-14));
  CHECK(cola::analysis::pooled_mean(uneven) == Approx((4.0 + 4.0) / 12).epsilon(1e-14));

  // A chain with values but fewer than 2 batches: undefined, not a guess.
  std::vector<BatchMeans> short_chain(2);
  for (int i = 0; i < 100; ++i) short_chain[0].add(i);
  short_chain[1].add(1.0);
  CHECK(std::isnan(cola::analysis::pooled_mcse(short_chain)));
  CHECK(std::isnan(cola::analysis::pooled_mean(std::vector<BatchMeans>(3))));
}
