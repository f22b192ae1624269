#pragma once
// Where a configuration comes from (a file, a preset, or neither: the demo),
// then the --set assignments and the command-line shortcuts, in that order;
// shared by the subcommands that run experiments.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cola::apps {

struct ConfigSource {
  std::string file;
  std::string preset;
  std::vector<std::string> sets;
  std::optional<std::uint64_t> chains, seed, steps;
  std::optional<int> threads;
  std::optional<std::string> out;
};

// The configuration table of `source`, overrides applied. Throws ConfigError.
toml::table load_config(const ConfigSource& source);

// --steps N: N steps after the warm-up, also for a configuration that counts
// epochs.
void set_steps(toml::table& table, std::uint64_t steps);

// A TOML basic string holding `text`, for an override "key=<string>".
std::string toml_string(const std::string& text);

}  // namespace cola::apps
