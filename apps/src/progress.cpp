#include <cola/apps/progress.hpp>

#include <unistd.h>

#include <cmath>
#include <string>

namespace cola::apps {

namespace {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

const char* phase_name(int phase) {
  switch (phase) {
    case samplers::ChainProgress::kWaiting: return "waiting";
    case samplers::ChainProgress::kRunning: return "running";
    case samplers::ChainProgress::kDone: return "done";
    case samplers::ChainProgress::kFailed: return "FAILED";
    default: return "stopped";
  }
}

}  // namespace

ProgressMode detect_progress_mode(std::FILE* stream, bool quiet) {
  if (quiet) return ProgressMode::kQuiet;
  return isatty(fileno(stream)) ? ProgressMode::kTerminal : ProgressMode::kPlain;
}

ProgressDisplay::ProgressDisplay(const samplers::RunDriver& driver, ProgressMode mode,
                                 std::FILE* stream, double plain_interval)
    : driver_(driver),
      mode_(mode),
      stream_(stream),
      plain_interval_(plain_interval),
      last_steps_(driver.options().chains, 0),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {
  if (mode_ == ProgressMode::kQuiet) return;
  thread_ = std::thread([this] { loop(); });
}

ProgressDisplay::~ProgressDisplay() {
  stop();
}

void ProgressDisplay::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ProgressDisplay::loop() {
  const auto period =
      std::chrono::duration<double>(mode_ == ProgressMode::kTerminal ? 0.5 : plain_interval_);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    draw(false);
    lock.lock();
  }
  lock.unlock();
  // The final state only matters on a terminal, where it replaces the live lines.
  if (mode_ == ProgressMode::kTerminal) draw(true);
}

void ProgressDisplay::draw(bool final) {
  const auto now = std::chrono::steady_clock::now();
  const double interval = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  const std::uint64_t chains = driver_.options().chains;
  const std::uint64_t total = driver_.options().total_steps;
  std::string out;
  if (mode_ == ProgressMode::kTerminal && drawn_)
    out += "\x1b[" + std::to_string(chains) + "F";  // back to the first chain's line
  for (std::uint64_t c = 0; c < chains; ++c) {
    const samplers::ChainProgress& p = driver_.progress(c);
    const std::uint64_t step = p.step.load(std::memory_order_relaxed);
    const double rate = interval > 0 ? static_cast<double>(step - last_steps_[c]) / interval : 0.0;
    last_steps_[c] = step;
    const double eta = rate > 0 ? static_cast<double>(total - step) / rate : NAN;
    const int phase = p.phase.load(std::memory_order_relaxed);
    char line[256];
    std::snprintf(line, sizeof line,
                  "chain %llu  %5.1f%%  %llu/%llu steps  %9.0f steps/s  ETA %s  failed %llu  "
                  "rejected %llu  max|g| %.1e  %s",
                  static_cast<unsigned long long>(driver_.options().first_chain + c),
                  100.0 * static_cast<double>(step) / static_cast<double>(total),
                  static_cast<unsigned long long>(step), static_cast<unsigned long long>(total),
                  final ? 0.0 : rate,
                  format_duration(phase == samplers::ChainProgress::kRunning ? eta : NAN).c_str(),
                  static_cast<unsigned long long>(p.failed_attempts.load()),
                  static_cast<unsigned long long>(p.rejected.load()), p.max_residual.load(),
                  phase_name(phase));
    out += line;
    out += mode_ == ProgressMode::kTerminal ? "\x1b[K\n" : "\n";
  }
  if (mode_ == ProgressMode::kPlain) {
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    // Built by appends: GCC 12's -Wrestrict misfires on "literal" + string&& in C++20.
    std::string header = "[";
    header += format_duration(elapsed);
    header += "]\n";
    out.insert(0, header);
  }
  std::fputs(out.c_str(), stream_);
  std::fflush(stream_);
  drawn_ = true;
}

}  // namespace cola::apps
