// The configuration layer of the cola command: defaults, every value kind,
// the exact round trip through to_toml, --set overrides, and one error case
// per validation rule (the messages name the key and what would be valid).
#include <cola/apps/config.hpp>
#include <cola/error.hpp>
#include <cola/samplers/hamiltonian.hpp>
#include <cola/samplers/mala.hpp>
#include <cola/samplers/overdamped.hpp>
#include <cola/samplers/step_size_adaptation.hpp>
#include <cola/samplers/underdamped.hpp>

#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using namespace cola;
using namespace cola::apps;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

const std::string kMinimal = "[model]\ntype = \"gaussian\"\nshape = [2]\n";

ExperimentConfig with(const std::string& extra) {
  return resolve_text(kMinimal + extra);
}

ExperimentConfig round_trip(const ExperimentConfig& c) {
  return resolve(parse_config(to_toml(c), "to_toml"));
}

// Every key of every section set to a non-default value.
const char* kFull = R"toml(
[model]
type = "gaussian"
block = "w"
shape = [2, 3]
mass = 2
mean = [0.1, 0.2, 0.30000000000000004, 1e-300, -2.5, 123456789.123456789]
variance = 0.3333333333333333

[[constraints]]
type = "fixed_norm"
blocks = ["w", "v*"]
radius = 2.5
per = "columns"

[[constraints]]
type = "circle"
blocks = "w"
radius = 0.05
drift = "shake"

[[constraints]]
type = "linear"
blocks = "w.slack"
matrix = [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0.5]]
rhs = [0.25, -1]

[[constraints]]
type = "weight_tying"
blocks = "w*"
groups = [[0, 7], [1, 8, 9]]

[[constraints]]
type = "orthogonality"
blocks = "w"

[sampler]
type = "g-baoab"
step_size = 0.3
friction = 2
temperature = 0.5
drift_substeps = 3
failure_policy = "halve"
max_halvings = 6

[sampler.solver]
kind = "newton"
tolerance = 1e-12
increment_tolerance = 1e-9
max_iterations = 20
orthogonality_max_iterations = 15
newton_fallback = false
divergence_factor = 100

[run]
chains = 8
steps = 123
warmup = 7
thin = 3
stats_thin = 2
seed = 9223372036854775807
threads = 2
checkpoint_every = 0
init = "zeros"
init_scale = 0.1

[output]
enabled = false
path = "out dir/run \"1\".h5"
record = ["w", "w.*"]
precision = "float32"
flush_every = 64
compression = 9
checkpoint = false
)toml";

}  // namespace

TEST_CASE("config: a minimal configuration gets every default", "[apps][config]") {
  const ExperimentConfig c = resolve_text(kMinimal);
  CHECK(c.model.type == ModelType::kGaussian);
  CHECK(c.model.block == "x");
  CHECK(c.model.shape == std::vector<Index>{2});
  CHECK(c.model.mass == 1.0);
  CHECK(c.model.mean == std::vector<double>{0.0, 0.0});
  CHECK(c.model.variance == std::vector<double>{1.0, 1.0});
  CHECK(c.constraints.empty());

  const samplers::UnderdampedOptions ud;
  const samplers::CommonOptions common;
  const SolverOptions solver;
  CHECK(c.sampler.type == SamplerType::kColaUd);
  CHECK(c.sampler.step_size == ud.step_size);
  CHECK(c.sampler.friction == ud.friction);
  CHECK(c.sampler.temperature == ud.temperature);
  CHECK(c.sampler.splitting == "BAOAB");
  CHECK(c.sampler.failure_policy == common.failure_policy);
  CHECK(c.sampler.max_halvings == common.max_halvings);
  CHECK(c.sampler.solver.kind == solver.kind);
  CHECK(c.sampler.solver.tolerance == solver.tolerance);
  CHECK(c.sampler.solver.increment_tolerance == solver.increment_tolerance);
  CHECK(c.sampler.solver.max_iterations == solver.max_iterations);
  CHECK(c.sampler.solver.orthogonality_max_iterations == solver.orthogonality_max_iterations);
  CHECK(c.sampler.solver.newton_fallback == solver.newton_fallback);
  CHECK(c.sampler.solver.divergence_factor == solver.divergence_factor);

  CHECK(c.run.chains == 4);
  CHECK(c.run.steps == 10000);
  CHECK(c.run.warmup == 1000);
  CHECK(c.run.thin == 1);
  CHECK(c.run.stats_thin == 1);
  CHECK(c.run.seed == 2026);
  CHECK(c.run.threads == 0);
  CHECK(c.run.checkpoint_every == 10000);
  CHECK(c.run.init == InitKind::kRandom);
  CHECK(c.run.init_scale == 1.0);

  CHECK(c.output.enabled);
  CHECK(c.output.path == "cola-run.h5");
  CHECK(c.output.record == std::vector<std::string>{"*"});
  CHECK(c.output.precision == Precision::kFloat64);
  CHECK(c.output.flush_every == 0);
  CHECK(c.output.compression == 0);
  CHECK(c.output.checkpoint);
}

