// The factory from a configuration to library objects: layout (with the
// blocks constraints create), samplers per chain, deterministic initial
// states on the manifold, exact references, and the checks that refuse a bad
// configuration before anything runs.
#include <cola/apps/config.hpp>
#include <cola/apps/experiment.hpp>
#include <cola/circle_constraint.hpp>
#include <cola/error.hpp>
#include <cola/fixman_term.hpp>
#include <cola/models/linear_tilt.hpp>
#include <cola/samplers/named_samplers.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace cola;
using namespace cola::apps;
using Catch::Matchers::Contains;

namespace {

ExperimentConfig config(const std::string& text) {
  return resolve_text(text);
}

const std::string kCircle =
    "[model]\ntype = \"gaussian\"\nshape = [3]\nmean = 0.5\n"
    "[[constraints]]\ntype = \"circle\"\nblocks = \"x\"\nradius = 0.8\n";

const std::string kSphere =
    "[model]\ntype = \"von_mises_fisher\"\nshape = [3]\nkappa = 2\n"
    "[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\n";

// Configurations covering every constraint type.
std::vector<std::string> constrained_configs() {
  return {
      kSphere,
      kCircle,
      "[model]\ntype = \"gaussian\"\nblock = \"W\"\nshape = [5, 3]\n"
      "[[constraints]]\ntype = \"orthogonality\"\nblocks = \"W\"\n",
      "[model]\ntype = \"harmonic\"\nshape = [4]\n"
      "[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\nmatrix = [[1, 1, 0, 0], [0, 0, 1, -1]]\n"
      "rhs = [1, 0.5]\n",
      "[model]\ntype = \"double_well\"\nshape = [2, 2]\n"
      "[[constraints]]\ntype = \"weight_tying\"\nblocks = \"x\"\ngroups = [[0, 3], [1, 2]]\n",
      "[model]\ntype = \"von_mises_fisher\"\nshape = [2, 3]\n"
      "[[constraints]]\ntype = \"fixed_norm\"\nblocks = \"x\"\nradius = 2\nper = \"columns\"\n",
  };
}

}  // namespace

TEST_CASE("experiment: the layout holds the model block and the blocks constraints create",
          "[apps][experiment]") {
  const Experiment e(config(kCircle + "[output]\nrecord = \"x.slack\"\n"));
  REQUIRE(e.layout().num_blocks() == 2);
  CHECK(e.layout().block(0).name == "x");
  CHECK(e.layout().block(1).name == "x.slack");
  CHECK(e.model_block() == 0);
  CHECK(e.recorded_blocks() == std::vector<Index>{1});
  CHECK(e.constraints().bound());
  CHECK(e.constraints().num_constraints() == 3);

  // The potential sees only the model block: zero gradient on the slack.
  Vector q = Vector::Constant(6, 0.1), grad;
  const double v = e.potential().value_and_gradient(q, grad, PotentialContext{});
  CHECK(v == Approx(3 * 0.5 * 0.4 * 0.4));
  CHECK(grad.head(3).isApprox(Vector::Constant(3, 0.1 - 0.5)));
  CHECK(grad.tail(3).isZero(0));
}

TEST_CASE("experiment: glob patterns select blocks in pattern order", "[apps][experiment]") {
  const Experiment e(
      config("[model]\ntype = \"gaussian\"\nblock = \"layer0.weight\"\nshape = [2]\n"
             "[[constraints]]\ntype = \"circle\"\nblocks = \"layer?.weight\"\n"
             "[[constraints]]\ntype = \"weight_tying\"\nblocks = [\"*.slack\", \"layer*\"]\n"
             "[output]\nrecord = [\"*.weight\", \"layer0.*\"]\n"));
  CHECK(e.layout().block(1).name == "layer0.weight.slack");
  CHECK(e.recorded_blocks() == std::vector<Index>{0, 1});
  // Elementwise tying of slack and weight: blocks in pattern order.
  const auto& tying = e.constraints().constraints().back();
  CHECK(tying->block_names() == std::vector<std::string>{"layer0.weight.slack", "layer0.weight"});
}

