// Mlp: block names and shapes (dense and low-rank), the initialisations
// (PyTorch bounds, Gaussian sd, orthogonal rows/columns for wide, tall and
// square), the output projection, and configuration errors.
#include <cola/error.hpp>
#include <cola/models/mlp.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace cola;
using namespace cola::models;
using Catch::Matchers::Contains;

namespace {

MlpSpec two_layers(Index inputs, Index hidden, Index outputs) {
  MlpSpec s;
  s.inputs = inputs;
  s.layers.resize(2);
  s.layers[0].units = hidden;
  s.layers[1].units = outputs;
  s.layers[1].activation = Activation::kIdentity;
  return s;
}

}  // namespace

TEST_CASE("mlp: blocks are layer<i>.weight (units x inputs) and layer<i>.bias", "[models][mlp]") {
  MlpSpec s = two_layers(784, 1000, 10);
  const Mlp mlp(s);
  ParameterLayout layout;
  layout.add_block("x", 2);
  mlp.declare_blocks(layout, 2.0);
  REQUIRE(layout.num_blocks() == 5);
  CHECK(layout.block(1).name == "layer0.weight");
  CHECK(layout.block(1).rows == 1000);
  CHECK(layout.block(1).cols == 784);
  CHECK(layout.block(1).mass == 2.0);
  CHECK(layout.block(2).name == "layer0.bias");
  CHECK(layout.block(3).name == "layer1.weight");
  CHECK(layout.block(3).rows == 10);
  CHECK(layout.block(4).name == "layer1.bias");
  CHECK(mlp.num_parameters() == 784 * 1000 + 1000 + 1000 * 10 + 10);
  CHECK(mlp.block_names() ==
        std::vector<std::string>{"layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"});
}

TEST_CASE("mlp: a low-rank layer has blocks u (units x rank) and v (inputs x rank)",
          "[models][mlp]") {
  MlpSpec s = two_layers(50, 40, 3);
  s.layers[0].rank = 5;
  const Mlp mlp(s);
  ParameterLayout layout;
  mlp.declare_blocks(layout);
  CHECK(layout.block(layout.index_of("layer0.u")).rows == 40);
  CHECK(layout.block(layout.index_of("layer0.u")).cols == 5);
  CHECK(layout.block(layout.index_of("layer0.v")).rows == 50);
  CHECK(layout.find("layer0.weight") < 0);
  CHECK(mlp.num_parameters() == 5 * (40 + 50) + 40 + 40 * 3 + 3);
  // U and V are iid U(-a, a) with a = (3 / (rank fan_in))^(1/4), so that
  // Var((U V^T)_ij) = rank (a^2 / 3)^2 = 1 / (3 fan_in), PyTorch's variance.
  RngStream rng(StreamKey{3, 0, 0, 0, 0});
  Vector q = Vector::Zero(layout.size());
  mlp.initialise(layout, q, rng);
  const double a = std::pow(3.0 / (5 * 50), 0.25);
  CHECK(5 * std::pow(a * a / 3, 2) == Approx(1.0 / (3 * 50)).epsilon(1e-14));
  for (const char* name : {"layer0.u", "layer0.v"}) {
    const auto u = layout.segment(q, layout.index_of(name));
    const double n = static_cast<double>(u.size());
    CHECK(u.cwiseAbs().maxCoeff() <= a);
    // Sample variance of n uniforms: standard error a^2 sqrt(4 / (45 n)).
    CHECK(std::abs(u.squaredNorm() / n - a * a / 3) < 5 * a * a * std::sqrt(4.0 / (45.0 * n)));
  }
}

TEST_CASE("mlp: PyTorch-default initialisation is U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
          "[models][mlp]") {
  const Mlp mlp(two_layers(400, 300, 10));
  ParameterLayout layout;
  mlp.declare_blocks(layout);
  RngStream rng(StreamKey{4, 0, 0, 0, 0});
  Vector q = Vector::Zero(layout.size());
  mlp.initialise(layout, q, rng);
  for (const char* name : {"layer0.weight", "layer0.bias"}) {
    const auto w = layout.segment(q, layout.index_of(name));
    const double bound = 1 / std::sqrt(400.0);
    CHECK(w.cwiseAbs().maxCoeff() <= bound);
    // Uniform: variance bound^2 / 3, standard error of the sample variance
    // bound^2 sqrt(4 / (45 n)).
    const double var = w.squaredNorm() / static_cast<double>(w.size());
    CHECK(std::abs(var - bound * bound / 3) <
          5 * bound * bound * std::sqrt(4.0 / (45.0 * static_cast<double>(w.size()))));
  }
  CHECK(layout.segment(q, layout.index_of("layer1.weight")).cwiseAbs().maxCoeff() <=
        1 / std::sqrt(300.0));
}

