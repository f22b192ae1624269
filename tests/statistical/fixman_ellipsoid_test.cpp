// The two target measures on the ellipsoid sum_i (x_i / a_i)^2 = 1,
// a = (1, 0.6, 0.3), with V = 0 (target_potential.hpp):
//   hausdorff: the uniform law in surface area;
//   ambient:   the uniform law of R^3 conditioned on g = 0, i.e. the surface
//              law with density det(G M^-1 G^T)^{-1/2} ∝ |grad g|^{-1}.
// Exact values by quadrature over the unit sphere y = x / a, with
// dsigma_sphere = du dphi (u = y_1; Archimedes) and the area element
// dsigma_x = a_1 a_2 a_3 sqrt(sum_i y_i^2 / a_i^2) dsigma_y:
//   E_hausdorff[x_1^2] = 0.2741987834..., E_hausdorff[x_3^2] = 0.0376372885...
//   E_ambient[x_1^2] = 1/3, E_ambient[x_3^2] = a_3^2 / 3 = 0.03
// (the ambient law is the image of the uniform law on the sphere, since
// |grad g| = 2 sqrt(sum y_i^2 / a_i^2) cancels the area element; the
// quadrature below reproduces 1/3 and 0.03 from the Fixman weight itself).
// GHMC (exact at any step size, reverse check on) at tau = 1/2 samples each
// target with V_F = V + (tau/2) log det(G M^-1 G^T) or V; each estimate must be within
// 5 MCSE of its own exact value and more than 5 MCSE from the other's.
// MCSE: batch means (50 per chain, 4 chains; fixed seeds).
#include "lib/lib_test_support.hpp"
#include "stat_helpers.hpp"

#include <cola/constraint_set.hpp>
#include <cola/functor_constraint.hpp>
#include <cola/samplers/hamiltonian.hpp>
#include <cola/samplers/target_potential.hpp>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/quadrature/trapezoidal.hpp>
#include <catch2/catch.hpp>

#include <cmath>

using namespace cola;
using namespace cola::samplers;
using cola::stat::BatchMeans;
using cola::stat::Estimate;

namespace {

const Eigen::Vector3d kAxes(1.0, 0.6, 0.3);
constexpr std::uint64_t kSteps = 100000, kBurnIn = 1000;
constexpr int kChains = 4;
// Not 1: with V = 0 both laws are free of tau, so a Fixman term scaled by
// 1/2 instead of tau/2 would only show at tau != 1.
constexpr double kTemperature = 0.5;

struct Flat final : Potential {
  double value_and_gradient(const Vector& q, Vector& grad, const PotentialContext&) const override {
    grad.setZero(q.size());
    return 0;
  }
  std::string name() const override { return "flat"; }
};

// E[x_i^2] under the surface law with an extra density `weight(x)` (1 for
// hausdorff, det(G G^T)^{-1/2} for ambient; M = I).
template <class Weight>
double exact_second_moment(int i, Weight weight) {
  using boost::math::quadrature::gauss_kronrod;
  using boost::math::quadrature::trapezoidal;
  auto integral = [&](auto f) {
    return gauss_kronrod<double, 61>::integrate(
        [&](double u) {
          // Periodic and analytic in phi: the trapezoidal rule converges
          // geometrically.
          return trapezoidal(
              [&](double phi) {
                const double s = std::sqrt(1 - u * u);
                const Eigen::Vector3d y(u, s * std::cos(phi), s * std::sin(phi));
                const Eigen::Vector3d x = kAxes.cwiseProduct(y);
                const double area = kAxes.prod() * y.cwiseQuotient(kAxes).norm();
                return f(x) * area * weight(x);
              },
              0.0, 2 * M_PI, 1e-13);
        },
        -1.0, 1.0, 15, 1e-13);
  };
  return integral([&](const Eigen::Vector3d& x) { return x[i] * x[i]; }) /
         integral([](const Eigen::Vector3d&) { return 1.0; });
}
double hausdorff_weight(const Eigen::Vector3d&) {
  return 1.0;
}
double ambient_weight(const Eigen::Vector3d& x) {
  // det(G G^T)^{-1/2} with G = 2 (x_i / a_i^2).
  return 1 / (2 * x.cwiseQuotient(kAxes.cwiseProduct(kAxes)).norm());
}

struct Moments {
  Estimate x1, x3;
  double acceptance = 0;
};

Moments sample(TargetMeasure measure) {
  std::vector<double> x1_means, x3_means;
  double accepted = 0, proposals = 0;
  for (int c = 0; c < kChains; ++c) {
    ParameterLayout layout;
    layout.add_block("x", 3);
    ConstraintSet constraints;
    constraints.add(make_constraint("ellipsoid", {"x"}, test::CurvedEllipsoid{{kAxes}}));
    constraints.bind(layout);
    const Flat flat;
    const TargetPotential target(flat, constraints, measure, kTemperature);
    HamiltonianOptions o = HamiltonianOptions::ghmc(0.4, 2.0, kTemperature);
    o.common.seed = 20261206;
    o.common.chain = static_cast<std::uint64_t>(c);
    o.common.failure_policy = FailurePolicy::kReject;
    Hamiltonian ghmc(layout, target, constraints, o);
    State state;
    state.q = Vector::Unit(3, 0);
    BatchMeans x1(kSteps / 50), x3(kSteps / 50);
    ghmc.run(state, kBurnIn);
    ghmc.run(state, kSteps, [&](const State& st, const StepOutcome&) {
      x1.add(st.q[0] * st.q[0]);
      x3.add(st.q[2] * st.q[2]);
    });
    x1_means.insert(x1_means.end(), x1.means().begin(), x1.means().end());
    x3_means.insert(x3_means.end(), x3.means().begin(), x3.means().end());
    accepted += static_cast<double>(ghmc.metropolis_stats().accepted);
    proposals += static_cast<double>(ghmc.metropolis_stats().proposals);
  }
  return {stat::independent_mean(x1_means), stat::independent_mean(x3_means), accepted / proposals};
}

void check_differs(const std::string& what, double other_exact, const Estimate& e) {
  stat::print_row(what, other_exact, e);
  INFO(what << ": estimate " << e.mean << " +- " << e.mcse << ", other target's value "
            << other_exact);
  CHECK(std::abs(e.mean - other_exact) > stat::kSigmas * e.mcse);
}

}  // namespace

