#pragma once
// An experiment built from a resolved configuration: the parameter layout
// (the model block, or a network's "layer<i>.weight"/"layer<i>.bias" blocks,
// then blocks created by constraints such as "<block>.slack"), the data of a
// network, the potential, the bound constraint set, one sampler per chain,
// the initial states, the evaluation during the run and the exact
// references.
//
// Construction validates everything that can be checked before sampling, so
// that the command refuses a bad configuration before it creates any file:
// block patterns of constraints and of output.record match blocks, sizes
// agree (linear matrices, tying indices), constraints construct and bind,
// the sampler options validate (one sampler is built; an exact sampler
// refuses a minibatch potential here, with the library's explanation), chain 0's initial
// state reaches the manifold, and the run options validate. Throws
// ConfigError (StateError when the initial point cannot be moved onto the
// manifold), each naming the configuration key.
//
// Thread safety: after construction every member function is const and may
// be called from several chain threads at once; the potentials are stateless
// (a per-chain potential, e.g. a network with its own activations buffer,
// would be created in make_sampler and owned by the sampler's chain).
// Neither copyable nor movable: the samplers refer to its layout, potential
// and constraints.
#include <cola/apps/config.hpp>
#include <cola/apps/network_data.hpp>
#include <cola/apps/network_evaluator.hpp>
#include <cola/apps/reference.hpp>
#include <cola/constraint_set.hpp>
#include <cola/models/network_potential.hpp>
#include <cola/parameter_layout.hpp>
#include <cola/potential.hpp>
#include <cola/rng.hpp>
#include <cola/samplers/hamiltonian.hpp>
#include <cola/samplers/mala.hpp>
#include <cola/samplers/overdamped.hpp>
#include <cola/samplers/run_driver.hpp>
#include <cola/samplers/sampler.hpp>
#include <cola/samplers/underdamped.hpp>
#include <cola/state.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace cola::apps {

// The random initial point of chain c is drawn from the stream
// (seed, c, kInitStep, kInitStream): a step no run reaches and a stream id no
// block or library stream uses, so it never coincides with sampling noise.
inline constexpr std::uint64_t kInitStep = std::numeric_limits<std::uint64_t>::max() - 1;
inline constexpr std::uint64_t kInitStream = 0xFFFF'FFFF'0000'0100ULL;

// Sampler options from the [sampler] section (seed and chain left at 0).
// Throw std::logic_error for a type of another family (is_underdamped(),
// is_exact(): hmc and ghmc are Hamiltonian, mala is Mala).
samplers::UnderdampedOptions underdamped_options(const SamplerConfig& sampler);
samplers::OverdampedOptions overdamped_options(const SamplerConfig& sampler);
samplers::HamiltonianOptions hamiltonian_options(const SamplerConfig& sampler);
samplers::MalaOptions mala_options(const SamplerConfig& sampler);

class Experiment {
 public:
  explicit Experiment(ExperimentConfig config);
  Experiment(const Experiment&) = delete;
  Experiment& operator=(const Experiment&) = delete;

  const ExperimentConfig& config() const { return config_; }
  const RunConfig& run() const { return config_.run; }
  const OutputConfig& output() const { return config_.output; }

  const ParameterLayout& layout() const { return layout_; }
  // The toy model's block (0 for a network).
  Index model_block() const { return model_block_; }
  // The network potential and its data; null / empty for the toy models.
  const models::NetworkPotential* network() const { return network_; }
  const NetworkData& data() const { return data_; }
  // Its evaluation during the run; null for the toy models.
  const NetworkEvaluator* evaluator() const { return evaluator_.get(); }
  // Steps per chain after the warm-up (run.steps, or run.epochs x batches
  // per epoch).
  std::uint64_t steps() const { return steps_; }
  const Potential& potential() const { return *potential_; }
  const ConstraintSet& constraints() const { return constraints_; }
  // Blocks matched by output.record, in layout order.
  const std::vector<Index>& recorded_blocks() const { return recorded_blocks_; }
  const std::vector<Reference>& references() const { return references_; }
  // Exact 1-D marginals of coordinates, where they are known (the same
  // targets and constraint sets as references()).
  const std::vector<ExactMarginal>& exact_marginals() const { return marginals_; }
  // An observable by name: one of references() (with its exact value), or
  // "E[<coordinate>]" / "E[<coordinate>^2]" for any coordinate of any block,
  // named as in the references ("x[2]", "W[1,0]"), with no exact value
  // (exact = NaN). Throws ConfigError naming the valid forms.
  Reference observable(const std::string& name) const;

  // A new sampler for global chain `chain` (common.seed = run.seed,
  // common.chain = chain).
  std::unique_ptr<samplers::Sampler> make_sampler(std::uint64_t chain) const;
  // The initial state of chain `chain`: deterministic for (seed, chain), on
  // the manifold, step 0, empty momentum (the sampler draws it). Throws
  // StateError when the retraction fails. `clipped` (optional) receives the
  // number of weights that started outside their circle constraint's radius
  // and were moved onto it.
  State initial_state(std::uint64_t chain, Index* clipped = nullptr) const;
  // Run options of the whole run (chains 0 .. run.chains-1): warm-up,
  // thinning, total steps, checkpoints, threads, recorded blocks.
  samplers::RunOptions run_options() const;

 private:
  void build_network();
  void build_constraints();
  void build_potential();
  void build_network_potential();
  void build_references();

  ExperimentConfig config_;
  ParameterLayout layout_;
  Index model_block_ = 0;
  ConstraintSet constraints_;
  // V as the model defines it, when potential_ wraps it (sampler.target_measure
  // = "ambient": potential_ is V plus the Fixman term).
  std::unique_ptr<Potential> model_potential_;
  std::unique_ptr<Potential> potential_;
  NetworkData data_;
  std::unique_ptr<models::Mlp> mlp_;
  const models::NetworkPotential* network_ = nullptr;  // potential_ when a network
  std::shared_ptr<const NetworkEvaluator> evaluator_;
  std::uint64_t steps_ = 0;
  std::vector<Index> recorded_blocks_;
  std::vector<Reference> references_;
  std::vector<ExactMarginal> marginals_;
  // Blocks touched by each entry of config.constraints (for the references).
  std::vector<std::vector<std::string>> constrained_blocks_;
};

}  // namespace cola::apps
