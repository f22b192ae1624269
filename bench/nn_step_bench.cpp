// The Fashion-MNIST network of the CoLA paper (784-1000-10 ReLU, softmax,
// batch 128) as cola runs it: its gradient against the machine's FMA peak,
// and a full c-CoLA-ud step against a plain SGD-momentum step, each pair
// measured in the same iteration (the machines are shared and noisy).
//
// BM_GradientVsPeak/<bits>: per iteration, the FMA peak kernel (below) and
// NetworkPotential::value_and_gradient alternately (thread CPU time). The
// gradient's FLOPs are those of its GEMMs, 2 B (2 * 784 * 1000 + 3 * 1000 * 10)
// = 409.6 MFLOP (forward W x twice, backward dW twice and delta_1 = W_2^T
// delta_2 once; no input gradient). Counters: gemm_GFLOPs, peak_GFLOPs,
// fraction = gemm_GFLOPs / peak_GFLOPs (of single precision peak for
// float32, double precision for float64), and products_fraction: the same
// five products alone, on matrices of the network's shapes; for float32 also
// conversions_ms, the weights' float64 -> float32 and the gradient's
// float32 -> float64 conversions alone, and fraction_without_conversions,
// the gradient's fraction with that time taken out.
//
// BM_StepRatio/<bits>/<threads>: c-CoLA-ud (BAOAB h = 0.3, gamma = 1, tau = 0,
// circle constraints r = 0.05 on layer0.weight and r = 0.1 on layer1.weight
// with their slack blocks, biases free) and SGD-momentum (lr = h^2, momentum
// e^{-gamma h}, no constraints) on the same network and data, 8 steps of each
// alternately; with 2 threads, two chains run at once, one per thread, and
// the wall time of the pair is measured. Counters: ccola_ms, sgdm_ms,
// gradient_ms (1 thread) per step, ratio = ccola / sgdm; with 1 thread also
// ccola_completed_ms: c-CoLA-ud steps each completed (an observer after each
// step), where BAOAB's final kick is a pass of its own.
//
// The FMA peak: 12 independent accumulator chains of fused multiply-adds in
// the widest vector ISA the CPU has (AVX-512, else AVX2+FMA, else SSE2
// multiply + add), enough to cover the FMA latency on both ports.
#include "thread_clock.hpp"

#include <cola/circle_constraint.hpp>
#include <cola/constraint_set.hpp>
#include <cola/models/gemm.hpp>
#include <cola/models/network_potential.hpp>
#include <cola/models/precision.hpp>
#include <cola/samplers/named_samplers.hpp>
#include <cola/samplers/underdamped.hpp>

#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace cola;

constexpr Index kBatch = 128;
constexpr Index kExamples = 10000;
constexpr double kGemmFlops = 2.0 * kBatch * (2.0 * 784 * 1000 + 3.0 * 1000 * 10);

// --- FMA peak ---------------------------------------------------------------

constexpr int kChains = 12;