TEST_CASE("config: defaults depend on the model and constraint and sampler type",
          "[apps][config]") {
  const ExperimentConfig vmf = resolve_text(
      "[model]\ntype = \"von_mises_fisher\"\nshape = [2, 2]\n"
      "[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\n"
      "[[constraints]]\ntype = \"circle\"\nblocks = \"x\"\n"
      "[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\nmatrix = [[1, 1, 1, 1]]\n");
  CHECK(vmf.model.kappa == 1.0);
  CHECK(vmf.model.direction == std::vector<double>{0, 0, 0, 1});
  CHECK(vmf.constraints[0].radius == 1.0);
  CHECK(vmf.constraints[0].per == NormGroups::kBlock);
  CHECK(vmf.constraints[1].radius == 1.0);
  CHECK(vmf.constraints[1].drift == CircleDrift::kRotation);
  CHECK(vmf.constraints[2].rhs == std::vector<double>{0.0});

  CHECK(resolve_text("[model]\ntype = \"double_well\"\nshape = [1]\n").model.barrier == 1.0);
  CHECK(resolve_text("[model]\ntype = \"harmonic\"\nshape = [3]\n").model.stiffness ==
        std::vector<double>{1, 1, 1});

  const samplers::OverdampedOptions od;
  const ExperimentConfig overdamped = with("[sampler]\ntype = \"sgld\"\n");
  CHECK(overdamped.sampler.step_size == od.step_size);
  CHECK(overdamped.sampler.temperature == od.temperature);
  const ExperimentConfig momentum =
      with("[sampler]\ntype = \"sgd-momentum\"\nlearning_rate = 0.1\nmomentum = 0.9\n");
  CHECK(momentum.sampler.splitting == "OBA");
  CHECK(momentum.sampler.temperature == 0.0);
  CHECK(with("[sampler]\ntype = \"g-baoab\"\n").sampler.drift_substeps == 1);
  CHECK(target_temperature(with("[sampler]\ntype = \"sgd\"\nlearning_rate = 0.1\n").sampler) == 0);
}

