#include <cola/analysis/file_summary.hpp>
#include <cola/error.hpp>
#include <cola/io/trajectory_reader.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>

namespace cola::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string entry_name(const BlockInfo& b, Index i, Index j) {
  std::string s = b.name;
  s += '[';
  s += std::to_string(i);
  if (b.cols > 1) {
    s += ',';
    s += std::to_string(j);
  }
  s += ']';
  return s;
}

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double d) { return std::isnan(d); }), v.end());
  if (v.empty()) return kNaN;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ", NaN if not that.
double parse_utc(const std::string& s) {
  std::tm tm{};
  if (s.size() < 20 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
                                   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return kNaN;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm));
}

void warn(FileSummary& f, const QuantitySummary& q, const std::string& what) {
  const double per_chain = 100.0 * static_cast<double>(f.chains);
  if (q.rhat > 1.01) f.warnings.push_back(what + ": R-hat " + std::to_string(q.rhat) + " > 1.01");
  if (q.ess_bulk < per_chain || q.ess_tail < per_chain)
    f.warnings.push_back(what + ": ESS bulk " + std::to_string(q.ess_bulk) + ", tail " +
                         std::to_string(q.ess_tail) + " < 100 per chain");
}

}  // namespace

FileSummary summarize_file(const std::string& path, const FileSummaryOptions& o) {
  const io::TrajectoryReader reader(path);
  FileSummary f;
  f.path = path;
  f.status = reader.status();
  f.chains = reader.num_chains();
  std::uint64_t shortest = std::numeric_limits<std::uint64_t>::max();
  for (std::uint64_t c = 0; c < f.chains; ++c)
    shortest = std::min(shortest, reader.committed_draws(c));
  if (f.chains == 0) shortest = 0;
  f.dropped = std::min(o.drop_draws, shortest);
  f.draws = shortest - f.dropped;
  const ParameterLayout& layout = reader.layout();
  std::vector<std::string> blocks;
  for (const std::string& b : reader.recorded_blocks())
    if (glob_match(o.pattern, b)) blocks.push_back(b);
  if (blocks.empty())
    throw ConfigError("--blocks " + o.pattern + " matches no recorded block of " + path);
  const auto n = static_cast<Index>(f.draws), m = static_cast<Index>(f.chains);
  for (const std::string& name : blocks) {
    const BlockInfo& info = layout.block(layout.index_of(name));
    BlockSummary bs;
    bs.block = name;
    bs.size = info.size();
    const bool per_entry = info.size() <= o.scalar_limit;
    std::vector<double> rhats, bulks, tails, mcses;
    const std::size_t row_bytes = static_cast<std::size_t>(info.cols) *
                                  static_cast<std::size_t>(std::max<Index>(n + f.dropped, 1)) *
                                  static_cast<std::size_t>(std::max<Index>(m, 1)) * sizeof(double);
    const Index rows_per_slab = std::max<Index>(
        1, static_cast<Index>(o.memory_budget / std::max<std::size_t>(row_bytes, 1)));
    double worst_rhat = -1, worst_ess = std::numeric_limits<double>::infinity();
    for (Index r0 = 0; r0 < info.rows; r0 += rows_per_slab) {
      const Index nr = std::min(rows_per_slab, info.rows - r0);
      std::vector<Matrix> chains;
      for (Index c = 0; c < m; ++c)
        chains.push_back(reader.draws(name, static_cast<std::uint64_t>(c), r0, nr));
      // Entries are independent: summarised in parallel into their own
      // slots, then reduced in order (the same result for any thread count).
      const Index entries = nr * info.cols;
      std::vector<QuantitySummary> slab(static_cast<std::size_t>(entries));
#pragma omp parallel for schedule(dynamic, 16) if (entries > 64)
      for (Index e = 0; e < entries; ++e) {
        Matrix x(n, m);
        for (Index c = 0; c < m; ++c)
          x.col(c) =
              chains[static_cast<std::size_t>(c)].col(e).segment(static_cast<Index>(f.dropped), n);
        const Index i = r0 + e % nr, j = e / nr;
        slab[static_cast<std::size_t>(e)] = summarize(entry_name(info, i, j), x);
      }
      for (QuantitySummary& q : slab) {
        if (per_entry) {
          warn(f, q, q.name);
          bs.entries.push_back(std::move(q));
          continue;
        }
        rhats.push_back(q.rhat);
        bulks.push_back(q.ess_bulk);
        tails.push_back(q.ess_tail);
        mcses.push_back(q.mcse_mean);
        if (!(q.rhat <= worst_rhat)) {  // NaN counts as worst
          worst_rhat = std::isnan(q.rhat) ? std::numeric_limits<double>::infinity() : q.rhat;
          bs.worst_rhat = q;
        }
        if (!(q.ess_bulk >= worst_ess)) {
          worst_ess = std::isnan(q.ess_bulk) ? -1 : q.ess_bulk;
          bs.worst_ess = q;
        }
      }
    }
    if (!per_entry) {
      bs.median_rhat = median(rhats);
      bs.median_ess_bulk = median(bulks);
      bs.median_ess_tail = median(tails);
      bs.median_mcse_mean = median(mcses);
      warn(f, bs.worst_rhat, bs.worst_rhat.name + " (worst R-hat of " + name + ")");
      if (bs.worst_ess.name != bs.worst_rhat.name)
        warn(f, bs.worst_ess, bs.worst_ess.name + " (smallest ESS of " + name + ")");
    }
    f.blocks.push_back(std::move(bs));
  }
  for (const auto& spec : reader.stats()) {
    StatisticSummary s;
    s.name = spec.name;
    s.max = -std::numeric_limits<double>::infinity();
    s.last = kNaN;
    for (std::uint64_t c = 0; c < f.chains; ++c) {
      const Vector v = reader.stat(spec.name, c);
      for (Index i = 0; i < v.size(); ++i)
        if (std::isfinite(v[i])) {
          s.sum += v[i];
          s.max = std::max(s.max, v[i]);
          ++s.count;
        }
      for (Index i = v.size(); i-- > 0;)
        if (std::isfinite(v[i])) {
          // The mean over chains of each chain's last finite value.
          s.last = (std::isnan(s.last) ? 0 : s.last) + v[i] / static_cast<double>(f.chains);
          break;
        }
    }
    s.mean = s.count ? s.sum / static_cast<double>(s.count) : kNaN;
    if (s.count == 0) s.max = kNaN;
    f.statistics.push_back(s);
  }
  const double start = parse_utc(reader.attribute("start_time"));
  const double end = parse_utc(reader.attribute("end_time"));
  const double steps = static_cast<double>(reader.total_steps() * f.chains);
  f.steps_per_second = end > start ? steps / (end - start) : kNaN;
  return f;
}

}  // namespace cola::analysis
