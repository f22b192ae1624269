#include <cola/apps/network_evaluator.hpp>

#include <utility>

namespace cola::apps {

NetworkEvaluator::NetworkEvaluator(const models::NetworkPotential& network,
                                   std::shared_ptr<const models::Dataset> train,
                                   std::shared_ptr<const models::Dataset> test, bool evaluate_train,
                                   std::uint64_t every)
    : network_(network),
      train_(std::move(train)),
      test_(std::move(test)),
      evaluate_train_(evaluate_train),
      accuracy_(test_->is_classification()),
      every_(every) {}

std::vector<StatSpec> NetworkEvaluator::specs() const {
  using K = StatSpec::Kind;
  std::vector<StatSpec> s;
  auto add = [&](const char* set, const models::Dataset& data) {
    const std::string n = std::to_string(data.size());
    s.push_back({std::string(set) + "_loss", K::kFloat64,
                 std::string("mean negative log-likelihood per example on the ") + set + " set (" +
                     n + " examples, no prior); NaN between evaluations"});
    if (accuracy_)
      s.push_back({std::string(set) + "_accuracy", K::kFloat64,
                   std::string("fraction of the ") + set + " set (" + n +
                       " examples) whose most probable class is the label"});
  };
  if (evaluate_train_) add("train", *train_);
  add("test", *test_);
  return s;
}

void NetworkEvaluator::evaluate(std::uint64_t global_chain, const State& state,
                                double* values) const {
  double* const first = values;
  auto put = [&](const models::Dataset& data) {
    const models::NetworkPotential::Evaluation e = network_.evaluate(state.q, data);
    *values++ = e.loss;
    if (accuracy_) *values++ = e.accuracy;
  };
  if (evaluate_train_) put(*train_);
  put(*test_);
  const std::lock_guard<std::mutex> lock(mutex_);
  last_[global_chain].assign(first, values);
}

std::vector<std::pair<std::string, double>> NetworkEvaluator::last_evaluation() const {
  const std::vector<StatSpec> columns = specs();
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::pair<std::string, double>> out;
  if (last_.empty()) return out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    double sum = 0;
    for (const auto& [chain, v] : last_) sum += v[i];
    out.emplace_back(columns[i].name, sum / static_cast<double>(last_.size()));
  }
  return out;
}

}  // namespace cola::apps