TEST_CASE("config: every value kind is read", "[apps][config]") {
  const ExperimentConfig c = resolve_text(kFull);
  CHECK(c.model.block == "w");
  CHECK(c.model.shape == std::vector<Index>{2, 3});
  CHECK(c.model.mass == 2.0);  // an integer where a number is expected
  CHECK(c.model.mean[2] == 0.30000000000000004);
  CHECK(c.model.variance == std::vector<double>(6, 0.3333333333333333));
  REQUIRE(c.constraints.size() == 5);
  CHECK(c.constraints[0].blocks == std::vector<std::string>{"w", "v*"});
  CHECK(c.constraints[0].per == NormGroups::kColumns);
  CHECK(c.constraints[1].drift == CircleDrift::kShake);
  CHECK(c.constraints[2].matrix ==
        std::vector<std::vector<double>>{{1, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0.5}});
  CHECK(c.constraints[2].rhs == std::vector<double>{0.25, -1});
  CHECK(c.constraints[3].groups == std::vector<std::vector<std::int64_t>>{{0, 7}, {1, 8, 9}});
  CHECK(c.constraints[4].type == ConstraintType::kOrthogonality);
  CHECK(c.sampler.type == SamplerType::kGBaoab);
  CHECK(c.sampler.drift_substeps == 3);
  CHECK(c.sampler.failure_policy == samplers::FailurePolicy::kHalve);
  CHECK(c.sampler.solver.kind == SolverKind::kNewton);
  CHECK_FALSE(c.sampler.solver.newton_fallback);
  CHECK(c.run.seed == 9223372036854775807ULL);
  CHECK(c.run.init == InitKind::kZeros);
  CHECK_FALSE(c.output.enabled);
  CHECK(c.output.path == "out dir/run \"1\".h5");
  CHECK(c.output.record == std::vector<std::string>{"w", "w.*"});
  CHECK(c.output.precision == Precision::kFloat32);
}

TEST_CASE("config: to_toml round-trips exactly including floats", "[apps][config]") {
  std::vector<std::string> texts = {kFull, kMinimal};
  for (const char* sampler :
       {"type = \"cola-ud\"\nsplitting = \"OBABO\"", "type = \"cola-od\"\nstep_size = 0.1",
        "type = \"sgld\"\ntemperature = 0", "type = \"sgd\"\nlearning_rate = 1e-3",
        "type = \"sgd-momentum\"\nlearning_rate = 0.01\nmomentum = 0.9\ntemperature = 1e-4",
        "type = \"hmc\"\nstep_size = 0.30000000000000004\nleapfrog_steps = 7\ndrift_substeps = 2\n"
        "reverse_tolerance = 3.3e-9\nadapt_step_size = true\ntarget_acceptance = 0.7",
        "type = \"ghmc\"\nfriction = 0.1\nreverse_check = false\ntemperature = 0.5",
        "type = \"mala\"\ntarget_acceptance = 0.574",
        "type = \"cola-od\"\ntarget_measure = \"ambient\""})
    texts.push_back(kMinimal + "[sampler]\n" + sampler + "\n");
  texts.push_back(
      "[model]\ntype = \"von_mises_fisher\"\nshape = [3]\nkappa = 0.1\ndirection = [1, 2, "
      "0.1]\n[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\n");
  texts.push_back("[model]\ntype = \"harmonic\"\nshape = [3]\nstiffness = [1, 2, 3]\n");
  texts.push_back("[model]\ntype = \"double_well\"\nshape = [4]\nbarrier = 5e-324\n");
  texts.push_back(kMinimal + "[[constraints]]\ntype = \"weight_tying\"\nblocks = [\"x\"]\n" +
                  "groups = [[0, 1]]\n[output]\nrecord = \"x\"\n");
  for (const auto& text : texts) {
    INFO(text);
    const ExperimentConfig c = resolve_text(text);
    const std::string printed = to_toml(c);
    INFO(printed);
    CHECK(round_trip(c) == c);
    CHECK(to_toml(round_trip(c)) == printed);
  }
}

TEST_CASE("config: to_toml documents every key with a comment line", "[apps][config]") {
  const std::string printed = to_toml(resolve_text(kFull));
  CHECK_THAT(printed, Contains("# Step size h.\nstep_size = 0.3\n"));
  CHECK_THAT(printed, Contains("[sampler.solver]\n# Generic SHAKE solver"));
  CHECK_THAT(printed, Contains("variance = 0.3333333333333333\n"));
  CHECK_THAT(printed, Contains("mean = [0.1, 0.2, 0.30000000000000004, 1e-300, -2.5,"));
  std::istringstream lines(printed);
  std::string line, previous;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != '#' && line[0] != '[') {
      INFO(line);
      CHECK(previous.rfind("# ", 0) == 0);
    }
    previous = line;
  }
}

