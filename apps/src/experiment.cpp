#include "config_text.hpp"

#include <cola/apps/experiment.hpp>
#include <cola/apps/network_evaluator.hpp>
#include <cola/circle_constraint.hpp>
#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/linear_constraint.hpp>
#include <cola/models/double_well.hpp>
#include <cola/models/gaussian.hpp>
#include <cola/models/harmonic_oscillator.hpp>
#include <cola/models/linear_tilt.hpp>
#include <cola/orthogonality_constraint.hpp>
#include <cola/samplers/named_samplers.hpp>
#include <cola/samplers/target_potential.hpp>
#include <cola/weight_tying_constraint.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace cola::apps {

namespace {

using detail::join;
using detail::quote;

// References per coordinate are given for the first few coordinates only, so
// that the summary of a large block stays readable.
constexpr Index kMaxReferenceCoordinates = 8;

[[noreturn]] void fail(const std::string& message) {
  throw ConfigError(message);
}

// Prefixes a library message with the configuration key unless it names it.
[[noreturn]] void rethrow_with(const std::string& key, const std::exception& e) {
  const std::string what = e.what();
  if (what.find(key) != std::string::npos) throw ConfigError(what);
  throw ConfigError(key + ": " + what);
}

// The model's potential acting on one block of a larger layout (the other
// blocks, e.g. slack variables, do not enter V). Stateless apart from
// thread_local scratch vectors: safe to call from several threads.
class BlockPotential final : public Potential {
 public:
  BlockPotential(std::unique_ptr<Potential> inner, Index offset, Index size, Index total)
      : inner_(std::move(inner)), offset_(offset), size_(size), total_(total) {}

  double value_and_gradient(const Vector& q, Vector& grad,
                            const PotentialContext& ctx) const override {
    thread_local Vector q_block, grad_block;
    q_block = q.segment(offset_, size_);
    grad_block.resize(size_);
    const double value = inner_->value_and_gradient(q_block, grad_block, ctx);
    grad.setZero(q.size());
    grad.segment(offset_, size_) = grad_block;
    return value;
  }
  bool stochastic() const override { return inner_->stochastic(); }
  Index dimension() const override { return total_; }
  std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<Potential> inner_;
  Index offset_, size_, total_;
};

std::string coordinate_name(const BlockInfo& b, Index i) {
  if (b.cols == 1) return b.name + "[" + std::to_string(i) + "]";
  return b.name + "[" + std::to_string(i % b.rows) + "," + std::to_string(i / b.rows) + "]";
}

// E[mu^T u] for u on the unit sphere S^{d-1} with density prop. to exp(k mu^T u).
double mean_cosine(Index d, double k) {
  if (d == 1) return std::tanh(k);  // the "sphere" {-1, +1}
  return models::LinearTilt::vmf_mean_cosine(d, k);
}

// The options every sampler type shares.
void set_common(samplers::CommonOptions& common, const SamplerConfig& s) {
  common.failure_policy = s.failure_policy;
  common.max_halvings = s.max_halvings;
  common.solver = s.solver;
}

}  // namespace

samplers::UnderdampedOptions underdamped_options(const SamplerConfig& s) {
  samplers::UnderdampedOptions o;
  switch (s.type) {
    case SamplerType::kColaUd:
      o = samplers::baoab(s.step_size, s.friction, s.temperature);
      o.splitting = s.splitting;
      break;
    case SamplerType::kGBaoab:
      o = samplers::g_baoab(s.step_size, s.friction, s.temperature, s.drift_substeps);
      break;
    case SamplerType::kSgdMomentum:
      o = samplers::UnderdampedOptions::learning_rate_momentum(s.learning_rate, s.momentum,
                                                               s.temperature);
      o.splitting = s.splitting;
      break;
    default:
      throw std::logic_error(std::string("underdamped_options: ") + to_string(s.type) +
                             " is an overdamped sampler");
  }
  set_common(o.common, s);
  return o;
}

samplers::OverdampedOptions overdamped_options(const SamplerConfig& s) {
  samplers::OverdampedOptions o;
  switch (s.type) {
    case SamplerType::kColaOd:
      o.step_size = s.step_size;
      o.temperature = s.temperature;
      break;
    case SamplerType::kSgld: o = samplers::sgld(s.step_size, s.temperature); break;
    case SamplerType::kSgd: o = samplers::sgd(s.learning_rate); break;
    default:
      throw std::logic_error(std::string("overdamped_options: ") + to_string(s.type) +
                             " is an underdamped sampler");
  }
  set_common(o.common, s);
  return o;
}

