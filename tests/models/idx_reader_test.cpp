// IDX reader: round trips on small files written here (raw and gzip, told
// apart by content), the real Fashion-MNIST files, and one test per error.
#include "temp_dir.hpp"

#include <cola/error.hpp>
#include <cola/models/idx_reader.hpp>

#include <catch2/catch.hpp>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using cola::ConfigError;
using cola::IoError;
using cola::models::IdxArray;
using cola::models::read_idx;
using cola::models::read_idx_dataset;

using cola::test::TempDir;

namespace {

using Bytes = std::vector<std::uint8_t>;

// IDX bytes: magic (0, 0, type, ndims), big-endian dims, then the payload.
Bytes idx_bytes(const std::vector<std::uint32_t>& dims, const Bytes& payload,
                std::uint8_t type = 0x08) {
  Bytes b = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Deterministic bytes that do not compress much (so a cut gzip is mid-stream).
Bytes pseudo_random_bytes(std::size_t n, std::uint32_t seed) {
  Bytes b(n);
  for (auto& x : b) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<std::uint8_t>(seed >> 24);
  }
  return b;
}

void write_raw(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
}

void write_gzip(const std::string& path, const Bytes& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

Bytes read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The IoError message read_idx gives for path (fails the test when none).
std::string idx_error(const std::string& path) {
  try {
    read_idx(path);
  } catch (const IoError& e) {
    return e.what();
  }
  FAIL("read_idx(" << path << ") did not throw IoError");
  return {};
}

std::string dataset_error(const std::string& images, const std::string& labels) {
  try {
    read_idx_dataset(images, labels);
  } catch (const IoError& e) {
    return e.what();
  }
  FAIL("read_idx_dataset did not throw IoError");
  return {};
}

const Bytes kPayload = pseudo_random_bytes(2 * 3 * 4, 7);

}  // namespace

TEST_CASE("read_idx of a raw 3-d file gives its dims and bytes exactly", "[idx]") {
  TempDir dir;
  const std::string path = dir.file("a.idx");
  write_raw(path, idx_bytes({2, 3, 4}, kPayload));
  const IdxArray a = read_idx(path);
  CHECK(a.dims == std::vector<std::int64_t>{2, 3, 4});
  CHECK(a.data == kPayload);
}

TEST_CASE("read_idx of a gzip file written by gzopen(wb) gives its dims and bytes exactly",
          "[idx]") {
  TempDir dir;
  const std::string path = dir.file("a.idx.gz");
  const Bytes payload = pseudo_random_bytes(300000, 3);
  write_gzip(path, idx_bytes({300000}, payload));
  REQUIRE(read_raw(path)[0] == 0x1f);
  const IdxArray a = read_idx(path);
  CHECK(a.dims == std::vector<std::int64_t>{300000});
  CHECK(a.data == payload);
}

TEST_CASE("read_idx detects gzip by content: a gzip without .gz and a raw named .gz both read",
          "[idx]") {
  TempDir dir;
  write_gzip(dir.file("gzip.idx"), idx_bytes({2, 3, 4}, kPayload));
  write_raw(dir.file("raw.gz"), idx_bytes({2, 3, 4}, kPayload));
  CHECK(read_idx(dir.file("gzip.idx")).data == kPayload);
  CHECK(read_idx(dir.file("raw.gz")).data == kPayload);
}

TEST_CASE("read_idx_dataset gives one image per row, pixels v/255 (255 -> 1) and the labels",
          "[idx]") {
  TempDir dir;
  const Bytes pixels = {0, 255, 1, 2, 3, 4, 128, 10, 20, 30, 40, 50};  // 2 images of 2x3
  write_gzip(dir.file("img.gz"), idx_bytes({2, 2, 3}, pixels));
  write_raw(dir.file("lab"), idx_bytes({2}, {9, 0}));
  const auto d = read_idx_dataset(dir.file("img.gz"), dir.file("lab"));
  REQUIRE(d.features.rows() == 2);
  REQUIRE(d.features.cols() == 6);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 6; ++j) {
      CHECK(d.features(i, j) ==
            static_cast<float>(pixels[static_cast<std::size_t>(6 * i + j)]) / 255.0f);
    }
  }
  CHECK(d.features(0, 1) == 1.0f);
  CHECK(d.labels == std::vector<int>{9, 0});
}

