#pragma once
// The one table of every configuration key: dotted path, type, default,
// allowed range or choices, the types it applies to and one line of
// documentation. resolve() validates against it, to_toml() prints its
// documentation, configuration_reference() turns it into
// docs/configuration.md (a test checks that the file is up to date;
// regenerate it with the cola_config_doc program or the
// cola_config_doc_update build target).
//
// A key may appear twice in a section with disjoint `types` when its default
// depends on the type (sampler.step_size: 0.1 underdamped, 0.01 overdamped).
// Library defaults (SolverOptions, UnderdampedOptions, ...) are read from the
// library when the table is built, so they cannot drift apart.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cola::apps {

enum class ValueType {
  kString,
  kInteger,
  kFloat,  // integers are accepted
  kBool,
  kFloatOrArray,   // a number (for every entry) or one number per entry
  kFloatArray,     // array of numbers
  kIntegerArray,   // array of integers
  kStringOrArray,  // a string or an array of strings
  kFloatMatrix,    // array of arrays of numbers, rectangular
  kIntegerMatrix,  // array of arrays of integers (rows may differ in length)
  kTable,          // a sub-table (sampler.solver)
};

struct Bound {
  double value = 0;
  bool inclusive = true;
};

struct KeySpec {
  std::string section;  // "model", "constraints", "sampler", "sampler.solver", "run", "output"
  std::string key;      // "kappa"
  ValueType type = ValueType::kString;
  // TOML text of the default; empty when the key is required or its default
  // depends on other keys (then `computed_default` says how).
  std::string default_value;
  std::string computed_default;
  std::optional<Bound> min, max;     // numbers and every entry of numeric arrays
  std::size_t min_entries = 0;       // arrays
  std::size_t max_entries = 0;       // arrays; 0: no limit
  std::vector<std::string> choices;  // strings
  // Values of the section's `type` key for which the key exists; empty: all.
  std::vector<std::string> types;
  std::string doc;

  bool required() const { return default_value.empty() && computed_default.empty(); }
  bool applies_to(std::string_view value) const;
  // "section.key" (constraints keys as "constraints[].key").
  std::string path() const;
  // "a number", "an array of integers", ...
  std::string type_text() const;
  // What one value (one entry of an array) may be: "> 0", "[0, 1)",
  // "one of \"a\", \"b\"", or "" when anything of the type goes.
  std::string range_text() const;
  // range_text() with the number of entries of arrays ("1 to 2 entries, each >= 1").
  std::string allowed_text() const;
  // The default as documented: the TOML text, `computed_default`, or "required".
  std::string default_text() const;
};

struct SectionSpec {
  std::string name;      // "model", "constraints", "sampler.solver", ...
  bool array_of_tables;  // [[constraints]]
  bool has_type;         // the section's keys depend on its `type`
  std::string doc;       // one paragraph
};

// Sections in the order of the configuration file.
const std::vector<SectionSpec>& config_sections();
const std::vector<KeySpec>& config_schema();
// The spec of `key` in `section` for the given type, or null.
const KeySpec* find_key(std::string_view section, std::string_view key, std::string_view type);
// Keys of a section that apply to `type` (every key when type is empty), in
// schema order, each name once.
std::vector<std::string> keys_of(std::string_view section, std::string_view type = {});

// The Markdown text of docs/configuration.md.
std::string configuration_reference();

}  // namespace cola::apps