namespace {

samplers::StepSizeAdaptationOptions adaptation_options(const SamplerConfig& s) {
  samplers::StepSizeAdaptationOptions a;
  a.enabled = s.adapt_step_size;
  a.target_acceptance = s.target_acceptance;
  return a;
}

samplers::ReverseCheck reverse_check(const SamplerConfig& s) {
  samplers::ReverseCheck r;
  r.enabled = s.reverse_check;
  r.tolerance = s.reverse_tolerance;
  return r;
}

}  // namespace

samplers::HamiltonianOptions hamiltonian_options(const SamplerConfig& s) {
  samplers::HamiltonianOptions o;
  switch (s.type) {
    case SamplerType::kHmc:
      o = samplers::HamiltonianOptions::hmc(s.step_size, s.leapfrog_steps, s.temperature);
      break;
    case SamplerType::kGhmc:
      o = samplers::HamiltonianOptions::ghmc(s.step_size, s.friction, s.temperature);
      break;
    default:
      throw std::logic_error(std::string("hamiltonian_options: ") + to_string(s.type) +
                             " is not hmc or ghmc");
  }
  o.drift_substeps = s.drift_substeps;
  o.reverse = reverse_check(s);
  o.adaptation = adaptation_options(s);
  set_common(o.common, s);
  return o;
}

samplers::MalaOptions mala_options(const SamplerConfig& s) {
  if (s.type != SamplerType::kMala)
    throw std::logic_error(std::string("mala_options: ") + to_string(s.type) + " is not mala");
  samplers::MalaOptions o;
  o.step_size = s.step_size;
  o.temperature = s.temperature;
  o.reverse = reverse_check(s);
  o.adaptation = adaptation_options(s);
  set_common(o.common, s);
  return o;
}

Experiment::Experiment(ExperimentConfig config) : config_(std::move(config)) {
  const ModelConfig& m = config_.model;
  steps_ = config_.run.steps;
  if (m.type == ModelType::kMlp) {
    build_network();
  } else {
    try {
      model_block_ = layout_.add_block(m.block, m.rows(), m.cols(), m.mass);
    } catch (const ConfigError& e) {
      rethrow_with("model", e);
    }
  }
  build_constraints();
  if (m.type == ModelType::kMlp)
    build_network_potential();
  else
    build_potential();
  if (config_.sampler.target_measure == samplers::TargetMeasure::kAmbient) {
    model_potential_ = std::move(potential_);
    try {
      potential_ = std::make_unique<samplers::TargetPotential>(*model_potential_, constraints_,
                                                               samplers::TargetMeasure::kAmbient,
                                                               target_temperature(config_.sampler));
    } catch (const ConfigError& e) {
      fail(std::string("sampler.target_measure = \"ambient\": ") + e.what());
    }
  }

  for (const auto& pattern : config_.output.record) {
    const std::vector<Index> matched = layout_.match(pattern);
    if (matched.empty()) {
      std::vector<std::string> names;
      for (const auto& b : layout_.blocks()) names.push_back(b.name);
      fail("output.record: pattern " + quote(pattern) +
           " matches no parameter block; blocks: " + join(names));
    }
    recorded_blocks_.insert(recorded_blocks_.end(), matched.begin(), matched.end());
  }
  std::sort(recorded_blocks_.begin(), recorded_blocks_.end());
  recorded_blocks_.erase(std::unique(recorded_blocks_.begin(), recorded_blocks_.end()),
                         recorded_blocks_.end());

  build_references();

  try {
    run_options().validate();
  } catch (const ConfigError& e) {
    rethrow_with("run", e);
  }
  // One sampler and chain 0's start: what the run will do first.
  std::unique_ptr<samplers::Sampler> sampler;
  try {
    sampler = make_sampler(0);
  } catch (const ConfigError& e) {
    // The exact samplers' refusals (require_exact) explain themselves; the
    // prefix names the key that chose them.
    if (is_exact(config_.sampler.type))
      fail("sampler.type = " + quote(to_string(config_.sampler.type)) + ": " + e.what());
    rethrow_with("sampler", e);
  }
  State state = initial_state(0);
  sampler->initialise(state);
}

