// Efficiency and bias of the exact samplers against unadjusted CoLA-ud on
// von Mises-Fisher targets on S^{d-1} (d = 3 and d = 100): per sampler, the
// bias of E[mu.x] (exact: A_d(kappa)) with its MCSE, the acceptance, and the
// ESS of mu.x per gradient evaluation and per second (4 chains, ESS by
// cola::analysis::ess, multi-chain Geyer). Not a Google Benchmark: the
// figure is statistical. Run: build-bench/bench/exact_samplers_study [steps]
#include <cola/analysis/ess.hpp>
#include <cola/constraint_set.hpp>
#include <cola/fixed_norm_constraint.hpp>
#include <cola/models/linear_tilt.hpp>
#include <cola/samplers/hamiltonian.hpp>
#include <cola/samplers/underdamped.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

using namespace cola;
using namespace cola::samplers;

namespace {

// Counts gradient evaluations.
class Counting final : public Potential {
 public:
  explicit Counting(const Potential& inner) : inner_(inner) {}
  double value_and_gradient(const Vector& q, Vector& g, const PotentialContext& c) const override {
    ++count_;
    return inner_.value_and_gradient(q, g, c);
  }
  std::string name() const override { return inner_.name(); }
  std::uint64_t count() const { return count_; }

 private:
  const Potential& inner_;
  mutable std::uint64_t count_ = 0;
};

struct Row {
  std::string name;
  std::function<std::unique_ptr<Sampler>(const ParameterLayout&, const Potential&,
                                         const ConstraintSet&, std::uint64_t chain)>
      make;
};

void study(Index d, double kappa, const std::vector<Row>& rows, Index steps) {
  const double exact = models::LinearTilt::vmf_mean_cosine(d, kappa);
  std::printf("\nvMF on S^%ld, kappa = %g: E[mu.x] = %.6f; 4 chains x %ld steps\n",
              static_cast<long>(d - 1), kappa, exact, static_cast<long>(steps));
  std::printf("%-22s %10s %10s %8s %10s %12s %12s\n", "sampler", "bias", "MCSE", "accept", "ESS",
              "ESS/grad", "ESS/s");
  for (const Row& row : rows) {
    constexpr int kChains = 4;
    Matrix draws(steps, kChains);
    std::uint64_t grads = 0;
    double seconds = 0, accepted = 0, proposals = 0;
    for (int c = 0; c < kChains; ++c) {
      ParameterLayout layout;
      layout.add_block("x", d);
      ConstraintSet constraints;
      constraints.add(std::make_shared<FixedNormConstraint>("x", 1.0));
      constraints.bind(layout);
      const models::LinearTilt tilt(Vector::Unit(d, d - 1), kappa);
      const Counting counting(tilt);
      auto sampler = row.make(layout, counting, constraints, static_cast<std::uint64_t>(c));
      State s;
      s.q = Vector::Unit(d, 0);
      sampler->run(s, static_cast<std::uint64_t>(steps) / 10);  // burn-in
      const std::uint64_t before = counting.count();
      const auto t0 = std::chrono::steady_clock::now();
      Index k = 0;
      sampler->run(s, static_cast<std::uint64_t>(steps),
                   [&](const State& st, const StepOutcome&) { draws(k++, c) = st.q[d - 1]; });
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      grads += counting.count() - before;
      if (auto* h = dynamic_cast<Hamiltonian*>(sampler.get())) {
        accepted += static_cast<double>(h->metropolis_stats().accepted);
        proposals += static_cast<double>(h->metropolis_stats().proposals);
      }
    }
    const double ess = analysis::ess(draws);
    const double mean = draws.mean();
    Eigen::ArrayXd centred = draws.array().reshaped() - mean;
    const double sd = std::sqrt(centred.square().sum() / static_cast<double>(draws.size() - 1));
    std::printf("%-22s %+10.2e %10.1e %8.3f %10.0f %12.4f %12.0f\n", row.name.c_str(), mean - exact,
                sd / std::sqrt(ess), proposals > 0 ? accepted / proposals : 1.0, ess,
                ess / static_cast<double>(grads), ess / seconds);
  }
}

std::vector<Row> rows(double h_ghmc, double h_hmc, int l_hmc, double h_baoab) {
  auto common = [](std::uint64_t chain) {
    CommonOptions o;
    o.seed = 1;
    o.chain = chain;
    o.failure_policy = FailurePolicy::kReject;
    return o;
  };
  return {
      {"GHMC h=" + std::to_string(h_ghmc).substr(0, 5),
       [=](const ParameterLayout& l, const Potential& p, const ConstraintSet& c, std::uint64_t k) {
         HamiltonianOptions o = HamiltonianOptions::ghmc(h_ghmc, 1.0);
         o.common = common(k);
         return std::make_unique<Hamiltonian>(l, p, c, o);
       }},
      {"GHMC, no reverse check",
       [=](const ParameterLayout& l, const Potential& p, const ConstraintSet& c, std::uint64_t k) {
         HamiltonianOptions o = HamiltonianOptions::ghmc(h_ghmc, 1.0);
         o.common = common(k);
         o.reverse.enabled = false;
         return std::make_unique<Hamiltonian>(l, p, c, o);
       }},
      {"HMC h=" + std::to_string(h_hmc).substr(0, 5) + " L=" + std::to_string(l_hmc),
       [=](const ParameterLayout& l, const Potential& p, const ConstraintSet& c, std::uint64_t k) {
         HamiltonianOptions o = HamiltonianOptions::hmc(h_hmc, l_hmc);
         o.common = common(k);
         return std::make_unique<Hamiltonian>(l, p, c, o);
       }},
      {"CoLA-ud h=" + std::to_string(h_baoab).substr(0, 5),
       [=](const ParameterLayout& l, const Potential& p, const ConstraintSet& c, std::uint64_t k) {
         UnderdampedOptions o = UnderdampedOptions::physical(h_baoab, 1.0, 1.0);
         o.common = common(k);
         return std::make_unique<Underdamped>(l, p, c, o);
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  const Index steps = argc > 1 ? std::atol(argv[1]) : 200000;
  study(3, 2.0, rows(0.4, 0.3, 5, 0.4), steps);
  // On S^99 |p| is about 10: steps with |p| h / 2 > 1 have no SHAKE root.
  study(100, 20.0, rows(0.05, 0.05, 10, 0.05), steps / 4);
  return 0;
}
