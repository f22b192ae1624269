// Reproducibility (DESIGN §2: RNG streams are keyed by (seed, chain, step,
// block), never by thread):
//  - the same seed gives bit-identical trajectories with 1 and 2 OpenMP
//    threads, for a constraint set whose disjoint components are projected in
//    parallel, and for a 64x48 orthogonality block (large enough that Eigen's
//    own GEMM would go multi-threaded if it were allowed to);
//  - different seeds, and different chain ids, give different trajectories;
//  - a run of 2n steps equals n steps plus n more from the saved State
//    (q, p, step) in a freshly built sampler: resume is exact.
#include "samplers/sampler_test_support.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/functor_constraint.hpp>
#include <cola/models/harmonic_oscillator.hpp>
#include <cola/orthogonality_constraint.hpp>
#include <cola/samplers/overdamped.hpp>
#include <cola/samplers/underdamped.hpp>

#include <catch2/catch.hpp>
#include <omp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace cola;
using namespace cola::samplers;
using cola::sampler_test::same_bits;

// Highest OpenMP thread number that evaluated the probe constraint: shows
// that the loop over components really ran on more than one thread.
std::atomic<int> g_max_thread_seen{0};

// A sphere |x|^2 = r^2 as a user functor (generic solver) that records which
// thread evaluates it.
struct ThreadProbeSphere {
  double r2 = 1.0;
  Index num_constraints() const { return 1; }
  void value(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> g) const {
    const int t = omp_get_thread_num();
    int seen = g_max_thread_seen.load();
    while (t > seen && !g_max_thread_seen.compare_exchange_weak(seen, t)) {
    }
    g[0] = x.squaredNorm() - r2;
  }
  void jacobian(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::MatrixXd> jac) const {
    jac.row(0) = 2.0 * x.transpose();
  }
};

enum class Kind { kOverdamped, kUnderdamped };

struct Problem {
  ParameterLayout layout;
  ConstraintSet constraints;
  std::unique_ptr<Potential> potential;
  Vector q0;
  double h_od = 0, h_ud = 0;
};

// Two circle blocks (rotation and SHAKE drift), an orthogonality block, a
// fixed-norm block, a probe functor and a free block: six components. The
// first circle block is large (2 x 180 x 100 parameters with its slack) so
// that the set exceeds ConstraintSet::kParallelWork and really runs its
// components in parallel.
void build_mixed(Problem& pb) {
  pb.layout.add_block("c1", 180, 100);
  pb.layout.add_block("c2", 150, 100);  // large too: ConstraintSet parallelises only then
  pb.layout.add_block("o", 6, 4);
  pb.layout.add_block("s", 4, 1, 2.0);
  pb.layout.add_block("probe", 3);
  pb.layout.add_block("f", 5);
  pb.constraints.add(std::make_shared<CircleConstraint>("c1", 0.05));
  pb.constraints.add(std::make_shared<CircleConstraint>("c2", 0.1, CircleDrift::kShake));
  pb.constraints.add(std::make_shared<OrthogonalityConstraint>("o"));
  pb.constraints.add(std::make_shared<FixedNormConstraint>("s", 1.0));
  pb.constraints.add(make_constraint("probe", {"probe"}, ThreadProbeSphere{}));
  pb.constraints.bind(pb.layout);
  REQUIRE(pb.constraints.components().size() == 5);
  REQUIRE(pb.layout.size() >= ConstraintSet::kParallelWork);
  RngStream rng(StreamKey{51, 0, 0, 0, 0});
  Vector k(pb.layout.size());
  for (Index i = 0; i < k.size(); ++i) k[i] = 0.5 + 1.5 * rng.uniform();
  pb.potential = std::make_unique<models::HarmonicOscillator>(k);
  pb.q0 = sampler_test::start_on_manifold(pb.layout, pb.constraints, 52);
  pb.h_od = 1e-5;
  pb.h_ud = 0.01;
}

