#pragma once
// The spiral classification data of the CoLA paper's depth study (Leimkuhler,
// Pouchon, Vlaar, Storkey: "points in R^2; 500 training points, 1000 test
// points"; the paper does not print its generator). We use the common
// formulation (CS231n): for arm j = 0 .. arms-1 and point i = 0 .. n-1,
//   r = i / (n - 1),  t = 4 (j + r) + noise * N(0, 1),
//   x = (r sin t, r cos t),  label j,
// so each arm turns through 4 radians (about 2/3 of a turn) from the centre
// to radius 1, and `noise` jitters the angle (0.2 in CS231n).
//
// Deterministic per seed (its own stream, independent of sampling noise).
#include <cola/models/dataset.hpp>

#include <cstdint>

namespace cola::models {

struct SpiralOptions {
  int arms = 2;        // classes, >= 2
  Index points = 100;  // per arm, >= 2
  double noise = 0.2;  // sd of the angle jitter (radians), >= 0
  std::uint64_t seed = 1;
};

// ConfigError naming the field ("arms", "points", "noise") when invalid.
Dataset make_spiral(const SpiralOptions& options);

}  // namespace cola::models
