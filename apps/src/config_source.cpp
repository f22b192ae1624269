#include <cola/apps/config.hpp>
#include <cola/apps/config_schema.hpp>
#include <cola/apps/config_source.hpp>
#include <cola/apps/presets.hpp>
#include <cola/error.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace cola::apps {

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

namespace {

std::string sampler_type(const toml::table& table) {
  return table["sampler"]["type"].value_or(std::string());
}

void drop_preset_sampler_keys(toml::table& table, const std::string& type,
                              const std::vector<std::string>& user_keys) {
  toml::table* sampler = table["sampler"].as_table();
  if (sampler == nullptr) return;
  std::vector<std::string> drop;
  for (const auto& [key, value] : *sampler) {
    if (key == "type" || value.is_table() ||
        std::find(user_keys.begin(), user_keys.end(), key.str()) != user_keys.end())
      continue;
    bool applies = false;
    for (const KeySpec& k : config_schema())
      applies |= k.section == "sampler" && k.key == key.str() && k.applies_to(type);
    if (!applies) drop.emplace_back(key.str());
  }
  for (const auto& key : drop) sampler->erase(key);
}

}  // namespace

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
  std::vector<std::string> user_keys;  // sampler keys given with --set
  for (const auto& s : source.sets) {
    const std::string before = sampler_type(table);
    apply_override(table, s);
    if (s.rfind("sampler.", 0) == 0) user_keys.push_back(s.substr(8, s.find('=') - 8));
    // A preset's sampler keys belong to its sampler type: `--set
    // sampler.type=hmc` on a preset written for GHMC drops the preset's keys
    // that hmc does not have (its friction), instead of refusing them as
    // irrelevant. The user's keys (a configuration file's, --set's) stay,
    // and are refused if they do not apply.
    if (source.file.empty() && sampler_type(table) != before)
      drop_preset_sampler_keys(table, sampler_type(table), user_keys);
  }
  if (source.chains) apply_override(table, "run.chains=" + std::to_string(*source.chains));
  if (source.seed) apply_override(table, "run.seed=" + std::to_string(*source.seed));
  if (source.steps) set_steps(table, *source.steps);
  if (source.threads) apply_override(table, "run.threads=" + std::to_string(*source.threads));
  if (source.out) apply_override(table, "output.path=" + toml_string(*source.out));
  return table;
}

}  // namespace cola::apps
