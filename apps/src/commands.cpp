#include <cola/apps/commands.hpp>
#include <cola/apps/config.hpp>
#include <cola/apps/config_schema.hpp>
#include <cola/apps/exact_marginals.hpp>
#include <cola/apps/experiment.hpp>
#include <cola/apps/posterior_predictive.hpp>
#include <cola/apps/presets.hpp>
#include <cola/apps/progress.hpp>
#include <cola/apps/reference_estimator.hpp>
#include <cola/apps/run_experiment.hpp>
#include <cola/apps/summary.hpp>
#include <cola/error.hpp>
#include <cola/io/trajectory_reader.hpp>
#include <cola/io/trajectory_writer.hpp>
#include <cola/samplers/run_driver.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#ifndef COLA_VERSION
#define COLA_VERSION "unknown"
#endif
#ifndef COLA_GIT_DESCRIBE
#define COLA_GIT_DESCRIBE "unknown"
#endif

namespace cola::apps {

namespace {

// `command_key`: "command_line" for a new run; a resume keeps the original
// and adds "resume_command_line".
io::TrajectoryOptions writer_options(const OutputConfig& out, const std::string& config_text,
                                     const char* command_key, const std::string& command_line,
                                     const RunConfig& run) {
  io::TrajectoryOptions o;
  o.path = out.path;
  o.precision =
      out.precision == Precision::kFloat32 ? io::Precision::kFloat32 : io::Precision::kFloat64;
  o.compression = out.compression;
  o.chunk_draws = out.flush_every;
  o.attributes = {{"config", config_text},
                  {command_key, command_line},
                  {"library_version", COLA_VERSION},
                  {"git_describe", COLA_GIT_DESCRIBE},
                  {"seed", std::to_string(run.seed)},
                  {"threads", std::to_string(run.threads)}};
  return o;
}

// What a network run adds to the summary; computes and writes the posterior
// predictive when the run completed and wrote a file.
NetworkSummary network_summary(const Experiment& experiment, const samplers::RunReport& report,
                               const io::TrajectoryWriter* writer, std::uint64_t clipped) {
  NetworkSummary n;
  n.clipped = clipped;
  n.last_evaluation = experiment.evaluator()->last_evaluation();
  if (!experiment.config().data.predictive)
    n.predictive_note = "data.predictive = false";
  else if (writer == nullptr)
    n.predictive_note = "output is disabled (it is computed from the retained draws in the file)";
  else if (!report.completed)
    n.predictive_note = "the run did not complete";
  else if (auto p = posterior_predictive(writer->path(), experiment, &n.predictive_note)) {
    write_posterior_predictive(writer->path(), experiment, *p);
    n.predictive = p->summary;
    n.predictive_group = kPredictiveGroup;
  }
  return n;
}

// Runs `experiment` from `starts` with `writer` (may be null), prints the
// progress and the summary, and returns the exit code.
int execute(const Experiment& experiment, std::vector<ChainCheckpoint> starts,
            io::TrajectoryWriter* writer, bool quiet, std::uint64_t clipped) {
  ReferenceEstimator references(experiment.references());
  std::vector<Observer*> observers;
  if (writer) observers.push_back(writer);
  if (!references.empty()) observers.push_back(&references);
  const samplers::RunReport report =
      run_experiment(experiment, std::move(starts), observers, quiet);
  const samplers::RunOptions options = experiment.run_options();
  SummaryInput summary;
  {
    const auto sampler = experiment.make_sampler(0);
    summary.sampler = sampler->name();
    summary.sampler_accumulators = sampler->accumulator_names();
  }
  summary.report = &report;
  summary.warmup = options.thinning.warmup;
  summary.total_steps = options.total_steps;
  summary.references = references.estimates();
  if (writer) {
    const io::WriterStats w = writer->stats();
    summary.output_path = writer->path();
    summary.writer_busy_seconds = w.busy_seconds;
    summary.bytes_written = w.bytes_written;
    summary.chunks_written = w.chunks_written;
  }
  if (experiment.network() != nullptr)
    summary.network = network_summary(experiment, report, writer, clipped);
  if (writer && report.completed)
    write_exact_marginals(writer->path(), experiment.exact_marginals());
  print_summary(stdout, summary);
  std::fflush(stdout);
  if (report.completed) return kExitOk;
  if (report.interrupted) {
    std::fprintf(stderr, "cola: interrupted%s\n",
                 writer ? ("; continue with `cola resume " + writer->path() + "`").c_str() : "");
    return kExitRunFailed;
  }
  return report_failure(report.failure);
}

}  // namespace

int report_failure(const std::exception_ptr& failure) {
  try {
    if (failure) std::rethrow_exception(failure);
    std::fprintf(stderr, "cola: error: the run failed\n");
    return kExitRunFailed;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "cola: error: %s\n", e.what());
    return kExitUsage;
  } catch (const StateError& e) {
    std::fprintf(stderr, "cola: error: %s\n", e.what());
    return kExitUsage;
  } catch (const IoError& e) {
    std::fprintf(stderr, "cola: I/O error: %s\n", e.what());
    return kExitIo;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cola: error: %s\n", e.what());
    return kExitRunFailed;
  }
}