TEST_CASE("config: unknown keys are rejected with the closest valid key", "[apps][config]") {
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"von_mises_fisher\"\nshape = [3]\nkapa = 2\n"),
                    Equals("unknown key model.kapa; did you mean model.kappa? Valid keys of "
                           "[model] (type = \"von_mises_fisher\"): type, block, shape, mass, "
                           "kappa, direction"));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"circle\"\nblocks = \"x\"\n"
                         "[[constraints]]\ntype = \"circle\"\nblocks = \"x\"\nradios = 1\n"),
                    Contains("unknown key constraints[1].radios; did you mean "
                             "constraints[1].radius?"));
  CHECK_THROWS_WITH(with("[sampler.solver]\ntolerence = 1e-9\n"),
                    Contains("did you mean sampler.solver.tolerance?"));
  CHECK_THROWS_WITH(with("[run]\nzzzzzz = 1\n"),
                    Contains("unknown key run.zzzzzz; valid keys of [run]: chains, steps"));
  CHECK_THROWS_WITH(resolve_text(kMinimal + "[modle]\n"),
                    Contains("unknown top-level key modle; did you mean model?"));
  CHECK_THROWS_WITH(resolve_text("seed = 3\n" + kMinimal),
                    Contains("unknown top-level key seed; did you mean run.seed?"));
}

TEST_CASE("config: keys of another type are rejected", "[apps][config]") {
  CHECK_THROWS_WITH(resolve_text(kMinimal + "kappa = 2\n"),
                    Equals("model.kappa is not a key of model.type = \"gaussian\"; valid keys: "
                           "type, block, shape, mass, mean, variance"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"cola-od\"\nfriction = 1\n"),
                    Contains("sampler.friction is not a key of sampler.type = \"cola-od\""));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"sgd\"\nlearning_rate = 1\ntemperature = 1\n"),
                    Contains("sampler.temperature is not a key of sampler.type = \"sgd\""));
  CHECK_THROWS_WITH(with("[sampler]\nlearning_rate = 0.1\n"),
                    Contains("sampler.learning_rate is not a key of sampler.type = \"cola-ud\""));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"orthogonality\"\nblocks = \"x\"\nradius = 1\n"),
                    Equals("constraints[0].radius is not a key of constraints[0].type = "
                           "\"orthogonality\"; valid keys: type, blocks, exclude, square_only"));
}

TEST_CASE("config: values of the wrong type are rejected", "[apps][config]") {
  CHECK_THROWS_WITH(with("[sampler]\nstep_size = \"0.1\"\n"),
                    Equals("sampler.step_size: expected a number, got the string \"0.1\""));
  CHECK_THROWS_WITH(with("[run]\nchains = 4.5\n"),
                    Equals("run.chains: expected an integer, got the float 4.5"));
  CHECK_THROWS_WITH(with("[run]\nchains = 4.0\n"), Contains("expected an integer"));
  CHECK_THROWS_WITH(with("[output]\nenabled = 1\n"),
                    Contains("output.enabled: expected a boolean, got the integer 1"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"gaussian\"\nshape = 2\n"),
                    Contains("model.shape: expected an array of integers, got the integer 2"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"gaussian\"\nshape = [2.0]\n"),
                    Contains("model.shape[0]: expected an integer, got the float 2"));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"fixed_norm\"\nblocks = [\"x\", 1]\n"),
                    Contains("constraints[0].blocks[1]: expected a string, got the integer 1"));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\n"
                         "matrix = [[1, 0], [1]]\n"),
                    Contains("constraints[0].matrix[1] has 1 entries but constraints[0].matrix[0] "
                             "has 2"));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\nmatrix = [1, 0]\n"),
                    Contains("constraints[0].matrix[0]: expected an array of numbers"));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"weight_tying\"\nblocks = \"x\"\n"
                         "groups = [[0, 1], [1]]\n"),
                    Contains("constraints[0].groups[1]: a group needs at least 2 entries"));
  CHECK_THROWS_WITH(resolve_text("sampler = 3\n" + kMinimal),
                    Contains("sampler: expected a table"));
  CHECK_THROWS_WITH(resolve_text("constraints = 3\n" + kMinimal),
                    Contains("constraints: expected an array of tables"));
  CHECK_THROWS_WITH(with("[sampler]\nsolver = 1\n"), Contains("sampler.solver: expected a table"));
  // Integers where numbers are expected are fine.
  CHECK(with("[sampler]\nstep_size = 1\n").sampler.step_size == 1.0);
}

