#include <cola/apps/progress.hpp>
#include <cola/apps/run_experiment.hpp>

#include <atomic>
#include <csignal>

namespace cola::apps {

namespace {

// The driver a SIGINT/SIGTERM should stop. request_stop() only stores an
// atomic flag, which is async-signal-safe; the handler resets itself, so a
// second signal kills the process the default way.
std::atomic<samplers::RunDriver*> g_running{nullptr};

extern "C" void on_stop_signal(int) {
  if (samplers::RunDriver* d = g_running.load()) d->request_stop();
}

class StopOnSignal {
 public:
  explicit StopOnSignal(samplers::RunDriver& driver) {
    g_running.store(&driver);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopOnSignal() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    g_running.store(nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace

samplers::RunReport run_experiment(const Experiment& experiment,
                                   std::vector<ChainCheckpoint> starts,
                                   const std::vector<Observer*>& observers, bool quiet) {
  samplers::RunOptions options = experiment.run_options();
  if (!experiment.output().checkpoint) options.checkpoint_every = 0;
  samplers::RunDriver driver(
      experiment.layout(), [&](std::uint64_t chain) { return experiment.make_sampler(chain); },
      options);
  for (Observer* o : observers) driver.add_observer(*o);
  StopOnSignal stop_on_signal(driver);
  ProgressDisplay progress(driver, detect_progress_mode(stderr, quiet), stderr);
  return driver.run(std::move(starts));
}

std::vector<ChainCheckpoint> initial_starts(const Experiment& experiment, std::uint64_t* clipped) {
  std::vector<ChainCheckpoint> starts(experiment.config().run.chains);
  for (std::uint64_t c = 0; c < starts.size(); ++c) {
    Index outside = 0;
    starts[c].chain = c;
    starts[c].state = experiment.initial_state(c, &outside);
    if (clipped) *clipped += static_cast<std::uint64_t>(outside);
  }
  return starts;
}

}  // namespace cola::apps