// One 64x48 orthogonality block (a single component, so it is projected
// outside any parallel region, where Eigen's GEMM could use its own threads).
void build_big_stiefel(Problem& pb) {
  pb.layout.add_block("w", 64, 48);
  pb.layout.add_block("b", 48);
  pb.constraints.add(std::make_shared<OrthogonalityConstraint>("w"));
  pb.constraints.bind(pb.layout);
  // V = 1/2 sum k_i q_i^2 with k_i spread over [0.5, 2]: its gradient has a
  // tangential part on the Stiefel manifold.
  RngStream rng(StreamKey{53, 0, 0, 0, 0});
  Vector k(pb.layout.size());
  for (Index i = 0; i < k.size(); ++i) k[i] = 0.5 + 1.5 * rng.uniform();
  pb.potential = std::make_unique<models::HarmonicOscillator>(k);
  pb.q0 = sampler_test::start_on_manifold(pb.layout, pb.constraints, 54);
  pb.h_od = 1e-5;
  pb.h_ud = 0.002;
}

std::unique_ptr<Sampler> make_sampler(const Problem& pb, Kind kind, std::uint64_t seed,
                                      std::uint64_t chain) {
  if (kind == Kind::kOverdamped) {
    OverdampedOptions o;
    o.step_size = pb.h_od;
    o.temperature = 1.0;
    o.common.seed = seed;
    o.common.chain = chain;
    return std::make_unique<Overdamped>(pb.layout, *pb.potential, pb.constraints, o);
  }
  UnderdampedOptions o = UnderdampedOptions::physical(pb.h_ud, 1.0, 1.0);
  o.common.seed = seed;
  o.common.chain = chain;
  return std::make_unique<Underdamped>(pb.layout, *pb.potential, pb.constraints, o);
}

struct Trajectory {
  std::vector<Vector> q, p;
  State last;
};

Trajectory run(const Problem& pb, Kind kind, int threads, int steps, std::uint64_t seed = 5,
               std::uint64_t chain = 0) {
  omp_set_num_threads(threads);
  auto sampler = make_sampler(pb, kind, seed, chain);
  Trajectory t;
  t.last.q = pb.q0;
  sampler->run(t.last, static_cast<std::uint64_t>(steps),
               [&](const State& s, const StepOutcome& out) {
                 REQUIRE(out.ok());
                 t.q.push_back(s.q);
                 t.p.push_back(s.p);
               });
  omp_set_num_threads(1);
  return t;
}

// Index of the first step whose state differs in any bit, or -1.
int first_difference(const Trajectory& a, const Trajectory& b) {
  REQUIRE(a.q.size() == b.q.size());
  for (std::size_t i = 0; i < a.q.size(); ++i)
    if (!same_bits(a.q[i], b.q[i]) || !same_bits(a.p[i], b.p[i])) return static_cast<int>(i);
  return -1;
}

const char* kind_name(Kind k) {
  return k == Kind::kOverdamped ? "CoLA-od" : "CoLA-ud";
}

}  // namespace

TEST_CASE("same seed, 1 or 2 threads: bit-identical (components in parallel)",
          "[samplers][determinism][openmp]") {
  const Kind kind = GENERATE(Kind::kOverdamped, Kind::kUnderdamped);
  INFO(kind_name(kind));
  Problem pb;
  build_mixed(pb);
  const Trajectory one = run(pb, kind, 1, 200);
  g_max_thread_seen = 0;
  const Trajectory two = run(pb, kind, 2, 200);
  // The parallel loop over components really used a second thread.
  CHECK(g_max_thread_seen.load() >= 1);
  CHECK(first_difference(one, two) == -1);
  CHECK(two.last.step == 200);
}

TEST_CASE("same seed, 1 or 2 threads: bit-identical (64x48 orthogonality block)",
          "[samplers][determinism][openmp]") {
  const Kind kind = GENERATE(Kind::kOverdamped, Kind::kUnderdamped);
  INFO(kind_name(kind));
  Problem pb;
  build_big_stiefel(pb);
  const Trajectory one = run(pb, kind, 1, 60);
  const Trajectory two = run(pb, kind, 2, 60);
  CHECK(first_difference(one, two) == -1);
  CHECK(pb.constraints.residual(two.last.q) <= 1e-10);
}