int run_command(const RunArguments& args) {
  try {
    // Everything is validated (configuration, experiment, output path)
    // before the output file is created.
    const ExperimentConfig config = resolve(load_config(args.config));
    const Experiment experiment(config);
    std::uint64_t clipped = 0;
    std::vector<ChainCheckpoint> starts = initial_starts(experiment, &clipped);
    std::optional<io::TrajectoryWriter> writer;
    if (config.output.enabled) {
      io::TrajectoryOptions o = writer_options(config.output, to_toml(config), "command_line",
                                               args.command_line, config.run);
      o.overwrite = args.force;
      writer.emplace(std::move(o));
    }
    return execute(experiment, std::move(starts), writer ? &*writer : nullptr, args.quiet, clipped);
  } catch (...) {
    return report_failure(std::current_exception());
  }
}

int resume_command(const ResumeArguments& args) {
  try {
    std::string text;
    std::vector<std::optional<ChainCheckpoint>> checkpoints;
    {
      // Closed before the writer opens the file (one HDF5 handle per file).
      const io::TrajectoryReader reader(args.path);
      text = reader.attribute("config");
      for (std::uint64_t c = 0; c < reader.num_chains(); ++c)
        checkpoints.push_back(reader.checkpoint(c));
    }
    toml::table table = parse_config(text, args.path + ": attribute config");
    if (args.steps) set_steps(table, *args.steps);
    if (args.threads) apply_override(table, "run.threads=" + std::to_string(*args.threads));
    // The stored configuration names the file it was written to; the file
    // may have moved since.
    apply_override(table, "output.path=" + toml_string(args.path));
    const ExperimentConfig config = resolve(table);
    const Experiment experiment(config);
    if (checkpoints.size() != config.run.chains)
      throw IoError(
          args.path + ": holds " + std::to_string(checkpoints.size()) +
          " chains but its configuration has run.chains = " + std::to_string(config.run.chains));
    const std::uint64_t total = experiment.run_options().total_steps;
    std::vector<ChainCheckpoint> starts(config.run.chains);
    for (std::uint64_t c = 0; c < config.run.chains; ++c) {
      if (checkpoints[c]) {
        starts[c] = std::move(*checkpoints[c]);
        if (starts[c].state.step > total)
          throw ConfigError("--steps " + std::to_string(total - config.run.warmup) + ": chain " +
                            std::to_string(c) + " is already at step " +
                            std::to_string(starts[c].state.step) +
                            " (warm-up included); give at least " +
                            std::to_string(starts[c].state.step - config.run.warmup));
      } else {
        // No checkpoint yet (killed early): the chain starts again from 0.
        starts[c].state = experiment.initial_state(c);
      }
      starts[c].chain = c;
    }
    io::TrajectoryOptions o = writer_options(config.output, to_toml(config), "resume_command_line",
                                             args.command_line, config.run);
    io::TrajectoryWriter writer = io::TrajectoryWriter::resume(std::move(o));
    return execute(experiment, std::move(starts), &writer, args.quiet, 0);
  } catch (...) {
    return report_failure(std::current_exception());
  }
}