TEST_CASE("config: values out of range are rejected", "[apps][config]") {
  CHECK_THROWS_WITH(with("[sampler]\nstep_size = -0.1\n"),
                    Equals("sampler.step_size = -0.1 is out of range: must be > 0"));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"circle\"\nblocks = \"x\"\n"
                         "[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\nradius = 0\n"),
                    Equals("constraints[1].radius = 0 is out of range: must be > 0"));
  CHECK_THROWS_WITH(with("[output]\ncompression = 10\n"),
                    Contains("output.compression = 10 is out of range: must be [0, 9]"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"sgd-momentum\"\nlearning_rate = 0.1\nmomentum = 1\n"),
                    Contains("sampler.momentum = 1 is out of range: must be [0, 1)"));
  CHECK_THROWS_WITH(resolve_text(kMinimal + "variance = [1, -1]\n"),
                    Contains("model.variance[1] = -1 is out of range: must be > 0"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"gaussian\"\nshape = [2, 0]\n"),
                    Contains("model.shape[1] = 0 is out of range: must be >= 1"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"gaussian\"\nshape = [1, 2, 3]\n"),
                    Contains("model.shape: expected 1 to 2 entries, got 3"));
  CHECK_THROWS_WITH(with("[run]\nseed = -1\n"), Contains("run.seed = -1 is out of range"));
  CHECK_THROWS_WITH(with("[sampler]\nstep_size = nan\n"),
                    Contains("sampler.step_size = nan is not finite"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"cola_ud\"\n"),
                    Contains("sampler.type = \"cola_ud\" is not valid; did you mean \"cola-ud\"? "
                             "Valid: \"cola-ud\", \"g-baoab\""));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\nper = \"row\"\n"),
                    Contains("constraints[0].per = \"row\" is not valid; did you mean \"rows\"?"));
  CHECK_THROWS_WITH(with("[sampler]\nsplitting = \"BAXAB\"\n"),
                    Contains("sampler.splitting = \"BAXAB\": "));
}

TEST_CASE("config: inconsistent and missing values are rejected", "[apps][config]") {
  CHECK_THROWS_WITH(resolve_text("[run]\nchains = 1\n"), Contains("no [model] section"));
  CHECK_THROWS_WITH(resolve_text("[model]\nshape = [2]\n"),
                    Contains("model.type is required; valid: \"von_mises_fisher\""));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"gaussian\"\n"),
                    Contains("model.shape is required for model.type = \"gaussian\""));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"sgd\"\n"),
                    Contains("sampler.learning_rate is required for sampler.type = \"sgd\""));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"circle\"\n"),
                    Contains("constraints[0].blocks is required"));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\n"),
                    Contains("constraints[0].matrix is required"));
  CHECK_THROWS_WITH(with("[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\n"
                         "matrix = [[1, 0]]\nrhs = [1, 2]\n"),
                    Contains("constraints[0].rhs has 2 entries but constraints[0].matrix has 1 "
                             "rows"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"von_mises_fisher\"\nshape = [3]\n"
                                 "direction = [1, 0]\n"),
                    Contains("model.direction has 2 entries but the block has 3 parameters"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"von_mises_fisher\"\nshape = [2]\n"
                                 "direction = [0, 0]\n"),
                    Contains("model.direction must not be zero"));
  CHECK_THROWS_WITH(resolve_text(kMinimal + "mean = [1, 2, 3]\n"),
                    Contains("model.mean has 3 entries but the block has 2 parameters"));
  CHECK_THROWS_WITH(with("[data]\npath = \"mnist\"\n"),
                    Contains("data.path is not a key of data.type = \"none\""));
  CHECK_THROWS_WITH(with("[data]\ntype = \"spiral\"\n"),
                    Contains("data.type = \"spiral\" needs model.type = \"mlp\""));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"mlp\"\n"),
                    Contains("data.type is required for model.type = \"mlp\""));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"mlp\"\n[data]\ntype = \"spiral\"\n"
                                 "[run]\nsteps = 10\nepochs = 2\n"),
                    Contains("run.steps"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"mlp\"\n[data]\ntype = \"csv\"\n"
                                 "path = \"d.csv\"\n"),
                    Contains("give exactly one of data.label"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"mlp\"\n[data]\ntype = \"spiral\"\n"
                                 "batch_size = 10\nbatch_fraction = 0.1\n"),
                    Contains("not both"));
  CHECK_THROWS_WITH(resolve_text(kMinimal + "[run]\nepochs = 3\n"),
                    Contains("run.epochs needs a network model"));
  CHECK_NOTHROW(with("[data]\n"));
  CHECK_THROWS_WITH(with("[output]\npath = \"\"\n"), Contains("output.path must not be empty"));
  CHECK_THROWS_WITH(resolve_text("[model]\ntype = \"gaussian\"\nshape = [1]\nblock = \"\"\n"),
                    Contains("model.block must not be empty"));
}

