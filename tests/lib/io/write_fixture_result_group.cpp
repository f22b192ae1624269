// Writes the file that tests/python/check_result_group_xarray.py reads (a
// ctest fixture):
//
//   write_fixture_result_group <trajectory> <path>
//
// Copies the trajectory of write_fixture_trajectory to <path> and adds
// result groups with cola::io::write_result_group:
//   posterior_predictive  written twice; the second write (kept) holds
//                         probabilities [example = 6, class = 3] = 0.5 i + 0.25
//                         (flat row-major index i), entropy [example] = -i,
//                         accuracy (scalar) = 0.75; attributes nll = 0.5,
//                         draws = 8.0, dataset = "fixture"
//   calibration           ece [bin = 4] = i / 8 and count [bin] = 10 i;
//                         empty [nothing = 0]; attribute bins = 4.0
#include <cola/io/result_group.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace {

std::vector<double> ramp(std::size_t n, double scale, double shift) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * static_cast<double>(i) + shift;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <trajectory> <path>\n", argv[0]);
    return 2;
  }
  try {
    const std::string path = argv[2];
    std::filesystem::copy_file(argv[1], path, std::filesystem::copy_options::overwrite_existing);
    using cola::io::write_result_group;
    // Replaced below: none of it may remain.
    write_result_group(path, "posterior_predictive",
                       {{"stale", {"example", "class"}, {2, 2}, ramp(4, 1, 0), "replaced"}},
                       {{"stale_number", 1}}, {{"stale_text", "replaced"}});
    write_result_group(path, "calibration",
                       {{"ece", {"bin"}, {4}, ramp(4, 0.125, 0), "expected calibration error"},
                        {"count", {"bin"}, {4}, ramp(4, 10, 0), "examples per bin"},
                        {"empty", {"nothing"}, {0}, {}, "a zero-length dimension"}},
                       {{"bins", 4}});
    write_result_group(
        path, "posterior_predictive",
        {{"probabilities", {"example", "class"}, {6, 3}, ramp(18, 0.5, 0.25), "mean probability"},
         {"entropy", {"example"}, {6}, ramp(6, -1, 0), "predictive entropy"},
         {"accuracy", {}, {}, {0.75}, "test accuracy"}},
        {{"nll", 0.5}, {"draws", 8}}, {{"dataset", "fixture"}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_fixture_result_group: %s\n", e.what());
    return 1;
  }
  return 0;
}