TEST_CASE("mlp: Gaussian initialisation has the given sd and zero biases", "[models][mlp]") {
  MlpSpec s = two_layers(100, 200, 5);
  for (auto& l : s.layers) {
    l.init = Initialisation::kGaussian;
    l.init_scale = 0.3;
  }
  const Mlp mlp(s);
  ParameterLayout layout;
  mlp.declare_blocks(layout);
  RngStream rng(StreamKey{5, 0, 0, 0, 0});
  Vector q = Vector::Zero(layout.size());
  mlp.initialise(layout, q, rng);
  const auto w = layout.segment(q, layout.index_of("layer0.weight"));
  const double n = static_cast<double>(w.size());
  const double sd = std::sqrt(w.squaredNorm() / n);
  // Standard error of a sample sd: sd / sqrt(2 n).
  CHECK(std::abs(sd - 0.3) < 5 * 0.3 / std::sqrt(2 * n));
  CHECK(layout.segment(q, layout.index_of("layer0.bias")).isZero(0));
}

TEST_CASE("mlp: orthogonal initialisation is orthonormal for wide, tall and square layers",
          "[models][mlp]") {
  const auto shape =
      GENERATE(std::make_pair(30, 50), std::make_pair(50, 30), std::make_pair(40, 40));
  const Index units = shape.first, inputs = shape.second;
  MlpSpec s = two_layers(inputs, units, 2);
  s.layers[0].init = Initialisation::kOrthogonal;
  s.layers[0].init_scale = 1.0;
  const Mlp mlp(s);
  ParameterLayout layout;
  mlp.declare_blocks(layout);
  RngStream rng(StreamKey{6, 0, 0, 0, 0});
  Vector q = Vector::Zero(layout.size());
  mlp.initialise(layout, q, rng);
  const Matrix w = layout.matrix(q, layout.index_of("layer0.weight"));
  INFO(units << " x " << inputs);
  if (units <= inputs)  // orthonormal rows
    CHECK((w * w.transpose() - Matrix::Identity(units, units)).cwiseAbs().maxCoeff() < 1e-12);
  if (units >= inputs)  // orthonormal columns
    CHECK((w.transpose() * w - Matrix::Identity(inputs, inputs)).cwiseAbs().maxCoeff() < 1e-12);
  // With a gain.
  RngStream rng2(StreamKey{6, 0, 0, 0, 0});
  const Matrix g = orthogonal_matrix(units, inputs, 2.0, rng2);
  CHECK((g - 2.0 * w).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("mlp: the output projection is symmetric and maps onto A y = b", "[models][mlp]") {
  MlpSpec s = two_layers(3, 4, 3);
  s.output_constraint = OutputConstraint{Matrix{{1, 2, 3}}, Vector{{6.0}}};
  const Mlp mlp(s);
  const Matrix& p = mlp.output_projection();
  CHECK((p - p.transpose()).cwiseAbs().maxCoeff() == 0);
  CHECK((p * p - p).cwiseAbs().maxCoeff() < 1e-15);
  const Vector y = p * Vector{{0.3, -2.0, 5.0}} + mlp.output_offset();
  CHECK(std::abs(y[0] + 2 * y[1] + 3 * y[2] - 6.0) < 1e-14);
}

TEST_CASE("mlp: configuration errors name the field", "[models][mlp][errors]") {
  MlpSpec s = two_layers(3, 0, 2);
  CHECK_THROWS_WITH(Mlp(s), Contains("layers[0].units = 0"));
  s = two_layers(0, 4, 2);
  CHECK_THROWS_WITH(Mlp(s), Contains("inputs = 0"));
  s = two_layers(3, 4, 2);
  s.layers[0].rank = 4;
  CHECK_THROWS_WITH(Mlp(s), Contains("layers[0].rank = 4"));
  s = two_layers(3, 4, 2);
  s.layers[0].rank = 2;
  s.layers[0].init = Initialisation::kOrthogonal;
  CHECK_THROWS_WITH(Mlp(s), Contains("orthogonal initialisation needs a full-rank layer"));
  s = two_layers(3, 4, 3);
  s.output_constraint = OutputConstraint{Matrix{{1, 1, 1}, {2, 2, 2}}, Vector{{1.0, 2.0}}};
  CHECK_THROWS_WITH(Mlp(s), Contains("rows must be linearly independent"));
  s.output_constraint = OutputConstraint{Matrix{{1, 1}}, Vector{{1.0}}};
  CHECK_THROWS_WITH(Mlp(s), Contains("must have 3 columns"));
  CHECK_THROWS_WITH(parse_activation("gelu"), Contains("\"relu\", \"tanh\", \"sigmoid\""));
  const Mlp ok(two_layers(3, 4, 2));
  ParameterLayout wrong;
  wrong.add_block("layer0.weight", 4, 2);
  CHECK_THROWS_WITH(ok.find_blocks(wrong), Contains("layer0.weight is 4 x 2"));
}
