#include "config_text.hpp"

#include <cola/apps/config_schema.hpp>
#include <cola/apps/presets.hpp>
#include <cola/samplers/failure_policy.hpp>
#include <cola/samplers/hamiltonian.hpp>
#include <cola/samplers/mala.hpp>
#include <cola/samplers/overdamped.hpp>
#include <cola/samplers/step_size_adaptation.hpp>
#include <cola/samplers/target_potential.hpp>
#include <cola/samplers/underdamped.hpp>

#include <charconv>
#include <sstream>

namespace cola::apps {

namespace {

using detail::format_float;
using detail::format_integer;
using detail::quote;

// Shortest text of a bound ("0", "1e-11", "0.5").
std::string bound_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Fluent construction of one KeySpec.
class Key {
 public:
  Key(std::string section, std::string key, ValueType type, std::string doc) {
    spec_.section = std::move(section);
    spec_.key = std::move(key);
    spec_.type = type;
    spec_.doc = std::move(doc);
  }
  Key& value(std::string toml_text) {
    spec_.default_value = std::move(toml_text);
    return *this;
  }
  Key& computed(std::string description) {
    spec_.computed_default = std::move(description);
    return *this;
  }
  Key& above(double v) { return lower(v, false); }
  Key& at_least(double v) { return lower(v, true); }
  Key& below(double v) { return upper(v, false); }
  Key& at_most(double v) { return upper(v, true); }
  Key& entries(std::size_t min, std::size_t max = 0) {
    spec_.min_entries = min;
    spec_.max_entries = max;
    return *this;
  }
  Key& choices(std::vector<std::string> c) {
    spec_.choices = std::move(c);
    return *this;
  }
  Key& types(std::vector<std::string> t) {
    spec_.types = std::move(t);
    return *this;
  }
  operator KeySpec() const { return spec_; }  // NOLINT(google-explicit-constructor)

