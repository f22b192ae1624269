#include <cola/apps/commands.hpp>
#include <cola/apps/plot.hpp>
#include <cola/error.hpp>
#include <cola/io/trajectory_reader.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <vector>

extern char** environ;

namespace cola::apps {

namespace {

// The installed script, else the one in the source tree this binary was
// built from.
std::string plot_script() {
  for (const char* candidate : {COLA_PLOT_SCRIPT_INSTALLED, COLA_PLOT_SCRIPT_SOURCE}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  throw IoError(std::string("cola_plot.py not found (looked in ") + COLA_PLOT_SCRIPT_INSTALLED +
                " and " + COLA_PLOT_SCRIPT_SOURCE + ")");
}

}  // namespace

int plot_command(const std::string& path, const std::string& out_dir) {
  try {
    { const io::TrajectoryReader check(path); }
    const std::string script = plot_script();
    std::string python = "/usr/bin/python3";
    std::vector<char*> argv = {python.data(), const_cast<char*>(script.c_str()),
                               const_cast<char*>(path.c_str()), const_cast<char*>(out_dir.c_str()),
                               nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
      throw IoError(python + ": cannot start (the plots need Debian's python3-matplotlib)");
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "cola: error: the plotting script failed on %s\n", path.c_str());
      return kExitRunFailed;
    }
    return kExitOk;
  } catch (...) {
    return report_failure(std::current_exception());
  }
}

}  // namespace cola::apps