TEST_CASE("experiment: initial states are on the manifold and deterministic per seed and chain",
          "[apps][experiment]") {
  for (const auto& text : constrained_configs()) {
    INFO(text);
    const Experiment a(config(text));
    const Experiment b(config(text));
    const Experiment other_seed(config(text + "[run]\nseed = 7\n"));
    const double tol = a.config().sampler.solver.tolerance;
    for (std::uint64_t chain = 0; chain < 3; ++chain) {
      const State s = a.initial_state(chain);
      CHECK(s.q.size() == a.layout().size());
      CHECK(s.p.size() == 0);
      CHECK(s.step == 0);
      CHECK(a.constraints().residual(s.q) <= tol);
      CHECK(s.q == b.initial_state(chain).q);
      CHECK(s.q != a.initial_state(chain + 1).q);
      CHECK(s.q != other_seed.initial_state(chain).q);
    }
    // The first steps of a chain run from its initial state.
    auto sampler = a.make_sampler(1);
    State s = a.initial_state(1);
    sampler->run(s, 20);
    CHECK(a.constraints().residual(s.q) <= 10 * tol);
  }
}

TEST_CASE("experiment: random starts have the configured scale and zeros start at the origin",
          "[apps][experiment]") {
  // The root mean square of 4000 draws of N(0, 9) is 3 with a relative standard
  // error of 1 / sqrt(2 * 4000) = 1.1%: 5 standard errors is 5.6%.
  const Experiment wide(
      config("[model]\ntype = \"harmonic\"\nshape = [4000]\n"
             "[run]\ninit_scale = 3\n"));
  const Vector q = wide.initial_state(0).q;
  CHECK(std::sqrt(q.squaredNorm() / 4000) == Approx(3).epsilon(0.06));
  const Experiment zeros(
      config("[model]\ntype = \"gaussian\"\nshape = [3]\n"
             "[run]\ninit = \"zeros\"\n"));
  CHECK(zeros.initial_state(2).q.isZero(0));
  const Experiment linear(config(constrained_configs()[3] + "[run]\ninit = \"zeros\"\n"));
  CHECK(linear.constraints().residual(linear.initial_state(0).q) <= 1e-11);
}

TEST_CASE("experiment: samplers follow the sampler section and the seed and the chain",
          "[apps][experiment]") {
  const std::string model = "[model]\ntype = \"harmonic\"\nshape = [2]\n[run]\nseed = 11\n";
  struct Case {
    std::string sampler;
    std::string name;
  };
  const std::vector<Case> cases = {
      {"type = \"cola-ud\"\nsplitting = \"ABOBA\"", "CoLA-ud(ABOBA)"},
      {"type = \"g-baoab\"\ndrift_substeps = 2", "CoLA-ud(BAAOAAB)"},
      {"type = \"sgd-momentum\"\nlearning_rate = 0.1\nmomentum = 0.9", "CoLA-ud(OBA)"},
      {"type = \"cola-od\"", "CoLA-od"},
      {"type = \"sgld\"", "CoLA-od"},
      {"type = \"sgd\"\nlearning_rate = 0.1", "CoLA-od"},
      {"type = \"hmc\"\nleapfrog_steps = 3", "HMC(L=3)"},
      {"type = \"ghmc\"\nfriction = 2", "GHMC"},
      {"type = \"mala\"", "MALA"},
  };
  for (const auto& c : cases) {
    INFO(c.sampler);
    const Experiment e(config(model + "[sampler]\n" + c.sampler +
                              "\nfailure_policy = \"reject\"\nmax_halvings = 3\n"));
    const auto sampler = e.make_sampler(5);
    CHECK(sampler->name() == c.name);
    CHECK(sampler->options().seed == 11);
    CHECK(sampler->options().chain == 5);
    CHECK(sampler->options().failure_policy == samplers::FailurePolicy::kReject);
    CHECK(sampler->options().max_halvings == 3);
    // Two samplers of one chain give the same trajectory.
    State a = e.initial_state(5), b = e.initial_state(5);
    sampler->run(a, 10);
    e.make_sampler(5)->run(b, 10);
    CHECK(a.q == b.q);
  }
  const SamplerConfig momentum =
      config(model + "[sampler]\ntype = \"sgd-momentum\"\nlearning_rate = 0.1\nmomentum = 0.9\n")
          .sampler;
  const samplers::UnderdampedOptions named = samplers::sgd_momentum(0.1, 0.9);
  const samplers::UnderdampedOptions built = underdamped_options(momentum);
  CHECK(built.parametrisation == named.parametrisation);
  CHECK(built.learning_rate == named.learning_rate);
  CHECK(built.momentum == named.momentum);
  CHECK(built.temperature == named.temperature);
  CHECK_THROWS_AS(overdamped_options(momentum), std::logic_error);
}