 private:
  Key& lower(double v, bool inclusive) {
    spec_.min = Bound{v, inclusive};
    return *this;
  }
  Key& upper(double v, bool inclusive) {
    spec_.max = Bound{v, inclusive};
    return *this;
  }
  KeySpec spec_;
};

const std::vector<std::string> kUnderdampedPhysical = {"cola-ud", "g-baoab"};
const std::vector<std::string> kOverdamped = {"cola-od", "sgld"};
const std::vector<std::string> kExact = {"hmc", "ghmc", "mala"};
const std::vector<std::string> kHamiltonian = {"hmc", "ghmc"};
const std::vector<std::string> kToyModels = {"von_mises_fisher", "gaussian", "double_well",
                                             "harmonic"};

std::vector<KeySpec> build_schema() {
  using VT = ValueType;
  const samplers::UnderdampedOptions ud;
  const samplers::OverdampedOptions od;
  const samplers::CommonOptions common;
  const samplers::HamiltonianOptions hamiltonian;
  const samplers::MalaOptions mala;
  const samplers::StepSizeAdaptationOptions adaptation;
  const SolverOptions solver;
  std::vector<KeySpec> s;
  auto add = [&s](const Key& k) { s.push_back(k); };

  // [model]
  add(Key("model", "type", VT::kString,
          "Target: von_mises_fisher (V = -kappa direction.q, on a sphere), gaussian, double_well "
          "(V = barrier sum (q_i^2 - 1)^2), harmonic (V = 1/2 sum k_i q_i^2) or mlp (a "
          "neural network on [data]: V = loss + prior).")
          .choices({"von_mises_fisher", "gaussian", "double_well", "harmonic", "mlp"}));
  add(Key("model", "block", VT::kString, "Name of the parameter block the model acts on.")
          .value(quote("x"))
          .types(kToyModels));
  add(Key("model", "shape", VT::kIntegerArray,
          "Shape of the block: [n] or [rows, cols] (entries stored column-major).")
          .entries(1, 2)
          .at_least(1)
          .types(kToyModels));
  add(Key("model", "mass", VT::kFloat,
          "Scalar mass of the block(s) (M = mass I): changes the dynamics, not the target.")
          .value("1.0")
          .above(0));
  add(Key("model", "kappa", VT::kFloat,
          "Concentration: V(q) = -kappa direction.q (von Mises-Fisher on the unit sphere at "
          "tau = 1).")
          .value("1.0")
          .at_least(0)
          .types({"von_mises_fisher"}));
  add(Key("model", "direction", VT::kFloatArray,
          "Mean direction, one entry per parameter; normalised, must not be zero.")
          .computed("[0, ..., 0, 1]")
          .entries(1)
          .types({"von_mises_fisher"}));
  add(Key("model", "mean", VT::kFloatOrArray,
          "Mean: one number for every entry or one per parameter (column-major).")
          .value("0.0")
          .entries(1)
          .types({"gaussian"}));
  add(Key("model", "variance", VT::kFloatOrArray,
          "Diagonal covariance: one number or one per parameter; the target is "
          "N(mean, tau variance).")
          .value("1.0")
          .entries(1)
          .above(0)
          .types({"gaussian"}));
  add(Key("model", "barrier", VT::kFloat, "Barrier height between the wells at q_i = -1 and +1.")
          .value("1.0")
          .above(0)
          .types({"double_well"}));
  add(Key("model", "stiffness", VT::kFloatOrArray,
          "Stiffness k_i: one number or one per parameter; exact law q_i ~ N(0, tau / k_i).")
          .value("1.0")
          .entries(1)
          .above(0)
          .types({"harmonic"}));

  add(Key("model", "hidden", VT::kIntegerArray,
          "Units of the hidden layers, input side first (layer i has blocks \"layer<i>.weight\", "
          "units x inputs, and \"layer<i>.bias\"); the output layer's units come from the data "
          "(classes, or target columns).")
          .value("[100]")
          .at_least(1)
          .types({"mlp"}));
  add(Key("model", "activation", VT::kString,
          "Activation of the hidden layers (the output layer is linear: logits or predictions).")
          .value(quote("relu"))
          .choices({"relu", "tanh", "sigmoid", "identity"})
          .types({"mlp"}));
  add(Key("model", "init", VT::kString,
          "Initial weights of each chain: pytorch (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights "
          "and biases), gaussian (N(0, init_scale^2)) or orthogonal (orthonormal rows or columns "
          "times init_scale, biases as pytorch).")
          .value(quote("pytorch"))
          .choices({"pytorch", "gaussian", "orthogonal"})
          .types({"mlp"}));
  add(Key("model", "init_scale", VT::kFloat,
          "Standard deviation (gaussian) or gain (orthogonal) of the initial weights.")
          .value("1.0")
          .above(0)
          .types({"mlp"}));
  add(Key("model", "init_orthogonal", VT::kStringOrArray,
          "Weight blocks initialised orthogonal whatever init says (glob patterns, e.g. "
          "\"layer1.weight\"); [] for none.")
          .value("[]")
          .types({"mlp"}));
  add(Key("model", "low_rank", VT::kIntegerArray,
          "Rank of each layer (hidden layers then the output layer); 0 is dense, r > 0 makes "
          "W = U V^T with blocks \"layer<i>.u\" (units x r) and \"layer<i>.v\" (inputs x r); "
          "[] for all dense.")
          .value("[]")
          .at_least(0)
          .types({"mlp"}));
  add(Key("model", "likelihood", VT::kString,
          "softmax (cross-entropy on class labels) or gaussian (regression on target columns, "
          "noise sd noise_sd).")
          .value(quote("softmax"))
          .choices({"softmax", "gaussian"})
          .types({"mlp"}));
  add(Key("model", "noise_sd", VT::kFloat, "Noise sd sigma of the gaussian likelihood.")
          .value("1.0")
          .above(0)
          .types({"mlp"}));
  add(Key("model", "prior", VT::kString, "Prior on the weights: gaussian N(0, prior_sd^2) or none.")
          .value(quote("gaussian"))
          .choices({"gaussian", "none"})
          .types({"mlp"}));
  add(Key("model", "prior_sd", VT::kFloatOrArray,
          "Prior sd: one number for every block, or one per network block in layout order "
          "(layer0.weight, layer0.bias, layer1.weight, ...).")
          .value("1.0")
          .entries(1)
          .above(0)
          .types({"mlp"}));
  add(Key("model", "scaling", VT::kString,
          "posterior: V = (N/B) sum over the batch of the loss + prior (-log posterior, what a "
          "sampler at tau = 1 needs); mean: V = mean batch loss + prior (an optimiser's "
          "objective, PyTorch's).")
          .value(quote("posterior"))
          .choices({"posterior", "mean"})
          .types({"mlp"}));
  add(Key("model", "precision", VT::kString,
          "Arithmetic of the forward and backward passes (the sampler's state stays double).")
          .value(quote("float32"))
          .choices({"float32", "float64"})
          .types({"mlp"}));
  add(Key("model", "output_matrix", VT::kFloatMatrix,
          "A of the output constraint A yhat = b, held exactly by a projection layer "
          "(Rangarajan et al. 2022): one row per equation, one column per output; [] for none.")
          .value("[]")
          .types({"mlp"}));
  add(Key("model", "output_rhs", VT::kFloatArray,
          "b of A yhat = b: one entry per row of output_matrix.")
          .computed("zeros")
          .types({"mlp"}));

  // [data]
  add(Key("data", "type", VT::kString,
          "Data of a network model: none (toy models), spiral (generated), fashion_mnist "
          "(Debian's dataset-fashion-mnist), csv or hdf5 (tables).")
          .value(quote("none"))
          .choices({"none", "spiral", "fashion_mnist", "csv", "hdf5"}));
  add(Key("data", "arms", VT::kInteger, "Spiral arms (= classes).")
          .value("3")
          .at_least(2)
          .at_most(100)
          .types({"spiral"}));
  add(Key("data", "points", VT::kInteger, "Training points per arm.")
          .value("100")
          .at_least(1)
          .types({"spiral"}));
  add(Key("data", "test_points", VT::kInteger,
          "Test points per arm (generated from the next seed: held out from training).")
          .value("100")
          .at_least(1)
          .types({"spiral"}));
  add(Key("data", "noise", VT::kFloat, "Standard deviation of the angle noise of the spiral.")
          .value("0.2")
          .at_least(0)
          .types({"spiral"}));
  add(Key("data", "dir", VT::kString,
          "Directory of the Fashion-MNIST IDX files; empty: $COLA_FASHION_MNIST_DIR, else "
          "/usr/share/datasets/fashion-mnist.")
          .value(quote(""))
          .types({"fashion_mnist"}));
  add(Key("data", "path", VT::kString, "Training table (CSV with a header row, or HDF5).")
          .types({"csv", "hdf5"}));
  add(Key("data", "test_path", VT::kString,
          "Test table in the same format; empty: hold out test_size rows of path.")
          .value(quote(""))
          .types({"csv", "hdf5"}));
  add(Key("data", "label", VT::kString,
          "Classification: the label column (CSV) or 1-D integer dataset (HDF5); integers in "
          "[0, classes). Empty for regression.")
          .value(quote(""))
          .types({"csv", "hdf5"}));
  add(Key("data", "targets", VT::kStringOrArray,
          "Regression: the target columns (CSV) or the 2-D targets dataset (HDF5); [] for "
          "classification.")
          .value("[]")
          .types({"csv", "hdf5"}));
  add(Key("data", "features", VT::kString,
          "HDF5: the 2-D features dataset (rows = examples). CSV: every column that is not a label "
          "or target is a feature.")
          .value(quote("features"))
          .types({"hdf5"}));
  add(Key("data", "train_size", VT::kInteger,
          "Training examples: the first train_size after a shuffle seeded by data.seed (the paper "
          "uses 10000 Fashion-MNIST images); 0: all.")
          .value("0")
          .at_least(0)
          .types({"fashion_mnist", "csv", "hdf5"}));
  add(Key("data", "test_size", VT::kInteger,
          "Test examples: the first test_size of the test set (0: all); with no test_path, the "
          "rows held out from path (then required > 0).")
          .value("0")
          .at_least(0)
          .types({"fashion_mnist", "csv", "hdf5"}));
  add(Key("data", "seed", VT::kInteger,
          "Seed of the data: the spiral's noise, the training subset and the held-out split "
          "(independent of run.seed).")
          .value("0")
          .at_least(0)
          .types({"spiral", "fashion_mnist", "csv", "hdf5"}));
  add(Key("data", "batch_size", VT::kInteger,
          "Minibatch size B, reshuffled every epoch without replacement from each chain's random "
          "stream (the last batch of an epoch may be smaller); 0: batch_fraction, or full batch.")
          .value("0")
          .at_least(0)
          .types({"spiral", "fashion_mnist", "csv", "hdf5"}));
  add(Key("data", "batch_fraction", VT::kFloat,
          "Minibatch size as a fraction of the training set (used when batch_size = 0; 1 is full "
          "batch).")
          .value("1.0")
          .above(0)
          .at_most(1)
          .types({"spiral", "fashion_mnist", "csv", "hdf5"}));
  add(Key("data", "evaluate_every", VT::kInteger,
          "Steps between evaluations of test (and train) loss and accuracy into sample_stats; "
          "0: once per epoch; a multiple of run.stats_thin.")
          .value("0")
          .at_least(0)
          .types({"spiral", "fashion_mnist", "csv", "hdf5"}));
  add(Key("data", "evaluate_train", VT::kBool,
          "Also evaluate the loss and accuracy on the whole training set (one more pass).")
          .value("true")
          .types({"spiral", "fashion_mnist", "csv", "hdf5"}));
  add(Key("data", "predictive", VT::kBool,
          "After the run, the posterior predictive on the test set over every retained draw of "
          "every chain (mean probabilities, accuracy, NLL, entropy, calibration error), stored in "
          "posterior_predictive/ and printed.")
          .value("true")
          .types({"spiral", "fashion_mnist", "csv", "hdf5"}));

  // [[constraints]]
  add(Key("constraints", "type", VT::kString,
          "Constraint: fixed_norm, circle (with slack), orthogonality, linear or weight_tying.")
          .choices({"fixed_norm", "circle", "orthogonality", "linear", "weight_tying"}));
  add(Key("constraints", "blocks", VT::kStringOrArray,
          "Glob pattern(s) ('*', '?') over block names, e.g. \"x\" or \"layer*.weight\"; slack "
          "blocks of earlier constraints count.")
          .entries(1));
  add(Key("constraints", "exclude", VT::kStringOrArray,
          "Glob pattern(s) of blocks the constraint skips although blocks matches them, e.g. "
          "[\"layer0.weight\"].")
          .value("[]"));
  add(Key("constraints", "radius", VT::kFloat, "Norm r of every group: |w_G| = r.")
          .value("1.0")
          .above(0)
          .types({"fixed_norm"}));
  add(Key("constraints", "per", VT::kString,
          "Groups of fixed norm: the whole block, each row or each column.")
          .value(quote("block"))
          .choices({"block", "rows", "columns"})
          .types({"fixed_norm"}));
  add(Key("constraints", "radius", VT::kFloatOrArray,
          "Radius r: theta_i^2 + xi_i^2 = r^2 with one slack xi_i per weight (block "
          "\"<block>.slack\", started at xi = +-sqrt(r^2 - theta^2)), so |theta_i| <= r; one "
          "number, or one per matched block in layout order.")
          .value("1.0")
          .entries(1)
          .above(0)
          .types({"circle"}));
  add(Key("constraints", "drift", VT::kString,
          "Drift substep: the exact rotation on each circle, or the generic SHAKE/RATTLE step.")
          .value(quote("rotation"))
          .choices({"rotation", "shake"})
          .types({"circle"}));
  add(Key("constraints", "square_only", VT::kBool,
          "Act only on the square blocks among those matched (a network's hidden-to-hidden "
          "layers, whatever its depth).")
          .value("false")
          .types({"orthogonality"}));
  add(Key("constraints", "matrix", VT::kFloatMatrix,
          "A of A x = rhs: one row per equation, one column per parameter of the matched blocks; "
          "full row rank.")
          .entries(1)
          .types({"linear"}));
  add(Key("constraints", "rhs", VT::kFloatArray, "rhs of A x = rhs: one entry per row of matrix.")
          .computed("zeros")
          .types({"linear"}));
  add(Key("constraints", "groups", VT::kIntegerMatrix,
          "Groups of equal entries, as indices into the matched blocks (>= 2 per group); "
          "without it, entry j of every matched block is tied (blocks of equal size).")
          .computed("elementwise")
          .entries(1)
          .at_least(0)
          .types({"weight_tying"}));

  // [sampler]
  add(Key("sampler", "type", VT::kString,
          "Sampler: cola-ud (BAOAB), g-baoab (geodesic BAOAB), cola-od, sgld, sgd or sgd-momentum "
          "(see samplers/named_samplers.hpp), or an exact (Metropolis-adjusted) one: hmc, ghmc "
          "(Metropolised CoLA-ud) or mala (Metropolised CoLA-od), see samplers/hamiltonian.hpp "
          "and samplers/mala.hpp.")
          .value(quote("cola-ud"))
          .choices({"cola-ud", "g-baoab", "cola-od", "sgld", "sgd", "sgd-momentum", "hmc", "ghmc",
                    "mala"}));
  add(Key("sampler", "step_size", VT::kFloat, "Step size h.")
          .value(format_float(ud.step_size))
          .above(0)
          .types(kUnderdampedPhysical));
  add(Key("sampler", "step_size", VT::kFloat, "Step size h.")
          .value(format_float(od.step_size))
          .above(0)
          .types(kOverdamped));
  add(Key("sampler", "step_size", VT::kFloat,
          "Step size h of one RATTLE step (the initial value when adapt_step_size = true).")
          .value(format_float(hamiltonian.step_size))
          .above(0)
          .types(kHamiltonian));
  add(Key("sampler", "step_size", VT::kFloat,
          "Step size h (the initial value when adapt_step_size = true).")
          .value(format_float(mala.step_size))
          .above(0)
          .types({"mala"}));
  add(Key("sampler", "friction", VT::kFloat, "Friction gamma (per unit time).")
          .value(format_float(ud.friction))
          .at_least(0)
          .types(kUnderdampedPhysical));
  add(Key("sampler", "friction", VT::kFloat,
          "Friction gamma: each step keeps a fraction exp(-gamma h) of the momentum.")
          .value(format_float(ud.friction))
          .above(0)
          .types({"ghmc"}));
  add(Key("sampler", "temperature", VT::kFloat,
          "Temperature tau of the target exp(-V/tau); 0 turns the sampler into an optimiser.")
          .value(format_float(ud.temperature))
          .at_least(0)
          .types(kUnderdampedPhysical));
  add(Key("sampler", "temperature", VT::kFloat,
          "Temperature tau of the target exp(-V/tau); 0 turns the sampler into an optimiser.")
          .value(format_float(od.temperature))
          .at_least(0)
          .types(kOverdamped));
  add(Key("sampler", "temperature", VT::kFloat,
          "Temperature tau of the target exp(-V/tau) (> 0: an exact sampler samples a law).")
          .value(format_float(hamiltonian.temperature))
          .above(0)
          .types(kExact));
  add(Key("sampler", "temperature", VT::kFloat,
          "Temperature tau: 0 is SGD with momentum; > 0 samples (CoLA-ud in the "
          "learning-rate/momentum parametrisation).")
          .value("0.0")
          .at_least(0)
          .types({"sgd-momentum"}));
  add(Key("sampler", "splitting", VT::kString,
          "Splitting: a string of B (kick), A (drift), O (thermostat), e.g. \"BAOAB\", "
          "\"ABOBA\", \"OBABO\".")
          .value(quote("BAOAB"))
          .types({"cola-ud"}));
  add(Key("sampler", "splitting", VT::kString,
          "Splitting: a string of B, A, O; \"OBA\" is PyTorch's SGD with momentum.")
          .value(quote("OBA"))
          .types({"sgd-momentum"}));
  add(Key("sampler", "drift_substeps", VT::kInteger,
          "K: every drift A is K substeps of h/(2K) (Leimkuhler-Matthews 2016); 1 is BAOAB.")
          .value(format_integer(ud.drift_substeps))
          .at_least(1)
          .at_most(10000)
          .types({"g-baoab"}));
  add(Key("sampler", "drift_substeps", VT::kInteger,
          "K: every RATTLE step drifts in K geodesic substeps of h/K.")
          .value(format_integer(hamiltonian.drift_substeps))
          .at_least(1)
          .at_most(10000)
          .types(kHamiltonian));
  add(Key("sampler", "leapfrog_steps", VT::kInteger,
          "L: RATTLE steps of one HMC proposal (trajectory length L h).")
          .value("10")
          .at_least(1)
          .at_most(10000)
          .types({"hmc"}));
  add(Key("sampler", "reverse_check", VT::kBool,
          "After every projection of a proposal, run the reverse move and reject the proposal "
          "unless it returns to the start (without it the chain can be biased).")
          .value(hamiltonian.reverse.enabled ? "true" : "false")
          .types(kExact));
  add(Key("sampler", "reverse_tolerance", VT::kFloat,
          "The reverse move must return to within this distance (max norm); at least 10x "
          "sampler.solver.tolerance.")
          .value(format_float(hamiltonian.reverse.tolerance))
          .above(0)
          .types(kExact));
  add(Key("sampler", "adapt_step_size", VT::kBool,
          "Adapt step_size during the run.warmup steps by dual averaging to target_acceptance "
          "(Hoffman and Gelman 2014), then freeze it (sample_stats/step_size records it).")
          .value(adaptation.enabled ? "true" : "false")
          .types(kExact));
  add(Key("sampler", "target_acceptance", VT::kFloat,
          "Mean acceptance probability the adaptation aims at (0.65: optimal for HMC, Beskos "
          "et al. 2013).")
          .value("0.65")
          .above(0)
          .below(1)
          .types({"hmc"}));
  add(Key("sampler", "target_acceptance", VT::kFloat,
          "Mean acceptance probability the adaptation aims at.")
          .value(format_float(adaptation.target_acceptance))
          .above(0)
          .below(1)
          .types({"ghmc", "mala"}));
  add(Key("sampler", "learning_rate", VT::kFloat,
          "Learning rate lr (sgd: h = lr at tau = 0; sgd-momentum: h = sqrt(lr)).")
          .above(0)
          .types({"sgd", "sgd-momentum"}));
  add(Key("sampler", "momentum", VT::kFloat, "Momentum mu (friction gamma = -ln(mu) / sqrt(lr)).")
          .at_least(0)
          .below(1)
          .types({"sgd-momentum"}));
  add(Key("sampler", "target_measure", VT::kString,
          "The law sampled on the constraint surface: \"hausdorff\", exp(-V/tau) times the "
          "surface measure, or \"ambient\", exp(-V/tau) dq conditioned on g = 0 (adds the "
          "Fixman term (tau/2) log det(G M^-1 G^T) to V; the same law for spheres, circles, "
          "Stiefel and linear constraints).")
          .value(quote(samplers::to_string(samplers::TargetMeasure::kHausdorff)))
          .choices({"hausdorff", "ambient"})
          .types({"cola-ud", "g-baoab", "cola-od", "sgld", "hmc", "ghmc", "mala"}));
  add(Key("sampler", "failure_policy", VT::kString,
          "A failed step (projection not converged, NaN/Inf): stop with an error, reject it, or "
          "retry with halved steps.")
          .value(quote(samplers::to_string(common.failure_policy)))
          .choices({"error", "reject", "halve"}));
  add(Key("sampler", "max_halvings", VT::kInteger,
          "Halvings the halve policy tries before it stops.")
          .value(format_integer(common.max_halvings))
          .at_least(1)
          .at_most(20));
  add(Key("sampler", "solver", VT::kTable, "Options of the projections: [sampler.solver].")
          .computed("the defaults of [sampler.solver]"));

  // [sampler.solver]
  add(Key("sampler.solver", "kind", VT::kString,
          "Generic SHAKE solver: quasi-Newton (Gram matrix at the old point, factorised once) "
          "or Newton.")
          .value(quote(solver.kind == SolverKind::kNewton ? "newton" : "quasi_newton"))
          .choices({"quasi_newton", "newton"}));
  add(Key("sampler.solver", "tolerance", VT::kFloat,
          "Converged when the constraint residual ||g||_inf <= tolerance.")
          .value(format_float(solver.tolerance))
          .above(0));
  add(Key("sampler.solver", "increment_tolerance", VT::kFloat,
          "... and the last position increment ||dq||_inf <= increment_tolerance.")
          .value(format_float(solver.increment_tolerance))
          .above(0));
  add(Key("sampler.solver", "max_iterations", VT::kInteger, "Iteration cap of the generic solvers.")
          .value(format_integer(solver.max_iterations))
          .at_least(1)
          .at_most(1000000));
  add(Key("sampler.solver", "orthogonality_max_iterations", VT::kInteger,
          "Iteration cap of the o-CoLA orthogonality iteration (the paper's fixed count is 10).")
          .value(format_integer(solver.orthogonality_max_iterations))
          .at_least(1)
          .at_most(1000000));
  add(Key("sampler.solver", "newton_fallback", VT::kBool,
          "Orthogonality: continue with Newton steps when the iteration cap is hit.")
          .value(solver.newton_fallback ? "true" : "false"));
  add(Key("sampler.solver", "divergence_factor", VT::kFloat,
          "Diverged when ||g|| > divergence_factor * max(||g_0||, tolerance).")
          .value(format_float(solver.divergence_factor))
          .above(1));

  // [run]
  add(Key("run", "chains", VT::kInteger, "Independent chains.").value("4").at_least(1));
  add(Key("run", "steps", VT::kInteger, "Steps per chain after the warm-up.")
          .value("10000")
          .at_least(1));
  add(Key("run", "epochs", VT::kInteger,
          "Networks: steps after the warm-up = epochs x batches per epoch (replaces run.steps, "
          "which must then not be given); 0: use run.steps.")
          .value("0")
          .at_least(0));
  add(Key("run", "warmup", VT::kInteger, "Warm-up steps per chain (no draws are kept).")
          .value("1000")
          .at_least(0));
  add(Key("run", "thin", VT::kInteger, "Keep every thin-th step as a draw (posterior/).")
          .value("1")
          .at_least(1));
  add(Key("run", "stats_thin", VT::kInteger,
          "Record the per-step statistics (sample_stats/) every stats_thin-th step.")
          .value("1")
          .at_least(1));
  add(Key("run", "seed", VT::kInteger,
          "Seed of every random stream (keyed by seed, chain, step, block: the same results for "
          "any number of threads).")
          .value("2026")
          .at_least(0));
  add(Key("run", "threads", VT::kInteger, "Threads (0: all cores).")
          .value("0")
          .at_least(0)
          .at_most(4096));
  add(Key("run", "checkpoint_every", VT::kInteger,
          "Steps between checkpoints (0: only at the end).")
          .value("10000")
          .at_least(0));
  add(Key("run", "init", VT::kString,
          "Initial point of each chain, then moved onto the manifold: random (q ~ N(0, "
          "init_scale^2)) or zeros (fails on spheres).")
          .value(quote("random"))
          .choices({"random", "zeros"}));
  add(Key("run", "init_scale", VT::kFloat, "Standard deviation of the random initial point.")
          .value("1.0")
          .above(0));

  // [output]
  add(Key("output", "enabled", VT::kBool, "Write the trajectory file.").value("true"));
  add(Key("output", "path", VT::kString, "Path of the trajectory file (HDF5).")
          .value(quote("cola-run.h5")));
  add(Key("output", "record", VT::kStringOrArray,
          "Blocks written to posterior/: glob pattern(s) over block names (slack blocks such as "
          "\"x.slack\" count).")
          .value("[\"*\"]")
          .entries(1));
  add(Key("output", "precision", VT::kString,
          "Storage type of the draws (the sampler always computes in double).")
          .value(quote("float64"))
          .choices({"float64", "float32"}));
  add(Key("output", "flush_every", VT::kInteger,
          "Draws per chain buffered before a write (the chunk length); 0: automatic.")
          .value("0")
          .at_least(0));
  add(Key("output", "compression", VT::kInteger, "gzip level of the draws (0: none).")
          .value("0")
          .at_least(0)
          .at_most(9));
  add(Key("output", "checkpoint", VT::kBool,
          "Store per-chain checkpoints in the file (cola resume needs them).")
          .value("true"));
  return s;
}

std::string escape_cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '<') {
      out += "&lt;";  // "<block>" would be read as an HTML tag
      continue;
    }
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

bool KeySpec::applies_to(std::string_view value) const {
  if (types.empty()) return true;
  for (const auto& t : types)
    if (t == value) return true;
  return false;
}

std::string KeySpec::path() const {
  return section == "constraints" ? "constraints[]." + key : section + "." + key;
}

std::string KeySpec::type_text() const {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kInteger: return "integer";
    case ValueType::kFloat: return "number";
    case ValueType::kBool: return "boolean";
    case ValueType::kFloatOrArray: return "number or array of numbers";
    case ValueType::kFloatArray: return "array of numbers";
    case ValueType::kIntegerArray: return "array of integers";
    case ValueType::kStringOrArray: return "string or array of strings";
    case ValueType::kFloatMatrix: return "array of arrays of numbers";
    case ValueType::kIntegerMatrix: return "array of arrays of integers";
    case ValueType::kTable: return "table";
  }
  return "value";
}