TEST_CASE("config: overrides set every value kind", "[apps][config]") {
  toml::table t =
      parse_config(kMinimal + "[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\n");
  apply_override(t, "run.chains=8");
  apply_override(t, "sampler.step_size = 0.05");
  apply_override(t, "output.enabled=false");
  apply_override(t, "model.shape=[3,2]");
  apply_override(t, "model.mean=0.5");
  apply_override(t, "sampler.solver.tolerance=1e-12");
  apply_override(t, "constraints[0].radius=2");
  apply_override(t, "constraints[1].type=circle");  // appends a constraint
  apply_override(t, "constraints[1].blocks=[\"x\"]");
  apply_override(t, "output.path=\"a b.h5\"");
  apply_override(t, "output.record=x*");
  const ExperimentConfig c = resolve(t);
  CHECK(c.run.chains == 8);
  CHECK(c.sampler.step_size == 0.05);
  CHECK_FALSE(c.output.enabled);
  CHECK(c.model.shape == std::vector<Index>{3, 2});
  CHECK(c.model.mean == std::vector<double>(6, 0.5));
  CHECK(c.sampler.solver.tolerance == 1e-12);
  REQUIRE(c.constraints.size() == 2);
  CHECK(c.constraints[0].radius == 2.0);
  CHECK(c.constraints[1].type == ConstraintType::kCircle);
  CHECK(c.output.path == "a b.h5");
  CHECK(c.output.record == std::vector<std::string>{"x*"});

  for (const char* type : {"sampler.type=\"cola-od\"", "sampler.type=cola-od"}) {
    toml::table u = parse_config(kMinimal);
    apply_override(u, type);
    CHECK(resolve(u).sampler.type == SamplerType::kColaOd);
  }
}

