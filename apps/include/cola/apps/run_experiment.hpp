#pragma once
// One run of an experiment as the commands do it: the run driver over the
// experiment's samplers, the given observers (told in order; a trajectory
// writer, estimators), the progress display on stderr, and SIGINT/SIGTERM
// stopping the run cleanly (a second signal kills the process).
#include <cola/apps/experiment.hpp>
#include <cola/observer.hpp>
#include <cola/samplers/run_driver.hpp>

#include <vector>

namespace cola::apps {

samplers::RunReport run_experiment(const Experiment& experiment,
                                   std::vector<ChainCheckpoint> starts,
                                   const std::vector<Observer*>& observers, bool quiet);

// A fresh start for every chain; adds to *clipped the weights that were
// outside their constraint and were projected onto it.
std::vector<ChainCheckpoint> initial_starts(const Experiment& experiment,
                                            std::uint64_t* clipped = nullptr);

}  // namespace cola::apps
