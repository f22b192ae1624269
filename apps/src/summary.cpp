#include <cola/apps/summary.hpp>
#include <cola/projection.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace cola::apps {

namespace {

std::string percent(double part, double whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", whole > 0 ? 100.0 * part / whole : 0.0);
  return buf;
}

std::string failures_by_cause(const samplers::SamplerStats& s) {
  std::string out;
  auto add = [&](const std::string& name, std::uint64_t n) {
    if (n == 0) return;
    if (!out.empty()) out += ", ";
    out += name + " " + std::to_string(n);
  };
  for (int i = 0; i < kNumProjectionStatus; ++i)
    add(std::string("projection ") + to_string(static_cast<ProjectionStatus>(i)),
        s.projection_failures[static_cast<std::size_t>(i)]);
  add("non-finite potential", s.nonfinite);
  if (out.empty()) out = "none";
  out += "; steps rejected " + std::to_string(s.rejected) + ", halved " +
         std::to_string(s.halved_steps);
  return out;
}

// An exact sampler's counters (metropolis_sampler.hpp), summed over the
// chains: acceptance, rejections by cause, and each chain's step size.
void print_metropolis(std::FILE* out, const std::vector<std::string>& names,
                      const samplers::RunReport& r) {
  auto index = [&](const std::string& name) -> std::ptrdiff_t {
    const auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? -1 : it - names.begin();
  };
  const std::ptrdiff_t proposals = index("metropolis.proposals");
  if (proposals < 0) return;
  double sum[6] = {0, 0, 0, 0, 0, 0};  // proposals ... acceptance_sum, in accumulator order
  double h_min = HUGE_VAL, h_max = -HUGE_VAL;
  const std::ptrdiff_t step_size = index("step_size");
  for (const auto& c : r.chains) {
    const auto& a = c.sampler_accumulators;
    if (a.size() != names.size()) continue;  // the chain never built its sampler
    for (std::size_t i = 0; i < 6; ++i) sum[i] += a[static_cast<std::size_t>(proposals) + i];
    if (step_size >= 0) {
      h_min = std::min(h_min, a[static_cast<std::size_t>(step_size)]);
      h_max = std::max(h_max, a[static_cast<std::size_t>(step_size)]);
    }
  }
  const double n = sum[0];
  std::fprintf(out,
               "  acceptance    %.4f of %.0f proposals (mean acceptance probability %.4f), "
               "warm-up included\n",
               n > 0 ? sum[1] / n : 0.0, n, n > 0 ? sum[5] / n : 0.0);
  std::fprintf(out,
               "  rejected      projection failed %.0f, reverse check failed %.0f, "
               "Metropolis test %.0f\n",
               sum[2], sum[3], sum[4]);
  if (step_size >= 0 && h_min <= h_max) {
    const bool adapted = index("adaptation.iterations") >= 0;
    if (h_min == h_max)
      std::fprintf(out, "  step size     %.6g%s\n", h_min,
                   adapted ? " (adapted in the warm-up, the same in every chain)" : "");
    else
      std::fprintf(out, "  step size     %.6g to %.6g over the chains%s\n", h_min, h_max,
                   adapted ? " (each adapted in its warm-up)" : "");
  }
}

void print_network(std::FILE* out, const NetworkSummary& n) {
  if (n.clipped > 0)
    std::fprintf(out,
                 "  start         %llu weights were outside their circle constraint's radius "
                 "and were moved onto it\n",
                 static_cast<unsigned long long>(n.clipped));
  if (!n.last_evaluation.empty()) {
    std::string line;
    for (const auto& [name, value] : n.last_evaluation) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s%s %.4f", line.empty() ? "" : ", ", name.c_str(), value);
      line += buf;
    }
    std::fprintf(out, "  evaluation    %s (last evaluation, mean over chains)\n", line.c_str());
  }
  if (n.predictive) {
    const PredictiveSummary& p = *n.predictive;
    std::fprintf(
        out, "  posterior predictive  %llu draws from %llu chain%s on %llu test examples\n",
        static_cast<unsigned long long>(p.draws), static_cast<unsigned long long>(p.chains),
        p.chains == 1 ? "" : "s", static_cast<unsigned long long>(p.examples));
    if (p.classification)
      std::fprintf(out,
                   "                accuracy %.4f (chains alone %.4f to %.4f), NLL %.4f, "
                   "predictive entropy %.4f nats, ECE %.4f\n",
                   p.accuracy, p.chain_min, p.chain_max, p.nll, p.entropy, p.ece);
    else
      std::fprintf(out,
                   "                RMSE %.4g (chains alone %.4g to %.4g), "
                   "predictive sd %.4g\n",
                   p.rmse, p.chain_min, p.chain_max, p.predictive_sd);
    if (!n.predictive_group.empty())
      std::fprintf(out, "                written to group %s of the file\n",
                   n.predictive_group.c_str());
  } else if (!n.predictive_note.empty()) {
    std::fprintf(out, "  posterior predictive  not computed: %s\n", n.predictive_note.c_str());
  }
}

}  // namespace

