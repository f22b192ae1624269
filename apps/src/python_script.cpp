#include <cola/apps/python_script.hpp>
#include <cola/error.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>

extern char** environ;

namespace cola::apps {

std::string plot_script(const std::string& name) {
  const std::string installed = std::string(COLA_SCRIPT_DIR_INSTALLED) + "/" + name;
  const std::string source = std::string(COLA_SCRIPT_DIR_SOURCE) + "/" + name;
  for (const std::string& candidate : {installed, source}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  throw IoError(name + " not found (looked in " + installed + " and " + source + ")");
}

bool run_python(const std::vector<std::string>& arguments) {
  std::string python = "/usr/bin/python3";
  std::vector<std::string> storage = arguments;
  std::vector<char*> argv = {python.data()};
  for (std::string& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
    throw IoError(python + ": cannot start (the plots need Debian's python3-matplotlib)");
  int status = 0;
  return waitpid(pid, &status, 0) >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace cola::apps