void Experiment::build_network() {
  data_ = load_network_data(config_.data);
  const ModelConfig& m = config_.model;
  const models::Dataset& train = *data_.train;
  models::MlpSpec spec;
  spec.inputs = train.dimension();
  const Index outputs = train.is_classification() ? train.num_classes : train.targets.cols();
  const bool softmax = m.likelihood == "softmax";
  if (softmax != train.is_classification())
    fail(std::string("model.likelihood = ") + quote(m.likelihood) + " needs " +
         (softmax ? "class labels" : "regression targets") + " but " + train.source + " has " +
         (train.is_classification() ? "class labels (use \"softmax\")"
                                    : "regression targets (use \"gaussian\")"));
  const auto layers = m.hidden.size() + 1;
  for (std::size_t i = 0; i < layers; ++i) {
    models::DenseLayerSpec layer;
    layer.units = i + 1 < layers ? m.hidden[i] : outputs;
    layer.activation =
        i + 1 < layers ? models::parse_activation(m.activation) : models::Activation::kIdentity;
    layer.init = m.init == "gaussian"     ? models::Initialisation::kGaussian
                 : m.init == "orthogonal" ? models::Initialisation::kOrthogonal
                                          : models::Initialisation::kPytorchUniform;
    const std::string weight = "layer" + std::to_string(i) + ".weight";
    for (const auto& pattern : m.init_orthogonal)
      if (glob_match(pattern, weight)) layer.init = models::Initialisation::kOrthogonal;
    layer.init_scale = m.init_scale;
    if (!m.low_rank.empty()) layer.rank = m.low_rank[i];
    spec.layers.push_back(layer);
  }
  if (!m.output_matrix.empty()) {
    models::OutputConstraint oc;
    const auto rows = static_cast<Index>(m.output_matrix.size());
    const auto cols = static_cast<Index>(m.output_matrix.front().size());
    if (cols != outputs)
      fail("model.output_matrix has " + std::to_string(cols) + " columns but the network has " +
           std::to_string(outputs) + " outputs");
    oc.a.resize(rows, cols);
    for (Index r = 0; r < rows; ++r)
      for (Index k = 0; k < cols; ++k)
        oc.a(r, k) = m.output_matrix[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)];
    oc.b = Eigen::Map<const Vector>(m.output_rhs.data(), rows);
    spec.output_constraint = oc;
  }
  try {
    mlp_ = std::make_unique<models::Mlp>(spec);
    mlp_->declare_blocks(layout_, m.mass);
  } catch (const ConfigError& e) {
    rethrow_with("model", e);
  }
  for (const std::string& pattern : m.init_orthogonal)
    if (layout_.match(pattern).empty())
      fail("model.init_orthogonal: pattern " + quote(pattern) + " matches no block of the network");
}

void Experiment::build_network_potential() {
  const ModelConfig& m = config_.model;
  const DataConfig& d = config_.data;
  models::NetworkOptions o;
  o.likelihood = m.likelihood == "softmax" ? models::Likelihood::kSoftmaxCrossEntropy
                                           : models::Likelihood::kGaussian;
  o.noise_sd = m.noise_sd;
  o.scaling = m.scaling == "posterior" ? models::Scaling::kPosterior : models::Scaling::kMeanLoss;
  o.precision =
      m.precision == "float64" ? models::NetPrecision::kFloat64 : models::NetPrecision::kFloat32;
  const Index n = data_.train->size();
  o.batch_size =
      d.batch_size > 0
          ? static_cast<Index>(d.batch_size)
          : std::max<Index>(
                1, static_cast<Index>(std::llround(d.batch_fraction * static_cast<double>(n))));
  if (o.batch_size > n)
    fail("data.batch_size = " + std::to_string(o.batch_size) +
         " is larger than the training set (" + std::to_string(n) + " examples)");
  if (o.batch_size == n) o.batch_size = 0;  // full batch: not stochastic
  if (m.prior == "gaussian") {
    std::vector<std::string> network_blocks;
    for (const auto& b : layout_.blocks())
      if (b.name.rfind("layer", 0) == 0 && b.name.find(".slack") == std::string::npos)
        network_blocks.push_back(b.name);
    if (m.prior_sd.size() == 1) {
      o.priors.push_back({"*", m.prior_sd.front()});
    } else {
      if (m.prior_sd.size() != network_blocks.size())
        fail("model.prior_sd has " + std::to_string(m.prior_sd.size()) +
             " entries but the network has " + std::to_string(network_blocks.size()) + " blocks (" +
             join(network_blocks) + "); give one number or one per block");
      for (std::size_t i = 0; i < network_blocks.size(); ++i)
        o.priors.push_back({network_blocks[i], m.prior_sd[i]});
    }
  }
  std::unique_ptr<models::NetworkPotential> network;
  try {
    network = std::make_unique<models::NetworkPotential>(*mlp_, layout_, data_.train, o);
  } catch (const ConfigError& e) {
    rethrow_with("model", e);
  }
  network_ = network.get();
  potential_ = std::move(network);
  const std::uint64_t per_epoch = static_cast<std::uint64_t>(network_->batches_per_epoch());
  if (config_.run.epochs > 0) steps_ = config_.run.epochs * per_epoch;
  const std::uint64_t every = d.evaluate_every > 0 ? d.evaluate_every : per_epoch;
  if (every % config_.run.stats_thin != 0)
    fail("data.evaluate_every = " + std::to_string(every) +
         (d.evaluate_every > 0 ? "" : " (one epoch)") + " must be a multiple of run.stats_thin = " +
         std::to_string(config_.run.stats_thin) + "; set data.evaluate_every");
  evaluator_ = std::make_shared<NetworkEvaluator>(*network_, data_.train, data_.test,
                                                  d.evaluate_train, every);
}

