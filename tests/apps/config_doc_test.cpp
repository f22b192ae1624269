// The schema is the one source of the configuration reference: the checked-in
// docs/configuration.md must equal the generated text, and every key must be
// documented with a default that passes its own validation.
#include <cola/apps/config.hpp>
#include <cola/apps/config_schema.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace cola::apps;

namespace {

// docs/configuration.md of the source tree this test was compiled from.
std::filesystem::path docs_path() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "docs" /
         "configuration.md";
}

// A minimal configuration in which `spec` applies.
std::string config_for(const KeySpec& spec) {
  std::string model_type = "gaussian";
  if (spec.section == "model" && !spec.types.empty()) model_type = spec.types.front();
  // Networks need data, and the data keys and run.epochs need a network.
  // (data.type's default "none" is the toy models' setting.)
  if ((spec.section == "data" && spec.key != "type") ||
      (spec.section == "run" && spec.key == "epochs"))
    model_type = "mlp";
  if (model_type == "mlp") {
    std::string data_type = "spiral";
    if (spec.section == "data" && !spec.types.empty()) data_type = spec.types.front();
    std::string text = "[model]\ntype = \"mlp\"\n[data]\ntype = \"" + data_type + "\"\n";
    if (data_type == "csv" || data_type == "hdf5") {
      text += "path = \"d\"\n";
      // Exactly one of label and targets (the other keeps its empty default).
      text += spec.key == "label" ? "targets = [\"y\"]\n" : "label = \"y\"\n";
    }
    if (data_type == "csv" || data_type == "hdf5") text += "test_size = 10\n";
    return text;
  }
  std::string text = "[model]\ntype = \"" + model_type + "\"\nshape = [2]\n";
  if (model_type == "von_mises_fisher")
    text += "[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\n";
  if (spec.section == "constraints") {
    const std::string type = spec.types.empty() ? "fixed_norm" : spec.types.front();
    text += "[[constraints]]\ntype = \"" + type + "\"\nblocks = \"x\"\n";
    if (type == "linear") text += "matrix = [[1, 0]]\n";
  }
  if (spec.section == "sampler" && !spec.types.empty()) {
    const std::string type = spec.types.front();
    text += "[sampler]\ntype = \"" + type + "\"\n";
    if (type == "sgd" || type == "sgd-momentum") text += "learning_rate = 0.1\n";
    if (type == "sgd-momentum") text += "momentum = 0.5\n";
  }
  return text;
}

}  // namespace

TEST_CASE("config: docs/configuration.md is generated from the schema", "[apps][config]") {
  const std::filesystem::path path = docs_path();
  std::ifstream in(path, std::ios::binary);
  INFO("regenerate with: cmake --build <build-dir> --target cola_config_doc_update");
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  CHECK(text.str() == configuration_reference());
}

TEST_CASE("config: every key is documented and its default passes validation", "[apps][config]") {
  for (const KeySpec& spec : config_schema()) {
    INFO(spec.path());
    CHECK_FALSE(spec.doc.empty());
    CHECK(spec.doc.find('\n') == std::string::npos);
    CHECK(find_key(spec.section, spec.key, spec.types.empty() ? "" : spec.types.front()) !=
          nullptr);
    if (spec.default_value.empty() || spec.type == ValueType::kTable) continue;
    // Setting the key to its documented default changes nothing.
    const std::string text = config_for(spec);
    toml::table t = parse_config(text);
    // The key's table: its section, or the last [[constraints]] (config_for adds it last).
    std::string target = spec.section;
    if (spec.section == "constraints") {
      const std::size_t count = t["constraints"].as_array()->size();
      target = "constraints[" + std::to_string(count - 1) + "]";
    }
    apply_override(t, target + "." + spec.key + "=" + spec.default_value);
    CHECK(resolve(t) == resolve_text(text));
  }
}