TEST_CASE("experiment: run options come from the run and output sections", "[apps][experiment]") {
  const Experiment e(config(kCircle + "[run]\nchains = 3\nsteps = 100\nwarmup = 20\nthin = 5\n"
                                      "stats_thin = 2\nthreads = 1\ncheckpoint_every = 50\n"
                                      "[output]\nrecord = \"x\"\n"));
  const samplers::RunOptions o = e.run_options();
  CHECK(o.chains == 3);
  CHECK(o.first_chain == 0);
  CHECK(o.total_steps == 120);
  CHECK(o.thinning.warmup == 20);
  CHECK(o.thinning.thin == 5);
  CHECK(o.thinning.stats_thin == 2);
  CHECK(o.checkpoint_every == 50);
  CHECK(o.threads == 1);
  CHECK(o.recorded_blocks == std::vector<Index>{0});
}

TEST_CASE("experiment: references are exact for the configured target", "[apps][experiment]") {
  SECTION("von Mises-Fisher on a sphere of radius r at temperature tau") {
    const Experiment e(config(kSphere + "radius = 2\n[sampler]\ntemperature = 0.5\n"));
    REQUIRE(e.references().size() == 2);
    const double k = 2 * 2 / 0.5;
    const double a = models::LinearTilt::vmf_mean_cosine(3, k);
    CHECK(e.references()[0].exact == Approx(2 * a).epsilon(1e-14));
    CHECK(e.references()[1].exact == Approx(4 * (1 - 2 * a / k)).epsilon(1e-14));
    const Vector q = (Vector(3) << 0.3, -1.2, 0.7).finished();
    CHECK(e.references()[0].f(q) == 0.7);
    CHECK(e.references()[1].f(q) == Approx(0.49));
  }
  SECTION("von Mises-Fisher on a product of spheres (per column)") {
    const Experiment e(config(constrained_configs()[5]));
    // direction = e_6: only the last column is tilted, on a circle of radius 2.
    REQUIRE(e.references().size() == 1);
    CHECK(e.references()[0].exact ==
          Approx(2 * models::LinearTilt::vmf_mean_cosine(2, 2.0)).epsilon(1e-14));
  }
  SECTION("unconstrained Gaussian, harmonic and double well") {
    const Experiment g(
        config("[model]\ntype = \"gaussian\"\nshape = [2]\nmean = [1, -2]\n"
               "variance = [0.5, 3]\n[sampler]\ntemperature = 2\n"));
    REQUIRE(g.references().size() == 4);
    CHECK(g.references()[0].name == "E[x[0]]");
    CHECK(g.references()[0].exact == 1);
    CHECK(g.references()[1].exact == 2 * 0.5);
    CHECK(g.references()[2].exact == -2);
    CHECK(g.references()[3].exact == 2 * 3);
    CHECK(g.references()[3].f(Vector::Constant(2, 1.0)) == 9);

    const Experiment h(
        config("[model]\ntype = \"harmonic\"\nshape = [2, 2]\n"
               "stiffness = [1, 2, 4, 8]\n"));
    REQUIRE(h.references().size() == 4);
    CHECK(h.references()[3].name == "E[x[1,1]^2]");
    CHECK(h.references()[3].exact == 1.0 / 8);

    const Experiment d(config("[model]\ntype = \"double_well\"\nshape = [20]\n"));
    CHECK(d.references().size() == 8);  // the first coordinates only
    CHECK(d.references()[7].exact == 0);
  }
  SECTION("no reference where the law is not known exactly") {
    CHECK(Experiment(config(kCircle)).references().empty());
    CHECK(Experiment(config(constrained_configs()[2])).references().empty());
    CHECK(Experiment(config(kSphere + "[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\n"
                                      "matrix = [[1, 0, 0]]\n"))
              .references()
              .empty());
    CHECK(Experiment(config(kSphere + "[sampler]\ntemperature = 0\n")).references().empty());
    CHECK(Experiment(config("[model]\ntype = \"harmonic\"\nshape = [2]\n"
                            "[sampler]\ntype = \"sgd\"\nlearning_rate = 0.1\n"))
              .references()
              .empty());
  }
}

