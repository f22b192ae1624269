#include <cola/error.hpp>
#include <cola/samplers/run_driver.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

namespace cola::samplers {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

enum StatColumn : std::size_t {
  kPotential,
  kKineticEnergy,
  kResidual,
  kIterations,
  kRejected,
  kHalved,
  kFailedAttempts,
  kNumStats
};

void update_max(std::atomic<double>& target, double value) {
  double seen = target.load(std::memory_order_relaxed);
  while (value > seen && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

void RunOptions::validate() const {
  require(chains >= 1, "run.chains must be >= 1");
  require(thinning.thin >= 1, "run.thin must be >= 1");
  require(thinning.stats_thin >= 1, "run.stats_thin must be >= 1");
  require(total_steps > thinning.warmup, "run.steps must be >= 1 after the warm-up");
  require(threads >= 0, "run.threads must be >= 0 (0: all cores)");
  if (evaluator) {
    const std::uint64_t every = evaluator->every();
    require(every >= 1 && every % thinning.stats_thin == 0,
            "evaluation every " + std::to_string(every) +
                " steps must be a positive multiple of run.stats_thin = " +
                std::to_string(thinning.stats_thin));
  }
}

TimeSplit& TimeSplit::operator+=(const TimeSplit& o) {
  gradient += o.gradient;
  projection += o.projection;
  noise += o.noise;
  observers += o.observers;
  other += o.other;
  return *this;
}

std::uint64_t RunReport::steps() const {
  std::uint64_t n = 0;
  for (const auto& c : chains) n += c.end_step - c.start_step;
  return n;
}

const std::vector<StatSpec>& RunDriver::stat_specs() {
  using K = StatSpec::Kind;
  static const std::vector<StatSpec> specs = {
      {"potential", K::kFloat64,
       "V(q) after the step (the minibatch estimate for stochastic potentials)"},
      {"kinetic_energy", K::kFloat64, "p^T M^-1 p / 2 after the step (NaN without momentum)"},
      {"constraint_residual", K::kFloat64,
       "largest ||g(q)||_inf returned by the step's projections"},
      {"projection_iterations", K::kInt64, "most iterations of one projection in the step"},
      {"rejected", K::kInt64, "1 if failure_policy 'reject' kept the previous position"},
      {"halved", K::kInt64, "1 if the step completed only after halving"},
      {"failed_attempts", K::kInt64, "attempts of the step that failed (projection or NaN/Inf)"},
  };
  return specs;
}

const std::vector<std::string>& RunDriver::accumulator_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"steps", "rejected", "halved_steps", "nonfinite"};
    for (int s = 0; s < kNumProjectionStatus; ++s)
      n.push_back(std::string("projection_failures.") +
                  to_string(static_cast<ProjectionStatus>(s)));
    n.push_back("max_residual");
    n.push_back("max_iterations");
    return n;
  }();
  return names;
}

std::vector<double> RunDriver::to_accumulators(const SamplerStats& s) {
  // Counts below 2^53 are exact in a double.
  std::vector<double> v = {static_cast<double>(s.steps), static_cast<double>(s.rejected),
                           static_cast<double>(s.halved_steps), static_cast<double>(s.nonfinite)};
  for (auto f : s.projection_failures) v.push_back(static_cast<double>(f));
  v.push_back(s.max_residual);
  v.push_back(static_cast<double>(s.max_iterations));
  return v;
}

SamplerStats RunDriver::from_accumulators(const std::vector<double>& v) {
  require(v.size() == accumulator_names().size(),
          "checkpoint: expected " + std::to_string(accumulator_names().size()) +
              " accumulators, got " + std::to_string(v.size()));
  SamplerStats s;
  auto count = [](double x) { return static_cast<std::uint64_t>(x); };
  s.steps = count(v[0]);
  s.rejected = count(v[1]);
  s.halved_steps = count(v[2]);
  s.nonfinite = count(v[3]);
  for (std::size_t i = 0; i < s.projection_failures.size(); ++i)
    s.projection_failures[i] = count(v[4 + i]);
  s.max_residual = v[4 + s.projection_failures.size()];
  s.max_iterations = static_cast<int>(v[5 + s.projection_failures.size()]);
  return s;
}