TEST_CASE("different seeds or chains give different trajectories", "[samplers][determinism]") {
  const Kind kind = GENERATE(Kind::kOverdamped, Kind::kUnderdamped);
  INFO(kind_name(kind));
  Problem pb;
  build_mixed(pb);
  const Trajectory base = run(pb, kind, 1, 20, 5, 0);
  const Trajectory again = run(pb, kind, 1, 20, 5, 0);
  const Trajectory other_seed = run(pb, kind, 1, 20, 6, 0);
  const Trajectory other_chain = run(pb, kind, 1, 20, 5, 1);
  CHECK(first_difference(base, again) == -1);
  // Every step draws fresh noise, so they differ from the first step on, in
  // every block that receives noise.
  CHECK(first_difference(base, other_seed) == 0);
  CHECK(first_difference(base, other_chain) == 0);
  for (Index b = 0; b < pb.layout.num_blocks(); ++b) {
    INFO("block " << pb.layout.block(b).name);
    CHECK(pb.layout.segment(base.last.q, b) != pb.layout.segment(other_seed.last.q, b));
    CHECK(pb.layout.segment(base.last.q, b) != pb.layout.segment(other_chain.last.q, b));
  }
  CHECK(other_seed.last.q != other_chain.last.q);
}

TEST_CASE("resume from a saved State continues bit for bit", "[samplers][determinism][resume]") {
  const Kind kind = GENERATE(Kind::kOverdamped, Kind::kUnderdamped);
  const int threads = GENERATE(1, 2);
  INFO(kind_name(kind) << ", " << threads << " thread(s)");
  Problem pb;
  build_mixed(pb);
  constexpr int kHalf = 60;
  const Trajectory full = run(pb, kind, threads, 2 * kHalf);
  const Trajectory first = run(pb, kind, threads, kHalf);

  // A fresh sampler object, given only the saved (q, p, step).
  State saved;
  saved.q = first.last.q;
  saved.p = first.last.p;
  saved.step = first.last.step;
  REQUIRE(saved.step == static_cast<std::uint64_t>(kHalf));
  omp_set_num_threads(threads);
  auto resumed = make_sampler(pb, kind, 5, 0);
  for (int k = kHalf; k < 2 * kHalf; ++k) {
    REQUIRE(resumed->step(saved).ok());
    if (!same_bits(saved.q, full.q[static_cast<std::size_t>(k)]) ||
        !same_bits(saved.p, full.p[static_cast<std::size_t>(k)]))
      FAIL("resumed run differs from the uninterrupted one at step "
           << k << " (max |dq| = "
           << (saved.q - full.q[static_cast<std::size_t>(k)]).cwiseAbs().maxCoeff()
           << ", max |dp| = "
           << (saved.p - full.p[static_cast<std::size_t>(k)]).cwiseAbs().maxCoeff() << ")");
  }
  omp_set_num_threads(1);
  CHECK(saved.step == static_cast<std::uint64_t>(2 * kHalf));
}

namespace {

// A minibatch-like potential: a harmonic well plus gradient noise drawn from
// the context's stream, so every evaluation depends on the step key.
class NoisyHarmonic final : public Potential {
 public:
  double value_and_gradient(const Vector& q, Vector& grad,
                            const PotentialContext& ctx) const override {
    RngStream rng = ctx.stream();
    grad = q;
    for (Index i = 0; i < grad.size(); ++i) grad[i] += 0.5 * rng.normal();
    return 0.5 * q.squaredNorm();
  }
  bool stochastic() const override { return true; }
  std::string name() const override { return "noisy_harmonic"; }
};

}  // namespace

TEST_CASE("resume is exact for a stochastic potential (minibatch keyed by step)",
          "[samplers][determinism][resume]") {
  const Kind kind = GENERATE(Kind::kOverdamped, Kind::kUnderdamped);
  INFO(kind_name(kind));
  Problem pb;
  pb.layout.add_block("x", 3);
  pb.layout.add_block("free", 2);
  pb.constraints.add(std::make_shared<FixedNormConstraint>("x", 1.0));
  pb.constraints.bind(pb.layout);
  pb.potential = std::make_unique<NoisyHarmonic>();
  pb.q0 = sampler_test::start_on_manifold(pb.layout, pb.constraints, 55);
  pb.h_od = 0.01;
  pb.h_ud = 0.1;
  constexpr int kHalf = 40;
  const Trajectory full = run(pb, kind, 1, 2 * kHalf);
  const Trajectory first = run(pb, kind, 1, kHalf);
  State saved = first.last;
  auto resumed = make_sampler(pb, kind, 5, 0);
  for (int k = kHalf; k < 2 * kHalf; ++k) {
    REQUIRE(resumed->step(saved).ok());
    REQUIRE(same_bits(saved.q, full.q[static_cast<std::size_t>(k)]));
    REQUIRE(same_bits(saved.p, full.p[static_cast<std::size_t>(k)]));
  }
}
