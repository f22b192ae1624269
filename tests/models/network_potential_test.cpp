// NetworkPotential: central finite-difference gradient checks for every
// activation, both likelihoods, both scalings, the prior, a low-rank layer
// and the output-constraint layer (in float64); float32 against float64; the
// output constraint A yhat = b; minibatches (reproducible, an epoch covers
// every example once, epochs differ); other blocks get zero gradient; errors.
#include <cola/error.hpp>
#include <cola/models/network_potential.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

using namespace cola;
using namespace cola::models;
using Catch::Matchers::Contains;

namespace {

// n examples with d features in [-1, 1], labels in [0, classes) or k
// regression targets.
std::shared_ptr<const Dataset> toy_data(Index n, Index d, int classes, Index k,
                                        std::uint64_t seed) {
  auto data = std::make_shared<Dataset>();
  data->source = "random data";
  RngStream rng(StreamKey{seed, 0, 0, 0, 0});
  data->features.resize(n, d);
  for (Index i = 0; i < data->features.size(); ++i)
    data->features.data()[i] = 2 * rng.uniform() - 1;
  if (classes > 0) {
    data->num_classes = classes;
    for (Index i = 0; i < n; ++i)
      data->labels.push_back(static_cast<int>(rng() % static_cast<std::uint64_t>(classes)));
  } else {
    data->targets.resize(n, k);
    for (Index i = 0; i < data->targets.size(); ++i) data->targets.data()[i] = rng.normal();
  }
  return data;
}

MlpSpec spec(Index inputs, std::vector<Index> units, Activation act, Index rank = 0) {
  MlpSpec s;
  s.inputs = inputs;
  for (std::size_t i = 0; i < units.size(); ++i) {
    DenseLayerSpec l;
    l.units = units[i];
    l.activation = i + 1 < units.size() ? act : Activation::kIdentity;
    l.rank = i == 0 ? rank : 0;
    s.layers.push_back(l);
  }
  return s;
}

struct Net {
  ParameterLayout layout;
  std::unique_ptr<NetworkPotential> v;
  Vector q;
  Net(const MlpSpec& s, std::shared_ptr<const Dataset> data, NetworkOptions o,
      bool extra_block = false) {
    const Mlp mlp(s);
    if (extra_block) layout.add_block("other", 3);
    mlp.declare_blocks(layout);
    v = std::make_unique<NetworkPotential>(mlp, layout, std::move(data), o);
    RngStream rng(StreamKey{11, 0, 0, 0, 0});
    q = Vector::Zero(layout.size());
    rng.fill_normal(q);
    mlp.initialise(layout, q, rng);
    // Larger weights than the default initialisation: activations away from
    // zero exercise the nonlinearities.
    q *= 2;
  }
};

// max_i |grad_i - FD_i| / max(1, max |grad|) with central differences of step
// e = 1e-6 max(1, |q_i|): truncation O(e^2 V''') ~ 1e-12 and rounding
// O(eps |V| / e) ~ 1e-9 relative, so 1e-6 leaves a wide margin for a correct
// gradient while any wrong term (errors of order 1) fails.
double gradient_error(const Potential& v, const Vector& q, const PotentialContext& ctx) {
  Vector grad(q.size()), scratch(q.size());
  v.value_and_gradient(q, grad, ctx);
  double worst = 0;
  for (Index i = 0; i < q.size(); ++i) {
    const double e = 1e-6 * std::max(1.0, std::abs(q[i]));
    Vector qp = q, qm = q;
    qp[i] += e;
    qm[i] -= e;
    const double fd =
        (v.value_and_gradient(qp, scratch, ctx) - v.value_and_gradient(qm, scratch, ctx)) / (2 * e);
    worst = std::max(worst, std::abs(fd - grad[i]));
  }
  return worst / std::max(1.0, grad.cwiseAbs().maxCoeff());
}

NetworkOptions float64() {
  NetworkOptions o;
  o.precision = NetPrecision::kFloat64;
  return o;
}

}  // namespace

TEST_CASE("network gradient: every activation, softmax, posterior scaling", "[models][network]") {
  const Activation act =
      GENERATE(Activation::kRelu, Activation::kTanh, Activation::kSigmoid, Activation::kIdentity);
  INFO(to_string(act));
  Net n(spec(3, {5, 4, 3}, act), toy_data(7, 3, 3, 0, 1), float64());
  CHECK(gradient_error(*n.v, n.q, {}) < 1e-6);
}

TEST_CASE("network gradient: Gaussian likelihood, mean scaling, prior, minibatch",
          "[models][network]") {
  NetworkOptions o = float64();
  o.likelihood = Likelihood::kGaussian;
  o.noise_sd = 0.7;
  o.scaling = GENERATE(Scaling::kPosterior, Scaling::kMeanLoss);
  o.priors = {{"layer0.*", 0.5}, {"*", 2.0}};
  o.batch_size = 3;
  Net n(spec(4, {6, 2}, Activation::kTanh), toy_data(8, 4, 0, 2, 2), o);
  // A minibatch: the FD differences use the same context, so the same batch.
  CHECK(gradient_error(*n.v, n.q, PotentialContext{5, 1, 17}) < 1e-6);
}