RunDriver::RunDriver(const ParameterLayout& layout, SamplerFactory factory, RunOptions options)
    : layout_(layout),
      factory_(std::move(factory)),
      options_(std::move(options)),
      inverse_mass_(layout.inverse_mass()) {
  options_.validate();
  require(static_cast<bool>(factory_), "run driver: no sampler factory");
  for (Index b : options_.recorded_blocks)
    require(b >= 0 && b < layout_.num_blocks(),
            "run driver: recorded block index " + std::to_string(b) + " out of range");
  if (options_.recorded_blocks.empty())
    for (Index b = 0; b < layout_.num_blocks(); ++b) options_.recorded_blocks.push_back(b);
  progress_ = std::make_unique<ChainProgress[]>(options_.chains);
  const std::unique_ptr<Sampler> probe = factory_(options_.first_chain);
  require(probe != nullptr, "run driver: the sampler factory returned null");
  sampler_stats_ = probe->stat_specs();
  sampler_accumulators_ = probe->accumulator_names();
}

std::vector<StatSpec> RunDriver::all_stat_specs() const {
  std::vector<StatSpec> specs = stat_specs();
  specs.insert(specs.end(), sampler_stats_.begin(), sampler_stats_.end());
  if (options_.evaluator) {
    const std::vector<StatSpec> extra = options_.evaluator->specs();
    specs.insert(specs.end(), extra.begin(), extra.end());
  }
  return specs;
}

RunDescription RunDriver::description() const {
  RunDescription d;
  d.layout = &layout_;
  d.recorded_blocks = options_.recorded_blocks;
  d.stats = all_stat_specs();
  d.accumulators = accumulator_names();
  d.accumulators.insert(d.accumulators.end(), sampler_accumulators_.begin(),
                        sampler_accumulators_.end());
  d.num_chains = options_.chains;
  d.first_chain = options_.first_chain;
  d.thinning = options_.thinning;
  d.total_steps = options_.total_steps;
  return d;
}

void RunDriver::checkpoint(std::uint64_t local, const State& state, const Sampler& sampler) {
  ChainCheckpoint c;
  c.chain = local;
  c.state = state;
  c.accumulators = to_accumulators(sampler.stats());
  const std::vector<double> own = sampler.accumulators();
  c.accumulators.insert(c.accumulators.end(), own.begin(), own.end());
  for (Observer* o : observers_) o->on_checkpoint(c);
}

