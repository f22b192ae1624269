// The target measure as a potential wrapper (target_potential.hpp):
// `hausdorff` forwards V unchanged; `ambient` adds (tau/2) log det(G M^-1 G^T)
// to the value and its gradient; the names parse; and the configurations
// that cannot work are refused: a constraint without second derivatives, a
// temperature that differs from the exact sampler's, an unknown name, a
// negative temperature. A singular Gram matrix stops a run with a message
// that names the constraint. The sampled laws: tests/statistical/
// fixman_ellipsoid_test.cpp.
#include "lib/lib_test_support.hpp"
#include "sampler_test_support.hpp"

#include <cola/constraint_set.hpp>
#include <cola/error.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/fixman_term.hpp>
#include <cola/functor_constraint.hpp>
#include <cola/models/gaussian.hpp>
#include <cola/samplers/hamiltonian.hpp>
#include <cola/samplers/mala.hpp>
#include <cola/samplers/overdamped.hpp>
#include <cola/samplers/target_potential.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

using namespace cola;
using namespace cola::samplers;
using Catch::Matchers::Contains;

namespace {

using ConstRef = Eigen::Ref<const Eigen::VectorXd>;
using ConstMRef = Eigen::Ref<const Eigen::MatrixXd>;
using GRef = Eigen::Ref<Eigen::VectorXd>;
using JRef = Eigen::Ref<Eigen::MatrixXd>;

// sum_i (x_i / a_i)^2 = 1, with or without second derivatives.
using test::CurvedEllipsoid;
using test::Ellipsoid;

// g = x_0 x_1: the union of the axes, singular (G = 0) at the origin.
struct Cross {
  Index num_constraints() const { return 1; }
  void value(const ConstRef& x, GRef g) const { g[0] = x[0] * x[1]; }
  void jacobian(const ConstRef& x, JRef j) const { j << x[1], x[0]; }
  void second_derivatives(const ConstRef& /*x*/, const ConstMRef& d, GRef out) const {
    out << d(1, 0), d(0, 0);
  }
};

struct Problem {
  ParameterLayout layout;
  ConstraintSet constraints;
  std::unique_ptr<models::Gaussian> potential;
  Vector q;
};

template <class Functor>
std::unique_ptr<Problem> ellipsoid(Functor f) {
  auto p = std::make_unique<Problem>();
  p->layout.add_block("x", 3, 1, 1.5);
  p->q = sampler_test::random_vector(3, 8);
  p->q /= (p->q.array() / f.a.array()).matrix().norm();
  p->constraints.add(make_constraint("ellipsoid", {"x"}, std::move(f)));
  p->constraints.bind(p->layout);
  p->potential = sampler_test::mild_gaussian(3, 7);
  return p;
}

const Vector kAxes = (Vector(3) << 1.0, 0.6, 0.3).finished();

}  // namespace

TEST_CASE("Hausdorff target forwards the potential unchanged", "[target]") {
  auto p = ellipsoid(Ellipsoid{kAxes});  // no second derivatives needed
  const TargetPotential target(*p->potential, p->constraints, TargetMeasure::kHausdorff, 2.0);
  Vector g_target, g_plain;
  const PotentialContext ctx;
  CHECK(target.value_and_gradient(p->q, g_target, ctx) ==
        p->potential->value_and_gradient(p->q, g_plain, ctx));
  CHECK(sampler_test::same_bits(g_target, g_plain));
  CHECK(target.name() == p->potential->name());
  CHECK(target.measure() == TargetMeasure::kHausdorff);
}

TEST_CASE("Ambient target adds tau/2 log det(G M^-1 G^T) to the value and the gradient",
          "[target]") {
  auto p = ellipsoid(CurvedEllipsoid{{kAxes}});
  constexpr double tau = 0.7;
  const TargetPotential target(*p->potential, p->constraints, TargetMeasure::kAmbient, tau);
  Vector grad, plain;
  const PotentialContext ctx;
  const double v = target.value_and_gradient(p->q, grad, ctx);
  const double v0 = p->potential->value_and_gradient(p->q, plain, ctx);
  // G M^-1 G^T = (4 / 1.5) sum_i x_i^2 / a_i^4, d/dx_i log = 2 x_i / a_i^4 / sum_j x_j^2 / a_j^4.
  const double s = (p->q.array().square() / kAxes.array().pow(4)).sum();
  CHECK(v == Approx(v0 + tau / 2 * std::log(4 / 1.5 * s)).epsilon(1e-13));
  const Vector fixman = (2 * p->q.array() / kAxes.array().pow(4) / s).matrix();
  CHECK((grad - plain - tau / 2 * fixman).lpNorm<Eigen::Infinity>() < 1e-12);
  CHECK_THAT(target.name(), Contains("Fixman"));
  CHECK_FALSE(target.stochastic());
  // tau = 0 (optimisation): the term vanishes.
  const TargetPotential cold(*p->potential, p->constraints, TargetMeasure::kAmbient, 0.0);
  CHECK(cold.value_and_gradient(p->q, grad, ctx) == v0);
}

