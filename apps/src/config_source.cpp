#include <cola/apps/config.hpp>
#include <cola/apps/config_source.hpp>
#include <cola/apps/presets.hpp>
#include <cola/error.hpp>

namespace cola::apps {

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void set_steps(toml::table& table, std::uint64_t steps) {
  apply_override(table, "run.epochs=0");
  apply_override(table, "run.steps=" + std::to_string(steps));
}

toml::table load_config(const ConfigSource& source) {
  require(source.file.empty() || source.preset.empty(),
          "give either a configuration file or --preset, not both");
  toml::table table;
  if (!source.file.empty()) {
    table = load_config_file(source.file);
  } else {
    const Preset& p = find_preset(source.preset.empty() ? "demo" : source.preset);
    table = parse_config(p.text, "preset " + std::string(p.name));
  }
  for (const auto& s : source.sets) apply_override(table, s);
  if (source.chains) apply_override(table, "run.chains=" + std::to_string(*source.chains));
  if (source.seed) apply_override(table, "run.seed=" + std::to_string(*source.seed));
  if (source.steps) set_steps(table, *source.steps);
  if (source.threads) apply_override(table, "run.threads=" + std::to_string(*source.threads));
  if (source.out) apply_override(table, "output.path=" + toml_string(*source.out));
  return table;
}

}  // namespace cola::apps