ChainReport RunDriver::run_chain(std::uint64_t local, ChainCheckpoint start, int inner_threads) {
  omp_set_num_threads(inner_threads);
  ChainProgress& progress = progress_[local];
  ChainReport report;
  report.chain = options_.first_chain + local;
  report.start_step = report.end_step = start.state.step;
  progress.step.store(start.state.step, std::memory_order_relaxed);
  const Thinning& thin = options_.thinning;
  const auto chain_start = Clock::now();
  std::unique_ptr<Sampler> sampler;
  State state = std::move(start.state);
  bool have_good_state = false;
  // Profiled steps: their wall time and where it went.
  double profiled_wall = 0, profiled_observers = 0;
  try {
    sampler = factory_(report.chain);
    require(sampler != nullptr, "run driver: the sampler factory returned null");
    require(sampler->stat_specs().size() == sampler_stats_.size() &&
                sampler->accumulator_names() == sampler_accumulators_,
            "run driver: the sampler of chain " + std::to_string(report.chain) +
                " records other statistics than the first chain's");
    if (!start.accumulators.empty()) {
      // The driver's accumulators, then the sampler's.
      const std::size_t n = accumulator_names().size();
      require(start.accumulators.size() == n + sampler_accumulators_.size(),
              "checkpoint: expected " + std::to_string(n + sampler_accumulators_.size()) +
                  " accumulators, got " + std::to_string(start.accumulators.size()));
      const auto split = start.accumulators.begin() + static_cast<std::ptrdiff_t>(n);
      sampler->restore_stats(from_accumulators({start.accumulators.begin(), split}));
      sampler->restore_accumulators({split, start.accumulators.end()});
    }
    sampler->initialise(state);
    have_good_state = true;
    progress.phase.store(ChainProgress::kRunning, std::memory_order_relaxed);
    Stepper& stepper = sampler->stepper();
    const StatsEvaluator* evaluator = options_.evaluator.get();
    const std::size_t evaluator_column = kNumStats + sampler_stats_.size();
    std::vector<double> row(all_stat_specs().size(), std::numeric_limits<double>::quiet_NaN());
    const bool momentum = state.p.size() > 0;
    while (state.step < options_.total_steps) {
      if (stop_.load(std::memory_order_relaxed)) break;
      const bool profile = state.step % kProfileEvery == 0;
      stepper.set_profiling(profile);
      const auto step_start = profile ? Clock::now() : Clock::time_point{};
      const SamplerStats before = sampler->stats();
      // A step that nothing looks at may leave its last kicks to the next
      // step's first pass over the state (Sampler::step's `defer`; same bits).
      const std::uint64_t next = state.step + 1;
      const bool observed =
          next <= thin.warmup || next >= options_.total_steps ||
          (next - thin.warmup) % thin.stats_thin == 0 || (next - thin.warmup) % thin.thin == 0 ||
          (options_.checkpoint_every > 0 && next % options_.checkpoint_every == 0);
      const StepOutcome out = sampler->step(state, !observed);
      const SamplerStats& after = sampler->stats();
      const std::uint64_t s = state.step;
      if (s <= thin.warmup) sampler->end_warmup_step(state, s == thin.warmup);
      const auto observe_start = profile ? Clock::now() : Clock::time_point{};
      if (s > thin.warmup && (s - thin.warmup) % thin.stats_thin == 0) {
        // The gradient at the new q is the next step's first need (FSAL), so
        // evaluating it here costs nothing extra for the built-in splittings.
        const bool finite = stepper.ensure_gradient(state).ok();
        row[kPotential] =
            finite ? stepper.potential_value() : std::numeric_limits<double>::quiet_NaN();
        row[kKineticEnergy] = momentum ? 0.5 * state.p.dot(inverse_mass_.cwiseProduct(state.p))
                                       : std::numeric_limits<double>::quiet_NaN();
        row[kResidual] = out.projection.residual;
        row[kIterations] = out.projection.iterations;
        row[kRejected] = static_cast<double>(after.rejected - before.rejected);
        row[kHalved] = static_cast<double>(after.halved_steps - before.halved_steps);
        row[kFailedAttempts] =
            static_cast<double>(after.failed_attempts() - before.failed_attempts());
        sampler->stat_values(state, row.data() + kNumStats);
        if (evaluator != nullptr) {
          const auto first = row.begin() + static_cast<std::ptrdiff_t>(evaluator_column);
          if (s % evaluator->every() == 0)
            evaluator->evaluate(report.chain, state, &*first);
          else
            std::fill(first, row.end(), std::numeric_limits<double>::quiet_NaN());
        }
        const std::uint64_t k = (s - thin.warmup) / thin.stats_thin - 1;
        for (Observer* o : observers_) o->on_stats(local, k, row.data());
      }
      if (s > thin.warmup && (s - thin.warmup) % thin.thin == 0) {
        const std::uint64_t k = (s - thin.warmup) / thin.thin - 1;
        for (Observer* o : observers_) o->on_draw(local, k, state.q);
      }
      if (options_.checkpoint_every > 0 && s % options_.checkpoint_every == 0 &&
          s < options_.total_steps)
        checkpoint(local, state, *sampler);
      if (profile) {
        const auto now = Clock::now();
        profiled_wall += std::chrono::duration<double>(now - step_start).count();
        profiled_observers += std::chrono::duration<double>(now - observe_start).count();
      }
      progress.step.store(s, std::memory_order_relaxed);
      progress.failed_attempts.store(after.failed_attempts(), std::memory_order_relaxed);
      progress.rejected.store(after.rejected, std::memory_order_relaxed);
      update_max(progress.max_residual, out.projection.residual);
    }
    sampler->complete(state);  // after a stop request
  } catch (const std::exception& e) {
    report.error = e.what();
    report.failure = std::current_exception();
  } catch (...) {
    report.error = "unknown exception";
    report.failure = std::current_exception();
  }
  report.end_step = state.step;
  report.completed = report.error.empty() && state.step >= options_.total_steps;
  try {
    // The final checkpoint: the end, or the last good state before a stop.
    // (A sampler restores the start of a failed step before it throws.)
    if (sampler && have_good_state) checkpoint(local, state, *sampler);
  } catch (const std::exception& e) {
    if (report.error.empty()) {
      report.error = e.what();
      report.failure = std::current_exception();
    }
    report.completed = false;
  }
  if (sampler) {
    report.stats = sampler->stats();
    report.sampler_accumulators = sampler->accumulators();
    // Scale the profiled fractions to the whole chain.
    report.seconds = seconds_since(chain_start);
    const StepTimes& t = sampler->stepper().times();
    if (profiled_wall > 0) {
      const double scale = report.seconds / profiled_wall;
      report.time.gradient = t.gradient * scale;
      report.time.projection = t.projection * scale;
      report.time.noise = t.noise * scale;
      report.time.observers = profiled_observers * scale;
      report.time.other =
          std::max(0.0, report.seconds - report.time.gradient - report.time.projection -
                            report.time.noise - report.time.observers);
    } else {
      report.time.other = report.seconds;
    }
  }
  progress.phase.store(report.completed       ? ChainProgress::kDone
                       : report.error.empty() ? ChainProgress::kStopped
                                              : ChainProgress::kFailed,
                       std::memory_order_relaxed);
  if (!report.error.empty()) request_stop();
  return report;
}

