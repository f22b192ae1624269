#pragma once
// A table of examples for a network: features (one example per row, double
// precision; a float32 network converts once when it is built) with class
// labels (classification) or real targets (regression). Produced by the
// readers (IDX, CSV, HDF5) and the spiral generator; subsets and held-out
// splits are taken by seeded permutations so that a run is reproducible.
//
// Value type; thread-safe for concurrent reads.
#include <cola/models/idx_reader.hpp>
#include <cola/rng.hpp>
#include <cola/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cola::models {

struct Dataset {
  std::string source;       // file path or generator description (named in errors)
  Matrix features;          // n x d, one example per row
  std::vector<int> labels;  // classification: n entries in [0, num_classes); else empty
  int num_classes = 0;      // 0 for regression
  Matrix targets;           // regression: n x k; empty (0 x 0) for classification

  Index size() const { return features.rows(); }
  Index dimension() const { return features.cols(); }
  bool is_classification() const { return num_classes > 0; }
  // Throws IoError naming `source` and the first offending row/column: a
  // non-finite feature or target, a label outside [0, num_classes), row
  // counts that disagree, an empty table, or both/neither of labels and
  // targets.
  void validate() const;
};

// The rows `rows` of `data`, in that order (source gets a note of the subset).
Dataset select_rows(const Dataset& data, const std::vector<Index>& rows);

// Stream id of the data's own permutations (subsets, held-out sets): no
// block, sampler or potential stream uses it.
inline constexpr std::uint64_t kDataStream = 0xFFFF'FFFF'0000'0200ULL;

// Shuffles v in place (Fisher-Yates with unbiased bounded integers drawn by
// rejection), the same on every platform.
void fisher_yates(std::vector<Index>& v, RngStream& rng);

// A permutation of 0..n-1 drawn from `seed` (fisher_yates on the stream
// (seed, 0, 0, kDataStream, 0)).
std::vector<Index> seeded_permutation(Index n, std::uint64_t seed);

// The first `count` rows after a seeded shuffle (the paper trains on the
// first 10,000 Fashion-MNIST images after a shuffle). ConfigError when
// count exceeds the rows.
Dataset take_subset(const Dataset& data, Index count, std::uint64_t seed);

struct TrainTestSplit {
  Dataset train, test;
};
// `holdout` rows chosen by a seeded shuffle become the test set, the rest
// (in their original order) the training set. ConfigError unless
// 1 <= holdout < rows.
TrainTestSplit split_holdout(const Dataset& data, Index holdout, std::uint64_t seed);

// IoError naming the source and both shapes when the features do not have
// `inputs` columns, or the labels/targets do not match `outputs`.
void check_network_shape(const Dataset& data, Index inputs, Index outputs);

// Images (features in [0, 1]) as a classification data set.
Dataset from_images(const LabelledImages& images, std::string source, int num_classes = 10);
// Fashion-MNIST's training (60,000) or test (10,000) images from the IDX
// files in `directory` (fashion_mnist_dir() for the Debian package's).
Dataset load_fashion_mnist_dataset(const std::string& directory, bool train);

}  // namespace cola::models
