#pragma once
// One substep of a sweep (Stepper::sweep, Constraint::substeps): the
// substeps B, A and O of DESIGN §1 with their coefficients, so that a run of
// them that needs no new gradient can be applied together, element by element
// where the constraints allow it, reading and writing each array once
// instead of once per substep.
#include <cstddef>
#include <cstdint>

namespace cola {

struct SubstepOp {
  enum class Kind { kKick, kDrift, kThermostat };
  Kind kind = Kind::kKick;
  // kick: p -= coefficient * grad V;  drift: step coefficient (q += c M^-1 p);
  // thermostat: the damping a in p <- a p + noise_scale sqrt(m) xi.
  double coefficient = 0.0;
  double noise_scale = 0.0;     // thermostat only; 0: no noise and no RATTLE
  std::uint64_t substream = 0;  // thermostat with noise: the noise's stream

  static SubstepOp kick(double c) { return {Kind::kKick, c, 0.0, 0}; }
  static SubstepOp drift(double c) { return {Kind::kDrift, c, 0.0, 0}; }
  static SubstepOp thermostat(double damping, double noise_scale, std::uint64_t substream) {
    return {Kind::kThermostat, damping, noise_scale, substream};
  }
  bool noisy() const { return kind == Kind::kThermostat && noise_scale != 0.0; }
};

// The most substeps one sweep takes (a longer run is split into sweeps).
constexpr std::size_t kMaxSweepOps = 16;

// The per-entry updates of unconstrained entries (and the thermostat's update
// before RATTLE), on n contiguous entries of one block of mass m. Written as
// the plain loops they are so that every caller (free blocks, a constraint's
// tile) performs the same IEEE operations per entry.
inline void kick_entries(double* p, const double* gradient, std::ptrdiff_t n, double c) {
  for (std::ptrdiff_t i = 0; i < n; ++i) p[i] -= c * gradient[i];
}
// c_over_m = coefficient / mass, computed once by the caller.
inline void drift_entries(double* q, const double* p, std::ptrdiff_t n, double c_over_m) {
  for (std::ptrdiff_t i = 0; i < n; ++i) q[i] += c_over_m * p[i];
}
// scale = noise_scale * sqrt(mass), computed once by the caller.
inline void thermostat_entries(double* p, const double* noise, std::ptrdiff_t n, double damping,
                               double scale, bool noisy) {
  if (noisy)
    for (std::ptrdiff_t i = 0; i < n; ++i) p[i] = damping * p[i] + scale * noise[i];
  else
    for (std::ptrdiff_t i = 0; i < n; ++i) p[i] *= damping;
}

}  // namespace cola
