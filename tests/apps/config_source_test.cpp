// load_config: a preset (or file) with --set overrides applied.
#include <cola/apps/config.hpp>
#include <cola/apps/config_source.hpp>
#include <cola/error.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace cola;
using namespace cola::apps;
using Catch::Matchers::Contains;

namespace {

ConfigSource preset(std::vector<std::string> sets) {
  ConfigSource s;
  s.preset = "sphere-vmf";
  s.sets = std::move(sets);
  return s;
}

}  // namespace

TEST_CASE("config source: changing a preset's sampler type drops the preset's keys of the old type",
          "[apps][config]") {
  // sphere-vmf is written for cola-ud (step_size, friction, temperature).
  const ExperimentConfig base = resolve(load_config(preset({})));
  REQUIRE(base.sampler.type == SamplerType::kColaUd);
  const ExperimentConfig hmc = resolve(load_config(preset({"sampler.type=\"hmc\""})));
  CHECK(hmc.sampler.type == SamplerType::kHmc);
  // Keys both types have keep the preset's values.
  CHECK(hmc.sampler.step_size == base.sampler.step_size);
  CHECK(hmc.sampler.temperature == base.sampler.temperature);
  // A key set after the type change is the user's and is kept.
  const ExperimentConfig mala =
      resolve(load_config(preset({"sampler.type=\"mala\"", "sampler.target_acceptance=0.6"})));
  CHECK(mala.sampler.type == SamplerType::kMala);
  CHECK(mala.sampler.target_acceptance == 0.6);
}

TEST_CASE("config source: the user's keys that do not apply to the new type are still refused",
          "[apps][config][errors]") {
  // --set friction before the type change: the user's key, refused by name.
  CHECK_THROWS_WITH(resolve(load_config(preset({"sampler.friction=2", "sampler.type=\"hmc\""}))),
                    Contains("sampler.friction is not a key of sampler.type = \"hmc\""));
  // A configuration file's keys are the user's too.
  const auto path = std::filesystem::temp_directory_path() / "cola_config_source_test.toml";
  {
    std::ofstream f(path);
    f << "[model]\ntype = \"von_mises_fisher\"\nshape = [3]\n"
         "[sampler]\ntype = \"cola-ud\"\nfriction = 2\n";
  }
  ConfigSource file;
  file.file = path.string();
  file.sets = {"sampler.type=\"hmc\""};
  CHECK_THROWS_WITH(resolve(load_config(file)),
                    Contains("sampler.friction is not a key of sampler.type = \"hmc\""));
  std::filesystem::remove(path);
}
