#pragma once
// The subcommands of `cola`, as functions of their parsed arguments (the
// CLI11 parsing lives in apps/cola_main.cpp). Each returns the process exit
// code; errors are reported on stderr in one line.
//
// Exit codes (README): 0 ok; 1 the run failed (numerical failure under the
// `error` policy) or was interrupted (SIGINT/SIGTERM: the file keeps a
// checkpoint, `cola resume` continues); 2 bad usage or configuration
// (nothing is created); 3 I/O (a file that cannot be read or written, an
// existing output without --force).
#include <cola/apps/config_source.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace cola::apps {

enum ExitCode : int { kExitOk = 0, kExitRunFailed = 1, kExitUsage = 2, kExitIo = 3 };

struct RunArguments {
  ConfigSource config;
  bool force = false;
  bool quiet = false;
  std::string command_line;
};

struct ResumeArguments {
  std::string path;
  std::optional<std::uint64_t> steps;  // new run.steps (after warm-up), to extend a run
  std::optional<int> threads;
  bool quiet = false;
  std::string command_line;
};

int run_command(const RunArguments& args);
int resume_command(const ResumeArguments& args);
int presets_command();
// Prints the resolved configuration (every default, documented) as TOML;
// with `doc`, the Markdown reference of every key instead.
int config_command(const ConfigSource& source, bool doc);
int info_command(const std::string& path);

// Reports the exception on stderr ("cola: error: ...") and maps it to an
// exit code: ConfigError and StateError 2, IoError 3, others 1.
int report_failure(const std::exception_ptr& failure);

}  // namespace cola::apps
