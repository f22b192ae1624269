// LinearReparameterisation x = B v + x0 for A x = c on one block, and the
// ReparameterisedPotential V(v) = V_full(B v + x0): round trips, the basis,
// agreement with LinearConstraint's projection, gradients against central
// differences, and configuration errors.
#include "lib_test_support.hpp"

#include <cola/error.hpp>
#include <cola/linear_constraint.hpp>
#include <cola/linear_reparameterisation.hpp>
#include <cola/models/double_well.hpp>
#include <cola/models/gaussian.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>

using Catch::Matchers::Contains;
using cola::ConfigError;
using cola::Index;
using cola::LinearReparameterisation;
using cola::Matrix;
using cola::ParameterLayout;
using cola::ReparameterisedPotential;
using cola::Vector;
using cola::test::max_abs_diff;
using cola::test::random_matrix;
using cola::test::random_vector;

namespace {

// Full layout "pre" (2), "w" (5), "post" (1); A is 2 x 5 on "w".
struct Fixture {
  ParameterLayout full;
  Matrix a = random_matrix(2, 5, 1);
  Vector c = random_vector(2, 2);
  std::shared_ptr<LinearReparameterisation> map;
  Fixture() {
    full.add_block("pre", 2);
    full.add_block("w", 5);
    full.add_block("post", 1);
    map = std::make_shared<LinearReparameterisation>(full, "w", a, c);
  }
  Vector block_w(const Vector& q) const { return full.segment(q, 1); }
};

}  // namespace

TEST_CASE("the reduced layout replaces the block by its coordinates", "[reparam]") {
  Fixture f;
  const ParameterLayout& r = f.map->reduced_layout();
  REQUIRE(r.num_blocks() == 3);
  CHECK(r.block(0).name == "pre");
  CHECK(r.block(1).name == "w.coords");
  CHECK(r.block(1).size() == 3);
  CHECK(r.block(2).name == "post");
  CHECK(r.size() == 6);
  CHECK(f.map->full_layout().size() == 8);
}

TEST_CASE("the basis is an orthonormal basis of null(A) and x0 the least-norm solution",
          "[reparam]") {
  Fixture f;
  const Matrix& b = f.map->basis();
  REQUIRE(b.rows() == 5);
  REQUIRE(b.cols() == 3);
  CHECK(max_abs_diff(Matrix(b.transpose() * b), Matrix(Matrix::Identity(3, 3))) < 1e-14);
  CHECK((f.a * b).cwiseAbs().maxCoeff() < 1e-14);
  const Vector& x0 = f.map->offset();
  CHECK(max_abs_diff(Vector(f.a * x0), f.c) < 1e-14);
  CHECK((b.transpose() * x0).cwiseAbs().maxCoeff() < 1e-14);  // x0 is orthogonal to null(A)
}

TEST_CASE("A to_full(v) = c for any v, and to_reduced inverts to_full", "[reparam]") {
  Fixture f;
  for (std::uint64_t seed = 3; seed < 8; ++seed) {
    const Vector v = 4.0 * random_vector(6, seed);
    const Vector q = f.map->to_full(v);
    REQUIRE(q.size() == 8);
    CHECK(max_abs_diff(Vector(f.a * f.block_w(q)), f.c) < 1e-13);
    CHECK(q.head(2) == v.head(2));
    CHECK(q[7] == v[5]);
    CHECK(max_abs_diff(f.map->to_reduced(q), v) < 1e-13);
  }
}

TEST_CASE("to_full(to_reduced(x)) == x on the subspace, off it the nearest point", "[reparam]") {
  Fixture f;
  // A point of the subspace: x = B u + x0 in "w", anything elsewhere.
  Vector x = random_vector(8, 9);
  f.full.segment(x, 1) = f.map->basis() * random_vector(3, 10) + f.map->offset();
  CHECK(max_abs_diff(f.map->to_full(f.map->to_reduced(x)), x) < 1e-13);

  // Off the subspace, to_full(to_reduced(.)) is the orthogonal projection,
  // i.e. LinearConstraint's SHAKE with unit mass.
  const Vector y = random_vector(8, 11);
  ParameterLayout layout = f.full;
  cola::LinearConstraint lc({"w"}, f.a, f.c);
  lc.bind(layout);
  Vector projected = y;
  REQUIRE(lc.project_position(y, projected, {}).ok());
  CHECK(max_abs_diff(f.map->to_full(f.map->to_reduced(y)), projected) < 1e-13);
}

