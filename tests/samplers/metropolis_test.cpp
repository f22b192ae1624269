// The Metropolis-adjusted samplers' deterministic properties: the RATTLE step
// is reversible to 1e-10 (sphere, Stiefel manifold), the acceptance tends to
// 1 as h -> 0, HMC's energy error over a fixed time is O(h^2), the counters
// add up, the same seed gives the same chain, and configurations that cannot
// be exact are refused. Their unbiasedness: tests/statistical/
// metropolis_exactness_test.cpp.
#include <cola/constraint_set.hpp>
#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/functor_constraint.hpp>
#include <cola/models/gaussian.hpp>
#include <cola/models/linear_tilt.hpp>
#include <cola/orthogonality_constraint.hpp>
#include <cola/samplers/hamiltonian.hpp>
#include <cola/samplers/mala.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

using namespace cola;
using namespace cola::samplers;
using Catch::Matchers::Contains;

namespace {

struct Problem {
  ParameterLayout layout;
  ConstraintSet constraints;
  std::unique_ptr<Potential> potential;
  Vector q0;
};

// vMF(kappa = 2) on S^2.
std::unique_ptr<Problem> sphere() {
  auto p = std::make_unique<Problem>();
  p->layout.add_block("x", 3);
  p->constraints.add(std::make_shared<FixedNormConstraint>("x", 1.0));
  p->constraints.bind(p->layout);
  p->potential = std::make_unique<models::LinearTilt>(Vector::Unit(3, 2), 2.0);
  p->q0 = Vector(3);
  p->q0 << 0.6, 0.0, 0.8;
  return p;
}

// A Gaussian on 5 x 3 matrices with orthonormal columns (o-CoLA).
std::unique_ptr<Problem> stiefel() {
  auto p = std::make_unique<Problem>();
  p->layout.add_block("W", 5, 3);
  p->constraints.add(std::make_shared<OrthogonalityConstraint>("W"));
  p->constraints.bind(p->layout);
  Vector mean = Vector::LinSpaced(15, -1.0, 1.0);
  p->potential = std::make_unique<models::Gaussian>(mean, Matrix::Identity(15, 15) * 0.5);
  p->q0 = Vector::Zero(15);
  for (Index j = 0; j < 3; ++j) p->q0[j * 5 + j] = 1.0;  // the first three unit vectors
  return p;
}

HamiltonianOptions ghmc(double h) {
  HamiltonianOptions o = HamiltonianOptions::ghmc(h, 1.0);
  o.common.seed = 7;
  return o;
}

}  // namespace

TEST_CASE("metropolis: one RATTLE step is reversible to 1e-10", "[samplers][metropolis]") {
  for (auto make : {sphere, stiefel}) {
    const auto p = make();
    Hamiltonian sampler(p->layout, *p->potential, p->constraints, ghmc(0.2));
    State state;
    state.q = p->q0;
    sampler.initialise(state);  // draws a tangent momentum
    const State start = state;
    Stepper forward(p->layout, *p->potential, p->constraints, SolverOptions{}, 7, 0);
    for (int k = 0; k < 5; ++k) REQUIRE(sampler.rattle_step(forward, state).ok());
    CHECK(p->constraints.residual(state.q) < 1e-11);
    CHECK((state.q - start.q).norm() > 0.1);  // it moved
    state.p = -state.p;
    Stepper back(p->layout, *p->potential, p->constraints, SolverOptions{}, 7, 0);
    for (int k = 0; k < 5; ++k) REQUIRE(sampler.rattle_step(back, state).ok());
    CHECK((state.q - start.q).lpNorm<Eigen::Infinity>() < 1e-10);
    CHECK((state.p + start.p).lpNorm<Eigen::Infinity>() < 1e-10);
  }
}

TEST_CASE("metropolis: GHMC and MALA acceptance tends to 1 as h -> 0", "[samplers][metropolis]") {
  const auto p = sphere();
  double previous_ghmc = 0, previous_mala = 0;
  for (double h : {0.8, 0.2, 0.05}) {
    Hamiltonian g(p->layout, *p->potential, p->constraints, ghmc(h));
    MalaOptions mo;
    mo.step_size = h / 4;  // MALA's h is a time step of the overdamped dynamics
    mo.common.seed = 7;
    Mala m(p->layout, *p->potential, p->constraints, mo);
    State a, b;
    a.q = b.q = p->q0;
    g.run(a, 5000);
    m.run(b, 5000);
    const MetropolisStats& gs = g.metropolis_stats();
    const MetropolisStats& ms = m.metropolis_stats();
    CHECK(gs.proposals == 5000);
    CHECK(gs.accepted + gs.projection_rejected + gs.reverse_rejected + gs.metropolis_rejected ==
          gs.proposals);
    CHECK(ms.accepted + ms.projection_rejected + ms.reverse_rejected + ms.metropolis_rejected ==
          ms.proposals);
    INFO("h = " << h << ": GHMC acceptance " << gs.acceptance_rate() << ", MALA "
                << ms.acceptance_rate());
    CHECK(gs.acceptance_rate() >= previous_ghmc);
    CHECK(ms.acceptance_rate() >= previous_mala);
    if (h == 0.8) {  // large steps are rejected at times
      CHECK(gs.acceptance_rate() < 0.9);
      CHECK(ms.acceptance_rate() < 0.9);
    }
    previous_ghmc = gs.acceptance_rate();
    previous_mala = ms.acceptance_rate();
    CHECK(p->constraints.residual(a.q) < 1e-11);
    CHECK(p->constraints.residual(b.q) < 1e-11);
  }
  // The local energy error of a RATTLE step is O(h^3): at h = 0.05 next to
  // nothing is rejected.
  CHECK(previous_ghmc > 0.999);
  CHECK(previous_mala > 0.99);
}