void print_summary(std::FILE* out, const SummaryInput& in) {
  const samplers::RunReport& r = *in.report;
  const double steps = static_cast<double>(r.steps());
  std::fprintf(out, "\n%s: %zu chain%s, %llu steps each (%llu warm-up) on %d thread%s — %s\n",
               in.sampler.c_str(), r.chains.size(), r.chains.size() == 1 ? "" : "s",
               static_cast<unsigned long long>(in.total_steps),
               static_cast<unsigned long long>(in.warmup), r.threads, r.threads == 1 ? "" : "s",
               r.completed     ? "completed"
               : r.interrupted ? "interrupted"
                               : "FAILED");
  std::fprintf(out, "  throughput    %.0f steps in %.2f s: %.0f steps/s in total\n", steps,
               r.seconds, r.seconds > 0 ? steps / r.seconds : 0.0);
  samplers::SamplerStats total;
  samplers::TimeSplit split;
  std::string per_chain;
  for (const auto& c : r.chains) {
    const double n = static_cast<double>(c.end_step - c.start_step);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%llu: %.0f", per_chain.empty() ? "" : ", ",
                  static_cast<unsigned long long>(c.chain), c.seconds > 0 ? n / c.seconds : 0.0);
    per_chain += buf;
    split += c.time;
    total.rejected += c.stats.rejected;
    total.halved_steps += c.stats.halved_steps;
    total.nonfinite += c.stats.nonfinite;
    for (std::size_t i = 0; i < total.projection_failures.size(); ++i)
      total.projection_failures[i] += c.stats.projection_failures[i];
    total.max_residual = std::max(total.max_residual, c.stats.max_residual);
    total.max_iterations = std::max(total.max_iterations, c.stats.max_iterations);
  }
  std::fprintf(out, "  per chain     steps/s  %s\n", per_chain.c_str());
  const double t = split.total();
  std::fprintf(out,
               "  time split    gradient %s, projection %s, noise %s, I/O %s, other %s "
               "(1 step in %llu profiled)\n",
               percent(split.gradient, t).c_str(), percent(split.projection, t).c_str(),
               percent(split.noise, t).c_str(), percent(split.observers, t).c_str(),
               percent(split.other, t).c_str(),
               static_cast<unsigned long long>(samplers::RunDriver::kProfileEvery));
  std::fprintf(out, "  failures      %s\n", failures_by_cause(total).c_str());
  std::fprintf(out, "  constraints   largest residual %.2e, most projection iterations %d\n",
               total.max_residual, total.max_iterations);
  print_metropolis(out, in.sampler_accumulators, r);
  if (in.network) print_network(out, *in.network);
  bool biased = false;
  for (const auto& e : in.references) {
    const double z = (e.estimate - e.exact) / e.mcse;
    std::fprintf(out,
                 "  %s\n      estimate %.5f ± %.5f (MCSE, %llu draws), exact %.5f, "
                 "difference %+.5f (%+.1f MCSE)\n      exact value: %s\n",
                 e.name.c_str(), e.estimate, e.mcse, static_cast<unsigned long long>(e.draws),
                 e.exact, e.estimate - e.exact, std::isfinite(z) ? z : 0.0, e.source.c_str());
    biased = biased || (std::isfinite(z) && std::abs(z) > 4);
  }
  if (biased)
    std::fprintf(
        out,
        "  note          differences of many MCSE are the step-size bias of an unadjusted\n"
        "                sampler (O(h) for CoLA-od, O(h^2) for BAOAB): halve step_size to "
        "see it shrink\n");
  if (!r.completed) std::fprintf(out, "  stopped       %s\n", r.message.c_str());
  if (in.output_path.empty()) {
    std::fprintf(out, "  output        disabled\n");
  } else {
    std::fprintf(
        out,
        "  file          %s (%.1f MB in %llu chunks; writer thread busy %.2f s)\n"
        "                inspect with `cola info %s`%s\n",
        in.output_path.c_str(), static_cast<double>(in.bytes_written) / 1e6,
        static_cast<unsigned long long>(in.chunks_written), in.writer_busy_seconds,
        in.output_path.c_str(),
        r.completed ? "" : (", continue with `cola resume " + in.output_path + "`").c_str());
  }
}

}  // namespace cola::apps
