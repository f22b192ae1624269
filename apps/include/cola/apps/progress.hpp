#pragma once
// Progress of a running experiment, drawn by its own thread from the
// driver's live counters (ChainProgress: relaxed atomics), so sampling
// threads never wait for the display.
//   terminal:      one live line per chain, redrawn in place twice a second;
//   not a terminal: one plain line per chain every `plain_interval` seconds;
//   quiet:          nothing.
// Each line: chain, steps done / total, steps/s over the last interval, ETA,
// failed attempts and rejections, largest constraint residual so far.
#include <cola/samplers/run_driver.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace cola::apps {

enum class ProgressMode { kQuiet, kTerminal, kPlain };

// kTerminal when `stream` is a terminal, kPlain otherwise; kQuiet if quiet.
ProgressMode detect_progress_mode(std::FILE* stream, bool quiet);

class ProgressDisplay {
 public:
  ProgressDisplay(const samplers::RunDriver& driver, ProgressMode mode, std::FILE* stream,
                  double plain_interval = 10.0);
  ~ProgressDisplay();  // stops the thread (draws the final state once)
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // Stops the thread after drawing the final state once.
  void stop();

 private:
  void loop();
  void draw(bool final);

  const samplers::RunDriver& driver_;
  ProgressMode mode_;
  std::FILE* stream_;
  double plain_interval_;
  std::vector<std::uint64_t> last_steps_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cola::apps