std::string KeySpec::range_text() const {
  std::string range;
  if (min && max) {
    range = std::string(min->inclusive ? "[" : "(") + bound_text(min->value) + ", " +
            bound_text(max->value) + (max->inclusive ? "]" : ")");
  } else if (min) {
    range = std::string(min->inclusive ? ">= " : "> ") + bound_text(min->value);
  } else if (max) {
    range = std::string(max->inclusive ? "<= " : "< ") + bound_text(max->value);
  }
  if (!choices.empty()) range = "one of " + detail::join(choices, true);
  return range;
}

std::string KeySpec::allowed_text() const {
  const std::string range = range_text();
  std::string entries;
  if (max_entries > 0 && max_entries == min_entries) {
    entries = std::to_string(min_entries) + " entries";
  } else if (max_entries > 0) {
    entries = std::to_string(min_entries) + " to " + std::to_string(max_entries) + " entries";
  } else if (min_entries > 1) {
    entries = "at least " + std::to_string(min_entries) + " entries";
  }
  if (entries.empty()) return range;
  if (range.empty()) return entries;
  return entries + ", each " + range;
}

std::string KeySpec::default_text() const {
  if (!default_value.empty()) return default_value;
  if (!computed_default.empty()) return computed_default;
  return "required";
}

const std::vector<SectionSpec>& config_sections() {
  static const std::vector<SectionSpec> sections = {
      {"model", false, true,
       "The target: a potential V on one parameter block. The sampled law is exp(-V/tau) on the "
       "constraint manifold (surface measure), tau = sampler.temperature."},
      {"data", false, true,
       "The data of a network model (model.type = \"mlp\"; the other models take none): "
       "training and test sets, minibatches, and what is evaluated during and after the run."},
      {"constraints", true, true,
       "Zero or more tables, each assigned to parameter blocks by glob patterns. fixed_norm, "
       "circle and orthogonality add one constraint per matched block; linear and weight_tying "
       "one constraint over all matched blocks, concatenated in the order of the patterns "
       "(blocks matched by one pattern in layout order, each column-major). orthogonality "
       "(W^T W = I when tall, W W^T = I when wide) may be limited to square blocks. A circle "
       "constraint on block b creates the block \"b.slack\"."},
      {"sampler", false, true,
       "The sampler (samplers/named_samplers.hpp). Keys that do not apply to the chosen type "
       "are errors. The exact samplers (hmc, ghmc, mala) accept or reject every proposal, "
       "which makes them unbiased at any step size; they need the full-batch potential (no "
       "minibatches) and count their rejections by cause in sample_stats."},
      {"sampler.solver", false, false, "Options of the SHAKE/RATTLE projections (SolverOptions)."},
      {"run", false, false, "Chains, their length, thinning, the seed and the initial point."},
      {"output", false, false, "The trajectory file (HDF5)."},
  };
  return sections;
}

