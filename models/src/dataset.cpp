#include <cola/error.hpp>
#include <cola/models/dataset.hpp>

#include <cmath>
#include <utility>

namespace cola::models {

namespace {

std::string where(const Dataset& d) {
  return d.source.empty() ? std::string("data") : d.source;
}

}  // namespace

void Dataset::validate() const {
  auto fail = [&](const std::string& what) { throw IoError(where(*this) + ": " + what); };
  const Index n = size();
  if (n == 0 || dimension() == 0) fail("no examples or no feature columns");
  const bool has_labels = !labels.empty() || num_classes > 0;
  const bool has_targets = targets.size() > 0;
  if (has_labels == has_targets)
    fail(has_labels ? "has both class labels and regression targets"
                    : "has neither class labels nor regression targets");
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < dimension(); ++j)
      if (!std::isfinite(features(i, j)))
        fail("feature " + std::to_string(j) + " of example " + std::to_string(i) + " is " +
             std::to_string(features(i, j)) + " (features must be finite)");
  if (has_labels) {
    if (num_classes < 2)
      fail("num_classes = " + std::to_string(num_classes) + ": needs at least 2");
    if (static_cast<Index>(labels.size()) != n)
      fail(std::to_string(labels.size()) + " labels for " + std::to_string(n) + " examples");
    for (Index i = 0; i < n; ++i) {
      const int l = labels[static_cast<std::size_t>(i)];
      if (l < 0 || l >= num_classes)
        fail("label " + std::to_string(l) + " of example " + std::to_string(i) +
             " is outside [0, " + std::to_string(num_classes) + ")");
    }
  } else {
    if (targets.rows() != n)
      fail(std::to_string(targets.rows()) + " target rows for " + std::to_string(n) + " examples");
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < targets.cols(); ++j)
        if (!std::isfinite(targets(i, j)))
          fail("target " + std::to_string(j) + " of example " + std::to_string(i) +
               " is not finite");
  }
}

Dataset select_rows(const Dataset& data, const std::vector<Index>& rows) {
  Dataset out;
  out.source = data.source;
  out.num_classes = data.num_classes;
  out.features.resize(static_cast<Index>(rows.size()), data.dimension());
  if (data.targets.size() > 0) out.targets.resize(out.features.rows(), data.targets.cols());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Index i = rows[r];
    if (i < 0 || i >= data.size())
      throw ConfigError(where(data) + ": row " + std::to_string(i) + " out of range [0, " +
                        std::to_string(data.size()) + ")");
    out.features.row(static_cast<Index>(r)) = data.features.row(i);
    if (!data.labels.empty()) out.labels.push_back(data.labels[static_cast<std::size_t>(i)]);
    if (data.targets.size() > 0) out.targets.row(static_cast<Index>(r)) = data.targets.row(i);
  }
  return out;
}

void fisher_yates(std::vector<Index>& v, RngStream& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    // Unbiased draw from [0, i): reject the top (2^64 mod i) values.
    const std::uint64_t bound = i;
    const std::uint64_t limit = (0 - bound) % bound;
    std::uint64_t r = rng();
    while (r < limit) r = rng();
    std::swap(v[i - 1], v[static_cast<std::size_t>(r % bound)]);
  }
}

std::vector<Index> seeded_permutation(Index n, std::uint64_t seed) {
  std::vector<Index> p(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<Index>(i);
  RngStream rng(StreamKey{seed, 0, 0, kDataStream, 0});
  fisher_yates(p, rng);
  return p;
}

Dataset take_subset(const Dataset& data, Index count, std::uint64_t seed) {
  if (count < 1 || count > data.size())
    throw ConfigError("subset of " + std::to_string(count) + " examples from " + where(data) +
                      ", which has " + std::to_string(data.size()) + ": give 1 to " +
                      std::to_string(data.size()));
  std::vector<Index> p = seeded_permutation(data.size(), seed);
  p.resize(static_cast<std::size_t>(count));
  Dataset out = select_rows(data, p);
  out.source += " (" + std::to_string(count) + " examples, seed " + std::to_string(seed) + ")";
  return out;
}

TrainTestSplit split_holdout(const Dataset& data, Index holdout, std::uint64_t seed) {
  if (holdout < 1 || holdout >= data.size())
    throw ConfigError("held-out set of " + std::to_string(holdout) + " examples from " +
                      where(data) + ", which has " + std::to_string(data.size()) + ": give 1 to " +
                      std::to_string(data.size() - 1));
  const std::vector<Index> p = seeded_permutation(data.size(), seed);
  std::vector<bool> held(static_cast<std::size_t>(data.size()), false);
  std::vector<Index> test(p.begin(), p.begin() + holdout), train;
  for (Index i : test) held[static_cast<std::size_t>(i)] = true;
  for (Index i = 0; i < data.size(); ++i)
    if (!held[static_cast<std::size_t>(i)]) train.push_back(i);
  TrainTestSplit s{select_rows(data, train), select_rows(data, test)};
  s.train.source += " (training part)";
  s.test.source += " (held-out part, seed " + std::to_string(seed) + ")";
  return s;
}

void check_network_shape(const Dataset& data, Index inputs, Index outputs) {
  if (data.dimension() != inputs)
    throw IoError(where(data) + ": features have " + std::to_string(data.dimension()) +
                  " columns but the network expects " + std::to_string(inputs) + " inputs");
  const Index have = data.is_classification() ? data.num_classes : data.targets.cols();
  if (have != outputs)
    throw IoError(where(data) + ": " + std::to_string(have) +
                  (data.is_classification() ? " classes" : " target columns") +
                  " but the network has " + std::to_string(outputs) + " outputs");
}

Dataset from_images(const LabelledImages& images, std::string source, int num_classes) {
  Dataset d;
  d.source = std::move(source);
  d.features = images.features.cast<double>();
  d.labels = images.labels;
  d.num_classes = num_classes;
  d.validate();
  return d;
}

Dataset load_fashion_mnist_dataset(const std::string& directory, bool train) {
  std::string source = directory;
  source += train ? "/train-images-idx3-ubyte.gz" : "/t10k-images-idx3-ubyte.gz";
  return from_images(load_fashion_mnist(directory, train), source, 10);
}

}  // namespace cola::models