TEST_CASE("experiment: bad configurations are refused before anything runs", "[apps][experiment]") {
  CHECK_THROWS_WITH(Experiment(config(kCircle + "[[constraints]]\ntype = \"fixed_norm\"\n"
                                                "blocks = \"y*\"\n")),
                    Contains("constraints[1].blocks: pattern \"y*\" matches no parameter block; "
                             "blocks: x, x.slack"));
  CHECK_THROWS_WITH(Experiment(config(kCircle + "[output]\nrecord = [\"x\", \"w\"]\n")),
                    Contains("output.record: pattern \"w\" matches no parameter block; blocks: "
                             "x, x.slack"));
  CHECK_THROWS_WITH(Experiment(config("[model]\ntype = \"gaussian\"\nshape = [3]\n"
                                      "[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\n"
                                      "matrix = [[1, 0]]\n")),
                    Contains("constraints[0].matrix has 2 columns but the blocks x have 3 "
                             "parameters"));
  CHECK_THROWS_WITH(Experiment(config("[model]\ntype = \"gaussian\"\nshape = [2]\n"
                                      "[[constraints]]\ntype = \"linear\"\nblocks = \"x\"\n"
                                      "matrix = [[1, 1], [2, 2]]\n")),
                    Contains("constraints[0]"));
  CHECK_THROWS_WITH(Experiment(config("[model]\ntype = \"gaussian\"\nshape = [3]\n"
                                      "[[constraints]]\ntype = \"weight_tying\"\nblocks = \"x\"\n"
                                      "groups = [[0, 3]]\n")),
                    Contains("constraints[0].groups[0][1] = 3 is out of range: the blocks x have "
                             "3 parameters"));
  CHECK_THROWS_WITH(
      Experiment(config("[model]\ntype = \"gaussian\"\nshape = [3]\n"
                        "[[constraints]]\ntype = \"weight_tying\"\nblocks = \"x\"\n")),
      Contains("constraints[0].groups is required when blocks match a single block"));
  CHECK_THROWS_WITH(Experiment(config("[model]\ntype = \"von_mises_fisher\"\nshape = [3]\n")),
                    Contains("no constraint acts on block \"x\""));
  CHECK_THROWS_AS(Experiment(config(kSphere + "[run]\ninit = \"zeros\"\n")), StateError);
  CHECK_THROWS_WITH(Experiment(config(kSphere + "[run]\ninit = \"zeros\"\n")),
                    Contains("run.init = \"zeros\""));
}

TEST_CASE("experiment: the exact samplers get their options from the sampler section",
          "[apps][experiment]") {
  const SamplerConfig hmc =
      config(kSphere +
             "[sampler]\ntype = \"hmc\"\nstep_size = 0.2\nleapfrog_steps = 4\n"
             "drift_substeps = 2\nreverse_tolerance = 1e-7\nadapt_step_size = true\n"
             "[run]\nwarmup = 5\n")
          .sampler;
  const samplers::HamiltonianOptions h = hamiltonian_options(hmc);
  CHECK(h.step_size == 0.2);
  CHECK(h.leapfrog_steps == 4);
  CHECK(h.drift_substeps == 2);
  CHECK(h.persistence == 0);
  CHECK(h.reverse.enabled);
  CHECK(h.reverse.tolerance == 1e-7);
  CHECK(h.adaptation.enabled);
  CHECK(h.adaptation.target_acceptance == 0.65);
  const SamplerConfig ghmc = config(kSphere +
                                    "[sampler]\ntype = \"ghmc\"\nstep_size = 0.3\nfriction = 2\n"
                                    "reverse_check = false\n")
                                 .sampler;
  const samplers::HamiltonianOptions g = hamiltonian_options(ghmc);
  const samplers::HamiltonianOptions named = samplers::HamiltonianOptions::ghmc(0.3, 2.0);
  CHECK(g.persistence == named.persistence);
  CHECK(g.friction == 2.0);
  CHECK_FALSE(g.reverse.enabled);
  CHECK_FALSE(g.adaptation.enabled);
  const samplers::MalaOptions m =
      mala_options(config(kSphere + "[sampler]\ntype = \"mala\"\ntemperature = 0.5\n").sampler);
  CHECK(m.temperature == 0.5);
  CHECK(m.adaptation.target_acceptance == 0.8);
  CHECK_THROWS_AS(mala_options(ghmc), std::logic_error);
  CHECK_THROWS_AS(hamiltonian_options(config(kSphere).sampler), std::logic_error);
  CHECK_THROWS_AS(underdamped_options(ghmc), std::logic_error);
}