TEST_CASE("config: overrides of unknown keys and malformed overrides are rejected",
          "[apps][config]") {
  toml::table t = parse_config(kMinimal);
  CHECK_THROWS_WITH(apply_override(t, "run.chians=8"),
                    Contains("unknown key run.chians; did you mean run.chains?"));
  CHECK_THROWS_WITH(apply_override(t, "model.kapa=1"),
                    Contains("unknown key model.kapa; did you mean model.kappa?"));
  CHECK_THROWS_WITH(apply_override(t, "sampler.solver.tolerence=1"),
                    Contains("did you mean sampler.solver.tolerance?"));
  CHECK_THROWS_WITH(apply_override(t, "modl.type=gaussian"),
                    Contains("unknown top-level key modl; did you mean model?"));
  CHECK_THROWS_WITH(apply_override(t, "constraints[3].radius=1"),
                    Contains("the configuration has 0 constraints"));
  CHECK_THROWS_WITH(apply_override(t, "constraints.radius=1"),
                    Contains("write constraints[<index>].<key>"));
  CHECK_THROWS_WITH(apply_override(t, "run[0].chains=1"), Contains("run is a table"));
  CHECK_THROWS_WITH(apply_override(t, "run=3"), Contains("run is a section"));
  CHECK_THROWS_WITH(apply_override(t, "sampler.solver=3"), Contains("sampler.solver is a"));
  CHECK_THROWS_WITH(apply_override(t, "run.chains"), Contains("expected key=value"));
  CHECK_THROWS_WITH(apply_override(t, "model.shape=[1,2"), Contains("not valid TOML"));
  // A key of another data type passes --set and is rejected by resolve().
  apply_override(t, "data.path=x");
  CHECK_THROWS_WITH(resolve(t), Contains("data.path is not a key of data.type = \"none\""));
  t.as_table()->erase("data");
  // A key of another type passes --set and is rejected by resolve().
  apply_override(t, "model.kappa=2");
  CHECK_THROWS_WITH(resolve(t), Contains("model.kappa is not a key of model.type = \"gaussian\""));
}

TEST_CASE("config: TOML syntax errors name the source and line and column", "[apps][config]") {
  CHECK_THROWS_AS(parse_config("[model]\ntype = \"gaussian\"\nshape = = [2]\n", "exp.toml"),
                  ConfigError);
  CHECK_THROWS_WITH(parse_config("[model]\ntype = \"gaussian\"\nshape = = [2]\n", "exp.toml"),
                    Contains("exp.toml:3:") && Contains("TOML syntax error"));
  CHECK_THROWS_WITH(parse_config("[model]\n[model]\n"), Contains("<config>:2:"));
}

TEST_CASE("config: configuration files are loaded and missing ones are IoErrors",
          "[apps][config]") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("cola_config_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string good = (dir / "good.toml").string();
  const std::string bad = (dir / "bad.toml").string();
  std::ofstream(good) << kMinimal;
  std::ofstream(bad) << kMinimal << "shape = [\n";
  CHECK(resolve(load_config_file(good)) == resolve_text(kMinimal));
  CHECK_THROWS_WITH(load_config_file(bad), Contains(bad + ":"));
  const std::string missing = (dir / "missing.toml").string();
  CHECK_THROWS_AS(load_config_file(missing), IoError);
  CHECK_THROWS_WITH(load_config_file(missing), Contains(missing));
  CHECK_THROWS_AS(load_config_file(dir.string()), IoError);
  fs::remove_all(dir);
}

TEST_CASE("config: the exact samplers have their keys and defaults", "[apps][config]") {
  const samplers::HamiltonianOptions h;
  const samplers::MalaOptions m;
  const samplers::StepSizeAdaptationOptions a;
  const ExperimentConfig hmc = with("[sampler]\ntype = \"hmc\"\n");
  CHECK(hmc.sampler.type == SamplerType::kHmc);
  CHECK(is_exact(hmc.sampler.type));
  CHECK_FALSE(is_underdamped(hmc.sampler.type));
  CHECK(hmc.sampler.step_size == h.step_size);
  CHECK(hmc.sampler.leapfrog_steps == 10);
  CHECK(hmc.sampler.drift_substeps == h.drift_substeps);
  CHECK(hmc.sampler.temperature == h.temperature);
  CHECK(hmc.sampler.reverse_check == h.reverse.enabled);
  CHECK(hmc.sampler.reverse_tolerance == h.reverse.tolerance);
  CHECK(hmc.sampler.adapt_step_size == a.enabled);
  CHECK(hmc.sampler.target_acceptance == 0.65);
  CHECK(hmc.sampler.friction == 0);  // not a key of hmc: keeps its initial value

  const ExperimentConfig ghmc = with("[sampler]\ntype = \"ghmc\"\nstep_size = 0.4\n");
  CHECK(ghmc.sampler.friction == samplers::UnderdampedOptions().friction);
  CHECK(ghmc.sampler.step_size == 0.4);
  CHECK(ghmc.sampler.target_acceptance == a.target_acceptance);
  CHECK(ghmc.sampler.leapfrog_steps == 1);

  const ExperimentConfig mala =
      with("[sampler]\ntype = \"mala\"\nadapt_step_size = true\n[run]\nwarmup = 10\n");
  CHECK(mala.sampler.step_size == m.step_size);
  CHECK(mala.sampler.target_acceptance == a.target_acceptance);
  CHECK(mala.sampler.adapt_step_size);
  CHECK(is_exact(mala.sampler.type));
  CHECK(round_trip(mala) == mala);
  CHECK_THAT(to_toml(mala), Contains("reverse_tolerance = 1e-08"));

  // reverse_check = false lifts the bound on the tolerance it would use.
  CHECK_NOTHROW(
      with("[sampler]\ntype = \"ghmc\"\nreverse_check = false\n"
           "reverse_tolerance = 1e-12\n"));
  // Exactly 10x the solver tolerance is enough.
  CHECK_NOTHROW(
      with("[sampler]\ntype = \"ghmc\"\nreverse_tolerance = 1e-9\n"
           "[sampler.solver]\ntolerance = 1e-10\n"));
}