int presets_command() {
  std::size_t width = 0;
  for (const auto& p : presets()) width = std::max(width, p.name.size());
  for (const auto& p : presets())
    std::printf("%-*s  %s\n", static_cast<int>(width), std::string(p.name).c_str(),
                std::string(p.description).c_str());
  return kExitOk;
}

int config_command(const ConfigSource& source, bool doc) {
  try {
    if (doc) {
      std::fputs(configuration_reference().c_str(), stdout);
      return kExitOk;
    }
    const ExperimentConfig config = resolve(load_config(source));
    const Experiment experiment(config);  // the same checks as `cola run`
    std::fputs(to_toml(config).c_str(), stdout);
    return kExitOk;
  } catch (...) {
    return report_failure(std::current_exception());
  }
}

int info_command(const std::string& path) {
  try {
    const io::TrajectoryReader r(path);
    auto attr = [&](const char* name) {
      try {
        return r.attribute(name);
      } catch (const IoError&) {
        return std::string("-");
      }
    };
    std::printf("%s: cola trajectory, format version %lld\n", path.c_str(),
                static_cast<long long>(r.format_version()));
    std::printf("  status        %s%s%s\n", r.status().c_str(),
                attr("message").empty() || attr("message") == "-" ? "" : ": ",
                attr("message") == "-" ? "" : attr("message").c_str());
    std::printf("  started       %s   ended %s\n", attr("start_time").c_str(),
                attr("end_time").empty() ? "(not ended)" : attr("end_time").c_str());
    std::printf("  written by    cola %s (%s); seed %s, threads %s\n",
                attr("library_version").c_str(), attr("git_describe").c_str(), attr("seed").c_str(),
                attr("threads").c_str());
    std::printf("  command       %s\n", attr("command_line").c_str());
    const Thinning& t = r.thinning();
    std::printf(
        "  run           %llu chains, %llu steps per chain (warm-up %llu), thin %llu, "
        "statistics every %llu\n",
        static_cast<unsigned long long>(r.num_chains()),
        static_cast<unsigned long long>(r.total_steps()), static_cast<unsigned long long>(t.warmup),
        static_cast<unsigned long long>(t.thin), static_cast<unsigned long long>(t.stats_thin));
    std::printf("  blocks        ");
    const ParameterLayout& layout = r.layout();
    for (const auto& b : layout.blocks()) {
      bool recorded = false;
      for (const auto& n : r.recorded_blocks()) recorded = recorded || n == b.name;
      std::printf("%s [%lld x %lld]%s  ", b.name.c_str(), static_cast<long long>(b.rows),
                  static_cast<long long>(b.cols), recorded ? "" : " (not recorded)");
    }
    std::printf("\n  statistics    ");
    for (const auto& s : r.stats()) std::printf("%s ", s.name.c_str());
    std::printf("\n  precision     %s\n", r.float32() ? "float32" : "float64");
    for (std::uint64_t c = 0; c < r.num_chains(); ++c) {
      const auto k = r.checkpoint(c);
      std::printf("  chain %-6llu  %llu draws, %llu statistics rows, checkpoint %s\n",
                  static_cast<unsigned long long>(r.first_chain() + c),
                  static_cast<unsigned long long>(r.committed_draws(c)),
                  static_cast<unsigned long long>(r.committed_stats(c)),
                  k ? ("at step " + std::to_string(k->state.step)).c_str() : "none");
    }
    return kExitOk;
  } catch (...) {
    return report_failure(std::current_exception());
  }
}

}  // namespace cola::apps