void Experiment::build_constraints() {
  // Block names and sizes as the layout will have them after binding:
  // circle constraints create "<block>.slack" when bound, and later patterns
  // may name those blocks.
  std::vector<std::string> names;
  std::vector<Index> sizes;
  for (const auto& b : layout_.blocks()) {
    names.push_back(b.name);
    sizes.push_back(b.size());
  }
  auto size_of = [&](const std::string& name) {
    return sizes[static_cast<std::size_t>(std::find(names.begin(), names.end(), name) -
                                          names.begin())];
  };
  for (std::size_t i = 0; i < config_.constraints.size(); ++i) {
    const ConstraintConfig& c = config_.constraints[i];
    const std::string display = "constraints[" + std::to_string(i) + "]";
    std::vector<std::string> matched;
    for (const auto& pattern : c.blocks) {
      bool any = false;
      for (const auto& name : names) {
        if (!glob_match(pattern, name)) continue;
        any = true;
        if (std::find(matched.begin(), matched.end(), name) == matched.end())
          matched.push_back(name);
      }
      if (!any)
        fail(display + ".blocks: pattern " + quote(pattern) +
             " matches no parameter block; blocks: " + join(names));
    }
    for (const auto& pattern : c.exclude) {
      const auto excluded =
          std::remove_if(matched.begin(), matched.end(),
                         [&](const std::string& n) { return glob_match(pattern, n); });
      if (excluded == matched.end())
        fail(display + ".exclude: pattern " + quote(pattern) +
             " matches none of the blocks the constraint acts on: " + join(matched));
      matched.erase(excluded, matched.end());
    }
    if (c.square_only) {
      matched.erase(std::remove_if(matched.begin(), matched.end(),
                                   [&](const std::string& n) {
                                     const Index b = layout_.find(n);
                                     return b < 0 || layout_.block(b).rows != layout_.block(b).cols;
                                   }),
                    matched.end());
      if (matched.empty()) fail(display + ".square_only: none of the matched blocks is square");
    }
    if (matched.empty())
      fail(display + ": exclude removes every block; the constraint would act on nothing");
    if (c.type == ConstraintType::kCircle && c.radii.size() != 1 &&
        c.radii.size() != matched.size())
      fail(display + ".radius has " + std::to_string(c.radii.size()) +
           " entries but the "
           "constraint acts on " +
           std::to_string(matched.size()) + " blocks (" + join(matched) +
           "); give one radius or one per block");
    Index total = 0;
    for (const auto& name : matched) total += size_of(name);

    try {
      switch (c.type) {
        case ConstraintType::kFixedNorm:
          for (const auto& b : matched)
            constraints_.add(std::make_shared<FixedNormConstraint>(b, c.radius, c.per, display));
          break;
        case ConstraintType::kCircle:
          for (std::size_t k = 0; k < matched.size(); ++k) {
            const std::string& b = matched[k];
            const double radius = c.radii.size() == 1 ? c.radii.front() : c.radii[k];
            constraints_.add(std::make_shared<CircleConstraint>(b, radius, c.drift, display));
            const std::string slack = b + ".slack";
            if (std::find(names.begin(), names.end(), slack) == names.end()) {
              names.push_back(slack);
              sizes.push_back(size_of(b));
            }
          }
          break;
        case ConstraintType::kOrthogonality:
          for (const auto& b : matched)
            constraints_.add(std::make_shared<OrthogonalityConstraint>(b, display));
          break;
        case ConstraintType::kLinear: {
          const Index rows = static_cast<Index>(c.matrix.size());
          const Index cols = static_cast<Index>(c.matrix.front().size());
          if (cols != total)
            fail(display + ".matrix has " + std::to_string(cols) + " columns but the blocks " +
                 join(matched) + " have " + std::to_string(total) + " parameters");
          Matrix a(rows, cols);
          for (Index r = 0; r < rows; ++r)
            for (Index k = 0; k < cols; ++k)
              a(r, k) = c.matrix[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)];
          const Vector rhs = Eigen::Map<const Vector>(c.rhs.data(), rows);
          constraints_.add(std::make_shared<LinearConstraint>(matched, a, rhs, display));
          break;
        }
        case ConstraintType::kWeightTying: {
          std::vector<std::vector<TiedEntry>> groups;
          if (!c.groups.empty()) {
            for (std::size_t g = 0; g < c.groups.size(); ++g) {
              std::vector<TiedEntry> group;
              for (std::size_t j = 0; j < c.groups[g].size(); ++j) {
                Index index = static_cast<Index>(c.groups[g][j]);
                if (index >= total)
                  fail(display + ".groups[" + std::to_string(g) + "][" + std::to_string(j) +
                       "] = " + std::to_string(index) + " is out of range: the blocks " +
                       join(matched) + " have " + std::to_string(total) + " parameters");
                std::size_t b = 0;
                while (index >= size_of(matched[b])) index -= size_of(matched[b++]);
                group.push_back(TiedEntry{matched[b], index});
              }
              groups.push_back(std::move(group));
            }
          } else {
            if (matched.size() < 2)
              fail(display + ".groups is required when blocks match a single block (" +
                   matched.front() + "); without groups, entry j of every matched block is tied");
            for (const auto& b : matched)
              if (size_of(b) != size_of(matched.front()))
                fail(display + ": elementwise tying needs blocks of equal size, but " +
                     matched.front() + " has " + std::to_string(size_of(matched.front())) +
                     " parameters and " + b + " has " + std::to_string(size_of(b)));
            for (Index j = 0; j < size_of(matched.front()); ++j) {
              std::vector<TiedEntry> group;
              for (const auto& b : matched) group.push_back(TiedEntry{b, j});
              groups.push_back(std::move(group));
            }
          }
          constraints_.add(std::make_shared<WeightTyingConstraint>(std::move(groups), display));
          break;
        }
      }
    } catch (const ConfigError& e) {
      rethrow_with(display, e);
    }
    constrained_blocks_.push_back(matched);
  }
  constraints_.bind(layout_);
  // The simulated names must be the layout's (a library change would show here).
  std::vector<std::string> actual;
  for (const auto& b : layout_.blocks()) actual.push_back(b.name);
  if (actual != names)
    throw std::logic_error("Experiment: expected blocks " + join(names) + " but the layout has " +
                           join(actual));

  if (config_.model.type == ModelType::kVonMisesFisher) {
    bool constrained = false;
    for (const auto& blocks : constrained_blocks_)
      constrained = constrained || std::count(blocks.begin(), blocks.end(), config_.model.block);
    if (!constrained)
      fail(
          "model.type = \"von_mises_fisher\" is a distribution on a sphere, but no constraint "
          "acts on block " +
          quote(config_.model.block) + " (V = -kappa direction.q is unbounded below); add " +
          "[[constraints]] type = \"fixed_norm\", blocks = " + quote(config_.model.block));
  }
}

