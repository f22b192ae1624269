// The compiled-in presets: every one resolves, builds an Experiment, starts
// on the manifold, takes a few steps and round-trips through to_toml.
#include <cola/apps/config.hpp>
#include <cola/apps/experiment.hpp>
#include <cola/apps/presets.hpp>
#include <cola/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>

using namespace cola;
using namespace cola::apps;
using Catch::Matchers::Contains;

TEST_CASE("presets: every preset resolves and builds and steps and round-trips",
          "[apps][presets]") {
  REQUIRE(presets().size() >= 4);
  std::set<std::string> names;
  for (const Preset& p : presets()) {
    INFO(p.name);
    CHECK(names.insert(std::string(p.name)).second);
    CHECK_FALSE(p.description.empty());
    CHECK(p.description.find('\n') == std::string_view::npos);
    CHECK(&find_preset(p.name) == &p);

    const ExperimentConfig c = resolve(parse_config(p.text, p.name));
    CHECK(resolve(parse_config(to_toml(c))) == c);
    const Experiment e(c);
    for (std::uint64_t chain = 0; chain < c.run.chains; ++chain) {
      State s = e.initial_state(chain);
      auto sampler = e.make_sampler(chain);
      sampler->run(s, 50);
      CHECK(s.q.allFinite());
      CHECK(e.constraints().residual(s.q) <= 1e-10);
    }
  }
}

TEST_CASE("presets: the demo is a Bayesian MLP on the spiral with an orthogonal hidden layer",
          "[apps][presets]") {
  REQUIRE(presets().front().name == "demo");
  const ExperimentConfig c = resolve(parse_config(find_preset("demo").text));
  CHECK(c.model.type == ModelType::kMlp);
  CHECK(c.data.type == DataType::kSpiral);
  CHECK(c.sampler.type == SamplerType::kColaUd);
  CHECK(c.sampler.temperature > 0);
  CHECK(c.run.chains == 4);
  CHECK(c.output.enabled);
  const Experiment e(c);
  REQUIRE(e.network() != nullptr);
  CHECK(e.network()->stochastic() == false);
  // The square hidden-to-hidden matrix, and only it, is orthogonal.
  const State s = e.initial_state(0);
  const Matrix w = e.layout().matrix(s.q, e.layout().index_of("layer1.weight"));
  CHECK((w.transpose() * w - Matrix::Identity(w.cols(), w.cols())).norm() <= 1e-12);
  const Matrix w0 = e.layout().matrix(s.q, e.layout().index_of("layer0.weight"));
  CHECK((w0.transpose() * w0 - Matrix::Identity(2, 2)).norm() > 0.1);
  CHECK(e.constraints().residual(s.q) <= 1e-12);
  CHECK(e.references().empty());
}

TEST_CASE("presets: sphere-vmf is von Mises-Fisher on S^2 with CoLA-ud and its exact mean",
          "[apps][presets]") {
  const ExperimentConfig c = resolve(parse_config(find_preset("sphere-vmf").text));
  CHECK(c.model.type == ModelType::kVonMisesFisher);
  CHECK(c.model.kappa == 2.0);
  CHECK(c.sampler.type == SamplerType::kColaUd);
  CHECK(c.sampler.step_size == 0.2);
  CHECK(c.run.chains == 4);
  CHECK(c.run.warmup * 10 == c.run.steps);
  const Experiment e(c);
  REQUIRE_FALSE(e.references().empty());
  CHECK(e.references().front().exact == Approx(1 / std::tanh(2.0) - 0.5).epsilon(1e-14));
}

TEST_CASE("presets: an unknown preset name lists the valid ones", "[apps][presets]") {
  CHECK_THROWS_AS(find_preset("dem"), ConfigError);
  CHECK_THROWS_WITH(find_preset("dem"),
                    Contains("unknown preset \"dem\"; did you mean \"demo\"? Valid: \"demo\""));
  CHECK_THROWS_WITH(find_preset("zzzzzzzzzz"),
                    Contains("valid: \"demo\", \"fmnist-ccola-ud\", \"fmnist-sgdm\""));
}