TEST_CASE("metropolis: HMC's energy error over a fixed time is O(h^2)", "[samplers][metropolis]") {
  // The same initial momentum (same seed, chain and step) and trajectory
  // length T = 1.2 at h, h/2, h/4: the error of the (second-order) RATTLE
  // integrator's energy shrinks 4-fold per halving as h -> 0.
  const auto p = stiefel();
  std::vector<double> errors;
  for (int l : {12, 24, 48, 96}) {
    HamiltonianOptions o = HamiltonianOptions::hmc(1.2 / l, l);
    o.common.seed = 11;
    Hamiltonian hmc(p->layout, *p->potential, p->constraints, o);
    State s;
    s.q = p->q0;
    hmc.step(s);
    errors.push_back(std::abs(hmc.last_energy_error()));
  }
  for (std::size_t i = 1; i < errors.size(); ++i) {
    INFO("energy errors " << errors[i - 1] << " -> " << errors[i]);
    CHECK(std::log2(errors[i - 1] / errors[i]) == Approx(2.0).margin(0.15));
  }
}

TEST_CASE("metropolis: the same seed gives the same chain, a rejection flips p",
          "[samplers][metropolis]") {
  const auto p = sphere();
  auto chain = [&](std::uint64_t seed) {
    HamiltonianOptions o = ghmc(0.8);
    o.common.seed = seed;
    Hamiltonian g(p->layout, *p->potential, p->constraints, o);
    State s;
    s.q = p->q0;
    g.run(s, 2000);
    CHECK(g.metropolis_stats().accepted < 2000);  // h = 0.8: some rejections
    return s.q;
  };
  CHECK(chain(3) == chain(3));
  CHECK(chain(3) != chain(4));
}

namespace {
struct UnitNorm {
  Index num_constraints() const { return 1; }
  void value(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> g) const {
    g[0] = x.squaredNorm() - 1;
  }
  void jacobian(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::MatrixXd> j) const {
    j = 2 * x.transpose();
  }
};

struct Minibatch final : Potential {
  double value_and_gradient(const Vector& q, Vector& g, const PotentialContext&) const override {
    g.setZero(q.size());
    return 0;
  }
  bool stochastic() const override { return true; }
  std::string name() const override { return "minibatch"; }
};
}  // namespace

TEST_CASE("metropolis: configurations that cannot be exact are refused",
          "[samplers][metropolis][errors]") {
  const auto p = sphere();
  const Minibatch minibatch;
  CHECK_THROWS_WITH(Hamiltonian(p->layout, minibatch, p->constraints, ghmc(0.1)),
                    Contains("GHMC needs the exact potential, but 'minibatch' uses minibatches"));
  MalaOptions mo;
  CHECK_THROWS_WITH(Mala(p->layout, minibatch, p->constraints, mo),
                    Contains("use full-batch gradients"));
  HamiltonianOptions o = HamiltonianOptions::hmc(0.1, 3, 0.0);
  CHECK_THROWS_WITH(Hamiltonian(p->layout, *p->potential, p->constraints, o),
                    Contains("HMC: temperature must be finite and > 0"));
  o = ghmc(0.1);
  o.reverse.tolerance = 1e-11;
  CHECK_THROWS_WITH(Hamiltonian(p->layout, *p->potential, p->constraints, o),
                    Contains("reverse_tolerance 1e-11 must be at least 10x the solver tolerance"));
  o = ghmc(0.1);
  o.leapfrog_steps = 0;
  CHECK_THROWS_WITH(Hamiltonian(p->layout, *p->potential, p->constraints, o),
                    Contains("leapfrog_steps must be at least 1"));
  CHECK_THROWS_WITH(HamiltonianOptions::ghmc(0.1, -1.0), Contains("friction"));
  mo.step_size = -1;
  CHECK_THROWS_WITH(Mala(p->layout, *p->potential, p->constraints, mo),
                    Contains("step_size must be finite and > 0"));

  // A constraint over blocks of different masses.
  ParameterLayout layout;
  layout.add_block("a", 2);
  layout.add_block("b", 1, 1, 2.0);
  ConstraintSet constraints;
  constraints.add(make_constraint("unit", {"a", "b"}, UnitNorm{}));
  constraints.bind(layout);
  const models::LinearTilt tilt(Vector::Unit(3, 2), 1.0);
  CHECK_THROWS_WITH(Hamiltonian(layout, tilt, constraints, ghmc(0.1)),
                    Contains("spans blocks of different masses (a, b)"));
}