void Experiment::build_potential() {
  const ModelConfig& m = config_.model;
  const Index n = m.size();
  std::unique_ptr<Potential> inner;
  try {
    switch (m.type) {
      case ModelType::kVonMisesFisher:
        inner = std::make_unique<models::LinearTilt>(
            Eigen::Map<const Vector>(m.direction.data(), n), m.kappa);
        break;
      case ModelType::kGaussian: {
        inner = std::make_unique<models::Gaussian>(
            models::Gaussian::diagonal(Eigen::Map<const Vector>(m.mean.data(), n),
                                       Eigen::Map<const Vector>(m.variance.data(), n)));
        break;
      }
      case ModelType::kDoubleWell: inner = std::make_unique<models::DoubleWell>(m.barrier); break;
      case ModelType::kHarmonic:
        inner = std::make_unique<models::HarmonicOscillator>(
            Eigen::Map<const Vector>(m.stiffness.data(), n));
        break;
      case ModelType::kMlp: throw std::logic_error("build_potential: networks are built apart");
    }
  } catch (const ConfigError& e) {
    rethrow_with("model", e);
  }
  const BlockInfo& b = layout_.block(model_block_);
  if (layout_.num_blocks() == 1)
    potential_ = std::move(inner);
  else
    potential_ =
        std::make_unique<BlockPotential>(std::move(inner), b.offset, b.size(), layout_.size());
}

