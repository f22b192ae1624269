#include <cola/error.hpp>
#include <cola/rng.hpp>
#include <cola/samplers/metropolis.hpp>
#include <cola/samplers/target_potential.hpp>

#include <cmath>
#include <sstream>

namespace cola::samplers {

void MetropolisStats::count(Rejection r) {
  ++proposals;
  switch (r) {
    case Rejection::kNone: ++accepted; break;
    case Rejection::kProjection: ++projection_rejected; break;
    case Rejection::kReverse: ++reverse_rejected; break;
    case Rejection::kMetropolis: ++metropolis_rejected; break;
  }
}

double min_reverse_tolerance(const SolverOptions& solver) {
  return kReverseToleranceFactor * solver.tolerance;
}

void require_exact(const char* sampler, const ParameterLayout& layout, const Potential& potential,
                   const ConstraintSet& constraints, double temperature,
                   const ReverseCheck& reverse, const SolverOptions& solver) {
  const std::string who = sampler;
  if (potential.stochastic())
    throw ConfigError(who + " needs the exact potential, but '" + potential.name() +
                      "' uses minibatches: the accept/reject step compares energies, and a "
                      "minibatch estimate of V makes it wrong; use full-batch gradients "
                      "(data.batch_size = 0) or an unadjusted sampler (cola-od, cola-ud)");
  require(std::isfinite(temperature) && temperature > 0,
          who + ": temperature must be finite and > 0 (an exact sampler samples a law)");
  // The Fixman term is scaled by its own tau: a different one would sample
  // neither target.
  if (const auto* target = dynamic_cast<const TargetPotential*>(&potential))
    if (target->measure() == TargetMeasure::kAmbient && target->temperature() != temperature) {
      std::ostringstream os;
      os << who << ": the ambient target's Fixman term was built for temperature "
         << target->temperature() << " but the sampler's temperature is " << temperature;
      throw ConfigError(os.str());
    }
  if (reverse.enabled && !(reverse.tolerance >= min_reverse_tolerance(solver))) {
    std::ostringstream os;
    os << who << ": reverse_tolerance " << reverse.tolerance
       << " must be at least 10x the solver tolerance " << solver.tolerance
       << " (the reverse move is solved to that tolerance too)";
    throw ConfigError(os.str());
  }
  for (const auto& c : constraints.constraints()) {
    const auto& blocks = c->blocks();
    for (Index b : blocks)
      if (layout.block(b).mass != layout.block(blocks.front()).mass)
        throw ConfigError(who + ": " + c->describe() + " spans blocks of different masses (" +
                          layout.block(blocks.front()).name + ", " + layout.block(b).name +
                          "); exact sampling of the surface measure needs one mass per "
                          "constraint");
  }
}

bool metropolis_accept(double log_ratio, std::uint64_t seed, std::uint64_t chain,
                       std::uint64_t step) {
  if (std::isnan(log_ratio)) return false;
  if (log_ratio >= 0) return true;
  RngStream rng(StreamKey{seed, chain, step, kSamplerStream, 0});
  return std::log(rng.uniform()) < log_ratio;
}

}  // namespace cola::samplers