__attribute__((target("avx512f"))) double peak_avx512(long iterations, bool single) {
  if (single) {
    __m512 acc[kChains];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(static_cast<float>(c));
    for (long i = 0; i < iterations; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    benchmark::DoNotOptimize(acc);
    return 2.0 * 16 * kChains * static_cast<double>(iterations);
  }
  __m512d acc[kChains];
  const __m512d a = _mm512_set1_pd(0.999999), b = _mm512_set1_pd(1e-7);
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_pd(c);
  for (long i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_pd(acc[c], a, b);
  benchmark::DoNotOptimize(acc);
  return 2.0 * 8 * kChains * static_cast<double>(iterations);
}

__attribute__((target("avx2,fma"))) double peak_avx2(long iterations, bool single) {
  if (single) {
    __m256 acc[kChains];
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(static_cast<float>(c));
    for (long i = 0; i < iterations; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
    benchmark::DoNotOptimize(acc);
    return 2.0 * 8 * kChains * static_cast<double>(iterations);
  }
  __m256d acc[kChains];
  const __m256d a = _mm256_set1_pd(0.999999), b = _mm256_set1_pd(1e-7);
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_pd(c);
  for (long i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_pd(acc[c], a, b);
  benchmark::DoNotOptimize(acc);
  return 2.0 * 4 * kChains * static_cast<double>(iterations);
}

double peak_sse2(long iterations, bool single) {
  if (single) {
    __m128 acc[kChains];
    const __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
    for (int c = 0; c < kChains; ++c) acc[c] = _mm_set1_ps(static_cast<float>(c));
    for (long i = 0; i < iterations; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = _mm_add_ps(_mm_mul_ps(acc[c], a), b);
    benchmark::DoNotOptimize(acc);
    return 2.0 * 4 * kChains * static_cast<double>(iterations);
  }
  __m128d acc[kChains];
  const __m128d a = _mm_set1_pd(0.999999), b = _mm_set1_pd(1e-7);
  for (int c = 0; c < kChains; ++c) acc[c] = _mm_set1_pd(c);
  for (long i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm_add_pd(_mm_mul_pd(acc[c], a), b);
  benchmark::DoNotOptimize(acc);
  return 2.0 * 2 * kChains * static_cast<double>(iterations);
}

// GFLOP/s of the widest kernel over ~0.1 s of thread CPU time.
double measure_peak(bool single) {
  const long iterations = 2'000'000;
  const double t0 = bench::thread_seconds();
  double flops = 0;
  if (__builtin_cpu_supports("avx512f"))
    flops = peak_avx512(iterations, single);
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    flops = peak_avx2(iterations, single);
  else
    flops = peak_sse2(iterations, single);
  return flops / (bench::thread_seconds() - t0) / 1e9;
}

// --- the network ------------------------------------------------------------

std::shared_ptr<const models::Dataset> synthetic_images() {
  auto d = std::make_shared<models::Dataset>();
  d->source = "synthetic 28x28 images";
  d->num_classes = 10;
  RngStream rng(StreamKey{7, 0, 0, 0, 0});
  d->features.resize(kExamples, 784);
  for (Index k = 0; k < d->features.size(); ++k) d->features.data()[k] = rng.uniform();
  for (Index i = 0; i < kExamples; ++i) d->labels.push_back(static_cast<int>(rng() % 10));
  return d;
}

models::Mlp fmnist_mlp() {
  models::MlpSpec spec;
  spec.inputs = 784;
  models::DenseLayerSpec hidden;
  hidden.units = 1000;
  models::DenseLayerSpec out;
  out.units = 10;
  out.activation = models::Activation::kIdentity;
  spec.layers = {hidden, out};
  return models::Mlp(spec);
}

struct Setup {
  explicit Setup(bool float32, bool constrained) {
    const models::Mlp mlp = fmnist_mlp();
    mlp.declare_blocks(layout);
    if (constrained) {
      constraints.add(std::make_shared<CircleConstraint>("layer0.weight", 0.05));
      constraints.add(std::make_shared<CircleConstraint>("layer1.weight", 0.1));
    }
    constraints.bind(layout);
    models::NetworkOptions o;
    o.scaling = models::Scaling::kMeanLoss;
    o.batch_size = kBatch;
    o.precision = float32 ? models::NetPrecision::kFloat32 : models::NetPrecision::kFloat64;
    potential = std::make_unique<models::NetworkPotential>(mlp, layout, data(), o);
    RngStream rng(StreamKey{1, 0, 0, 1, 0});
    start.q = Vector::Zero(layout.size());
    rng.fill_normal(start.q);
    mlp.initialise(layout, start.q, rng);
    for (const auto& c : constraints.constraints())
      dynamic_cast<const CircleConstraint&>(*c).initialise_slack(start.q);
    const double h = 0.3, gamma = 1.0;
    auto opts = constrained ? samplers::baoab(h, gamma, 0.0)
                            : samplers::sgd_momentum(h * h, std::exp(-gamma * h));
    opts.common.seed = 1;
    sampler = std::make_unique<samplers::Underdamped>(layout, *potential, constraints, opts);
    state = start;
    sampler->run(state, 2);  // warm: workspaces, first-step set-up
  }
  static std::shared_ptr<const models::Dataset> data() {
    static const auto d = synthetic_images();
    return d;
  }
  ParameterLayout layout;
  ConstraintSet constraints;
  std::unique_ptr<models::NetworkPotential> potential;
  std::unique_ptr<samplers::Sampler> sampler;
  State start, state;
};

// The five products of one forward + backward pass of 784-1000-10 at batch
// 128, alone (column-major, as NetworkPotential calls models::gemm):
// H = W0 X, Y = W1 H, dH = W1^T dY, dW1 = dY H^T, dW0 = dH X^T.
template <class S>
struct FiveProducts {
  using M = models::MatrixX<S>;
  M w0 = M::Random(1000, 784), w1 = M::Random(10, 1000), x = M::Random(784, kBatch);
  M h = M(1000, kBatch), y = M(10, kBatch), dy = M::Random(10, kBatch), dh = M(1000, kBatch);
  M dw0 = M(1000, 784), dw1 = M(10, 1000);
  void run() {
    using models::gemm;
    using models::Op;
    gemm<S>(Op::kNone, Op::kNone, S(1), w0, x, S(0), h);
    gemm<S>(Op::kNone, Op::kNone, S(1), w1, h, S(0), y);
    gemm<S>(Op::kTranspose, Op::kNone, S(1), w1, dy, S(0), dh);
    gemm<S>(Op::kNone, Op::kTranspose, S(1), dy, h, S(0), dw1);
    gemm<S>(Op::kNone, Op::kTranspose, S(1), dh, x, S(0), dw0);
  }
};

// Seconds per call of f, thread CPU time over `calls` calls.
template <class F>
double seconds_per_call(int calls, F&& f) {
  const double t0 = bench::thread_seconds();
  for (int i = 0; i < calls; ++i) f(i);
  return (bench::thread_seconds() - t0) / calls;
}

void BM_GradientVsPeak(benchmark::State& st) {
  const bool float32 = st.range(0) == 32;
  Setup s(float32, false);
  Vector grad(s.layout.size());
  PotentialContext ctx;
  FiveProducts<float> products32;
  FiveProducts<double> products64;
  // The float32 network's conversions of its weights down and its gradient
  // up, as value_and_gradient makes them, alone (on the network's blocks).
  const Index weights = s.layout.size();
  std::vector<float> weights32(static_cast<std::size_t>(weights));
  Vector gradient64(weights);
  double peak = 0, gemm = 0, gemm_only = 0, conversions = 0;
  for (auto _ : st) {
    peak = measure_peak(float32);
    const double products = seconds_per_call(20, [&](int) {
      if (float32)
        products32.run();
      else
        products64.run();
    });
    gemm_only = kGemmFlops / products / 1e9;
    if (float32)
      conversions = seconds_per_call(20, [&](int) {
        models::convert(s.state.q.data(), weights32.data(), weights);
        models::convert(weights32.data(), gradient64.data(), weights);
        benchmark::DoNotOptimize(gradient64.data());
      });
    const int calls = 20;
    const double t0 = bench::thread_seconds();
    for (int i = 0; i < calls; ++i) {
      ctx.step = static_cast<std::uint64_t>(i);
      benchmark::DoNotOptimize(s.potential->value_and_gradient(s.state.q, grad, ctx));
    }
    const double seconds = (bench::thread_seconds() - t0) / calls;
    gemm = kGemmFlops / seconds / 1e9;
    st.SetIterationTime(seconds);
  }
  st.counters["gemm_GFLOPs"] = gemm;
  st.counters["peak_GFLOPs"] = peak;
  st.counters["fraction"] = gemm / peak;
  // The five products alone: what the GEMM backend reaches on these shapes;
  // the gap to `fraction` is the rest of the gradient (conversions between
  // the float64 state and the float32 passes, activations, softmax, batch).
  st.counters["products_fraction"] = gemm_only / peak;
  if (float32) {
    // What the gradient would reach if the network read float32 weights
    // kept by the sampler instead of converting the float64 state per call.
    st.counters["conversions_ms"] = 1e3 * conversions;
    st.counters["fraction_without_conversions"] =
        kGemmFlops / (kGemmFlops / gemm / 1e9 - conversions) / 1e9 / peak;
  }
  st.SetLabel(std::string(models::gemm_backend()) + " " + models::gemm_kernels());
}
BENCHMARK(BM_GradientVsPeak)
    ->Arg(32)
    ->Arg(64)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

// Seconds per step of `steps` steps on `threads` chains at once (wall clock;
// thread CPU time for one thread). `completed`: every step completed (an
// observer looks at each), so BAOAB's last kick is its own pass instead of
// being carried into the next step's sweep (one thread only).
double time_steps(std::vector<std::unique_ptr<Setup>>& chains, int steps, bool completed = false) {
  if (chains.size() == 1) {
    const double t0 = bench::thread_seconds();
    if (completed)
      chains[0]->sampler->run(chains[0]->state, static_cast<std::uint64_t>(steps),
                              [](const State&, const StepOutcome&) {});
    else
      chains[0]->sampler->run(chains[0]->state, static_cast<std::uint64_t>(steps));
    return (bench::thread_seconds() - t0) / steps;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (auto& c : chains)
    threads.emplace_back(
        [&c, steps] { c->sampler->run(c->state, static_cast<std::uint64_t>(steps)); });
  for (auto& t : threads) t.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / steps;
}

void BM_StepRatio(benchmark::State& st) {
  const bool float32 = st.range(0) == 32;
  const auto threads = static_cast<std::size_t>(st.range(1));
  std::vector<std::unique_ptr<Setup>> ccola, sgdm;
  for (std::size_t t = 0; t < threads; ++t) {
    ccola.push_back(std::make_unique<Setup>(float32, true));
    sgdm.push_back(std::make_unique<Setup>(float32, false));
  }
  Vector grad(sgdm[0]->layout.size());
  double c_sum = 0, s_sum = 0, g_sum = 0, completed_sum = 0;
  int n = 0;
  for (auto _ : st) {
    const int steps = 8;
    const double c = time_steps(ccola, steps);
    const double s = time_steps(sgdm, steps);
    double g = 0;
    if (threads == 1) {
      completed_sum += time_steps(ccola, steps, true);
      const double t0 = bench::thread_seconds();
      PotentialContext ctx;
      for (int i = 0; i < steps; ++i) {
        ctx.step = static_cast<std::uint64_t>(i);
        sgdm[0]->potential->value_and_gradient(sgdm[0]->state.q, grad, ctx);
      }
      g = (bench::thread_seconds() - t0) / steps;
    }
    st.SetIterationTime(c);
    c_sum += c;
    s_sum += s;
    g_sum += g;
    ++n;
  }
  st.counters["ccola_ms"] = 1e3 * c_sum / n;
  st.counters["sgdm_ms"] = 1e3 * s_sum / n;
  st.counters["ratio"] = c_sum / s_sum;
  if (threads == 1) {
    st.counters["gradient_ms"] = 1e3 * g_sum / n;
    st.counters["ccola_per_gradient"] = c_sum / g_sum;
    st.counters["ccola_completed_ms"] = 1e3 * completed_sum / n;
  }
}
BENCHMARK(BM_StepRatio)
    ->Args({32, 1})
    ->Args({64, 1})
    ->Args({32, 2})
    ->Args({64, 2})
    ->UseManualTime()
    ->Iterations(4)
    ->Unit(benchmark::kMillisecond);

}  // namespace