TEST_CASE("config: bad values of the exact samplers are refused naming the key",
          "[apps][config][errors]") {
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"ghmc\"\nreverse_tolerance = 1e-11\n"),
                    Equals("sampler.reverse_tolerance = 1e-11 is out of range: must be >= 1e-10 "
                           "(10x sampler.solver.tolerance = 1e-11: the reverse move is solved to "
                           "that tolerance too)"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"mala\"\n[sampler.solver]\ntolerance = 1e-8\n"),
                    Contains("sampler.reverse_tolerance = 1e-08 is out of range: must be >= "
                             "1e-07"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"hmc\"\nreverse_tolerance = 0\n"),
                    Equals("sampler.reverse_tolerance = 0 is out of range: must be > 0"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"hmc\"\ntemperature = 0\n"),
                    Equals("sampler.temperature = 0 is out of range: must be > 0"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"hmc\"\nleapfrog_steps = 0\n"),
                    Contains("sampler.leapfrog_steps = 0 is out of range: must be [1, 10000]"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"ghmc\"\ndrift_substeps = 0\n"),
                    Contains("sampler.drift_substeps = 0 is out of range"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"ghmc\"\nfriction = 0\n"),
                    Contains("sampler.friction = 0 is out of range: must be > 0"));
  for (const char* value : {"0", "1", "1.5"})
    CHECK_THROWS_WITH(
        with(std::string("[sampler]\ntype = \"mala\"\ntarget_acceptance = ") + value + "\n"),
        Contains("sampler.target_acceptance = " + std::string(value) +
                 " is out of range: must be (0, 1)"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"ghmc\"\nreverse_check = 1\n"),
                    Contains("sampler.reverse_check: expected a boolean"));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"hmc\"\nadapt_step_size = true\n[run]\nwarmup = 0\n"),
                    Equals("sampler.adapt_step_size = true needs run.warmup >= 1 (the step size "
                           "is adapted during the warm-up only)"));
  // Keys of another sampler type.
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"ghmc\"\nleapfrog_steps = 3\n"),
                    Contains("sampler.leapfrog_steps is not a key of sampler.type = \"ghmc\""));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"hmc\"\nfriction = 1\n"),
                    Contains("sampler.friction is not a key of sampler.type = \"hmc\""));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"mala\"\ndrift_substeps = 2\n"),
                    Contains("sampler.drift_substeps is not a key of sampler.type = \"mala\""));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"cola-ud\"\nreverse_check = false\n"),
                    Contains("sampler.reverse_check is not a key of sampler.type = \"cola-ud\""));
  CHECK_THROWS_WITH(with("[sampler]\ntype = \"g-baoab\"\nadapt_step_size = true\n"),
                    Contains("sampler.adapt_step_size is not a key of sampler.type = \"g-baoab\""));
}
