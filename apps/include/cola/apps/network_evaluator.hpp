#pragma once
// Evaluation of a network during a run: the mean loss and accuracy on the
// test set (and on the whole training set when asked) of the current
// weights, as extra sample_stats columns every `every` steps (the run driver
// writes NaN in the rows between). The loss is the mean per-example negative
// log-likelihood, without the prior and without the posterior's N/B
// scaling, so that train and test losses compare directly.
//
// Thread safety: evaluate() may run for several chains at once (the network
// potential takes its scratch from a pool). Allocates per call: the
// evaluation is a pass over a data set, rare next to the steps.
#include <cola/models/dataset.hpp>
#include <cola/models/network_potential.hpp>
#include <cola/samplers/run_driver.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace cola::apps {

class NetworkEvaluator final : public samplers::StatsEvaluator {
 public:
  NetworkEvaluator(const models::NetworkPotential& network,
                   std::shared_ptr<const models::Dataset> train,
                   std::shared_ptr<const models::Dataset> test, bool evaluate_train,
                   std::uint64_t every);
  std::vector<StatSpec> specs() const override;
  std::uint64_t every() const override { return every_; }
  void evaluate(std::uint64_t global_chain, const State& state, double* values) const override;
  // Each column's mean over chains of every chain's newest evaluation (for
  // the summary); empty before the first.
  std::vector<std::pair<std::string, double>> last_evaluation() const;

 private:
  const models::NetworkPotential& network_;
  std::shared_ptr<const models::Dataset> train_, test_;
  bool evaluate_train_, accuracy_;
  std::uint64_t every_;
  mutable std::mutex mutex_;
  mutable std::map<std::uint64_t, std::vector<double>> last_;  // by global chain
};

}  // namespace cola::apps
