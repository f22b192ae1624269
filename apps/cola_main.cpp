// The `cola` command: a thin layer of argument parsing (CLI11) over the
// subcommands in apps/src/commands.cpp. Exit codes: apps/commands.hpp.
#include <cola/apps/analyze.hpp>
#include <cola/apps/commands.hpp>
#include <cola/apps/convergence.hpp>
#include <cola/apps/plot.hpp>

#include <CLI/CLI.hpp>
#include <H5public.h>

#include <cstdio>
#include <string>

namespace {

std::string join_arguments(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    if (i) out += ' ';
    const std::string a = argv[i];
    const bool quote = a.empty() || a.find_first_of(" \t\"'$\\") != std::string::npos;
    out += quote ? "'" + a + "'" : a;
  }
  return out;
}

// The options shared by `run` and `config` that select and change a configuration.
// `output`: whether --out names the trajectory file (not for `convergence`,
// which writes none).
void add_config_options(CLI::App& app, cola::apps::ConfigSource& source, bool shortcuts,
                        bool output = true) {
  app.add_option("config", source.file, "configuration file (TOML); default: the demo preset");
  app.add_option("--preset", source.preset, "a compiled-in experiment (see `cola presets`)");
  app.add_option("--set", source.sets, "override a key, e.g. --set sampler.step_size=0.1")
      ->type_name("KEY=VALUE");
  if (!shortcuts) return;
  if (output) app.add_option("--out", source.out, "output file (output.path)");
  app.add_option("--chains", source.chains, "number of chains (run.chains)");
  app.add_option("--threads", source.threads, "threads, 0 = all cores (run.threads)");
  app.add_option("--seed", source.seed, "random seed (run.seed)");
  app.add_option("--steps", source.steps, "steps per chain after warm-up (run.steps)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cola::apps;
  // HDF5 1.10 closes files left open at exit, and crashes doing so for a file
  // whose writes failed (a full disk; measured with a file-size limit): the
  // writer could not close it and reported the I/O error already. Every file
  // the command finishes is closed explicitly, so the exit-time clean-up has
  // nothing else to do. Must precede every other HDF5 call.
  H5dont_atexit();
  CLI::App app{"cola: constrained Langevin sampling (CoLA-od, CoLA-ud) of model parameters"};
  app.require_subcommand(0, 1);
  app.footer(
      "Exit codes: 0 ok, 1 run failed or interrupted, 2 bad usage or configuration, 3 I/O.\n"
      "Without a subcommand: `cola run` on the demo preset.");

  RunArguments run_args;
  run_args.command_line = join_arguments(argc, argv);
  CLI::App* run = app.add_subcommand("run", "run an experiment and write its trajectory file");
  add_config_options(*run, run_args.config, true);
  run->add_flag("--force", run_args.force, "overwrite an existing output file");
  run->add_flag("--quiet", run_args.quiet, "no progress lines");

  ResumeArguments resume_args;
  resume_args.command_line = run_args.command_line;
  CLI::App* resume =
      app.add_subcommand("resume", "continue a trajectory file from its checkpoints");
  resume->add_option("file", resume_args.path, "trajectory file")->required();
  resume->add_option("--steps", resume_args.steps,
                     "new steps per chain after warm-up (extends a finished run)");
  resume->add_option("--threads", resume_args.threads, "threads, 0 = all cores");
  resume->add_flag("--quiet", resume_args.quiet, "no progress lines");

  CLI::App* presets = app.add_subcommand("presets", "list the compiled-in experiments");

  ConfigSource config_source;
  bool config_doc = false;
  CLI::App* config = app.add_subcommand(
      "config", "print the fully resolved configuration (TOML, every default, documented)");
  add_config_options(*config, config_source, false);
  config->add_flag("--doc", config_doc, "print the reference of every key (Markdown) instead");

  std::string info_path;
  CLI::App* info = app.add_subcommand("info", "describe a trajectory file");
  info->add_option("file", info_path, "trajectory file")->required();

  AnalyzeArguments analyze_args;
  CLI::App* analyze = app.add_subcommand(
      "analyze", "diagnostics of a trajectory file: mean, sd, quantiles, MCSE, ESS, R-hat");
  analyze->add_option("file", analyze_args.path, "trajectory file")->required();
  analyze->add_option("--blocks", analyze_args.blocks, "glob pattern of the blocks (default *)");
  analyze->add_option("--warmup", analyze_args.warmup,
                      "draws to drop at the start of each chain (after the run's own warm-up)");
  analyze->add_flag("--json", analyze_args.json, "machine-readable output");

  std::string plot_path, plot_out = "plots";
  CLI::App* plot = app.add_subcommand("plot", "PNG plots of a trajectory file");
  plot->add_option("file", plot_path, "trajectory file")->required();
  plot->add_option("--out", plot_out, "directory for the PNG files (default plots)");

  ConvergenceArguments convergence_args;
  CLI::App* convergence = app.add_subcommand(
      "convergence", "weak error of an expectation against the step size, and its fitted order");
  add_config_options(*convergence, convergence_args.config, true, false);
  ConvergenceSettings& cs = convergence_args.settings;
  convergence->add_option("--step-sizes", cs.step_sizes, "step sizes, e.g. 0.4,0.2,0.1,0.05")
      ->delimiter(',')
      ->required();
  convergence
      ->add_option("--observable", cs.observable,
                   "the expectation, e.g. 'E[x[2]]', 'E[x[0]^2]' or a reference of the target")
      ->required();
  convergence->add_option("--reference", cs.reference,
                          "its exact value (default: the target's, when it has one)");
  convergence->add_option("--time", cs.time, "simulated time per chain: ceil(T / h) steps");
  convergence->add_option("--warmup-time", cs.warmup_time, "simulated warm-up: ceil(W / h) steps");
  convergence->add_option("--out", convergence_args.out_dir,
                          "directory for convergence.csv and convergence.png");
  convergence->add_flag("--force", convergence_args.force, "replace them");
  convergence->add_flag("--quiet", cs.quiet, "no progress lines");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "cola: usage error: %s (see `cola --help`)\n", e.what());
    return kExitUsage;
  }
  if (*resume) return resume_command(resume_args);
  if (*presets) return presets_command();
  if (*config) return config_command(config_source, config_doc);
  if (*info) return info_command(info_path);
  if (*analyze) return analyze_command(analyze_args);
  if (*plot) return plot_command(plot_path, plot_out);
  if (*convergence) return convergence_command(convergence_args);
  return run_command(run_args);  // `cola run`, or no subcommand: the demo
}
