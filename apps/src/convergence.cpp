#include <cola/apps/commands.hpp>
#include <cola/apps/config.hpp>
#include <cola/apps/convergence.hpp>
#include <cola/apps/experiment.hpp>
#include <cola/apps/python_script.hpp>
#include <cola/apps/reference_estimator.hpp>
#include <cola/apps/run_experiment.hpp>
#include <cola/error.hpp>

#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>
#include <stdexcept>

namespace cola::apps {

namespace {

// A TOML float that reads back as exactly `x`.
std::string toml_float(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// A step size as the user wrote it, for messages.
std::string shortest(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::uint64_t steps_for(double time, double h) {
  return static_cast<std::uint64_t>(std::ceil(time / h - 1e-9));
}

// The configuration of the run at step size h.
ExperimentConfig config_at(toml::table table, double h, const ConvergenceSettings& s) {
  apply_override(table, "sampler.step_size=" + toml_float(h));
  apply_override(table, "output.enabled=false");
  if (s.time) set_steps(table, std::max<std::uint64_t>(1, steps_for(*s.time, h)));
  if (s.warmup_time)
    apply_override(table, "run.warmup=" + std::to_string(steps_for(*s.warmup_time, h)));
  return resolve(table);
}

void check_settings(const ConvergenceSettings& s) {
  if (s.step_sizes.size() < 2)
    throw ConfigError("--step-sizes: give at least two step sizes, e.g. 0.4,0.2,0.1,0.05");
  for (double h : s.step_sizes)
    if (!(h > 0) || !std::isfinite(h))
      throw ConfigError("--step-sizes: " + shortest(h) + " is not a positive step size");
  if (s.time && !(*s.time > 0 && std::isfinite(*s.time)))
    throw ConfigError("--time: must be a positive simulated time (steps = ceil(T / h))");
  if (s.warmup_time && !(*s.warmup_time >= 0 && std::isfinite(*s.warmup_time)))
    throw ConfigError("--warmup-time: must be zero or a positive simulated time");
  if (s.reference && !std::isfinite(*s.reference))
    throw ConfigError("--reference: must be a finite number");
  if (s.observable.empty())
    throw ConfigError("--observable: required, e.g. --observable 'E[x[0]]'");
}

}  // namespace

ConvergenceStudy convergence_study(const toml::table& base, const ConvergenceSettings& s) {
  check_settings(s);
  // Every configuration is resolved before the first run, so that a bad
  // one fails at once.
  std::vector<ExperimentConfig> configs;
  for (double h : s.step_sizes) configs.push_back(config_at(base, h, s));

  ConvergenceStudy study;
  study.observable = s.observable;
  study.chains = configs.front().run.chains;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const Experiment experiment(configs[i]);
    Reference observable = experiment.observable(s.observable);
    if (i == 0) {
      study.sampler = experiment.make_sampler(0)->name();
      if (s.reference) {
        study.reference = *s.reference;
        study.reference_source = "--reference";
      } else if (std::isfinite(observable.exact)) {
        study.reference = observable.exact;
        study.reference_source = observable.source;
      } else {
        throw ConfigError("--reference: " + s.observable +
                          " has no exact value for this experiment; give --reference VALUE");
      }
    }
    observable.exact = study.reference;
    ReferenceEstimator estimator({observable});
    const samplers::RunReport report =
        run_experiment(experiment, initial_starts(experiment), {&estimator}, s.quiet);
    if (!report.completed) {
      std::fprintf(stderr, "cola: convergence: the run at step size %s did not complete\n",
                   shortest(s.step_sizes[i]).c_str());
      if (report.failure) std::rethrow_exception(report.failure);
      throw std::runtime_error(report.interrupted ? "interrupted" : report.message);
    }
    ConvergencePoint p;
    p.step_size = s.step_sizes[i];
    p.steps = experiment.steps();
    p.warmup = configs[i].run.warmup;
    p.seconds = report.seconds;
    for (const auto& c : report.chains) {
      p.failed_attempts += c.stats.failed_attempts();
      p.rejected += c.stats.rejected;
    }
    const std::vector<ReferenceEstimate> e = estimator.estimates();
    if (e.empty())
      throw ConfigError("convergence: the run at step size " + shortest(p.step_size) +
                        " retained no draws (run.steps <= run.warmup?)");
    p.draws = e.front().draws;
    p.estimate = e.front().estimate;
    p.mcse = e.front().mcse;
    p.error = p.estimate - study.reference;
    study.points.push_back(p);
  }
  std::vector<double> h, err, se;
  for (const auto& p : study.points) {
    h.push_back(p.step_size);
    err.push_back(p.error);
    se.push_back(p.mcse);
  }
  study.fit = analysis::fit_order(h, err, se, s.min_z);
  return study;
}

void print_convergence_table(std::FILE* out, const ConvergenceStudy& study) {
  std::fprintf(out, "%s of %s, %llu chains; reference %.10g (%s)\n", study.observable.c_str(),
               study.sampler.c_str(), static_cast<unsigned long long>(study.chains),
               study.reference, study.reference_source.c_str());
  std::fprintf(out, "%11s %11s %10s %12s %10s %11s %9s %8s %8s %8s\n", "step_size", "steps",
               "draws", "estimate", "MCSE", "error", "|err|/MCSE", "failed", "rejected", "seconds");
  for (std::size_t i = 0; i < study.points.size(); ++i) {
    const ConvergencePoint& p = study.points[i];
    std::fprintf(out, "%11.5g %11llu %10llu %12.6g %10.3g %11.3e %9.1f%s %8llu %8llu %8.2f\n",
                 p.step_size, static_cast<unsigned long long>(p.steps),
                 static_cast<unsigned long long>(p.draws), p.estimate, p.mcse, p.error,
                 std::abs(p.error) / p.mcse, study.fit.used[i] ? " " : "*",
                 static_cast<unsigned long long>(p.failed_attempts),
                 static_cast<unsigned long long>(p.rejected), p.seconds);
  }
  if (std::isnan(study.fit.order)) {
    std::fprintf(out,
                 "order: not fitted (fewer than 2 step sizes with an error above 3 MCSE; "
                 "run longer or use larger steps)\n");
    return;
  }
  std::fprintf(out, "order: %.3f +- %.3f from %zu of %zu step sizes (|error| ~ %.4g h^%.3f",
               study.fit.order, study.fit.order_se, study.fit.points, study.points.size(),
               study.fit.constant, study.fit.order);
  if (!std::isnan(study.fit.chi2_per_dof))
    std::fprintf(out, "; chi2/dof %.2f", study.fit.chi2_per_dof);
  std::fprintf(out, ")\n");
  if (study.fit.points < study.points.size())
    std::fprintf(out, "* not in the fit: error below 3 MCSE (not resolved from zero)\n");
}

void write_convergence_csv(const std::string& path, const ConvergenceStudy& study) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) throw IoError(path + ": cannot write");
  std::fprintf(f,
               "step_size,steps,warmup,draws,estimate,mcse,error,reference,failed_attempts,"
               "rejected,seconds,in_fit\n");
  for (std::size_t i = 0; i < study.points.size(); ++i) {
    const ConvergencePoint& p = study.points[i];
    std::fprintf(f, "%.17g,%llu,%llu,%llu,%.17g,%.17g,%.17g,%.17g,%llu,%llu,%.3f,%d\n", p.step_size,
                 static_cast<unsigned long long>(p.steps),
                 static_cast<unsigned long long>(p.warmup),
                 static_cast<unsigned long long>(p.draws), p.estimate, p.mcse, p.error,
                 study.reference, static_cast<unsigned long long>(p.failed_attempts),
                 static_cast<unsigned long long>(p.rejected), p.seconds, study.fit.used[i] ? 1 : 0);
  }
  const bool ok = std::ferror(f) == 0;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    throw IoError(path + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw IoError(path + ": cannot replace");
  }
}

