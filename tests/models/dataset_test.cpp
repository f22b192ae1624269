// Datasets: seeded permutations, subsets and held-out splits, validation,
// the spiral generator, CSV and HDF5 tables, Fashion-MNIST as a Dataset.
#include "temp_dir.hpp"

#include <cola/error.hpp>
#include <cola/models/dataset.hpp>
#include <cola/models/spiral.hpp>
#include <cola/models/table_reader.hpp>

#include <catch2/catch.hpp>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

using namespace cola;
using namespace cola::models;
using Catch::Matchers::Contains;

namespace {

Dataset small(Index n) {
  Dataset d;
  d.source = "small";
  d.num_classes = 3;
  d.features.resize(n, 2);
  for (Index i = 0; i < n; ++i) {
    d.features(i, 0) = static_cast<double>(i);
    d.features(i, 1) = -static_cast<double>(i);
    d.labels.push_back(static_cast<int>(i % 3));
  }
  return d;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("dataset: seeded permutations are permutations, fixed per seed", "[models][data]") {
  const auto a = seeded_permutation(1000, 5), b = seeded_permutation(1000, 5);
  CHECK(a == b);
  CHECK(a != seeded_permutation(1000, 6));
  std::vector<Index> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (Index i = 0; i < 1000; ++i) CHECK(sorted[static_cast<std::size_t>(i)] == i);
  CHECK(a != sorted);
}

TEST_CASE("dataset: subsets and held-out splits are disjoint and reproducible", "[models][data]") {
  const Dataset d = small(100);
  const Dataset s = take_subset(d, 30, 7);
  CHECK(s.size() == 30);
  CHECK(take_subset(d, 30, 7).features == s.features);
  const TrainTestSplit split = split_holdout(d, 25, 7);
  CHECK(split.train.size() == 75);
  CHECK(split.test.size() == 25);
  std::set<double> train, test;
  for (Index i = 0; i < 75; ++i) train.insert(split.train.features(i, 0));
  for (Index i = 0; i < 25; ++i) test.insert(split.test.features(i, 0));
  CHECK(train.size() == 75);
  for (double x : test) CHECK(train.count(x) == 0);
  // Labels travel with their rows.
  for (Index i = 0; i < 25; ++i)
    CHECK(split.test.labels[static_cast<std::size_t>(i)] ==
          static_cast<int>(split.test.features(i, 0)) % 3);
  CHECK_THROWS_AS(take_subset(d, 101, 1), ConfigError);
  CHECK_THROWS_AS(split_holdout(d, 100, 1), ConfigError);
}

TEST_CASE("dataset: validate names the source and the offending entry", "[models][data][errors]") {
  Dataset d = small(5);
  CHECK_NOTHROW(d.validate());
  d.features(3, 1) = NAN;
  CHECK_THROWS_WITH(d.validate(), Contains("small: feature 1 of example 3"));
  d = small(5);
  d.labels[2] = 3;
  CHECK_THROWS_WITH(d.validate(), Contains("small: label 3 of example 2 is outside [0, 3)"));
  d = small(5);
  d.labels.pop_back();
  CHECK_THROWS_WITH(d.validate(), Contains("4 labels for 5 examples"));
  d = small(5);
  d.targets = Matrix::Zero(5, 1);
  CHECK_THROWS_WITH(d.validate(), Contains("both class labels and regression targets"));
  d = small(5);
  d.labels.clear();
  d.num_classes = 0;
  CHECK_THROWS_WITH(d.validate(),
                    Contains("small: has neither class labels nor regression targets"));
  CHECK_THROWS_WITH(small(0).validate(), Contains("small: no examples"));
  d = small(5);
  d.labels.clear();
  d.num_classes = 0;
  d.targets = Matrix::Zero(5, 1);
  d.targets(4, 0) = INFINITY;
  CHECK_THROWS_WITH(d.validate(), Contains("small: target 0 of example 4 is not finite"));
  CHECK_THROWS_WITH(check_network_shape(small(5), 3, 3),
                    Contains("small: features have 2 columns but the network expects 3 inputs"));
  CHECK_THROWS_WITH(check_network_shape(small(5), 2, 2), Contains("3 classes"));
}

TEST_CASE("spiral: shape, balance, radius and determinism per seed", "[models][data]") {
  SpiralOptions o;
  o.arms = 3;
  o.points = 50;
  o.noise = 0.2;
  o.seed = 4;
  const Dataset d = make_spiral(o);
  CHECK(d.size() == 150);
  CHECK(d.dimension() == 2);
  CHECK(d.num_classes == 3);
  for (int j = 0; j < 3; ++j) CHECK(std::count(d.labels.begin(), d.labels.end(), j) == 50);
  // Radius r = i / (n - 1) exactly: the noise moves only the angle.
  for (Index i = 0; i < 50; ++i)
    CHECK(d.features.row(50 + i).norm() == Approx(static_cast<double>(i) / 49).margin(1e-15));
  CHECK(make_spiral(o).features == d.features);
  o.seed = 5;
  CHECK(make_spiral(o).features != d.features);
  // Without noise, arm j point i is at angle 4 (j + r).
  o.noise = 0;
  const Dataset clean = make_spiral(o);
  CHECK(std::atan2(clean.features(149, 0), clean.features(149, 1)) ==
        Approx(std::remainder(4.0 * 3, 2 * M_PI)).margin(1e-12));
  d.validate();
}

TEST_CASE("spiral: errors name the field", "[models][data][errors]") {
  SpiralOptions o;
  o.arms = 1;
  CHECK_THROWS_WITH(make_spiral(o), Contains("arms = 1"));
  o = {};
  o.points = 1;
  CHECK_THROWS_WITH(make_spiral(o), Contains("points = 1"));
  o = {};
  o.noise = -1;
  CHECK_THROWS_WITH(make_spiral(o), Contains("noise"));
}

TEST_CASE("CSV tables: labels or targets by column name, features the rest", "[models][data]") {
  test::TempDir dir;
  const std::string path = dir.file("t.csv");
  write(path, "# comment\nx1, y ,x2\n0.5,1,-2\n1e-3,0,3.25\n\n-1,2,0\n");
  TableColumns c;
  c.label = "y";
  const Dataset d = read_csv_table(path, c);
  CHECK(d.size() == 3);
  CHECK(d.num_classes == 3);
  CHECK(d.labels == std::vector<int>{1, 0, 2});
  CHECK(d.features == Matrix{{0.5, -2}, {1e-3, 3.25}, {-1, 0}});
  TableColumns r;
  r.targets = {"x2"};
  r.features = {"x1"};
  const Dataset reg = read_csv_table(path, r);
  CHECK(reg.targets == Matrix{{-2.0}, {3.25}, {0.0}});
  CHECK(reg.features == Matrix{{0.5}, {1e-3}, {-1.0}});
}

TEST_CASE("CSV tables: errors name the file, line and column", "[models][data][errors]") {
  test::TempDir dir;
  TableColumns c;
  c.label = "y";
  CHECK_THROWS_WITH(read_csv_table(dir.file("missing.csv"), c),
                    Contains("missing.csv: cannot open"));
  const std::string bad = dir.file("bad.csv");
  write(bad, "x,y\n1,0\n2x,1\n");
  CHECK_THROWS_WITH(read_csv_table(bad, c), Contains("bad.csv: line 3, column \"x\": \"2x\""));
  write(bad, "x,y\n1e-310,0\n1e400,1\n");
  CHECK_THROWS_WITH(read_csv_table(bad, c), Contains("line 3, column \"x\": \"1e400\""));
  write(bad, "x,y\n1,0\n2,1,3\n");
  CHECK_THROWS_WITH(read_csv_table(bad, c), Contains("line 3 has 3 fields, the header has 2"));
  write(bad, "x,y\n1,0\n2,-1\n");
  CHECK_THROWS_WITH(read_csv_table(bad, c), Contains("label -1 of example 1"));
  write(bad, "x,y\n1,0\n2,0.5\n");
  CHECK_THROWS_WITH(read_csv_table(bad, c), Contains("is not an integer"));
  write(bad, "x,y\nnan,0\n2,1\n");
  CHECK_THROWS_WITH(read_csv_table(bad, c), Contains("feature 0 of example 0"));
  TableColumns wrong;
  wrong.label = "z";
  write(bad, "x,y\n1,0\n");
  CHECK_THROWS_WITH(read_csv_table(bad, wrong),
                    Contains("no column \"z\"; the header has \"x\", \"y\""));
  TableColumns fixed;
  fixed.label = "y";
  fixed.num_classes = 2;
  write(bad, "x,y\n1,0\n2,2\n");
  CHECK_THROWS_WITH(read_csv_table(bad, fixed), Contains("outside [0, 2)"));
  CHECK_THROWS_AS(read_csv_table(bad, TableColumns{}), ConfigError);
}

namespace {

void h5_write(hid_t file, const char* name, hid_t type, std::vector<hsize_t> dims,
              const void* data) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t ds = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(ds);
  H5Sclose(space);
}

}  // namespace

TEST_CASE("HDF5 tables: features with labels or targets, errors name the dataset",
          "[models][data]") {
  test::TempDir dir;
  const std::string path = dir.file("t.h5");
  {
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const float x[3][2] = {{1, 2}, {3, 4}, {5, 6}};
    const std::int32_t y[3] = {0, 1, 1};
    const double t[3] = {0.5, 1.5, 2.5};
    const double nan_x[3][2] = {{1, 2}, {3, NAN}, {5, 6}};
    const std::int32_t two[2] = {0, 1};
    h5_write(f, "features", H5T_NATIVE_FLOAT, {3, 2}, x);
    h5_write(f, "labels", H5T_NATIVE_INT32, {3}, y);
    h5_write(f, "targets", H5T_NATIVE_DOUBLE, {3}, t);
    h5_write(f, "nan_features", H5T_NATIVE_DOUBLE, {3, 2}, nan_x);
    h5_write(f, "short_labels", H5T_NATIVE_INT32, {2}, two);
    h5_write(f, "float_labels", H5T_NATIVE_DOUBLE, {3}, t);
    H5Fclose(f);
  }
  Hdf5TableNames n;
  const Dataset d = read_hdf5_table(path, n);
  CHECK(d.features == Matrix{{1, 2}, {3, 4}, {5, 6}});
  CHECK(d.labels == std::vector<int>{0, 1, 1});
  CHECK(d.num_classes == 2);
  Hdf5TableNames r;
  r.label = "";
  r.targets = "targets";
  CHECK(read_hdf5_table(path, r).targets == Matrix{{0.5}, {1.5}, {2.5}});

  Hdf5TableNames e = n;
  e.features = "nope";
  CHECK_THROWS_WITH(read_hdf5_table(path, e), Contains("t.h5: dataset nope: not found"));
  e = n;
  e.features = "labels";
  CHECK_THROWS_WITH(read_hdf5_table(path, e), Contains("dataset labels: has rank 1, expected 2"));
  e = n;
  e.label = "short_labels";
  CHECK_THROWS_WITH(read_hdf5_table(path, e), Contains("has 2 labels but features has 3 rows"));
  e = n;
  e.label = "float_labels";
  CHECK_THROWS_WITH(read_hdf5_table(path, e), Contains("must hold integers"));
  e = n;
  e.features = "nan_features";
  CHECK_THROWS_WITH(read_hdf5_table(path, e), Contains("feature 1 of example 1"));
  CHECK_THROWS_WITH(read_hdf5_table(dir.file("none.h5"), n), Contains("none.h5: no such file"));
  write(dir.file("text.h5"), "not hdf5");
  CHECK_THROWS_AS(read_hdf5_table(dir.file("text.h5"), n), IoError);
}

TEST_CASE("Fashion-MNIST as a data set: 10,000-image seeded subset of the real files",
          "[models][data][fashion_mnist]") {
  const std::string dir = fashion_mnist_dir();
  REQUIRE(std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz"));
  const Dataset train = load_fashion_mnist_dataset(dir, true);
  CHECK(train.size() == 60000);
  CHECK(train.dimension() == 784);
  CHECK(train.num_classes == 10);
  const Dataset a = take_subset(train, 10000, 0), b = take_subset(train, 10000, 0);
  CHECK(a.size() == 10000);
  CHECK(a.features == b.features);
  CHECK(a.labels == b.labels);
  // Every class is present in the subset, roughly 1,000 each.
  for (int c = 0; c < 10; ++c) {
    const auto count = std::count(a.labels.begin(), a.labels.end(), c);
    CHECK(count > 850);
    CHECK(count < 1150);
  }
  CHECK_NOTHROW(check_network_shape(a, 784, 10));
  CHECK_THROWS_WITH(load_fashion_mnist_dataset(dir + "/nowhere", false),
                    Contains("dataset-fashion-mnist"));
}