TEST_CASE("experiment: an exact sampler refuses minibatches before anything runs",
          "[apps][experiment][errors]") {
  const std::string network =
      "[model]\ntype = \"mlp\"\nhidden = [4]\n"
      "[data]\ntype = \"spiral\"\npoints = 60\ntest_points = 20\n";
  for (const char* type : {"hmc", "ghmc", "mala"}) {
    INFO(type);
    const std::string sampler = std::string("[sampler]\ntype = \"") + type + "\"\n";
    try {
      Experiment e(config(network + "batch_size = 10\n" + sampler));
      FAIL("a minibatch configuration was accepted");
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      // The key that chose the sampler, then the library's reason and the way out.
      CHECK_THAT(what, Contains(std::string("sampler.type = \"") + type + "\": "));
      CHECK_THAT(what, Contains("uses minibatches"));
      CHECK_THAT(what, Contains("data.batch_size = 0"));
      CHECK(what.find('\n') == std::string::npos);
    }
    // The full batch is exact.
    CHECK_NOTHROW(Experiment(config(network + sampler)));
  }
}

TEST_CASE("experiment: sampler.target_measure = ambient adds the Fixman term to V",
          "[apps][experiment]") {
  const std::string sampler = "[sampler]\ntype = \"ghmc\"\ntemperature = 0.5\n";
  Experiment hausdorff(config(kSphere + sampler));
  Experiment ambient(config(kSphere + sampler + "target_measure = \"ambient\"\n"));
  const State s = hausdorff.initial_state(0);
  Vector g0(s.q.size()), g1(s.q.size()), term = Vector::Zero(s.q.size());
  const double v0 = hausdorff.potential().value_and_gradient(s.q, g0, {});
  const double v1 = ambient.potential().value_and_gradient(s.q, g1, {});
  // V_F = V + (tau/2) log det(G M^-1 G^T); on |x| = 1 with unit mass
  // G M^-1 G^T = 4 |x|^2 = 4, and grad log det = 2 x / |x|^2.
  const FixmanTerm fixman(hausdorff.constraints());
  const double log_det = fixman.log_det_gram(s.q, 0.25, term);
  CHECK(log_det == Approx(std::log(4.0)).epsilon(1e-12));
  CHECK(v1 - v0 == Approx(0.25 * log_det).epsilon(1e-12));
  CHECK((g1 - g0 - term).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((term - 0.5 * s.q).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(ambient.potential().name() != hausdorff.potential().name());
  // The sampler runs on V_F.
  CHECK_NOTHROW(ambient.make_sampler(0));
}

TEST_CASE("experiment: a bad target_measure is refused naming the key and the valid names",
          "[apps][experiment][errors]") {
  CHECK_THROWS_WITH(config(kSphere + "[sampler]\ntarget_measure = \"conditioned\"\n"),
                    Contains("sampler.target_measure = \"conditioned\"") &&
                        Contains("\"hausdorff\", \"ambient\""));
  // Not a key of the optimisers.
  CHECK_THROWS_WITH(config(kSphere + "[sampler]\ntype = \"sgd\"\nlearning_rate = 0.1\n"
                                     "target_measure = \"ambient\"\n"),
                    Contains("sampler.target_measure is not a key of sampler.type = \"sgd\""));
}
