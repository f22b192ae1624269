#pragma once
// What the Metropolis-adjusted samplers (hamiltonian.hpp: HMC and GHMC;
// mala.hpp: MALA on the manifold) share: their options for the reverse
// check, their counters by cause of rejection, and the checks that make a
// configuration exact.
//
// Exactness (DESIGN §1): these samplers leave exp(-V/tau) times the surface
// (Hausdorff) measure of {g = 0} invariant, up to the solver tolerances,
// at any step size (for the ambient law conditioned on g = 0 instead, give
// them a TargetPotential: target_potential.hpp), because every proposal is
//   - volume preserving and reversible: RATTLE (Hamiltonian) or the
//     tangent-step-then-project map with its proposal density (MALA,
//     Zappa, Holmes-Cerfon, Goodman 2018), and
//   - checked for reversibility: the projections solve nonlinear equations
//     with several roots, and a forward move whose reverse move does not find
//     the way back would break detailed balance; so after every projection
//     of a proposal the reverse move is run from the proposed state, and
//     the proposal is rejected when its solver fails or it does not return
//     to the start within `reverse_tolerance`.
// A projection that fails inside a proposal is a rejection too (counted),
// never a matter for the failure policy. Minibatch potentials are refused:
// the accept/reject step compares energies, which needs the exact V.
// The mass is a multiple of the identity on each constraint's blocks (then
// the Liouville measure's q-marginal is the surface measure); other masses
// would add det(G M^-1 G^T)^(1/2) / det(G G^T)^(1/2) to the target.
#include <cola/constraint_set.hpp>
#include <cola/parameter_layout.hpp>
#include <cola/potential.hpp>
#include <cola/projection.hpp>

#include <cstdint>

namespace cola::samplers {

struct ReverseCheck {
  bool enabled = true;
  // On ||q_reverse - q_start||_inf; at least 10x the solver tolerance.
  double tolerance = 1e-8;
};

// The reverse tolerance must be at least this multiple of the solver
// tolerance: the reverse move is solved to the solver tolerance too, so a
// tighter check would reject proposals that did return.
inline constexpr double kReverseToleranceFactor = 10;
double min_reverse_tolerance(const SolverOptions& solver);

enum class Rejection { kNone = 0, kProjection, kReverse, kMetropolis };

struct MetropolisStats {
  std::uint64_t proposals = 0;
  std::uint64_t accepted = 0;
  std::uint64_t projection_rejected = 0;  // a projection of the proposal failed
  std::uint64_t reverse_rejected = 0;     // the reverse move failed or went elsewhere
  std::uint64_t metropolis_rejected = 0;  // the accept/reject step (or a NaN/Inf energy)
  double acceptance_sum = 0;              // sum of min(1, ratio) (0 for the others)
  double acceptance_rate() const {
    return proposals ? static_cast<double>(accepted) / static_cast<double>(proposals) : 0.0;
  }
  void count(Rejection r);
};

// Throws ConfigError: a stochastic (minibatch) potential, tau <= 0, an
// ambient TargetPotential built for another tau, a reverse
// tolerance below 10x the solver tolerance, or a constraint whose blocks
// have different masses. `sampler` names the sampler in the message.
void require_exact(const char* sampler, const ParameterLayout& layout, const Potential& potential,
                   const ConstraintSet& constraints, double temperature,
                   const ReverseCheck& reverse, const SolverOptions& solver);

// True with probability min(1, exp(log_ratio)) (false for NaN) from one
// uniform of the accept/reject stream of (seed, chain, step).
bool metropolis_accept(double log_ratio, std::uint64_t seed, std::uint64_t chain,
                       std::uint64_t step);

}  // namespace cola::samplers