TEST_CASE("the reparameterised gradient is B^T grad, as central differences say", "[reparam]") {
  Fixture f;
  const Matrix l = random_matrix(8, 8, 12);
  const Matrix cov = l * l.transpose() + Matrix::Identity(8, 8);
  auto gaussian = std::make_shared<cola::models::Gaussian>(random_vector(8, 13), cov);
  auto well = std::make_shared<cola::models::DoubleWell>(0.7);
  for (std::shared_ptr<const cola::Potential> base :
       {std::shared_ptr<const cola::Potential>(gaussian),
        std::shared_ptr<const cola::Potential>(well)}) {
    INFO(base->name());
    const ReparameterisedPotential pot(base, f.map);
    CHECK(pot.name() == "reparameterised(" + base->name() + ")");
    CHECK_FALSE(pot.stochastic());
    const Vector v = random_vector(6, 14);
    Vector grad;
    const double value = pot.value_and_gradient(v, grad, {});
    REQUIRE(grad.size() == 6);
    Vector full_grad(8);
    CHECK(value == base->value_and_gradient(f.map->to_full(v), full_grad, {}));
    // B^T grad on the block, unchanged elsewhere.
    Vector expected(6);
    expected << full_grad.head(2), f.map->basis().transpose() * full_grad.segment(2, 5),
        full_grad[7];
    CHECK(max_abs_diff(grad, expected) < 1e-12 * std::max(1.0, expected.cwiseAbs().maxCoeff()));
    // Central differences, step 1e-5: truncation error O(1e-10 |V'''|).
    Vector fd(6), scratch;
    for (Index i = 0; i < 6; ++i) {
      Vector vp = v, vm = v;
      vp[i] += 1e-5;
      vm[i] -= 1e-5;
      fd[i] = (pot.value_and_gradient(vp, scratch, {}) - pot.value_and_gradient(vm, scratch, {})) /
              2e-5;
    }
    CHECK(max_abs_diff(grad, fd) < 1e-6 * std::max(1.0, grad.cwiseAbs().maxCoeff()));
  }
}

TEST_CASE("LinearReparameterisation configuration errors name the field", "[reparam][error]") {
  ParameterLayout full;
  full.add_block("pre", 2);
  full.add_block("w", 5);
  const Matrix a = random_matrix(2, 5, 15);
  const Vector c = random_vector(2, 16);
  REQUIRE_THROWS_AS(LinearReparameterisation(full, "v", a, c), ConfigError);
  REQUIRE_THROWS_WITH(LinearReparameterisation(full, "v", a, c),
                      Contains("unknown parameter block 'v'") && Contains("valid: pre, w"));
  REQUIRE_THROWS_WITH(LinearReparameterisation(full, "w", Matrix(random_matrix(2, 4, 17)), c),
                      Contains("'w'") && Contains("A has 4 columns, the block has 5 entries"));
  REQUIRE_THROWS_WITH(LinearReparameterisation(full, "w", a, Vector(random_vector(3, 18))),
                      Contains("A has 2 rows but c has 3"));
  REQUIRE_THROWS_WITH(LinearReparameterisation(full, "w", Matrix(random_matrix(5, 5, 19)),
                                               Vector(random_vector(5, 20))),
                      Contains("1 <= rows(A) < cols(A)"));
  Matrix nan_a = a;
  nan_a(0, 0) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(LinearReparameterisation(full, "w", nan_a, c), Contains("must be finite"));
  Matrix deficient(3, 5);
  deficient << a, a.row(0) + a.row(1);
  REQUIRE_THROWS_WITH(LinearReparameterisation(full, "w", deficient, Vector(random_vector(3, 21))),
                      Contains("full row rank") && Contains("rank 2 < 3"));
  REQUIRE_THROWS_AS(ReparameterisedPotential(nullptr, nullptr), ConfigError);
  REQUIRE_THROWS_WITH(ReparameterisedPotential(nullptr, nullptr), Contains("null argument"));
}