TEST_CASE("fashion_mnist_dir is /usr/share/datasets/fashion-mnist unless COLA_FASHION_MNIST_DIR",
          "[idx]") {
  unsetenv("COLA_FASHION_MNIST_DIR");
  CHECK(cola::models::fashion_mnist_dir() == "/usr/share/datasets/fashion-mnist");
  setenv("COLA_FASHION_MNIST_DIR", "/somewhere/else", 1);
  CHECK(cola::models::fashion_mnist_dir() == "/somewhere/else");
  unsetenv("COLA_FASHION_MNIST_DIR");
}

namespace {

// First label of a label file by a minimal independent decode: the 8-byte
// header (magic 0x00000801, count) then one byte per label.
int first_label(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::array<unsigned char, 9> b{};
  const int got = gzread(f, b.data(), 9);
  gzclose(f);
  REQUIRE(got == 9);
  REQUIRE(b[2] == 0x08);
  REQUIRE(b[3] == 1);
  return b[8];
}

void check_fashion_mnist(bool train, int n) {
  unsetenv("COLA_FASHION_MNIST_DIR");
  const auto d = cola::models::load_fashion_mnist(train);
  REQUIRE(d.features.rows() == n);
  REQUIRE(d.features.cols() == 28 * 28);
  REQUIRE(d.labels.size() == static_cast<std::size_t>(n));
  std::array<int, 10> histogram{};
  int out_of_range = 0;
  for (int label : d.labels) {
    if (label < 0 || label >= 10) {
      ++out_of_range;
    } else {
      ++histogram[static_cast<std::size_t>(label)];
    }
  }
  CHECK(out_of_range == 0);
  for (int count : histogram) CHECK(count == n / 10);
  CHECK(d.features.minCoeff() == 0.0f);
  CHECK(d.features.maxCoeff() == 1.0f);
  CHECK(d.features.row(0).sum() > 0.0f);
  const std::string labels = cola::models::fashion_mnist_dir() +
                             (train ? "/train-labels-idx1-ubyte.gz" : "/t10k-labels-idx1-ubyte.gz");
  CHECK(d.labels[0] == first_label(labels));
}

}  // namespace

TEST_CASE(
    "Fashion-MNIST train: 60000 x 784 in the unit interval, 6000 per class, first label as in the "
    "file",
    "[idx][fashion]") {
  check_fashion_mnist(true, 60000);
}

TEST_CASE(
    "Fashion-MNIST test: 10000 x 784 in the unit interval, 1000 per class, first label as in the "
    "file",
    "[idx][fashion]") {
  check_fashion_mnist(false, 10000);
}

// --- errors: each an IoError naming the file ------------------------------

TEST_CASE("read_idx of a missing file throws IoError 'no such file' naming it", "[idx][error]") {
  TempDir dir;
  const std::string path = dir.file("absent.gz");
  const std::string msg = idx_error(path);
  CHECK_THAT(msg, Contains(path) && Contains("no such file"));
}

TEST_CASE("read_idx of a directory throws IoError 'is a directory' naming it", "[idx][error]") {
  TempDir dir;
  const std::string msg = idx_error(dir.path());
  CHECK_THAT(msg, Contains(dir.path()) && Contains("is a directory"));
}

TEST_CASE("read_idx with a flipped magic (raw or gzip) throws IoError 'two zero bytes'",
          "[idx][error]") {
  TempDir dir;
  Bytes b = idx_bytes({2, 3, 4}, kPayload);
  b[1] = 0x08;  // 00 08 08 03: shifted magic
  write_raw(dir.file("raw"), b);
  write_gzip(dir.file("gz"), b);
  for (const char* name : {"raw", "gz"}) {
    const std::string path = dir.file(name);
    CHECK_THAT(idx_error(path), Contains(path) && Contains("two zero bytes") && Contains("0x08"));
  }
}

