#pragma once
// Experiments compiled into the command: `cola run` with no arguments runs
// `demo`; `cola run --preset <name>` (or the presets command) the others.
// Each text is a commented TOML configuration that resolves and builds (a
// test checks every preset).
#include <string_view>
#include <vector>

namespace cola::apps {

struct Preset {
  std::string_view name;
  std::string_view description;  // one line
  std::string_view text;         // TOML
};

// In display order; the first is "demo".
const std::vector<Preset>& presets();
// Throws ConfigError naming the valid presets (and the closest one).
const Preset& find_preset(std::string_view name);

}  // namespace cola::apps