void Experiment::build_references() {
  if (config_.model.type == ModelType::kMlp) return;  // no exact answers for networks
  const double tau = target_temperature(config_.sampler);
  // At tau = 0 the samplers optimise: there is no law to compare with.
  if (!(tau > 0)) return;
  const ModelConfig& m = config_.model;
  const BlockInfo b = layout_.block(model_block_);
  const Index n = b.size();
  const Index offset = b.offset;
  const Index count = std::min(n, kMaxReferenceCoordinates);

  switch (m.type) {
    case ModelType::kVonMisesFisher: {
      // Exact only for one fixed_norm constraint on the model block and no
      // other constraint touching it: then the law is a product over the
      // norm groups G of von Mises-Fisher laws on spheres of radius r, with
      // concentration kappa |mu_G| r / tau, and
      //   E[mu.q] = sum_G r |mu_G| A_{d_G}(kappa |mu_G| r / tau),
      // A_d(k) = I_{d/2}(k) / I_{d/2-1}(k) (tanh for d_G = 1). Any other
      // constraint set (a circle, a linear constraint, ...) changes the law.
      if (constraints_.constraints().size() != 1) return;
      const auto* sphere =
          dynamic_cast<const FixedNormConstraint*>(constraints_.constraints().front().get());
      if (sphere == nullptr || sphere->blocks().size() != 1 ||
          sphere->blocks().front() != model_block_)
        return;
      const Vector mu = Eigen::Map<const Vector>(m.direction.data(), n).normalized();
      const double r = sphere->radius();
      const Eigen::Map<const Matrix> mu_matrix(mu.data(), b.rows, b.cols);
      double exact = 0;
      Index groups = 1, d = n;
      if (sphere->groups() == NormGroups::kRows) groups = b.rows, d = b.cols;
      if (sphere->groups() == NormGroups::kColumns) groups = b.cols, d = b.rows;
      for (Index g = 0; g < groups; ++g) {
        double norm = mu.norm();
        if (sphere->groups() == NormGroups::kRows) norm = mu_matrix.row(g).norm();
        if (sphere->groups() == NormGroups::kColumns) norm = mu_matrix.col(g).norm();
        exact += r * norm * mean_cosine(d, m.kappa * norm * r / tau);
      }
      references_.push_back(
          {"E[direction." + b.name + "]",
           [mu, offset, n](const Vector& q) { return mu.dot(q.segment(offset, n)); }, exact,
           sphere->groups() == NormGroups::kBlock
               ? "von Mises-Fisher on |" + b.name +
                     "| = r: r A_d(kappa r / tau), A_d = " + "I_{d/2} / I_{d/2-1}"
               : "von Mises-Fisher per " +
                     std::string(sphere->groups() == NormGroups::kRows ? "row" : "column") +
                     " G: sum_G r |mu_G| A_d(kappa |mu_G| r / tau)"});
      // A coordinate along mu = +-e_j (d >= 3; for d = 2 the density is
      // singular at the ends): t = x_j on [-r, r] has density proportional
      // to (r^2 - t^2)^((d-3)/2) exp(kappa mu_j t / tau).
      for (Index j = 0; sphere->groups() == NormGroups::kBlock && n >= 3 && j < n; ++j) {
        if (std::abs(mu[j]) != 1.0) continue;
        const double slope = m.kappa * mu[j] / tau, power = 0.5 * static_cast<double>(n - 3);
        marginals_.push_back(
            {coordinate_name(b, j), -r, r,
             [slope, power, r](double t) {
               // power = 0 (d = 3): no factor, and no 0 * log(0) at the ends.
               return (power > 0 ? power * std::log(std::max(r * r - t * t, 0.0)) : 0.0) +
                      slope * t;
             },
             "von Mises-Fisher on S^{d-1}: (r^2 - t^2)^((d-3)/2) exp(kappa t / tau)"});
      }
      if (sphere->groups() == NormGroups::kBlock && n >= 2) {
        // E[t^2] = 1 - (d-1) A_d(k)/k for t = mu.u on S^{d-1} (1/d at k = 0).
        const double k = m.kappa * r / tau;
        const double second = r * r *
                              (k > 0 ? 1 - static_cast<double>(n - 1) * mean_cosine(n, k) / k
                                     : 1.0 / static_cast<double>(n));
        references_.push_back({"E[(direction." + b.name + ")^2]",
                               [mu, offset, n](const Vector& q) {
                                 const double t = mu.dot(q.segment(offset, n));
                                 return t * t;
                               },
                               second,
                               "von Mises-Fisher on |" + b.name +
                                   "| = r: r^2 (1 - (d-1) A_d(k) / k), k = kappa r / tau"});
      }
      return;
    }
    case ModelType::kGaussian:
    case ModelType::kHarmonic:
    case ModelType::kDoubleWell:
      // Exact only without constraints (every constraint here restricts the
      // model block and changes its law).
      if (!constraints_.empty()) return;
      break;
    case ModelType::kMlp: return;
  }
  for (Index i = 0; i < count; ++i) {
    const Index at = offset + i;
    const std::string x = coordinate_name(b, i);
    const auto u = static_cast<std::size_t>(i);
    switch (m.type) {
      case ModelType::kGaussian: {
        const double mean = m.mean[u];
        references_.push_back({"E[" + x + "]", [at](const Vector& q) { return q[at]; }, mean,
                               "Gaussian target N(mean, tau variance): the mean"});
        const double sd = std::sqrt(tau * m.variance[u]);
        marginals_.push_back({x, mean - 5 * sd, mean + 5 * sd,
                              [mean, sd](double t) { return -0.5 * std::pow((t - mean) / sd, 2); },
                              "Gaussian N(mean, tau variance)"});
        references_.push_back({"E[(" + x + " - mean)^2]",
                               [at, mean](const Vector& q) {
                                 const double e = q[at] - mean;
                                 return e * e;
                               },
                               tau * m.variance[u],
                               "Gaussian target N(mean, tau variance): tau variance"});
        break;
      }
      case ModelType::kHarmonic:
        references_.push_back({"E[" + x + "^2]", [at](const Vector& q) { return q[at] * q[at]; },
                               tau / m.stiffness[u], "harmonic target: q_i ~ N(0, tau / k_i)"});
        {
          const double sd = std::sqrt(tau / m.stiffness[u]);
          marginals_.push_back({x, -5 * sd, 5 * sd,
                                [sd](double t) { return -0.5 * (t / sd) * (t / sd); },
                                "harmonic target: N(0, tau / k_i)"});
        }
        break;
      case ModelType::kDoubleWell:
        references_.push_back({"E[" + x + "]", [at](const Vector& q) { return q[at]; }, 0.0,
                               "double well: symmetric under q_i -> -q_i"});
        break;
      case ModelType::kVonMisesFisher:
      case ModelType::kMlp: break;
    }
  }
}