int convergence_command(const ConvergenceArguments& args) {
  try {
    const toml::table base = load_config(args.config);
    std::string csv, png;
    if (!args.out_dir.empty()) {
      namespace fs = std::filesystem;
      std::error_code ec;
      fs::create_directories(args.out_dir, ec);
      if (!fs::is_directory(args.out_dir))
        throw IoError(args.out_dir + ": cannot create the output directory");
      csv = (fs::path(args.out_dir) / "convergence.csv").string();
      png = (fs::path(args.out_dir) / "convergence.png").string();
      for (const std::string& f : {csv, png})
        if (!args.force && fs::exists(f))
          throw IoError(f + ": exists (give --force to replace it)");
    }
    const ConvergenceStudy study = convergence_study(base, args.settings);
    print_convergence_table(stdout, study);
    std::fflush(stdout);
    if (csv.empty()) return kExitOk;
    write_convergence_csv(csv, study);
    std::vector<std::string> plot = {plot_script("cola_convergence.py"),
                                     csv,
                                     png,
                                     "--observable",
                                     study.observable,
                                     "--sampler",
                                     study.sampler};
    if (!std::isnan(study.fit.order))
      plot.insert(plot.end(),
                  {"--order", toml_float(study.fit.order), "--order-se",
                   toml_float(study.fit.order_se), "--constant", toml_float(study.fit.constant)});
    if (!run_python(plot)) {
      std::fprintf(stderr, "cola: error: the plotting script failed on %s\n", csv.c_str());
      return kExitRunFailed;
    }
    std::printf("wrote %s and %s\n", csv.c_str(), png.c_str());
    return kExitOk;
  } catch (...) {
    return report_failure(std::current_exception());
  }
}

}  // namespace cola::apps
