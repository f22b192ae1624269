#include <cola/apps/network_data.hpp>
#include <cola/error.hpp>
#include <cola/models/idx_reader.hpp>
#include <cola/models/spiral.hpp>
#include <cola/models/table_reader.hpp>

#include <string>
#include <utility>

namespace cola::apps {

namespace {

std::shared_ptr<const models::Dataset> share(models::Dataset d) {
  return std::make_shared<const models::Dataset>(std::move(d));
}

// The first `count` rows (0: all) of data, in file order: test sets are not
// shuffled, so that "the first 1000 test images" means what it says.
models::Dataset first_rows(models::Dataset data, std::uint64_t count, const char* key) {
  if (count == 0) return data;
  if (count > static_cast<std::uint64_t>(data.size()))
    throw ConfigError(std::string("data.") + key + " = " + std::to_string(count) + " but " +
                      data.source + " has " + std::to_string(data.size()) + " examples");
  std::vector<Index> rows(count);
  for (std::uint64_t i = 0; i < count; ++i) rows[i] = static_cast<Index>(i);
  return models::select_rows(data, rows);
}

// The first `count` rows (0: all) after a shuffle seeded by data.seed.
models::Dataset train_subset(models::Dataset data, std::uint64_t count, std::uint64_t seed) {
  if (count == 0) return data;
  if (count > static_cast<std::uint64_t>(data.size()))
    throw ConfigError("data.train_size = " + std::to_string(count) + " but " + data.source +
                      " has " + std::to_string(data.size()) + " examples");
  return models::take_subset(data, static_cast<Index>(count), seed);
}

models::Dataset read_table(const DataConfig& d, const std::string& path) {
  if (d.type == DataType::kCsv) {
    models::TableColumns columns;
    columns.label = d.label;
    columns.targets = d.targets;
    return models::read_csv_table(path, columns);
  }
  models::Hdf5TableNames names;
  names.features = d.features;
  names.label = d.label;
  names.targets = d.targets.empty() ? std::string() : d.targets.front();
  return models::read_hdf5_table(path, names);
}

}  // namespace

NetworkData load_network_data(const DataConfig& d) {
  NetworkData out;
  switch (d.type) {
    case DataType::kNone: throw std::logic_error("load_network_data: no data configured");
    case DataType::kSpiral: {
      models::SpiralOptions o;
      o.arms = static_cast<int>(d.arms);
      o.points = d.points;
      o.noise = d.noise;
      o.seed = d.seed;
      out.train = share(models::make_spiral(o));
      // The test set comes from the next seed: new noise, new points.
      o.points = d.test_points;
      o.seed = d.seed + 1;
      out.test = share(models::make_spiral(o));
      break;
    }
    case DataType::kFashionMnist: {
      // An empty data.dir: $COLA_FASHION_MNIST_DIR or Debian's package directory.
      const std::string dir = d.dir.empty() ? models::fashion_mnist_dir() : d.dir;
      models::Dataset train = models::load_fashion_mnist_dataset(dir, true);
      models::Dataset test = models::load_fashion_mnist_dataset(dir, false);
      out.train = share(train_subset(std::move(train), d.train_size, d.seed));
      out.test = share(first_rows(std::move(test), d.test_size, "test_size"));
      break;
    }
    case DataType::kCsv:
    case DataType::kHdf5: {
      models::Dataset all = read_table(d, d.path);
      if (d.test_path.empty()) {
        models::TrainTestSplit split =
            models::split_holdout(all, static_cast<Index>(d.test_size), d.seed);
        out.train = share(train_subset(std::move(split.train), d.train_size, d.seed));
        out.test = share(std::move(split.test));
      } else {
        out.train = share(train_subset(std::move(all), d.train_size, d.seed));
        models::Dataset test = read_table(d, d.test_path);
        if (test.dimension() != out.train->dimension())
          throw IoError(d.test_path + ": " + std::to_string(test.dimension()) +
                        " feature columns but the training table " + d.path + " has " +
                        std::to_string(out.train->dimension()));
        out.test = share(first_rows(std::move(test), d.test_size, "test_size"));
      }
      break;
    }
  }
  return out;
}

}  // namespace cola::apps
