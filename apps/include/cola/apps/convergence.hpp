#pragma once
// `cola convergence CONFIG --step-sizes 0.4,0.2,0.1 --observable NAME
// [--reference VALUE] [--time T] [--warmup-time W] [--out DIR]`: the weak
// error of an expectation as a function of the step size, and its order.
//
// For each h the configured experiment runs with sampler.step_size = h and
// no trajectory file; the observable is averaged over every retained draw of
// every chain as the run streams, with a batch-means MCSE pooled over chains
// (analysis/batch_means.hpp). The weak error is estimate - reference; its
// order p in |error| ~ C h^p is fitted by weighted least squares in log-log
// (analysis/order_fit.hpp), leaving out errors not resolved from zero (below
// 3 MCSE). Runs of the same seed give the same table.
//
// Step counts: the configuration's run.steps and run.warmup for every h, or,
// with --time T (--warmup-time W), ceil(T / h) steps (ceil(W / h) warm-up),
// i.e. the same simulated time at every step size. The failure policy of the
// configuration applies; failed attempts and rejections are reported per h
// (at large h the policy changes the answer: ../shared/reference/
// integrator-facts.md §1).
//
// --out DIR writes DIR/convergence.csv (one row per h) and
// DIR/convergence.png (log-log |error| against h with 2-MCSE bars, the fitted
// line and slopes 1 and 2 for comparison; analysis/plots/cola_convergence.py).
#include <cola/analysis/order_fit.hpp>
#include <cola/apps/config_source.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cola::apps {

struct ConvergenceSettings {
  std::vector<double> step_sizes;
  std::string observable;
  std::optional<double> reference;  // default: the observable's exact value
  std::optional<double> time, warmup_time;
  double min_z = 3.0;  // errors below min_z MCSE are left out of the fit
  bool quiet = false;  // no progress lines
};

struct ConvergencePoint {
  double step_size = 0;
  std::uint64_t steps = 0, warmup = 0, draws = 0;   // per chain; draws over all chains
  double estimate = 0, mcse = 0, error = 0;         // error = estimate - reference
  std::uint64_t failed_attempts = 0, rejected = 0;  // all chains
  double seconds = 0;
};

struct ConvergenceStudy {
  std::string observable, reference_source, sampler;
  double reference = 0;
  std::uint64_t chains = 0;
  std::vector<ConvergencePoint> points;
  analysis::OrderFit fit;
};

// Throws ConfigError for bad settings (no or non-positive step sizes, an
// unknown observable, no reference value) before anything runs, and
// RunFailure-like errors of a run as report_failure classifies them.
ConvergenceStudy convergence_study(const toml::table& base, const ConvergenceSettings& settings);

void print_convergence_table(std::FILE* out, const ConvergenceStudy& study);
// Throws IoError when the file cannot be written.
void write_convergence_csv(const std::string& path, const ConvergenceStudy& study);

struct ConvergenceArguments {
  ConfigSource config;
  ConvergenceSettings settings;
  std::string out_dir;  // empty: the table only
  bool force = false;   // replace existing convergence.csv/png in out_dir
};

int convergence_command(const ConvergenceArguments& args);

}  // namespace cola::apps