TEST_CASE("Ellipsoid quadrature reproduces the closed forms of the ambient law",
          "[statistical][fixman]") {
  CHECK(exact_second_moment(0, ambient_weight) == Approx(1.0 / 3).epsilon(1e-11));
  CHECK(exact_second_moment(2, ambient_weight) == Approx(0.03).epsilon(1e-11));
  CHECK(exact_second_moment(0, hausdorff_weight) == Approx(0.2741987834).epsilon(1e-9));
  CHECK(exact_second_moment(2, hausdorff_weight) == Approx(0.0376372885).epsilon(1e-9));
}

TEST_CASE("GHMC samples the hausdorff and the ambient law on an ellipsoid, and they differ",
          "[statistical][fixman]") {
  const double h1 = exact_second_moment(0, hausdorff_weight);
  const double h3 = exact_second_moment(2, hausdorff_weight);
  const double a1 = exact_second_moment(0, ambient_weight);
  const double a3 = exact_second_moment(2, ambient_weight);

  const Moments hausdorff = sample(TargetMeasure::kHausdorff);
  stat::check_mean("GHMC hausdorff target: E[x1^2]", h1, hausdorff.x1);
  stat::check_mean("GHMC hausdorff target: E[x3^2]", h3, hausdorff.x3);
  check_differs("GHMC hausdorff target: E[x1^2] vs the ambient value", a1, hausdorff.x1);
  check_differs("GHMC hausdorff target: E[x3^2] vs the ambient value", a3, hausdorff.x3);
  CHECK(hausdorff.acceptance > 0.5);

  const Moments ambient = sample(TargetMeasure::kAmbient);
  stat::check_mean("GHMC ambient target (Fixman term): E[x1^2]", a1, ambient.x1);
  stat::check_mean("GHMC ambient target (Fixman term): E[x3^2]", a3, ambient.x3);
  check_differs("GHMC ambient target: E[x1^2] vs the hausdorff value", h1, ambient.x1);
  check_differs("GHMC ambient target: E[x3^2] vs the hausdorff value", h3, ambient.x3);
  CHECK(ambient.acceptance > 0.5);
  std::printf("RESULT | acceptance: hausdorff %.3f, ambient %.3f\n", hausdorff.acceptance,
              ambient.acceptance);
}
