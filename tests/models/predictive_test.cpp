// Posterior predictive metrics on small hand-computed cases.
#include <cola/error.hpp>
#include <cola/models/predictive.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace cola;
using namespace cola::models;

TEST_CASE("predictive metrics: accuracy, NLL, entropy and ECE by hand", "[models][predictive]") {
  // Four examples, two classes.
  //   p = (0.9, 0.1) label 0: correct, confidence 0.9 (bin 14: (14/15, 1]? no,
  //       0.9 is in bin ceil(13.5) - 1 = 13)
  //   p = (0.2, 0.8) label 1: correct, confidence 0.8 (bin ceil(12) - 1 = 11)
  //   p = (0.6, 0.4) label 1: wrong, confidence 0.6 (bin ceil(9) - 1 = 8)
  //   p = (0.5, 0.5) label 0: correct (ties go to class 0), confidence 0.5
  //       (bin ceil(7.5) - 1 = 7)
  Matrix p{{0.9, 0.1}, {0.2, 0.8}, {0.6, 0.4}, {0.5, 0.5}};
  const std::vector<int> labels{0, 1, 1, 0};
  const auto m = classification_metrics(p, labels);
  CHECK(m.accuracy == 0.75);
  CHECK(
      m.nll ==
      Approx(-(std::log(0.9) + std::log(0.8) + std::log(0.4) + std::log(0.5)) / 4).epsilon(1e-15));
  auto h = [](double a) { return -(a * std::log(a) + (1 - a) * std::log(1 - a)); };
  CHECK(m.entropy == Approx((h(0.9) + h(0.8) + h(0.6) + h(0.5)) / 4).epsilon(1e-15));
  // One example per bin: ECE = mean |correct - confidence|.
  CHECK(m.ece == Approx((0.1 + 0.2 + 0.6 + 0.5) / 4).epsilon(1e-15));
}

TEST_CASE("predictive metrics: shared bins, the probability floor", "[models][predictive]") {
  // Two examples in the same bin (confidences 0.95 and 0.97, one correct):
  // |1 - 1.92| / 2 ... weighted: (2/3) |0.5 - 0.96| + (1/3) |1 - 1| (p = 1).
  Matrix p{{0.95, 0.05, 0.0}, {0.03, 0.0, 0.97}, {0.0, 1.0, 0.0}};
  const std::vector<int> labels{0, 1, 1};
  const auto m = classification_metrics(p, labels);
  CHECK(m.accuracy == Approx(2.0 / 3));
  CHECK(m.ece == Approx((2.0 / 3) * std::abs(0.5 - 0.96)).epsilon(1e-14));
  // Example 2 gives its label probability 0: clamped at 1e-12.
  CHECK(m.nll == Approx((-std::log(0.95) - std::log(kProbabilityFloor) - 0.0) / 3).epsilon(1e-14));
}

TEST_CASE("predictive accumulator and regression metrics", "[models][predictive]") {
  PredictiveAccumulator a, b;
  a.add(Matrix{{1.0}, {2.0}});
  a.add(Matrix{{3.0}, {2.0}});
  b.add(Matrix{{5.0}, {2.0}});
  a.merge(b);
  CHECK(a.count() == 3);
  CHECK(a.mean() == Matrix{{3.0}, {2.0}});
  const auto r = regression_metrics(a.mean(), a.mean_square(), Matrix{{3.0}, {4.0}});
  CHECK(r.rmse == Approx(std::sqrt(2.0)));
  // Predictions (1, 3, 5) have sd sqrt(8/3); (2, 2, 2) have 0.
  CHECK(r.predictive_sd == Approx(std::sqrt(8.0 / 3) / 2).epsilon(1e-14));
}

TEST_CASE("predictive metrics: errors for bad shapes", "[models][predictive][errors]") {
  CHECK_THROWS_AS(classification_metrics(Matrix(0, 2), {}), ConfigError);
  CHECK_THROWS_AS(classification_metrics(Matrix{{0.5, 0.5}}, {0, 1}), ConfigError);
  CHECK_THROWS_AS(classification_metrics(Matrix{{0.5, 0.5}}, {2}), ConfigError);
  PredictiveAccumulator a;
  CHECK_THROWS_AS(a.mean(), ConfigError);
  a.add(Matrix(2, 2));
  CHECK_THROWS_AS(a.add(Matrix(3, 2)), ConfigError);
  CHECK_THROWS_AS(regression_metrics(Matrix(2, 1), Matrix(2, 1), Matrix(3, 1)), ConfigError);
}
