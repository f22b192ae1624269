// write_result_group: a result group written into a finished trajectory
// reads back with the HDF5 C API (values, shared dimension scales,
// attributes) while the trajectory itself stays byte-for-byte the same and
// TrajectoryReader still opens it; a second write replaces the group; a file
// left by a killed writer is repaired; a failed write keeps the old group;
// bad arguments and bad files are refused without touching the file.
#include "trajectory_test_support.hpp"

#include <cola/error.hpp>
#include <cola/io/result_group.hpp>
#include <cola/io/trajectory_reader.hpp>
#include <cola/io/trajectory_writer.hpp>

#include <H5DSpublic.h>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using cola::ConfigError;
using cola::IoError;
using cola::RunEnd;
using cola::io::ResultArray;
using cola::io::TrajectoryOptions;
using cola::io::TrajectoryReader;
using cola::io::TrajectoryWriter;
using cola::io::write_result_group;
using cola::test::TempDir;
using cola::test::TestRun;

namespace {

void write_run(const TestRun& r, const std::string& path) {
  TrajectoryOptions o;
  o.path = path;
  o.chunk_draws = 4;
  TrajectoryWriter writer(o);
  writer.on_start(r.run);
  r.drive_all(writer, std::vector<std::uint64_t>(r.run.num_chains, 0), r.run.total_steps, 10, true);
  writer.on_finish(RunEnd{true, ""});
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A bool, so that a failure does not print the file.
bool unchanged(const std::string& path, const std::string& bytes) {
  return contents(path) == bytes;
}

std::vector<double> ramp(std::size_t n, double scale) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * static_cast<double>(i) + 0.25;
  return v;
}

// A posterior predictive of 5 examples and 3 classes: probabilities
// [example, class], a per-example entropy [example] and a scalar.
std::vector<ResultArray> predictive_arrays() {
  return {{"probabilities", {"example", "class"}, {5, 3}, ramp(15, 0.5), "mean class probability"},
          {"entropy", {"example"}, {5}, ramp(5, -1.0), "predictive entropy"},
          {"accuracy", {}, {}, {0.75}, "test accuracy"}};
}

// Everything the tests read back through the C API.
struct Group {
  hid_t file = -1, group = -1;
  Group(const std::string& path, const std::string& name) {
    file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file >= 0) group = H5Gopen2(file, name.c_str(), H5P_DEFAULT);
  }
  ~Group() {
    if (group >= 0) H5Gclose(group);
    if (file >= 0) H5Fclose(file);
  }
  bool has(const std::string& name) const {
    return H5Lexists(group, name.c_str(), H5P_DEFAULT) > 0;
  }
  std::vector<hsize_t> shape(const std::string& name) const {
    const hid_t ds = H5Dopen2(group, name.c_str(), H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    H5Sclose(space);
    H5Dclose(ds);
    return dims;
  }
  bool is_float64(const std::string& name) const {
    const hid_t ds = H5Dopen2(group, name.c_str(), H5P_DEFAULT);
    const hid_t type = H5Dget_type(ds);
    const bool yes = H5Tequal(type, H5T_IEEE_F64LE) > 0;
    H5Tclose(type);
    H5Dclose(ds);
    return yes;
  }
  template <class T>
  std::vector<T> read(const std::string& name, hid_t mem) const {
    const hid_t ds = H5Dopen2(group, name.c_str(), H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    std::vector<T> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    if (!v.empty()) H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(space);
    H5Dclose(ds);
    return v;
  }
  // Name of the dimension scale attached to each axis ("" for none or
  // several).
  std::vector<std::string> scale_names(const std::string& name) const {
    const hid_t ds = H5Dopen2(group, name.c_str(), H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<std::string> out;
    for (int k = 0; k < rank; ++k) {
      std::string scale;
      if (H5DSget_num_scales(ds, static_cast<unsigned>(k)) == 1)
        H5DSiterate_scales(ds, static_cast<unsigned>(k), nullptr, scale_name, &scale);
      out.push_back(scale);
    }
    H5Sclose(space);
    H5Dclose(ds);
    return out;
  }
  static herr_t scale_name(hid_t, unsigned, hid_t scale, void* client) {
    char buffer[256] = {0};
    H5DSget_scale_name(scale, buffer, sizeof buffer);
    *static_cast<std::string*>(client) = buffer;
    return 1;
  }
  bool is_scale(const std::string& name) const {
    const hid_t ds = H5Dopen2(group, name.c_str(), H5P_DEFAULT);
    const bool yes = H5DSis_scale(ds) > 0;
    H5Dclose(ds);
    return yes;
  }
  std::string text_attribute(hid_t loc, const std::string& name) const {
    const hid_t attr = H5Aopen(loc, name.c_str(), H5P_DEFAULT);
    const hid_t type = H5Aget_type(attr);
    std::string text;
    char* p = nullptr;
    if (H5Tis_variable_str(type) > 0 && H5Aread(attr, type, &p) >= 0) text = p ? p : "";
    H5free_memory(p);
    H5Tclose(type);
    H5Aclose(attr);
    return text;
  }
  std::string text_attribute(const std::string& name) const { return text_attribute(group, name); }
  std::string description(const std::string& dataset) const {
    const hid_t ds = H5Dopen2(group, dataset.c_str(), H5P_DEFAULT);
    std::string text = text_attribute(ds, "description");
    H5Dclose(ds);
    return text;
  }
  double number_attribute(const std::string& name) const {
    const hid_t attr = H5Aopen(group, name.c_str(), H5P_DEFAULT);
    const hid_t type = H5Aget_type(attr);
    double v = -1;
    if (H5Tequal(type, H5T_IEEE_F64LE) > 0) H5Aread(attr, H5T_NATIVE_DOUBLE, &v);
    H5Tclose(type);
    H5Aclose(attr);
    return v;
  }
  hsize_t num_links() const {
    H5G_info_t info{};
    H5Gget_info(group, &info);
    return info.nlinks;
  }
};

bool root_has(const std::string& path, const std::string& name) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const bool yes = f >= 0 && H5Lexists(f, name.c_str(), H5P_DEFAULT) > 0;
  if (f >= 0) H5Fclose(f);
  return yes;
}

// The trajectory as TrajectoryReader returns it: every committed draw,
// statistic and checkpoint of the run (the content checks of
// trajectory_writer_test, compressed to what a result write could break).
void check_trajectory_intact(const TestRun& r, const std::string& path) {
  const TrajectoryReader reader(path);
  CHECK(reader.status() == "completed");
  const cola::Thinning& t = r.run.thinning;
  const std::uint64_t draws = t.draws_until(r.run.total_steps);
  for (std::uint64_t c = 0; c < r.run.num_chains; ++c) {
    REQUIRE(reader.committed_draws(c) == draws);
    const cola::Matrix x = reader.draws("x", c);
    REQUIRE(x.rows() == static_cast<cola::Index>(draws));
    for (std::uint64_t k = 0; k < draws; ++k)
      CHECK(x.row(static_cast<cola::Index>(k)).transpose() ==
            cola::test::block_of(r, r.q(c, t.draw_step(k)), "x"));
    const auto cp = reader.checkpoint(c);
    REQUIRE(cp.has_value());
    CHECK(cp->state.q == r.checkpoint(c, r.run.total_steps).state.q);
  }
}

// The message of the exception of type E that f throws; a marker otherwise.
template <class E, class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<another exception type: ") + e.what() + ">";
  }
  return "<no exception>";
}