TEST_CASE("network gradient: low-rank layer and output constraint layer", "[models][network]") {
  MlpSpec s = spec(5, {6, 4}, Activation::kSigmoid, 2);
  OutputConstraint oc;
  oc.a = Matrix{{1, 1, 1, 1}, {1, -1, 0, 2}};
  oc.b = Vector{{1.0, -0.5}};
  s.output_constraint = oc;
  NetworkOptions o = float64();
  o.likelihood = GENERATE(Likelihood::kGaussian, Likelihood::kSoftmaxCrossEntropy);
  auto data =
      o.likelihood == Likelihood::kGaussian ? toy_data(6, 5, 0, 4, 3) : toy_data(6, 5, 4, 0, 3);
  Net n(s, data, o);
  CHECK(n.layout.find("layer0.u") >= 0);
  CHECK(n.layout.find("layer0.weight") < 0);
  CHECK(gradient_error(*n.v, n.q, {}) < 1e-6);
}

TEST_CASE("output constraint: A yhat = b for every input, to rounding", "[models][network]") {
  MlpSpec s = spec(3, {8, 3}, Activation::kRelu);
  OutputConstraint oc;
  oc.a = Matrix{{1, 1, 1}};
  oc.b = Vector{{2.0}};
  s.output_constraint = oc;
  NetworkOptions o = float64();
  o.likelihood = Likelihood::kGaussian;
  Net n(s, toy_data(50, 3, 0, 3, 4), o);
  const auto fresh = toy_data(200, 3, 0, 3, 5);
  Matrix yhat;
  n.v->predict(n.q, *fresh, yhat);
  REQUIRE(yhat.rows() == 200);
  CHECK((yhat.rowwise().sum().array() - 2.0).abs().maxCoeff() < 1e-12);
  // The predictions still depend on the input (two free directions).
  CHECK((yhat.row(0) - yhat.row(1)).norm() > 1e-3);
}

TEST_CASE("float32 network agrees with float64 to float rounding", "[models][network]") {
  auto data = toy_data(40, 6, 3, 0, 6);
  NetworkOptions o32;
  o32.precision = NetPrecision::kFloat32;
  Net a(spec(6, {16, 3}, Activation::kTanh), data, float64());
  Net b(spec(6, {16, 3}, Activation::kTanh), data, o32);
  REQUIRE(a.q == b.q);
  Vector ga(a.q.size()), gb(b.q.size());
  const double va = a.v->value_and_gradient(a.q, ga, {});
  const double vb = b.v->value_and_gradient(b.q, gb, {});
  // float32 rounding (2^-24 = 6e-8) through sums of ~100 terms: 1e-5 relative.
  CHECK(std::abs(va - vb) <= 1e-5 * std::abs(va));
  CHECK((ga - gb).cwiseAbs().maxCoeff() <= 1e-5 * ga.cwiseAbs().maxCoeff());
}

TEST_CASE("minibatches: reproducible, an epoch covers each example once, epochs differ",
          "[models][network]") {
  // 10 examples, batch 4: batches of 4, 4, 2. The loss of a batch under the
  // mean scaling with zero weights is log(classes) per example whatever the
  // batch, so use per-example losses through a potential on one example's
  // features: identify batches by their value with distinct targets.
  const Index n = 10;
  auto data = std::make_shared<Dataset>();
  data->source = "indexed";
  data->features = Matrix::Zero(n, 1);
  data->targets.resize(n, 1);
  for (Index i = 0; i < n; ++i) data->targets(i, 0) = std::pow(2.0, static_cast<double>(i));
  NetworkOptions o = float64();
  o.likelihood = Likelihood::kGaussian;
  o.scaling = Scaling::kMeanLoss;
  o.batch_size = 4;
  MlpSpec s = spec(1, {1}, Activation::kIdentity);
  s.layers[0].bias = false;
  Net net(s, data, o);
  REQUIRE(net.v->batches_per_epoch() == 3);
  REQUIRE(net.v->stochastic());
  // With the output fixed at 0, the gradient is zero and V = mean of
  // t_i^2 / 2 + const: the sum of 4^i over the batch is a bit pattern that
  // identifies its members.
  Vector q = Vector::Zero(net.layout.size()), g(q.size());
  const double c = 0.5 * std::log(2 * M_PI);
  auto members = [&](std::uint64_t seed, std::uint64_t chain, std::uint64_t step) {
    const double v = net.v->value_and_gradient(q, g, PotentialContext{seed, chain, step});
    std::set<Index> m;
    // Batch size: 4 unless this is the last batch of an epoch (2).
    const Index b = (step + 1) % 3 == 2 ? 2 : 4;
    auto bits = static_cast<std::uint64_t>(std::llround(2 * (v - c) * static_cast<double>(b)));
    for (Index i = 0; i < 2 * n; i += 2)
      if (bits & (std::uint64_t{1} << i)) m.insert(i / 2);
    CHECK(static_cast<Index>(m.size()) == b);
    return m;
  };
  // Epoch 1 = batch numbers 3, 4, 5 = steps 2, 3, 4.
  std::set<Index> all;
  std::vector<std::set<Index>> epoch1;
  for (std::uint64_t step = 2; step <= 4; ++step) {
    const auto m = members(9, 0, step);
    epoch1.push_back(m);
    for (Index i : m) CHECK(all.insert(i).second);  // no example twice
    CHECK(members(9, 0, step) == m);                // the same context, the same batch
  }
  CHECK(all.size() == static_cast<std::size_t>(n));  // every example once
  // Another epoch, another chain, another seed: different batches.
  CHECK(members(9, 0, 5) != epoch1[0]);
  CHECK(members(9, 1, 2) != epoch1[0]);
  CHECK(members(10, 0, 2) != epoch1[0]);
}

