#pragma once
// The training and test sets of a network experiment, from the [data]
// section: generated (spiral), Fashion-MNIST from its Debian package, or
// CSV/HDF5 tables; seeded training subsets and held-out test sets, so that
// the same configuration always trains on the same examples.
//
// Errors: IoError naming the file (missing, malformed, NaN, labels out of
// range); ConfigError naming the data key (a subset larger than the data).
#include <cola/apps/config.hpp>
#include <cola/models/dataset.hpp>

#include <memory>

namespace cola::apps {

struct NetworkData {
  std::shared_ptr<const models::Dataset> train, test;
};

NetworkData load_network_data(const DataConfig& data);

}  // namespace cola::apps
