#include <cola/apps/commands.hpp>
#include <cola/apps/plot.hpp>
#include <cola/apps/python_script.hpp>
#include <cola/io/trajectory_reader.hpp>

#include <cstdio>
#include <exception>

namespace cola::apps {

int plot_command(const std::string& path, const std::string& out_dir) {
  try {
    { const io::TrajectoryReader check(path); }
    if (!run_python({plot_script("cola_plot.py"), path, out_dir})) {
      std::fprintf(stderr, "cola: error: the plotting script failed on %s\n", path.c_str());
      return kExitRunFailed;
    }
    return kExitOk;
  } catch (...) {
    return report_failure(std::current_exception());
  }
}

}  // namespace cola::apps
