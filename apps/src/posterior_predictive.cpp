#include <cola/apps/posterior_predictive.hpp>
#include <cola/io/result_group.hpp>
#include <cola/io/trajectory_reader.hpp>
#include <cola/models/predictive.hpp>

#include <algorithm>
#include <cmath>

namespace cola::apps {

namespace {

// Row-major copy of a column-major matrix (result groups are C order).
std::vector<double> row_major(const Matrix& m) {
  std::vector<double> v(static_cast<std::size_t>(m.size()));
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      v.data(), m.rows(), m.cols()) = m;
  return v;
}

// Accuracy (classification) or RMSE (regression) of mean outputs.
double headline(const Matrix& mean, const Matrix& mean_square, const models::Dataset& test) {
  if (test.is_classification()) return models::classification_metrics(mean, test.labels).accuracy;
  return models::regression_metrics(mean, mean_square, test.targets).rmse;
}

}  // namespace

std::optional<PosteriorPredictive> posterior_predictive(const std::string& path,
                                                        const Experiment& experiment,
                                                        std::string* why_not) {
  const models::NetworkPotential* network = experiment.network();
  if (network == nullptr) {
    *why_not = "not a network";
    return std::nullopt;
  }
  const models::Dataset& test = *experiment.data().test;
  const ParameterLayout& layout = experiment.layout();
  const io::TrajectoryReader reader(path);
  const std::vector<std::string> blocks = network->mlp().block_names();
  for (const std::string& b : blocks)
    if (std::find(reader.recorded_blocks().begin(), reader.recorded_blocks().end(), b) ==
        reader.recorded_blocks().end()) {
      *why_not = "block " + b + " is not recorded (output.record must cover every network block)";
      return std::nullopt;
    }
  PosteriorPredictive p;
  models::PredictiveAccumulator pooled;
  Vector q = Vector::Zero(layout.size());
  Matrix out;
  for (std::uint64_t c = 0; c < reader.num_chains(); ++c) {
    const std::uint64_t draws = reader.committed_draws(c);
    if (draws == 0) continue;
    std::vector<Matrix> values;
    for (const std::string& b : blocks) values.push_back(reader.draws(b, c));
    models::PredictiveAccumulator chain;
    for (std::uint64_t d = 0; d < draws; ++d) {
      for (std::size_t i = 0; i < blocks.size(); ++i)
        layout.segment(q, layout.index_of(blocks[i])) =
            values[i].row(static_cast<Index>(d)).transpose();
      network->predict(q, test, out);
      chain.add(out);
    }
    p.chain_metric.push_back(headline(chain.mean(), chain.mean_square(), test));
    p.chain_draws.push_back(static_cast<double>(draws));
    pooled.merge(chain);
  }
  if (pooled.count() == 0) {
    *why_not = "the file holds no draws (the run stopped during the warm-up?)";
    return std::nullopt;
  }
  p.mean = pooled.mean();
  p.mean_square = pooled.mean_square();
  PredictiveSummary& s = p.summary;
  s.draws = static_cast<std::uint64_t>(pooled.count());
  s.chains = p.chain_metric.size();
  s.examples = static_cast<std::uint64_t>(test.size());
  s.classification = test.is_classification();
  if (s.classification) {
    const models::ClassificationMetrics m = models::classification_metrics(p.mean, test.labels);
    s.accuracy = m.accuracy;
    s.nll = m.nll;
    s.entropy = m.entropy;
    s.ece = m.ece;
  } else {
    const models::RegressionMetrics m =
        models::regression_metrics(p.mean, p.mean_square, test.targets);
    s.rmse = m.rmse;
    s.predictive_sd = m.predictive_sd;
  }
  s.chain_min = *std::min_element(p.chain_metric.begin(), p.chain_metric.end());
  s.chain_max = *std::max_element(p.chain_metric.begin(), p.chain_metric.end());
  return p;
}

void write_posterior_predictive(const std::string& path, const Experiment& experiment,
                                const PosteriorPredictive& p) {
  const models::Dataset& test = *experiment.data().test;
  const auto n = static_cast<std::uint64_t>(p.mean.rows());
  const auto k = static_cast<std::uint64_t>(p.mean.cols());
  const auto chains = static_cast<std::uint64_t>(p.chain_metric.size());
  const PredictiveSummary& s = p.summary;
  std::vector<io::ResultArray> arrays;
  std::vector<std::pair<std::string, double>> numbers = {{"draws", static_cast<double>(s.draws)},
                                                         {"chains", static_cast<double>(s.chains)}};
  if (s.classification) {
    arrays.push_back({"mean_probability",
                      {"example", "class"},
                      {n, k},
                      row_major(p.mean),
                      "p(class | x) averaged over every retained draw of every chain"});
    std::vector<double> entropy(n), labels(n);
    for (Index i = 0; i < p.mean.rows(); ++i) {
      double h = 0;
      for (Index j = 0; j < p.mean.cols(); ++j)
        if (p.mean(i, j) > 0) h -= p.mean(i, j) * std::log(p.mean(i, j));
      entropy[static_cast<std::size_t>(i)] = h;
      labels[static_cast<std::size_t>(i)] = test.labels[static_cast<std::size_t>(i)];
    }
    arrays.push_back(
        {"predictive_entropy", {"example"}, {n}, entropy, "entropy of mean_probability (nats)"});
    arrays.push_back({"label", {"example"}, {n}, labels, "the test label"});
    arrays.push_back({"chain_accuracy",
                      {"chain"},
                      {chains},
                      p.chain_metric,
                      "accuracy of each chain's own predictive mean"});
    numbers.insert(
        numbers.end(),
        {{"accuracy", s.accuracy}, {"nll", s.nll}, {"entropy", s.entropy}, {"ece", s.ece}});
  } else {
    arrays.push_back({"mean_prediction",
                      {"example", "output"},
                      {n, k},
                      row_major(p.mean),
                      "the prediction averaged over every retained draw of every chain"});
    Matrix sd = (p.mean_square - p.mean.cwiseAbs2()).cwiseMax(0.0).cwiseSqrt();
    arrays.push_back({"prediction_sd",
                      {"example", "output"},
                      {n, k},
                      row_major(sd),
                      "sd of the prediction across the draws (network uncertainty only)"});
    arrays.push_back(
        {"target", {"example", "output"}, {n, k}, row_major(test.targets), "the test target"});
    arrays.push_back({"chain_rmse",
                      {"chain"},
                      {chains},
                      p.chain_metric,
                      "RMSE of each chain's own predictive mean"});
    numbers.insert(numbers.end(), {{"rmse", s.rmse}, {"predictive_sd", s.predictive_sd}});
  }
  arrays.push_back(
      {"chain_draws", {"chain"}, {chains}, p.chain_draws, "retained draws of each chain"});
  io::write_result_group(path, kPredictiveGroup, arrays, numbers,
                         {{"test_set", test.source},
                          {"metrics",
                           "NLL: mean -log max(p_label, 1e-12); entropy in nats; "
                           "ECE with 15 equal-width confidence bins"}});
}

}  // namespace cola::apps
