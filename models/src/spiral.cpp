#include <cola/error.hpp>
#include <cola/models/spiral.hpp>

#include <cmath>

namespace cola::models {

namespace {
// Stream of the generator (distinct from kDataStream's permutations).
constexpr std::uint64_t kSpiralStream = kDataStream + 1;
}  // namespace

Dataset make_spiral(const SpiralOptions& o) {
  if (o.arms < 2)
    throw ConfigError("arms = " + std::to_string(o.arms) + ": a spiral needs at least 2 arms");
  if (o.points < 2)
    throw ConfigError("points = " + std::to_string(o.points) + ": at least 2 per arm");
  if (!(o.noise >= 0) || !std::isfinite(o.noise))
    throw ConfigError("noise = " + std::to_string(o.noise) + ": must be >= 0");
  Dataset d;
  d.source = "spiral(arms " + std::to_string(o.arms) + ", points " + std::to_string(o.points) +
             ", noise " + std::to_string(o.noise) + ", seed " + std::to_string(o.seed) + ")";
  d.num_classes = o.arms;
  d.features.resize(o.arms * o.points, 2);
  d.labels.resize(static_cast<std::size_t>(o.arms * o.points));
  RngStream rng(StreamKey{o.seed, 0, 0, kSpiralStream, 0});
  for (int j = 0; j < o.arms; ++j)
    for (Index i = 0; i < o.points; ++i) {
      const Index row = j * o.points + i;
      const double r = static_cast<double>(i) / static_cast<double>(o.points - 1);
      const double t = 4 * (j + r) + o.noise * rng.normal();
      d.features(row, 0) = r * std::sin(t);
      d.features(row, 1) = r * std::cos(t);
      d.labels[static_cast<std::size_t>(row)] = j;
    }
  return d;
}

}  // namespace cola::models
