#pragma once
// A potential V(q) with its gradient: the negative log target density (at
// temperature 1) or a training loss. Stochastic potentials (minibatch
// gradients) draw their randomness from the context's stream, so that runs are
// reproducible for any thread count.
#include <cola/parameter_layout.hpp>
#include <cola/rng.hpp>
#include <cola/types.hpp>

#include <cstdint>
#include <string>

namespace cola {

struct PotentialContext {
  std::uint64_t seed = 0;
  std::uint64_t chain = 0;
  std::uint64_t step = 0;
  // The potential's own stream for this step (e.g. the minibatch draw).
  RngStream stream() const { return RngStream(StreamKey{seed, chain, step, kPotentialStream, 0}); }
};

// Implementations used by several chains at once must make
// value_and_gradient safe to call concurrently (the toy targets are stateless).
class Potential {
 public:
  virtual ~Potential() = default;
  // Returns V(q) and writes dV/dq into grad (same size as q).
  virtual double value_and_gradient(const Vector& q, Vector& grad,
                                    const PotentialContext& ctx) const = 0;
  // True when the value depends on ctx (minibatches): exact (Metropolised)
  // samplers refuse such potentials.
  virtual bool stochastic() const { return false; }
  // Number of parameters the potential expects, or -1 for any (checked when
  // a sampler is built, never inside the step loop).
  virtual Index dimension() const { return -1; }
  virtual std::string name() const = 0;
  // Why value_and_gradient(q, ., ctx) was not finite (which term, which
  // constraint), appended to the stepper's message; called only after such a
  // failure, so it may be slow. The default adds nothing.
  virtual std::string explain_nonfinite(const Vector& /*q*/,
                                        const PotentialContext& /*ctx*/) const {
    return {};
  }
};

}  // namespace cola