Reference Experiment::observable(const std::string& name) const {
  for (const Reference& r : references_)
    if (r.name == name) return r;
  const bool square = name.size() > 4 && name.compare(name.size() - 3, 3, "^2]") == 0;
  if (name.rfind("E[", 0) == 0 && name.back() == ']') {
    const std::string x = name.substr(2, name.size() - (square ? 5 : 3));
    const std::size_t open = x.find('[');
    if (open != std::string::npos && layout_.find(x.substr(0, open)) >= 0) {
      const BlockInfo b = layout_.block(layout_.find(x.substr(0, open)));
      for (Index i = 0; i < b.size(); ++i) {
        if (coordinate_name(b, i) != x) continue;
        const Index at = b.offset + i;
        if (square)
          return {name, [at](const Vector& q) { return q[at] * q[at]; },
                  std::numeric_limits<double>::quiet_NaN(), ""};
        return {name, [at](const Vector& q) { return q[at]; },
                std::numeric_limits<double>::quiet_NaN(), ""};
      }
    }
  }
  std::string known;
  for (const Reference& r : references_) known += (known.empty() ? "" : ", ") + r.name;
  const BlockInfo first = layout_.block(0);
  throw ConfigError(
      "--observable " + name +
      ": not an observable of this experiment; valid: " + (known.empty() ? "" : known + ", or ") +
      "E[<coordinate>] or E[<coordinate>^2], e.g. E[" + coordinate_name(first, 0) + "]");
}

