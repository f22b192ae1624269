// Writes the deterministic trajectory file that tests/python/
// check_trajectory_xarray.py reads (a ctest fixture):
//
//   write_fixture_trajectory <path>
//
// Two chains (global indices 5 and 6), blocks x (4), layer0.weight (3 x 2)
// and slack (2, not recorded), warm-up 2, thin 2, 11 steps: draws at steps
// 4, 6, 8, 10; statistics at every step after the warm-up. Every value is
// q_i = 1000 c + step + i / 8 for local chain c and flat index i.
#include <cola/io/trajectory_writer.hpp>

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <path>\n", argv[0]);
    return 2;
  }
  try {
    cola::ParameterLayout layout;
    layout.add_block("x", 4);
    layout.add_block("layer0.weight", 3, 2);
    layout.add_block("slack", 2, 1, 0.5);
    cola::RunDescription run;
    run.layout = &layout;
    run.recorded_blocks = {0, 1};
    run.stats = {{"potential", cola::StatSpec::Kind::kFloat64, "potential energy"},
                 {"iterations", cola::StatSpec::Kind::kInt64, "projection iterations"}};
    run.accumulators = {"steps", "rejected"};
    run.num_chains = 2;
    run.first_chain = 5;
    run.thinning = {2, 2, 1};
    run.total_steps = 11;

    cola::io::TrajectoryOptions options;
    options.path = argv[1];
    options.overwrite = true;
    options.chunk_draws = 3;
    options.compression = 1;
    options.attributes = {{"config", "[run]\nsteps = 11\n"}, {"seed", "1"}};
    cola::io::TrajectoryWriter writer(options);
    writer.on_start(run);
    for (std::uint64_t c = 0; c < run.num_chains; ++c) {
      cola::Vector q(layout.size());
      for (std::uint64_t s = 1; s <= run.total_steps; ++s) {
        for (cola::Index i = 0; i < q.size(); ++i)
          q[i] = 1000.0 * static_cast<double>(c) + static_cast<double>(s) +
                 static_cast<double>(i) / 8.0;
        const cola::Thinning& t = run.thinning;
        if (s > t.warmup) {
          const double row[2] = {0.5 * static_cast<double>(s), static_cast<double>(s % 3)};
          writer.on_stats(c, s - t.warmup - 1, row);
        }
        if (s > t.warmup && (s - t.warmup) % t.thin == 0)
          writer.on_draw(c, (s - t.warmup) / t.thin - 1, q);
      }
      cola::ChainCheckpoint cp;
      cp.chain = c;
      cp.state.q = q;
      cp.state.p = -q;
      cp.state.step = run.total_steps;
      cp.accumulators = {11.0, 0.0};
      writer.on_checkpoint(cp);
    }
    writer.on_finish(cola::RunEnd{true, ""});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_fixture_trajectory: %s\n", e.what());
    return 1;
  }
  return 0;
}