TEST_CASE("Target measure names parse and print", "[target]") {
  CHECK(parse_target_measure("hausdorff") == TargetMeasure::kHausdorff);
  CHECK(parse_target_measure("ambient") == TargetMeasure::kAmbient);
  CHECK(std::string(to_string(TargetMeasure::kAmbient)) == "ambient");
  CHECK(std::string(to_string(TargetMeasure::kHausdorff)) == "hausdorff");
  CHECK_THROWS_AS(parse_target_measure("fixman"), ConfigError);
  CHECK_THROWS_WITH(parse_target_measure("fixman"),
                    Contains("'fixman'") && Contains("hausdorff") && Contains("ambient"));
}

TEST_CASE("Ambient target is refused where it cannot work", "[target]") {
  auto plain = ellipsoid(Ellipsoid{kAxes});
  CHECK_THROWS_WITH(
      TargetPotential(*plain->potential, plain->constraints, TargetMeasure::kAmbient, 1.0),
      Contains("constraint 'ellipsoid' on block x") && Contains("second derivatives") &&
          Contains("hausdorff"));
  auto p = ellipsoid(CurvedEllipsoid{{kAxes}});
  CHECK_THROWS_WITH(TargetPotential(*p->potential, p->constraints, TargetMeasure::kAmbient, -1.0),
                    Contains("temperature"));
  // The Fixman term scaled for tau = 2 under a sampler at tau = 1 samples
  // neither target: the exact samplers refuse it.
  const TargetPotential target(*p->potential, p->constraints, TargetMeasure::kAmbient, 2.0);
  HamiltonianOptions ho = HamiltonianOptions::ghmc(0.1, 1.0, 1.0);
  CHECK_THROWS_WITH(Hamiltonian(p->layout, target, p->constraints, ho),
                    Contains("GHMC") && Contains("temperature 2") && Contains("is 1"));
  MalaOptions mo;
  mo.temperature = 1.0;
  CHECK_THROWS_AS(Mala(p->layout, target, p->constraints, mo), ConfigError);
  mo.temperature = 2.0;
  CHECK_NOTHROW(Mala(p->layout, target, p->constraints, mo));
  // With the Hausdorff target the temperature is not used.
  const TargetPotential hausdorff(*p->potential, p->constraints, TargetMeasure::kHausdorff, 2.0);
  CHECK_NOTHROW(Hamiltonian(p->layout, hausdorff, p->constraints, ho));
}

TEST_CASE("A singular Fixman term stops the run with the constraint's name", "[target]") {
  ParameterLayout layout;
  layout.add_block("x", 2);
  ConstraintSet constraints;
  constraints.add(make_constraint("cross", {"x"}, Cross{}));
  constraints.bind(layout);
  const auto flat = sampler_test::mild_gaussian(2, 3);
  const TargetPotential target(*flat, constraints, TargetMeasure::kAmbient, 1.0);
  auto check_stops = [](Sampler& sampler) {
    State state;
    state.q = Vector::Zero(2);  // on g = 0, where G = 0
    CHECK_THROWS_AS(sampler.step(state), NumericalError);
    state.step = 0;
    CHECK_THROWS_WITH(sampler.step(state),
                      Contains("Fixman term of constraint 'cross' on block x") &&
                          Contains("singular") && Contains("+ Fixman term"));
  };
  OverdampedOptions od;
  Overdamped overdamped(layout, target, constraints, od);
  check_stops(overdamped);
  MalaOptions mo;
  Mala mala(layout, target, constraints, mo);
  check_stops(mala);
}