TEST_CASE("read_idx of a non-byte type (0x0d float) throws IoError naming the type code",
          "[idx][error]") {
  TempDir dir;
  const std::string path = dir.file("float");
  write_raw(path, idx_bytes({2}, Bytes(8, 0), 0x0D));
  CHECK_THAT(idx_error(path),
             Contains(path) && Contains("type code 0x0d (float)") && Contains("0x08"));
}

TEST_CASE("read_idx with 0 or 5 dimensions throws IoError 'expected 1 to 4'", "[idx][error]") {
  TempDir dir;
  write_raw(dir.file("zero"), {0, 0, 8, 0});
  write_raw(dir.file("five"), idx_bytes({1, 1, 1, 1, 1}, {7}));
  for (const char* name : {"zero", "five"}) {
    const std::string path = dir.file(name);
    CHECK_THAT(idx_error(path), Contains(path) && Contains("expected 1 to 4"));
  }
}

TEST_CASE("read_idx with a dimension of size 0 throws IoError 'is 0'", "[idx][error]") {
  TempDir dir;
  const std::string path = dir.file("empty");
  write_raw(path, idx_bytes({3, 0}, {}));
  CHECK_THAT(idx_error(path), Contains(path) && Contains("dimension 1 is 0"));
}

TEST_CASE("read_idx whose dims overflow the size throws IoError 'overflows' (no allocation)",
          "[idx][error]") {
  TempDir dir;
  const std::string path = dir.file("huge");
  write_raw(path, idx_bytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {1, 2, 3}));
  CHECK_THAT(idx_error(path), Contains(path) && Contains("overflows"));
}

TEST_CASE("read_idx of a huge but valid-sized header on a short file throws 'truncated'",
          "[idx][error]") {
  TempDir dir;
  const std::string path = dir.file("claims-4GB");
  write_raw(path, idx_bytes({0xFFFFFFFFu}, {1, 2, 3}));
  CHECK_THAT(idx_error(path), Contains(path) && Contains("truncated") &&
                                  Contains("implies 4294967295 data bytes, found 3"));
}

TEST_CASE("read_idx of raw data cut short throws IoError 'truncated' with the byte counts",
          "[idx][error]") {
  TempDir dir;
  Bytes b = idx_bytes({2, 3, 4}, kPayload);
  b.pop_back();
  write_raw(dir.file("data"), b);
  CHECK_THAT(idx_error(dir.file("data")), Contains(dir.file("data")) && Contains("truncated") &&
                                              Contains("(2x3x4) implies 24 data bytes, found 23"));
  b.resize(10);  // inside the dimensions
  write_raw(dir.file("header"), b);
  CHECK_THAT(idx_error(dir.file("header")),
             Contains(dir.file("header")) && Contains("truncated") && Contains("found 6"));
  write_raw(dir.file("magic"), {0, 0});
  CHECK_THAT(idx_error(dir.file("magic")),
             Contains(dir.file("magic")) && Contains("truncated") && Contains("4-byte IDX magic"));
}

TEST_CASE("read_idx of a gzip stream cut in the middle throws IoError 'truncated' 'cut short'",
          "[idx][error]") {
  TempDir dir;
  write_gzip(dir.file("full.gz"), idx_bytes({20000}, pseudo_random_bytes(20000, 5)));
  Bytes z = read_raw(dir.file("full.gz"));
  REQUIRE(z.size() > 10000);
  z.resize(z.size() / 2);
  const std::string path = dir.file("cut.gz");
  write_raw(path, z);
  CHECK_THAT(idx_error(path), Contains(path) && Contains("truncated") &&
                                  Contains("implies 20000 data bytes") && Contains("cut short"));
}

TEST_CASE("read_idx of a gzip stream missing its trailer throws IoError 'truncated gzip'",
          "[idx][error]") {
  TempDir dir;
  write_gzip(dir.file("full.gz"), idx_bytes({2, 3, 4}, kPayload));
  Bytes z = read_raw(dir.file("full.gz"));
  z.resize(z.size() - 4);  // drop ISIZE of the 8-byte trailer
  const std::string path = dir.file("cut.gz");
  write_raw(path, z);
  CHECK_THAT(idx_error(path), Contains(path) && Contains("truncated gzip stream"));
}

