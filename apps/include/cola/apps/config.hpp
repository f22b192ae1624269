#pragma once
// The configuration of one experiment of the `cola` command: TOML text ->
// validated, typed ExperimentConfig with every default filled in -> TOML text
// again (stored in the trajectory file; `cola resume` rebuilds the run from
// it, so the round trip is exact, floats included).
//
// Every key, its type, default, range and one-line documentation is in one
// table (config_schema.hpp); validation, the printed configuration and
// docs/configuration.md all come from it. Errors are ConfigError with one
// line that names the full key ("constraints[1].radius", "sampler.step_size")
// and what would be valid; unknown keys get the closest valid key suggested.
//
// Typical use (what `cola run config.toml --set run.chains=8` does):
//   toml::table t = load_config_file("config.toml");
//   apply_override(t, "run.chains=8");
//   ExperimentConfig config = resolve(t);
//   Experiment experiment(config);            // experiment.hpp
//   std::string stored = to_toml(config);     // into the trajectory file
#include <cola/circle_constraint.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/projection.hpp>
#include <cola/samplers/failure_policy.hpp>
#include <cola/samplers/target_potential.hpp>
#include <cola/types.hpp>

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cola::apps {

enum class ModelType { kVonMisesFisher, kGaussian, kDoubleWell, kHarmonic, kMlp };
enum class DataType { kNone, kSpiral, kFashionMnist, kCsv, kHdf5 };
enum class ConstraintType { kFixedNorm, kCircle, kOrthogonality, kLinear, kWeightTying };
// The named samplers of samplers/named_samplers.hpp:
//   cola-ud       CoLA-ud, physical parametrisation (h, gamma, tau), splitting BAOAB by default
//   g-baoab       geodesic BAOAB: CoLA-ud with K drift substeps of h/(2K)
//   cola-od       CoLA-od (overdamped)
//   sgld          stochastic-gradient Langevin: CoLA-od at temperature tau
//   sgd           gradient descent: CoLA-od with h = learning_rate, tau = 0
//   sgd-momentum  PyTorch SGD with momentum: CoLA-ud in the learning-rate/momentum
//                 parametrisation, splitting OBA (tau > 0 gives the paper's sampler)
// and the exact (Metropolis-adjusted) samplers of samplers/hamiltonian.hpp
// and samplers/mala.hpp:
//   hmc           constrained HMC: L RATTLE steps, full momentum refresh
//   ghmc          Metropolised CoLA-ud: partial refresh exp(-gamma h), one RATTLE step
//   mala          Metropolised CoLA-od (MALA on the manifold)
enum class SamplerType { kColaUd, kGBaoab, kColaOd, kSgld, kSgd, kSgdMomentum, kHmc, kGhmc, kMala };
enum class InitKind { kRandom, kZeros };
enum class Precision { kFloat64, kFloat32 };

// The spelling used in the configuration ("von_mises_fisher", "cola-ud", ...).
const char* to_string(ModelType type);
const char* to_string(DataType type);
const char* to_string(ConstraintType type);
const char* to_string(SamplerType type);
const char* to_string(InitKind kind);
const char* to_string(Precision precision);
bool is_underdamped(SamplerType type);
// hmc, ghmc, mala: Metropolis-adjusted, exact for exp(-V/tau) at any step size.
bool is_exact(SamplerType type);

// Members are filled by resolve(); the defaults live in the schema
// (config_schema.hpp). Members that do not apply to the configured type keep
// their initial values (so that two resolved configs compare equal).
struct ModelConfig {
  ModelType type = ModelType::kGaussian;
  std::string block = "x";
  std::vector<Index> shape;  // [n] or [rows, cols]
  double mass = 1.0;
  double kappa = 0.0;             // von_mises_fisher
  std::vector<double> direction;  // von_mises_fisher: as given (LinearTilt normalises)
  std::vector<double> mean;       // gaussian: one entry per parameter
  std::vector<double> variance;   // gaussian: diagonal covariance, one entry per parameter
  double barrier = 0.0;           // double_well
  std::vector<double> stiffness;  // harmonic: one entry per parameter
  // mlp (choices as spelled in the configuration; the schema validated them)
  std::vector<Index> hidden;
  std::string activation;
  std::string init;
  double init_scale = 1.0;
  std::vector<std::string> init_orthogonal;
  std::vector<Index> low_rank;
  std::string likelihood;
  double noise_sd = 1.0;
  std::string prior;
  std::vector<double> prior_sd;
  std::string scaling;
  std::string precision;
  std::vector<std::vector<double>> output_matrix;
  std::vector<double> output_rhs;

  Index rows() const { return shape.empty() ? 0 : shape[0]; }
  Index cols() const { return shape.size() > 1 ? shape[1] : 1; }
  Index size() const { return rows() * cols(); }
  bool operator==(const ModelConfig& other) const;
};

// The data of a network model (DataType::kNone for the toy models).
struct DataConfig {
  DataType type = DataType::kNone;
  Index arms = 0, points = 0, test_points = 0;   // spiral
  double noise = 0.0;                            // spiral
  std::string dir;                               // fashion_mnist ("" = default directory)
  std::string path, test_path, label, features;  // csv, hdf5
  std::vector<std::string> targets;              // csv, hdf5
  std::uint64_t train_size = 0, test_size = 0;
  std::uint64_t seed = 0;
  std::uint64_t batch_size = 0;
  double batch_fraction = 1.0;
  std::uint64_t evaluate_every = 0;
  bool evaluate_train = true;
  bool predictive = true;
  bool operator==(const DataConfig& other) const;
};

struct ConstraintConfig {
  ConstraintType type = ConstraintType::kFixedNorm;
  std::vector<std::string> blocks;                // glob patterns over block names
  std::vector<std::string> exclude;               // glob patterns of blocks to skip
  double radius = 0.0;                            // fixed_norm; circle: the first of radii
  std::vector<double> radii;                      // circle: one entry, or one per matched block
  NormGroups per = NormGroups::kBlock;            // fixed_norm
  CircleDrift drift = CircleDrift::kRotation;     // circle
  bool square_only = false;                       // orthogonality
  std::vector<std::vector<double>> matrix;        // linear: A, one row per equation
  std::vector<double> rhs;                        // linear: c (zeros when not given)
  std::vector<std::vector<std::int64_t>> groups;  // weight_tying; empty: elementwise
  bool operator==(const ConstraintConfig& other) const;
};

struct SamplerConfig {
  SamplerType type = SamplerType::kColaUd;
  double step_size = 0.0;    // cola-ud, g-baoab, cola-od, sgld, hmc, ghmc, mala
  double friction = 0.0;     // cola-ud, g-baoab, ghmc
  double temperature = 0.0;  // every type but sgd
  std::string splitting;     // cola-ud, sgd-momentum
  int drift_substeps = 1;    // g-baoab, hmc, ghmc
  int leapfrog_steps = 1;    // hmc
  // hmc, ghmc, mala:
  bool reverse_check = true;
  double reverse_tolerance = 0;
  bool adapt_step_size = false;
  double target_acceptance = 0;
  // cola-ud, g-baoab, cola-od, sgld, hmc, ghmc, mala:
  samplers::TargetMeasure target_measure = samplers::TargetMeasure::kHausdorff;
  double learning_rate = 0;  // sgd, sgd-momentum
  double momentum = 0;       // sgd-momentum
  samplers::FailurePolicy failure_policy = samplers::FailurePolicy::kError;
  int max_halvings = 4;
  SolverOptions solver;
  bool operator==(const SamplerConfig& other) const;
};

// The temperature tau of the target exp(-V/tau) (0 for sgd: an optimiser).
double target_temperature(const SamplerConfig& sampler);

struct RunConfig {
  std::uint64_t chains = 0;
  std::uint64_t steps = 0;   // per chain, after the warm-up (unless epochs > 0)
  std::uint64_t epochs = 0;  // networks: steps = epochs x batches per epoch
  std::uint64_t warmup = 0;  // steps per chain before the first draw
  std::uint64_t thin = 1;
  std::uint64_t stats_thin = 1;
  std::uint64_t seed = 0;
  int threads = 0;                     // 0: all cores
  std::uint64_t checkpoint_every = 0;  // 0: only at the end
  InitKind init = InitKind::kRandom;
  double init_scale = 1.0;
  bool operator==(const RunConfig& other) const;
};

struct OutputConfig {
  bool enabled = true;
  std::string path;
  std::vector<std::string> record;  // glob patterns over block names
  Precision precision = Precision::kFloat64;
  std::uint64_t flush_every = 0;  // draws per chunk; 0: automatic
  int compression = 0;            // gzip level 0-9
  bool checkpoint = true;
  bool operator==(const OutputConfig& other) const;
};

struct ExperimentConfig {
  ModelConfig model;
  DataConfig data;
  std::vector<ConstraintConfig> constraints;
  SamplerConfig sampler;
  RunConfig run;
  OutputConfig output;
  bool operator==(const ExperimentConfig& other) const;
  bool operator!=(const ExperimentConfig& other) const { return !(*this == other); }
};

// Parses TOML text; a syntax error is a ConfigError "source:line:column: ...".
toml::table parse_config(std::string_view text, std::string_view source = "<config>");
// Reads and parses a file. A missing or unreadable file is an IoError naming
// the path; a syntax error is a ConfigError with file name, line and column.
toml::table load_config_file(const std::string& path);

// Applies one `--set` assignment "key=value" to a configuration table, e.g.
// "run.chains=8", "sampler.type=\"cola-od\"", "sampler.type=cola-od" (a bare
// word that is not a TOML value is taken as a string), "model.shape=[3,2]",
// "constraints[0].radius=2" (index == number of constraints appends one).
// Missing tables are created. Throws ConfigError for a malformed assignment
// or a key the schema does not know (with the closest valid key); whether the
// key applies to the configured type is checked by resolve().
void apply_override(toml::table& config, std::string_view assignment);

// Validates the whole configuration against the schema and fills in every
// default. Throws ConfigError naming the key. Does not check what needs the
// parameter layout (block patterns, matrix sizes): Experiment does.
ExperimentConfig resolve(const toml::table& config);
// parse_config(text) then resolve().
ExperimentConfig resolve_text(std::string_view text, std::string_view source = "<config>");

// The fully resolved configuration as TOML, with the documentation of every
// key as a comment line above it; resolve(parse_config(to_toml(c))) == c.
std::string to_toml(const ExperimentConfig& config);

}  // namespace cola::apps