std::unique_ptr<samplers::Sampler> Experiment::make_sampler(std::uint64_t chain) const {
  if (config_.sampler.type == SamplerType::kMala) {
    samplers::MalaOptions o = mala_options(config_.sampler);
    o.common.seed = config_.run.seed;
    o.common.chain = chain;
    return std::make_unique<samplers::Mala>(layout_, *potential_, constraints_, o);
  }
  if (is_exact(config_.sampler.type)) {
    samplers::HamiltonianOptions o = hamiltonian_options(config_.sampler);
    o.common.seed = config_.run.seed;
    o.common.chain = chain;
    return std::make_unique<samplers::Hamiltonian>(layout_, *potential_, constraints_, o);
  }
  if (is_underdamped(config_.sampler.type)) {
    samplers::UnderdampedOptions o = underdamped_options(config_.sampler);
    o.common.seed = config_.run.seed;
    o.common.chain = chain;
    return std::make_unique<samplers::Underdamped>(layout_, *potential_, constraints_, o);
  }
  samplers::OverdampedOptions o = overdamped_options(config_.sampler);
  o.common.seed = config_.run.seed;
  o.common.chain = chain;
  return std::make_unique<samplers::Overdamped>(layout_, *potential_, constraints_, o);
}

State Experiment::initial_state(std::uint64_t chain, Index* clipped) const {
  State state;
  state.q = Vector::Zero(layout_.size());
  if (config_.run.init == InitKind::kRandom) {
    RngStream rng(StreamKey{config_.run.seed, chain, kInitStep, kInitStream, 0});
    rng.fill_normal(state.q);
    if (mlp_) {
      // The slack blocks keep their normal draws: only the sign of xi_0 =
      // +-sqrt(r^2 - theta_0^2) is taken from them, at random.
      RngStream weights(StreamKey{config_.run.seed, chain, kInitStep, kInitStream, 1});
      mlp_->initialise(layout_, state.q, weights);
    } else {
      state.q *= config_.run.init_scale;
    }
  }
  Index outside = 0;
  for (const auto& c : constraints_.constraints())
    if (const auto* circle = dynamic_cast<const CircleConstraint*>(c.get()))
      outside += circle->initialise_slack(state.q);
  if (clipped != nullptr) *clipped = outside;
  if (!constraints_.empty()) {
    const ProjectionResult r = constraints_.retract(state.q, config_.sampler.solver);
    const double residual = constraints_.residual(state.q);
    if (!r.ok() || !(residual <= config_.sampler.solver.tolerance))
      throw StateError("run.init = " + quote(to_string(config_.run.init)) + ": the initial point " +
                       "of chain " + std::to_string(chain) +
                       " could not be moved onto the manifold (" + r.describe() + ", residual " +
                       std::to_string(residual) + ")" +
                       (config_.run.init == InitKind::kZeros ? "; use run.init = \"random\"" : ""));
  }
  return state;
}

samplers::RunOptions Experiment::run_options() const {
  samplers::RunOptions o;
  o.chains = config_.run.chains;
  o.first_chain = 0;
  o.thinning.warmup = config_.run.warmup;
  o.thinning.thin = config_.run.thin;
  o.thinning.stats_thin = config_.run.stats_thin;
  o.total_steps = config_.run.warmup + steps_;
  o.evaluator = evaluator_;
  o.checkpoint_every = config_.run.checkpoint_every;
  o.threads = config_.run.threads;
  o.recorded_blocks = recorded_blocks_;
  return o;
}

}  // namespace cola::apps