TEST_CASE("read_idx of a gzip stream with a wrong CRC throws IoError 'corrupt gzip stream'",
          "[idx][error]") {
  TempDir dir;
  write_gzip(dir.file("full.gz"), idx_bytes({2, 3, 4}, kPayload));
  Bytes z = read_raw(dir.file("full.gz"));
  z[z.size() - 8] ^= 0xFF;  // first byte of the CRC-32
  const std::string path = dir.file("crc.gz");
  write_raw(path, z);
  CHECK_THAT(idx_error(path), Contains(path) && Contains("corrupt gzip stream"));
}

TEST_CASE("read_idx with bytes after the data (raw or inside gzip) throws IoError 'bytes after'",
          "[idx][error]") {
  TempDir dir;
  Bytes b = idx_bytes({2, 3, 4}, kPayload);
  b.push_back(0);
  b.push_back(0);
  write_raw(dir.file("raw"), b);
  write_gzip(dir.file("gz"), b);
  for (const char* name : {"raw", "gz"}) {
    const std::string path = dir.file(name);
    CHECK_THAT(idx_error(path),
               Contains(path) && Contains("found 2 bytes after the 24 data bytes"));
  }
}

TEST_CASE("read_idx_dataset with a label of 10 for 10 classes throws IoError naming label file",
          "[idx][error]") {
  TempDir dir;
  write_raw(dir.file("img"), idx_bytes({2, 3, 4}, kPayload));
  write_raw(dir.file("lab"), idx_bytes({2}, {3, 10}));
  CHECK_THAT(dataset_error(dir.file("img"), dir.file("lab")),
             Contains(dir.file("lab")) && Contains("label 10 at index 1 is outside [0, 10)"));
  CHECK(read_idx_dataset(dir.file("img"), dir.file("lab"), 11).labels == std::vector<int>{3, 10});
}

TEST_CASE("read_idx_dataset with 3 labels for 2 images throws IoError naming both files",
          "[idx][error]") {
  TempDir dir;
  write_raw(dir.file("img"), idx_bytes({2, 3, 4}, kPayload));
  write_raw(dir.file("lab"), idx_bytes({3}, {1, 2, 3}));
  CHECK_THAT(dataset_error(dir.file("img"), dir.file("lab")),
             Contains(dir.file("lab")) && Contains("has 3 labels") && Contains(dir.file("img")) &&
                 Contains("has 2 images"));
}

TEST_CASE("read_idx_dataset with files of the wrong rank throws IoError naming the file",
          "[idx][error]") {
  TempDir dir;
  write_raw(dir.file("img"), idx_bytes({2, 3, 4}, kPayload));
  write_raw(dir.file("flat"), idx_bytes({24}, kPayload));
  CHECK_THAT(dataset_error(dir.file("flat"), dir.file("img")),
             Contains(dir.file("flat")) && Contains("3 dimensions"));
  CHECK_THAT(dataset_error(dir.file("img"), dir.file("img")),
             Contains(dir.file("img")) && Contains("1 dimension"));
}

TEST_CASE("read_idx_dataset with num_classes outside 1..256 throws ConfigError naming it",
          "[idx][error]") {
  CHECK_THROWS_MATCHES(
      read_idx_dataset("a", "b", 0), ConfigError,
      Catch::Message("read_idx_dataset: num_classes must be in 1..256 (labels are bytes), got 0"));
}

TEST_CASE("load_fashion_mnist without the files throws IoError naming the file and the package",
          "[idx][error]") {
  TempDir dir;
  setenv("COLA_FASHION_MNIST_DIR", dir.path().c_str(), 1);
  try {
    cola::models::load_fashion_mnist(true);
    FAIL("no IoError");
  } catch (const IoError& e) {
    CHECK_THAT(std::string(e.what()), Contains(dir.file("train-images-idx3-ubyte.gz")) &&
                                          Contains("dataset-fashion-mnist"));
  }
  unsetenv("COLA_FASHION_MNIST_DIR");
}