const std::vector<KeySpec>& config_schema() {
  static const std::vector<KeySpec> schema = build_schema();
  return schema;
}

const KeySpec* find_key(std::string_view section, std::string_view key, std::string_view type) {
  for (const auto& k : config_schema())
    if (k.section == section && k.key == key && k.applies_to(type)) return &k;
  return nullptr;
}

std::vector<std::string> keys_of(std::string_view section, std::string_view type) {
  std::vector<std::string> out;
  for (const auto& k : config_schema()) {
    if (k.section != section || (!type.empty() && !k.applies_to(type))) continue;
    bool seen = false;
    for (const auto& o : out) seen = seen || o == k.key;
    if (!seen) out.push_back(k.key);
  }
  return out;
}

std::string configuration_reference() {
  std::ostringstream os;
  os << "# Configuration reference\n\n"
        "<!-- Generated from the schema in apps/src/config_schema.cpp; do not edit. Regenerate "
        "with\n"
        "     cmake --build <build-dir> --target cola_config_doc_update\n"
        "     (tests/apps/config_doc_test.cpp fails when this file is out of date). -->\n\n"
        "A `cola` experiment is one TOML file with the sections below. Every key is optional "
        "unless its\ndefault says *required*. Unknown keys, keys that do not apply to the "
        "chosen `type`, values of the\nwrong type and values out of range are errors that name "
        "the key (`constraints[1].radius`,\n`sampler.step_size`) and what would be valid. "
        "Integers are accepted where numbers are expected,\nnot the other way round. Glob "
        "patterns use `*` (any run of characters) and `?` (one character).\n\n"
        "`--set key=value` overrides one key, the value written in TOML (`run.chains=8`,\n"
        "`sampler.type=\"cola-od\"`, `model.shape=[3,2]`, `constraints[0].radius=2`); a bare "
        "word is a string\n(`sampler.type=cola-od`). The fully resolved configuration, every "
        "default filled in and every key\ndocumented, is stored in the trajectory file, and "
        "`cola resume` rebuilds the run from it.\n\n"
        "Temperature and the target: the samplers target exp(-V/tau) on the constraint manifold "
        "(surface\nmeasure) with tau = `sampler.temperature`; `sgd` and `sgd-momentum` at tau = 0 "
        "are optimisers.\n";
  for (const auto& section : config_sections()) {
    os << "\n## `" << (section.array_of_tables ? "[[" : "[") << section.name
       << (section.array_of_tables ? "]]" : "]") << "`\n\n"
       << detail::wrap(section.doc, 100);
    bool any = false;
    for (const auto& k : config_schema()) {
      if (k.section != section.name || k.type == ValueType::kTable) continue;
      if (!any) {
        os << "\n| key | for `type` | type | default | allowed | description |\n"
              "|---|---|---|---|---|---|\n";
        any = true;
      }
      const std::string def = k.required()              ? "*required*"
                              : k.default_value.empty() ? "*" + k.computed_default + "*"
                                                        : "`" + k.default_value + "`";
      const std::string allowed = k.allowed_text();
      os << "| `" << k.key << "` | " << escape_cell(detail::join(k.types)) << " | " << k.type_text()
         << " | " << escape_cell(def) << " | " << escape_cell(allowed) << " | "
         << escape_cell(k.doc) << " |\n";
    }
  }
  os << "\n## Presets\n\nCompiled into the command (`cola presets`); `demo` is what `cola run` "
        "runs without arguments.\n\n| name | description |\n|---|---|\n";
  for (const auto& p : presets())
    os << "| `" << p.name << "` | " << escape_cell(std::string(p.description)) << " |\n";
  return os.str();
}

}  // namespace cola::apps