// Runs `body` in a forked child (so resource limits and _exit stay there)
// and returns its exit code; 100 + signal number if it was killed.
template <class Body>
int in_child(Body body) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
      code = 98;
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("result group: arrays with shared dimension scales and group attributes",
          "[result_group]") {
  TempDir dir;
  const TestRun r;
  const std::string path = dir.file("run.h5");
  write_run(r, path);
  const cola::test::FileDump before = cola::test::dump_file(path);

  write_result_group(path, "posterior_predictive", predictive_arrays(),
                     {{"accuracy", 0.75}, {"nll", 0.5}, {"draws", 57}},
                     {{"dataset", "spiral test set"}, {"note", "mean over draws"}});

  const Group g(path, "posterior_predictive");
  REQUIRE(g.group >= 0);
  // Three arrays and two coordinates (example, class), nothing else.
  CHECK(g.num_links() == 5);
  CHECK(g.shape("probabilities") == std::vector<hsize_t>{5, 3});
  CHECK(g.shape("entropy") == std::vector<hsize_t>{5});
  CHECK(g.shape("accuracy").empty());
  for (const char* name : {"probabilities", "entropy", "accuracy"}) CHECK(g.is_float64(name));
  CHECK(g.read<double>("probabilities", H5T_NATIVE_DOUBLE) == ramp(15, 0.5));
  CHECK(g.read<double>("entropy", H5T_NATIVE_DOUBLE) == ramp(5, -1.0));
  CHECK(g.read<double>("accuracy", H5T_NATIVE_DOUBLE) == std::vector<double>{0.75});
  CHECK(g.description("probabilities") == "mean class probability");
  CHECK(g.description("accuracy") == "test accuracy");

  // One coordinate per dimension name, shared: both arrays' `example` axis
  // carries the same scale.
  CHECK(g.is_scale("example"));
  CHECK(g.is_scale("class"));
  CHECK(g.read<std::int64_t>("example", H5T_NATIVE_INT64) ==
        std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(g.read<std::int64_t>("class", H5T_NATIVE_INT64) == std::vector<std::int64_t>{0, 1, 2});
  CHECK(g.scale_names("probabilities") == std::vector<std::string>{"example", "class"});
  CHECK(g.scale_names("entropy") == std::vector<std::string>{"example"});

  CHECK(g.number_attribute("accuracy") == 0.75);
  CHECK(g.number_attribute("nll") == 0.5);
  CHECK(g.number_attribute("draws") == 57);
  CHECK(g.text_attribute("dataset") == "spiral test set");
  CHECK(g.text_attribute("note") == "mean over draws");

  // The trajectory is untouched: same datasets, same bytes, still readable.
  const cola::test::FileDump after = cola::test::dump_file(path);
  CHECK(after.shapes == before.shapes);
  CHECK(after.bytes == before.bytes);
  CHECK(after.strings == before.strings);
  CHECK(after.cola_attributes == before.cola_attributes);
  check_trajectory_intact(r, path);
  CHECK_FALSE(
      root_has(path, cola::io::kIncompleteResultPrefix + std::string("posterior_predictive")));
}

TEST_CASE("result group: a second write replaces the group and leaves the others",
          "[result_group]") {
  TempDir dir;
  const TestRun r;
  const std::string path = dir.file("run.h5");
  write_run(r, path);
  write_result_group(path, "posterior_predictive", predictive_arrays(), {{"accuracy", 0.75}},
                     {{"note", "first"}});
  write_result_group(path, "calibration", {{"ece", {"bin"}, {4}, ramp(4, 0.1), "per bin"}},
                     {{"bins", 4}});

  // Other dimensions, other lengths, fewer attributes.
  write_result_group(path, "posterior_predictive",
                     {{"probabilities", {"example", "class"}, {2, 4}, ramp(8, 2.0), "second"}},
                     {{"nll", 1.5}});

  const Group g(path, "posterior_predictive");
  REQUIRE(g.group >= 0);
  CHECK(g.num_links() == 3);  // probabilities, example, class
  CHECK_FALSE(g.has("entropy"));
  CHECK_FALSE(g.has("accuracy"));
  CHECK(g.shape("probabilities") == std::vector<hsize_t>{2, 4});
  CHECK(g.read<double>("probabilities", H5T_NATIVE_DOUBLE) == ramp(8, 2.0));
  CHECK(g.read<std::int64_t>("class", H5T_NATIVE_INT64) == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(g.scale_names("probabilities") == std::vector<std::string>{"example", "class"});
  CHECK(g.description("probabilities") == "second");
  CHECK(g.number_attribute("nll") == 1.5);
  CHECK(H5Aexists(g.group, "accuracy") == 0);
  CHECK(H5Aexists(g.group, "note") == 0);

  const Group calibration(path, "calibration");
  REQUIRE(calibration.group >= 0);
  CHECK(calibration.read<double>("ece", H5T_NATIVE_DOUBLE) == ramp(4, 0.1));
  CHECK(calibration.number_attribute("bins") == 4);
  check_trajectory_intact(r, path);
}

TEST_CASE("result group: a file left by a killed writer is repaired and written",
          "[result_group]") {
  TempDir dir;
  const std::string path = dir.file("killed.h5");
  // The child's writer ends without on_finish: the file keeps SWMR's
  // "open for writing" mark, which a plain read-write open refuses.
  const int code = in_child([&] {
    const TestRun r(2, {0, 1, 1}, 40);
    TrajectoryOptions o;
    o.path = path;
    o.chunk_draws = 4;
    TrajectoryWriter writer(o);
    writer.on_start(r.run);
    r.drive_all(writer, {0, 0}, 40, 8, true);
    _exit(0);
    return 1;
  });
  REQUIRE(code == 0);
  {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f < 0);
    if (f >= 0) H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
  }
  const std::uint64_t committed = TrajectoryReader(path).committed_draws(0);

  write_result_group(path, "posterior_predictive", predictive_arrays(), {{"accuracy", 0.75}});

  const TrajectoryReader reader(path);
  CHECK(reader.committed_draws(0) == committed);
  const Group g(path, "posterior_predictive");  // a plain open works again
  REQUIRE(g.group >= 0);
  CHECK(g.read<double>("probabilities", H5T_NATIVE_DOUBLE) == ramp(15, 0.5));
}

// The file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) stands for a full
// disk, in a child process so the limit stays there.
TEST_CASE("result group: a write that fails keeps the old group", "[result_group][errors]") {
  TempDir dir;
  const TestRun r;
  const std::string path = dir.file("full.h5");
  write_run(r, path);
  write_result_group(path, "posterior_predictive", predictive_arrays(), {{"accuracy", 0.75}});
  const auto size = static_cast<rlim_t>(contents(path).size());

  const int code = in_child([&] {
    signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{size + 64 * 1024, size + 64 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    try {
      // 8 MB: far past the limit.
      write_result_group(path, "posterior_predictive",
                         {{"probabilities",
                           {"example", "class"},
                           {100000, 10},
                           std::vector<double>(1000000, 0.1),
                           ""}},
                         {});
    } catch (const IoError& e) {
      const std::string what = e.what();
      return what.find(path) != std::string::npos &&
                     what.find("File too large") != std::string::npos
                 ? 0
                 : 2;
    }
    return 1;
  });
  CHECK(code == 0);  // IoError naming the path and the cause

  {
    const Group g(path, "posterior_predictive");
    REQUIRE(g.group >= 0);
    CHECK(g.shape("probabilities") == std::vector<hsize_t>{5, 3});
    CHECK(g.read<double>("probabilities", H5T_NATIVE_DOUBLE) == ramp(15, 0.5));
  }
  check_trajectory_intact(r, path);

  // The next write clears whatever the failed one left.
  write_result_group(path, "posterior_predictive", predictive_arrays(), {{"accuracy", 0.5}});
  CHECK_FALSE(
      root_has(path, cola::io::kIncompleteResultPrefix + std::string("posterior_predictive")));
  CHECK(Group(path, "posterior_predictive").number_attribute("accuracy") == 0.5);
}

TEST_CASE("result group: bad arguments are ConfigError and leave the file alone",
          "[result_group][errors]") {
  TempDir dir;
  const TestRun r(1, {0, 1, 1}, 8);
  const std::string path = dir.file("run.h5");
  write_run(r, path);
  const std::string bytes = contents(path);
  const auto good = predictive_arrays();

  auto refuses = [&](const std::string& group, std::vector<ResultArray> arrays,
                     std::vector<std::pair<std::string, double>> numbers,
                     std::vector<std::pair<std::string, std::string>> texts,
                     const std::string& expected) {
    INFO("expected: " << expected);
    CHECK_THAT(
        message_of<ConfigError>([&] { write_result_group(path, group, arrays, numbers, texts); }),
        Contains(expected));
    CHECK(unchanged(path, bytes));
  };
  refuses("", good, {}, {}, "group name '' is empty");
  refuses("a/b", good, {}, {}, "group name 'a/b'");
  refuses("posterior", good, {}, {}, "'posterior' belongs to the trajectory");
  refuses("sample_stats", good, {}, {}, "'sample_stats' belongs to the trajectory");
  refuses("cola", good, {}, {}, "'cola' belongs to the trajectory");
  refuses("_cola_incomplete_x", good, {}, {}, "reserved prefix");

  auto with = [&](ResultArray a) {
    auto v = good;
    v.push_back(std::move(a));
    return v;
  };
  refuses("g", with({"", {"x"}, {1}, {1.0}, ""}), {}, {}, "array name '' is empty");
  refuses("g", with({"a/b", {"x"}, {1}, {1.0}, ""}), {}, {}, "array name 'a/b'");
  refuses("g", with({"entropy", {"example"}, {5}, ramp(5, 1), ""}), {}, {},
          "array 'entropy' is listed twice");
  refuses("g", with({"z", {"x", "y"}, {2}, {1.0, 2.0}, ""}), {}, {},
          "'z' has 2 dimension names and 1 extents");
  refuses("g", with({"z", {"x"}, {3}, {1.0, 2.0}, ""}), {}, {},
          "'z' has 2 values, its shape needs 3");
  refuses("g", with({"z", {}, {}, {}, ""}), {}, {}, "'z' has 0 values, its shape needs 1");
  refuses("g", with({"z", {"x", "y"}, {~0ull, 4}, {1.0}, ""}), {}, {}, "more than 2^64");
  refuses("g", with({"z", {"x", "x"}, {2, 2}, ramp(4, 1), ""}), {}, {},
          "'z' uses dimension 'x' twice");
  refuses("g", with({"z", {""}, {1}, {1.0}, ""}), {}, {}, "dimension name '' is empty");
  refuses("g", with({"z", {"entropy"}, {1}, {1.0}, ""}), {}, {},
          "dimension 'entropy' of array 'z' is also the name of an array");
  refuses("g", good, {{"", 1.0}}, {}, "group attribute with an empty name");
  refuses("g", good, {{"a", 1.0}}, {{"a", "x"}}, "group attribute 'a' is given twice");
  refuses("g", good, {{"a", 1.0}, {"a", 2.0}}, {}, "group attribute 'a' is given twice");
  CHECK_THROWS_AS(write_result_group("", "g", good, {}), ConfigError);
}

TEST_CASE("result group: bad files are IoError naming the path and stay untouched",
          "[result_group][errors]") {
  TempDir dir;
  const TestRun r(1, {0, 1, 1}, 8);
  const std::string path = dir.file("run.h5");
  write_run(r, path);
  const std::string bytes = contents(path);
  const auto good = predictive_arrays();
  auto io_error = [&](const std::string& file, const std::vector<ResultArray>& arrays,
                      const std::string& expected) {
    INFO("file: " << file << ", expected: " << expected);
    CHECK_THAT(message_of<IoError>([&] {
                 write_result_group(file, "g", arrays, {{"a", 1.0}});
               }),
               Contains(file) && Contains(expected));
  };

  SECTION("one dimension name with two lengths") {
    auto arrays = good;
    arrays.push_back({"z", {"class"}, {4}, ramp(4, 1), ""});
    io_error(path, arrays, "dimension 'class' has length 3 in one array and 4 in array 'z'");
    CHECK(unchanged(path, bytes));
  }
  SECTION("missing file") {
    io_error(dir.file("missing.h5"), good, "no such file");
  }
  SECTION("a directory") {
    io_error(dir.path(), good, "is a directory");
  }
  SECTION("not an HDF5 file") {
    const std::string text = dir.file("text.h5");
    std::ofstream(text) << "not hdf5\n";
    io_error(text, good, "not an HDF5 file");
    CHECK(unchanged(text, "not hdf5\n"));
  }
  SECTION("an HDF5 file that is not a cola trajectory") {
    const std::string other = dir.file("other.h5");
    const hid_t f = H5Fcreate(other.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    const std::string other_bytes = contents(other);
    io_error(other, good, "is not a cola trajectory file");
    CHECK(unchanged(other, other_bytes));
  }
  SECTION("a file another process holds open for writing") {
    // HDF5 locks the files it opens (flock); a live writer holds the lock.
    const int fd = open(path.c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
    io_error(path, good, "");
    close(fd);
    CHECK(unchanged(path, bytes));
  }
  check_trajectory_intact(r, path);
}