RunReport RunDriver::run(std::vector<ChainCheckpoint> starts) {
  require(starts.size() == options_.chains, "run driver: " + std::to_string(starts.size()) +
                                                " starts for " + std::to_string(options_.chains) +
                                                " chains");
  for (std::size_t i = 0; i < starts.size(); ++i)
    require(starts[i].state.step <= options_.total_steps,
            "run driver: chain " + std::to_string(i) + " starts at step " +
                std::to_string(starts[i].state.step) + " beyond run.steps");
  stop_.store(false);
  const int threads = options_.threads > 0 ? options_.threads : omp_get_max_threads();
  const auto n = static_cast<std::int64_t>(options_.chains);
  const int outer = static_cast<int>(std::min<std::int64_t>(threads, n));
  const int inner = std::max(1, threads / outer);

  RunReport report;
  report.threads = threads;
  report.chains.resize(options_.chains);
  const RunDescription d = description();
  for (Observer* o : observers_) o->on_start(d);
  const auto start = Clock::now();
  // Chains run on threads of their own, not on the calling thread: a chain's
  // per-step buffers allocated on the calling thread come from the heap arena
  // that also holds the shared, read-only experiment (layout, constraints,
  // potential), and writing next to what the other chains read cost half the
  // two-chain throughput (measured: OpenMP over chains, whose thread 0 is the
  // caller, gave 1.14x for 2 chains on 2 threads). Inside a chain, OpenMP
  // gets `inner` threads.
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t c; (c = next.fetch_add(1)) < options_.chains;)
      report.chains[c] = run_chain(c, std::move(starts[c]), inner);
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < outer; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  report.seconds = seconds_since(start);

  report.completed = true;
  for (const auto& c : report.chains) {
    report.completed = report.completed && c.completed;
    if (report.message.empty() && !c.error.empty()) {
      report.message = "chain " + std::to_string(c.chain) + ": " + c.error;
      report.failure = c.failure;
    }
  }
  report.interrupted = !report.completed && report.message.empty();
  if (report.interrupted) report.message = "interrupted";
  RunEnd end{report.completed, report.message};
  for (Observer* o : observers_) o->on_finish(end);
  return report;
}

}  // namespace cola::samplers