TEST_CASE("network gradient is zero on blocks that are not the network's", "[models][network]") {
  Net n(spec(2, {4, 2}, Activation::kRelu), toy_data(5, 2, 2, 0, 7), float64(), true);
  Vector g = Vector::Constant(n.q.size(), 99.0);
  n.v->value_and_gradient(n.q, g, {});
  CHECK(n.layout.segment(g, n.layout.index_of("other")).isZero(0));
  CHECK(gradient_error(*n.v, n.q, {}) < 1e-6);
}

TEST_CASE("evaluate: mean loss and accuracy against a direct computation", "[models][network]") {
  auto data = toy_data(30, 2, 3, 0, 8);
  Net n(spec(2, {5, 3}, Activation::kTanh), data, float64());
  Matrix p;
  n.v->predict(n.q, *data, p);
  double nll = 0, correct = 0;
  for (Index i = 0; i < 30; ++i) {
    const int label = data->labels[static_cast<std::size_t>(i)];
    nll -= std::log(p(i, label));
    Index arg = 0;
    p.row(i).maxCoeff(&arg);
    correct += arg == label;
  }
  const auto e = n.v->evaluate(n.q, *data);
  CHECK(e.examples == 30);
  CHECK(e.loss == Approx(nll / 30).epsilon(1e-12));
  CHECK(e.accuracy == correct / 30);
  CHECK((p.rowwise().sum().array() - 1).abs().maxCoeff() < 1e-14);
  // Full-batch posterior scaling: V = sum of losses = N * mean loss.
  Vector g(n.q.size());
  CHECK(n.v->value_and_gradient(n.q, g, {}) == Approx(30 * e.loss).epsilon(1e-12));
}

TEST_CASE("network potential errors name the data and the field", "[models][network][errors]") {
  const Mlp mlp(spec(3, {4, 2}, Activation::kRelu));
  ParameterLayout layout;
  mlp.declare_blocks(layout);
  CHECK_THROWS_WITH(NetworkPotential(mlp, layout, toy_data(5, 4, 2, 0, 1), {}),
                    Contains("random data: features have 4 columns but the network expects 3"));
  CHECK_THROWS_WITH(NetworkPotential(mlp, layout, toy_data(5, 3, 3, 0, 1), {}),
                    Contains("has 3 classes but the network has 2 outputs"));
  NetworkOptions big;
  big.batch_size = 6;
  CHECK_THROWS_WITH(NetworkPotential(mlp, layout, toy_data(5, 3, 2, 0, 1), big),
                    Contains("batch_size = 6"));
  NetworkOptions gauss;
  gauss.likelihood = Likelihood::kGaussian;
  CHECK_THROWS_AS(NetworkPotential(mlp, layout, toy_data(5, 3, 2, 0, 1), gauss), IoError);
  NetworkOptions prior;
  prior.priors = {{"*", 0.0}};
  CHECK_THROWS_WITH(NetworkPotential(mlp, layout, toy_data(5, 3, 2, 0, 1), prior),
                    Contains("must be positive"));
  ParameterLayout missing;
  missing.add_block("layer0.weight", 4, 3);
  CHECK_THROWS_AS(NetworkPotential(mlp, missing, toy_data(5, 3, 2, 0, 1), {}), ConfigError);
  // evaluate() checks the evaluation data the same way.
  NetworkPotential v(mlp, layout, toy_data(5, 3, 2, 0, 1), {});
  CHECK_THROWS_AS(v.evaluate(Vector::Zero(layout.size()), *toy_data(5, 2, 2, 0, 1)), IoError);
}
