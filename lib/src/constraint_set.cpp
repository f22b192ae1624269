#include <cola/constraint_set.hpp>
#include <cola/error.hpp>
#include <cola/numeric.hpp>
#include <cola/stacked_constraint.hpp>

#include <algorithm>
#include <numeric>

namespace cola {

void ConstraintSet::add(ConstraintPtr constraint) {
  require(constraint != nullptr, "constraint set: null constraint");
  require(!bound_, constraint->describe() + ": cannot be added after the set is bound");
  constraints_.push_back(std::move(constraint));
}

void ConstraintSet::bind(ParameterLayout& layout) {
  require(!bound_, "constraint set: already bound");
  for (auto& c : constraints_) c->bind(layout);

  // Union-find over constraints that share a block.
  const std::size_t n = constraints_.size();
  std::vector<std::size_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::vector<long> owner(static_cast<std::size_t>(layout.num_blocks()), -1);
  for (std::size_t i = 0; i < n; ++i)
    for (Index b : constraints_[i]->blocks()) {
      auto& o = owner[static_cast<std::size_t>(b)];
      if (o < 0)
        o = static_cast<long>(i);
      else
        parent[root(i)] = root(static_cast<std::size_t>(o));
    }
  components_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (root(i) != i) continue;
    std::vector<ConstraintPtr> members;
    for (std::size_t j = 0; j < n; ++j)
      if (root(j) == i) members.push_back(constraints_[j]);
    if (members.size() == 1) {
      components_.push_back(members.front());
    } else {
      auto stacked = std::make_shared<StackedConstraint>(std::move(members));
      stacked->bind(layout);
      components_.push_back(std::move(stacked));
    }
  }
  // Components run in parallel only when the second largest is large, also
  // next to the largest: one big block and smaller ones (a network's first
  // layer, 784 k weights, and its output layer, 10 k) would leave the other
  // threads spinning at the barrier.
  constrained_size_ = 0;
  Index largest = 0, second = 0;
  for (const auto& c : components_) {
    const Index v = c->num_variables();
    constrained_size_ += v;
    if (v > largest) {
      second = largest;
      largest = v;
    } else if (v > second) {
      second = v;
    }
  }
  parallel_components_ = constrained_size_ >= kParallelWork &&
                         second >= std::max<Index>(kParallelWork / 2, largest / 4);
  free_blocks_.clear();
  for (Index b = 0; b < layout.num_blocks(); ++b)
    if (owner[static_cast<std::size_t>(b)] < 0) free_blocks_.push_back(b);
  bound_ = true;
}

Index ConstraintSet::num_constraints() const {
  Index m = 0;
  for (const auto& c : components_) m += c->num_constraints();
  return m;
}

template <class F>
void ConstraintSet::run_components(F&& f) const {
  const auto n = static_cast<long>(components_.size());
  if (!parallel_components_) {
    // Not even an inactive OpenMP region: entering one costs a libgomp call
    // per substep and can wake idle team threads.
    for (long i = 0; i < n; ++i) f(static_cast<std::size_t>(i));
    return;
  }
  // Components write disjoint blocks.
#pragma omp parallel for schedule(dynamic)
  for (long i = 0; i < n; ++i) f(static_cast<std::size_t>(i));
}

template <class F>
ProjectionResult ConstraintSet::for_each_component(F&& f) const {
  if (components_.size() == 1) return f(*components_.front());
  if (!parallel_components_) {
    ProjectionResult merged;
    for (const auto& c : components_) merged.merge(f(*c));
    return merged;
  }
  std::vector<ProjectionResult> results(components_.size());
  run_components([&](std::size_t i) { results[i] = f(*components_[i]); });
  // Merged in index order, so the reported result does not depend on
  // scheduling.
  ProjectionResult merged;
  for (const auto& r : results) merged.merge(r);
  return merged;
}

void ConstraintSet::substeps(Vector& q, Vector& p, const Vector& gradient, const Vector& noise,
                             const SubstepOp* ops, std::size_t n, const SolverOptions& options,
                             ProjectionResult* results,
                             std::vector<ProjectionResult>& scratch) const {
  if (components_.size() == 1) {
    components_.front()->substeps(q, p, gradient, noise, ops, n, options, results);
    return;
  }
  scratch.assign(components_.size() * n, ProjectionResult{});
  run_components([&](std::size_t i) {
    components_[i]->substeps(q, p, gradient, noise, ops, n, options, scratch.data() + i * n);
  });
  for (std::size_t k = 0; k < n; ++k) {
    results[k] = ProjectionResult{};
    for (std::size_t i = 0; i < components_.size(); ++i) results[k].merge(scratch[i * n + k]);
  }
}

ProjectionResult ConstraintSet::project_position(const Vector& q_old, Vector& q,
                                                 const SolverOptions& options) const {
  return for_each_component(
      [&](const Constraint& c) { return c.project_position(q_old, q, options); });
}

ProjectionResult ConstraintSet::project_momentum(const Vector& q, Vector& p) const {
  return for_each_component([&](const Constraint& c) { return c.project_momentum(q, p); });
}

ProjectionResult ConstraintSet::kick(const Vector& q, Vector& p, double coefficient,
                                     const Vector& gradient) const {
  return for_each_component(
      [&](const Constraint& c) { return c.kick(q, p, coefficient, gradient); });
}

ProjectionResult ConstraintSet::drift(Vector& q, Vector& p, double h,
                                      const SolverOptions& options) const {
  return for_each_component([&](const Constraint& c) { return c.drift(q, p, h, options); });
}

ProjectionResult ConstraintSet::retract(Vector& q, const SolverOptions& options) const {
  return for_each_component([&](const Constraint& c) { return c.retract(q, options); });
}

double ConstraintSet::residual(const Vector& q) const {
  double r = 0.0;
  for (const auto& c : constraints_) {
    const double rc = c->residual(q);
    if (std::isnan(rc)) return rc;
    r = std::max(r, rc);
  }
  return r;
}

double ConstraintSet::momentum_residual(const Vector& q, const Vector& p) const {
  double r = 0.0;
  for (const auto& c : constraints_) {
    const double rc = c->velocity_residual(q, p);
    if (std::isnan(rc)) return rc;
    r = std::max(r, rc);
  }
  return r;
}

}  // namespace cola
