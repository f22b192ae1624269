#include <cola/apps/analyze.hpp>
#include <cola/apps/commands.hpp>

#include <cmath>
#include <exception>
#include <string>

namespace cola::apps {

namespace {

using analysis::QuantitySummary;

void print_row(std::FILE* out, const QuantitySummary& q, const char* label = nullptr) {
  std::fprintf(out, "%-34s %11.4g %10.4g %11.4g %11.4g %11.4g %9.2g %9.2g %8.0f %8.0f %7.4f\n",
               label ? label : q.name.c_str(), q.mean, q.sd, q.q5, q.q50, q.q95, q.mcse_mean,
               q.mcse_sd, q.ess_bulk, q.ess_tail, q.rhat);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string json_quantity(const QuantitySummary& q) {
  std::string s = "{\"name\": " + json_string(q.name);
  auto add = [&](const char* key, double v) {
    s += ", \"";
    s += key;
    s += "\": ";
    s += json_number(v);
  };
  add("mean", q.mean);
  add("sd", q.sd);
  add("q5", q.q5);
  add("q50", q.q50);
  add("q95", q.q95);
  add("mcse_mean", q.mcse_mean);
  add("mcse_sd", q.mcse_sd);
  add("ess_bulk", q.ess_bulk);
  add("ess_tail", q.ess_tail);
  add("rhat", q.rhat);
  return s + "}";
}

}  // namespace

void print_summary_table(std::FILE* out, const analysis::FileSummary& s) {
  std::fprintf(out, "%s: %s, %llu chains x %llu draws", s.path.c_str(), s.status.c_str(),
               static_cast<unsigned long long>(s.chains), static_cast<unsigned long long>(s.draws));
  if (s.dropped > 0)
    std::fprintf(out, " (first %llu dropped)", static_cast<unsigned long long>(s.dropped));
  if (std::isfinite(s.steps_per_second))
    std::fprintf(out, ", %.0f steps/s over the run", s.steps_per_second);
  std::fprintf(out, "\n\n%-34s %11s %10s %11s %11s %11s %9s %9s %8s %8s %7s\n", "quantity", "mean",
               "sd", "5%", "50%", "95%", "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "R-hat");
  for (const auto& b : s.blocks) {
    if (b.per_entry()) {
      for (const auto& q : b.entries) print_row(out, q);
      continue;
    }
    std::fprintf(out,
                 "%s (%lld entries): median R-hat %.4f, median ESS bulk %.0f tail %.0f, median "
                 "MCSE of the mean %.3g\n",
                 b.block.c_str(), static_cast<long long>(b.size), b.median_rhat, b.median_ess_bulk,
                 b.median_ess_tail, b.median_mcse_mean);
    print_row(out, b.worst_rhat, ("  worst R-hat " + b.worst_rhat.name).c_str());
    print_row(out, b.worst_ess, ("  lowest ESS " + b.worst_ess.name).c_str());
  }
  std::fprintf(out, "\nsampler statistics (mean, max over every chain and row)\n");
  for (const auto& st : s.statistics)
    std::fprintf(out, "  %-24s mean %-12.4g max %-12.4g last %-12.4g\n", st.name.c_str(), st.mean,
                 st.max, st.last);
  if (s.warnings.empty()) {
    std::fprintf(out, "\nno warnings (R-hat <= 1.01, ESS >= 100 per chain everywhere)\n");
  } else {
    std::fprintf(out, "\nwarnings\n");
    for (const auto& w : s.warnings) std::fprintf(out, "  %s\n", w.c_str());
  }
}

void print_summary_json(std::FILE* out, const analysis::FileSummary& s) {
  std::string j = "{\"path\": " + json_string(s.path) + ", \"status\": " + json_string(s.status) +
                  ", \"chains\": " + std::to_string(s.chains) +
                  ", \"draws\": " + std::to_string(s.draws) +
                  ", \"dropped\": " + std::to_string(s.dropped) +
                  ", \"steps_per_second\": " + json_number(s.steps_per_second) + ", \"blocks\": [";
  for (std::size_t i = 0; i < s.blocks.size(); ++i) {
    const auto& b = s.blocks[i];
    j += i ? ", " : "";
    j += "{\"block\": " + json_string(b.block) + ", \"size\": " + std::to_string(b.size);
    if (b.per_entry()) {
      j += ", \"entries\": [";
      for (std::size_t k = 0; k < b.entries.size(); ++k)
        j += (k ? ", " : "") + json_quantity(b.entries[k]);
      j += "]";
    } else {
      j += ", \"median_rhat\": " + json_number(b.median_rhat) +
           ", \"median_ess_bulk\": " + json_number(b.median_ess_bulk) +
           ", \"median_ess_tail\": " + json_number(b.median_ess_tail) +
           ", \"median_mcse_mean\": " + json_number(b.median_mcse_mean) +
           ", \"worst_rhat\": " + json_quantity(b.worst_rhat) +
           ", \"worst_ess\": " + json_quantity(b.worst_ess);
    }
    j += "}";
  }
  j += "], \"statistics\": [";
  for (std::size_t i = 0; i < s.statistics.size(); ++i) {
    const auto& st = s.statistics[i];
    j += (i ? ", " : "") + std::string("{\"name\": ") + json_string(st.name) +
         ", \"mean\": " + json_number(st.mean) + ", \"max\": " + json_number(st.max) +
         ", \"last\": " + json_number(st.last) + ", \"count\": " + std::to_string(st.count) + "}";
  }
  j += "], \"warnings\": [";
  for (std::size_t i = 0; i < s.warnings.size(); ++i)
    j += (i ? ", " : "") + json_string(s.warnings[i]);
  j += "]}\n";
  std::fputs(j.c_str(), out);
}

int analyze_command(const AnalyzeArguments& args) {
  try {
    analysis::FileSummaryOptions o;
    o.pattern = args.blocks;
    o.drop_draws = args.warmup;
    const analysis::FileSummary s = analysis::summarize_file(args.path, o);
    if (args.json)
      print_summary_json(stdout, s);
    else
      print_summary_table(stdout, s);
    return kExitOk;
  } catch (...) {
    return report_failure(std::current_exception());
  }
}

}  // namespace cola::apps
