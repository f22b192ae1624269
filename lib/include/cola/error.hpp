#pragma once
// Exceptions thrown by cola. Numerical events inside a step are *values*
// (ProjectionResult, StepOutcome); exceptions are for bad configuration, bad
// input and for the `error` failure policy, and never escape an OpenMP region.
#include <stdexcept>
#include <string>

namespace cola {

// Base of every cola exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Invalid configuration or argument: thrown at construction, the message
// names the field (or block) and what would be valid.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A state that violates what the library requires (e.g. an initial point off
// the constraint manifold); the message names the constraint and residual.
class StateError : public Error {
 public:
  using Error::Error;
};

// A numerical failure the configured policy turned into a stop: a projection
// that did not converge, or NaN/Inf in a potential or constraint.
class NumericalError : public Error {
 public:
  using Error::Error;
};

// A file could not be read or written (missing, unwritable, full disk, not a
// cola file, corrupt); the message names the path.
class IoError : public Error {
 public:
  using Error::Error;
};

// Throws ConfigError(what) unless cond holds.
void require(bool cond, const std::string& what);

}  // namespace cola
