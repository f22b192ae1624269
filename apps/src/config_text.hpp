#pragma once
// Text helpers of the configuration layer (private to apps/src): exact
// number formatting, TOML string quoting, "did you mean" suggestions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cola::apps::detail {

// Shortest decimal text that reads back as exactly `value` (std::to_chars),
// always in TOML float syntax ("1.0", "1e-11", "0.2"). Finite values only.
std::string format_float(double value);
std::string format_integer(std::int64_t value);
// A TOML basic string with quotes and escapes.
std::string quote(std::string_view text);
// Levenshtein distance (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, or "" when none is close enough to be a
// plausible typo (distance at most max(2, |word| / 3)).
std::string closest(std::string_view word, const std::vector<std::string>& candidates);
// Words of `text` on lines of at most `width` characters, each line
// prefixed by `prefix` ("# " for TOML comments) and ended by '\n'.
std::string wrap(const std::string& text, std::size_t width, const std::string& prefix = "");
// "a, b, c" (each quoted when `quoted`).
std::string join(const std::vector<std::string>& items, bool quoted = false);

}  // namespace cola::apps::detail
