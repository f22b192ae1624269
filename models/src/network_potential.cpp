#include <cola/error.hpp>
#include <cola/models/gemm.hpp>
#include <cola/models/network_potential.hpp>
#include <cola/models/precision.hpp>
#include <cola/models/workspace_pool.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

namespace cola::models {

namespace {

template <class S>
using VectorX = Eigen::Matrix<S, Eigen::Dynamic, 1>;
template <class S>
using ConstMap = Eigen::Map<const MatrixX<S>>;
template <class S>
using MutMap = Eigen::Map<MatrixX<S>>;

// Evaluation and prediction go through a data set in chunks of this many
// examples: big enough for efficient GEMMs, small enough to bound memory.
constexpr Index kChunk = 1024;

struct LayerGeometry {
  Index units = 0, inputs = 0, rank = 0;
  Activation activation = Activation::kIdentity;
  LayerBlocks blocks;
};

struct PriorTerm {
  Index block = 0;
  double precision = 0;  // 1 / sd^2
};

// IoError naming the data's source when `data` cannot feed the network.
void check_fits(const Dataset& data, const Mlp& mlp, Likelihood likelihood) {
  auto fail = [&](const std::string& what) { throw IoError(data.source + ": " + what); };
  if (data.dimension() != mlp.inputs())
    fail("features have " + std::to_string(data.dimension()) + " columns but the network expects " +
         std::to_string(mlp.inputs()) + " inputs");
  if (likelihood == Likelihood::kSoftmaxCrossEntropy) {
    if (!data.is_classification())
      fail("has regression targets but the likelihood is the softmax cross-entropy (class labels)");
    if (data.num_classes != mlp.outputs())
      fail("has " + std::to_string(data.num_classes) + " classes but the network has " +
           std::to_string(mlp.outputs()) + " outputs");
    if (static_cast<Index>(data.labels.size()) != data.size())
      fail(std::to_string(data.labels.size()) + " labels for " + std::to_string(data.size()) +
           " examples");
  } else {
    if (data.is_classification())
      fail("has class labels but the likelihood is Gaussian regression (targets)");
    if (data.targets.cols() != mlp.outputs() || data.targets.rows() != data.size())
      fail("targets are " + std::to_string(data.targets.rows()) + " x " +
           std::to_string(data.targets.cols()) + " but the network needs " +
           std::to_string(data.size()) + " x " + std::to_string(mlp.outputs()));
  }
  if (data.size() < 1) fail("has no examples");
}

template <class S>
struct Workspace {
  VectorX<S> q, g;                // float32: the network's blocks converted (layout-sized)
  std::vector<MatrixX<S>> act;    // act[0]: gathered inputs; act[l + 1]: layer l's outputs
  std::vector<MatrixX<S>> delta;  // dV/d(layer l's outputs), then its pre-activations
  std::vector<MatrixX<S>> low;    // low-rank layers: V^T x forward, U^T delta backward
  MatrixX<S> y, dy;               // output constraint: yhat and dV/dyhat
  std::vector<Index> perm;        // the permutation of epoch perm_key
  std::array<std::uint64_t, 3> perm_key{};
  bool has_perm = false;

  Workspace(const std::vector<LayerGeometry>& layers, Index cols, bool constrained,
            Index layout_size, Index examples) {
    if constexpr (!std::is_same_v<S, double>) {
      q.setZero(layout_size);
      g.setZero(layout_size);
    }
    act.emplace_back(layers.front().inputs, cols);
    for (const LayerGeometry& l : layers) {
      act.emplace_back(l.units, cols);
      delta.emplace_back(l.units, cols);
      low.emplace_back(l.rank, cols);
    }
    if (constrained) {
      y.resize(layers.back().units, cols);
      dy.resize(layers.back().units, cols);
    }
    perm.resize(static_cast<std::size_t>(examples));
  }
};

}  // namespace

struct NetworkPotential::Impl {
  virtual ~Impl() = default;
  virtual double value_and_gradient(const Vector& q, Vector& grad,
                                    const PotentialContext& ctx) const = 0;
  // Sum of the per-example losses over `data`, the number classified
  // correctly, and (when `out`) the probabilities or predictions.
  virtual std::pair<double, Index> pass(const Vector& q, const Dataset& data,
                                        Matrix* out) const = 0;
  Index batch = 0, batches_per_epoch = 1;
};

namespace {

template <class S>
class Engine final : public NetworkPotential::Impl {
 public:
  Engine(const Mlp& mlp, const ParameterLayout& layout, const Dataset& train,
         const NetworkOptions& o)
      : layout_(layout),
        train_(train),
        options_(o),
        pool_([this] { return make_workspace(batch); }) {
    const std::vector<LayerBlocks> blocks = mlp.find_blocks(layout);
    for (Index i = 0; i < mlp.num_layers(); ++i) {
      LayerGeometry g;
      g.units = mlp.layer(i).units;
      g.inputs = mlp.layer_inputs(i);
      g.rank = mlp.layer(i).rank;
      g.activation = mlp.layer(i).activation;
      g.blocks = blocks[static_cast<std::size_t>(i)];
      layers_.push_back(g);
      for (Index b : {g.blocks.weight, g.blocks.bias, g.blocks.u, g.blocks.v})
        if (b >= 0) network_blocks_.push_back(b);
    }
    for (Index b = 0; b < layout.num_blocks(); ++b)
      if (std::find(network_blocks_.begin(), network_blocks_.end(), b) == network_blocks_.end())
        other_blocks_.push_back(b);
    for (Index b : network_blocks_)
      for (const PriorSpec& p : o.priors)
        if (glob_match(p.pattern, layout.block(b).name)) {
          priors_.push_back({b, 1 / (p.sd * p.sd)});
          break;
        }
    if (mlp.has_output_constraint()) {
      projection_ = mlp.output_projection().cast<S>();
      offset_ = mlp.output_offset().cast<S>();
    }
    // Feature-major, so that a batch is a gather of columns.
    x_ = train.features.transpose().cast<S>();
    const Index n = train.size();
    batch = o.batch_size > 0 ? o.batch_size : n;
    batches_per_epoch = (n + batch - 1) / batch;
  }

  double value_and_gradient(const Vector& q, Vector& grad,
                            const PotentialContext& ctx) const override {
    auto handle = pool_.acquire();
    Workspace<S>& ws = *handle;
    const S* w0 = weights(q, ws);
    const Index n = train_.size();
    const Index* rows = nullptr;
    Index b = n;
    if (batch < n) {
      const std::uint64_t k = ctx.step + 1;  // wraps 2^64 - 1 (the initial point) to 0
      const auto per_epoch = static_cast<std::uint64_t>(batches_per_epoch);
      const std::uint64_t epoch = k / per_epoch;
      const auto j = static_cast<Index>(k % per_epoch);
      const std::array<std::uint64_t, 3> key{ctx.seed, ctx.chain, epoch};
      if (!ws.has_perm || ws.perm_key != key) {
        for (std::size_t i = 0; i < ws.perm.size(); ++i) ws.perm[i] = static_cast<Index>(i);
        RngStream rng(StreamKey{ctx.seed, ctx.chain, epoch, kPotentialStream, 1});
        fisher_yates(ws.perm, rng);
        ws.perm_key = key;
        ws.has_perm = true;
      }
      rows = ws.perm.data() + j * batch;
      b = std::min(batch, n - j * batch);
      for (Index c = 0; c < b; ++c) ws.act[0].col(c) = x_.col(rows[c]);
    }
    const Eigen::Ref<const MatrixX<S>> x = rows
                                               ? Eigen::Ref<const MatrixX<S>>(ws.act[0].leftCols(b))
                                               : Eigen::Ref<const MatrixX<S>>(x_);
    forward(w0, ws, x, b);
    const double scale = options_.scaling == Scaling::kPosterior
                             ? static_cast<double>(n) / static_cast<double>(b)
                             : 1.0 / static_cast<double>(b);
    const Index last = static_cast<Index>(layers_.size()) - 1;
    MatrixX<S>& dy = projection_.size() ? ws.dy : ws.delta[static_cast<std::size_t>(last)];
    const double loss = loss_sum(output(ws, b), train_, rows, 0, &dy, nullptr);
    if (projection_.size())
      gemm<S>(Op::kNone, Op::kNone, static_cast<S>(scale), projection_, dy.leftCols(b), S(0),
              ws.delta[static_cast<std::size_t>(last)].leftCols(b));
    else
      dy.leftCols(b) *= static_cast<S>(scale);
    backward(w0, gradient_target(grad, ws), ws, x, b);
    finish_gradient(grad, ws);
    for (Index o : other_blocks_) layout_.segment(grad, o).setZero();
    double value = scale * loss;
    for (const PriorTerm& p : priors_) {
      const auto theta = layout_.segment(q, p.block);
      value += 0.5 * p.precision * theta.squaredNorm();
      layout_.segment(grad, p.block) += p.precision * theta;
    }
    return value;
  }

  std::pair<double, Index> pass(const Vector& q, const Dataset& data, Matrix* out) const override {
    const Index n = data.size();
    Workspace<S> ws = make_workspace(std::min(n, kChunk), false);
    const S* w0 = weights(q, ws);
    const Index outputs = layers_.back().units;
    if (out) out->resize(n, outputs);
    double loss = 0;
    Index correct = 0;
    for (Index r0 = 0; r0 < n; r0 += kChunk) {
      const Index b = std::min(kChunk, n - r0);
      ws.act[0].leftCols(b) = data.features.middleRows(r0, b).transpose().template cast<S>();
      forward(w0, ws, ws.act[0].leftCols(b), b);
      loss += loss_sum(output(ws, b), data, nullptr, r0, nullptr, &correct);
      if (out) {
        const auto y = output(ws, b);
        if (options_.likelihood == Likelihood::kSoftmaxCrossEntropy) {
          for (Index c = 0; c < b; ++c) {
            const Eigen::Matrix<double, Eigen::Dynamic, 1> z = y.col(c).template cast<double>();
            const double m = z.maxCoeff();
            const Eigen::ArrayXd e = (z.array() - m).exp();
            out->row(r0 + c) = (e / e.sum()).matrix().transpose();
          }
        } else {
          out->middleRows(r0, b) = y.transpose().template cast<double>();
        }
      }
    }
    return {loss, correct};
  }

 private:
  std::unique_ptr<Workspace<S>> make_workspace(Index cols) const {
    return std::make_unique<Workspace<S>>(layers_, cols, projection_.size() > 0, layout_.size(),
                                          train_.size());
  }
  Workspace<S> make_workspace(Index cols, bool) const {
    return Workspace<S>(layers_, cols, projection_.size() > 0, layout_.size(), 0);
  }

  // The parameters as the passes read them: q itself in float64, the
  // workspace's converted copy in float32 (same offsets as in q).
  const S* weights(const Vector& q, Workspace<S>& ws) const {
    if constexpr (std::is_same_v<S, double>) {
      (void)ws;
      return q.data();
    } else {
      for (Index b : network_blocks_) {
        const BlockInfo& k = layout_.block(b);
        convert(q.data() + k.offset, ws.q.data() + k.offset, k.size());
      }
      return ws.q.data();
    }
  }
  // Where the backward pass writes: grad itself in float64, the workspace in
  // float32 (copied into grad by finish_gradient).
  S* gradient_target(Vector& grad, Workspace<S>& ws) const {
    if constexpr (std::is_same_v<S, double>) {
      (void)ws;
      return grad.data();
    } else {
      (void)grad;
      return ws.g.data();
    }
  }
  void finish_gradient(Vector& grad, const Workspace<S>& ws) const {
    if constexpr (std::is_same_v<S, double>) {
      (void)grad;
      (void)ws;
    } else {
      for (Index blk : network_blocks_) {
        const BlockInfo& k = layout_.block(blk);
        convert(ws.g.data() + k.offset, grad.data() + k.offset, k.size());
      }
    }
  }
  const S* at(const S* base, Index block) const { return base + layout_.block(block).offset; }
  S* at(S* base, Index block) const { return base + layout_.block(block).offset; }

  // The network's outputs (after the output constraint) for the b columns.
  Eigen::Ref<const MatrixX<S>> output(const Workspace<S>& ws, Index b) const {
    if (projection_.size()) return ws.y.leftCols(b);
    return ws.act.back().leftCols(b);
  }

  void forward(const S* w0, Workspace<S>& ws, const Eigen::Ref<const MatrixX<S>>& x,
               Index b) const {
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const LayerGeometry& g = layers_[l];
      const Eigen::Ref<const MatrixX<S>> in =
          l == 0 ? x : Eigen::Ref<const MatrixX<S>>(ws.act[l].leftCols(b));
      auto out = ws.act[l + 1].leftCols(b);
      if (g.rank > 0) {
        const ConstMap<S> u(at(w0, g.blocks.u), g.units, g.rank);
        const ConstMap<S> v(at(w0, g.blocks.v), g.inputs, g.rank);
        gemm<S>(Op::kTranspose, Op::kNone, S(1), v, in, S(0), ws.low[l].leftCols(b));
        gemm<S>(Op::kNone, Op::kNone, S(1), u, ws.low[l].leftCols(b), S(0), out);
      } else {
        const ConstMap<S> w(at(w0, g.blocks.weight), g.units, g.inputs);
        gemm<S>(Op::kNone, Op::kNone, S(1), w, in, S(0), out);
      }
      if (g.blocks.bias >= 0)
        out.colwise() += Eigen::Map<const VectorX<S>>(at(w0, g.blocks.bias), g.units);
      apply_activation(g.activation, out);
    }
    if (projection_.size()) {
      gemm<S>(Op::kNone, Op::kNone, S(1), projection_, ws.act.back().leftCols(b), S(0),
              ws.y.leftCols(b));
      ws.y.leftCols(b).colwise() += offset_;
    }
  }

  // ws.delta[last] holds dV/d(outputs of the last layer).
  void backward(const S* w0, S* g0, Workspace<S>& ws, const Eigen::Ref<const MatrixX<S>>& x,
                Index b) const {
    for (std::size_t l = layers_.size(); l-- > 0;) {
      const LayerGeometry& g = layers_[l];
      auto d = ws.delta[l].leftCols(b);
      multiply_by_derivative(g.activation, d, ws.act[l + 1].leftCols(b));
      const Eigen::Ref<const MatrixX<S>> in =
          l == 0 ? x : Eigen::Ref<const MatrixX<S>>(ws.act[l].leftCols(b));
      if (g.rank > 0) {
        const ConstMap<S> u(at(w0, g.blocks.u), g.units, g.rank);
        const ConstMap<S> v(at(w0, g.blocks.v), g.inputs, g.rank);
        auto t = ws.low[l].leftCols(b);
        MutMap<S> du(at(g0, g.blocks.u), g.units, g.rank);
        MutMap<S> dv(at(g0, g.blocks.v), g.inputs, g.rank);
        gemm<S>(Op::kNone, Op::kTranspose, S(1), d, t, S(0), du);
        gemm<S>(Op::kTranspose, Op::kNone, S(1), u, d, S(0), t);  // t <- U^T delta
        gemm<S>(Op::kNone, Op::kTranspose, S(1), in, t, S(0), dv);
        if (l > 0) gemm<S>(Op::kNone, Op::kNone, S(1), v, t, S(0), ws.delta[l - 1].leftCols(b));
      } else {
        const ConstMap<S> w(at(w0, g.blocks.weight), g.units, g.inputs);
        MutMap<S> dw(at(g0, g.blocks.weight), g.units, g.inputs);
        gemm<S>(Op::kNone, Op::kTranspose, S(1), d, in, S(0), dw);
        if (l > 0)
          gemm<S>(Op::kTranspose, Op::kNone, S(1), w, d, S(0), ws.delta[l - 1].leftCols(b));
      }
      if (g.blocks.bias >= 0)
        Eigen::Map<VectorX<S>>(at(g0, g.blocks.bias), g.units) = d.rowwise().sum();
    }
  }

  // Sum over the b columns of y of the per-example loss; example c is row
  // rows[c] of data (or first + c when rows is null). Writes dloss/dy into
  // *dy and counts correct classifications into *correct when given.
  double loss_sum(const Eigen::Ref<const MatrixX<S>>& y, const Dataset& data, const Index* rows,
                  Index first, MatrixX<S>* dy, Index* correct) const {
    const Index b = y.cols(), k = y.rows();
    double loss = 0;
    if (options_.likelihood == Likelihood::kSoftmaxCrossEntropy) {
      for (Index c = 0; c < b; ++c) {
        const Index i = rows ? rows[c] : first + c;
        const int label = data.labels[static_cast<std::size_t>(i)];
        const auto col = y.col(c);
        Index argmax = 0;
        const S m = col.maxCoeff(&argmax);
        const S lse = m + std::log((col.array() - m).exp().sum());
        loss += static_cast<double>(lse) - static_cast<double>(col(label));
        if (correct && argmax == label) ++*correct;
        if (dy) {
          dy->col(c) = (col.array() - lse).exp().matrix();
          (*dy)(label, c) -= S(1);
        }
      }
    } else {
      const double var = options_.noise_sd * options_.noise_sd;
      const double constant =
          0.5 * static_cast<double>(k) * std::log(2 * 3.14159265358979323846 * var);
      for (Index c = 0; c < b; ++c) {
        const Index i = rows ? rows[c] : first + c;
        double sq = 0;
        for (Index r = 0; r < k; ++r) {
          const double res = static_cast<double>(y(r, c)) - data.targets(i, r);
          sq += res * res;
          if (dy) (*dy)(r, c) = static_cast<S>(res / var);
        }
        loss += 0.5 * sq / var + constant;
      }
    }
    return loss;
  }

 private:
  ParameterLayout layout_;
  const Dataset& train_;
  NetworkOptions options_;
  std::vector<LayerGeometry> layers_;
  std::vector<Index> network_blocks_, other_blocks_;
  std::vector<PriorTerm> priors_;
  MatrixX<S> projection_;
  VectorX<S> offset_;
  MatrixX<S> x_;  // training features, d x N
  WorkspacePool<Workspace<S>> pool_;
};

}  // namespace

NetworkPotential::NetworkPotential(Mlp mlp, const ParameterLayout& layout,
                                   std::shared_ptr<const Dataset> train, NetworkOptions options)
    : mlp_(std::move(mlp)),
      layout_(layout),
      train_(std::move(train)),
      options_(std::move(options)) {
  if (!train_) throw ConfigError("network potential: no training data");
  check_fits(*train_, mlp_, options_.likelihood);
  const Index n = train_->size();
  if (options_.batch_size < 0 || options_.batch_size > n)
    throw ConfigError("batch_size = " + std::to_string(options_.batch_size) +
                      ": must be between 1 and the " + std::to_string(n) +
                      " training examples (0: full batch)");
  if (!(options_.noise_sd > 0) || !std::isfinite(options_.noise_sd))
    throw ConfigError("noise_sd = " + std::to_string(options_.noise_sd) + ": must be positive");
  for (const PriorSpec& p : options_.priors)
    if (!(p.sd > 0) || !std::isfinite(p.sd))
      throw ConfigError("prior sd for \"" + p.pattern + "\" = " + std::to_string(p.sd) +
                        ": must be positive");
  if (options_.precision == NetPrecision::kFloat32)
    impl_ = std::make_unique<Engine<float>>(mlp_, layout_, *train_, options_);
  else
    impl_ = std::make_unique<Engine<double>>(mlp_, layout_, *train_, options_);
}

NetworkPotential::~NetworkPotential() = default;

double NetworkPotential::value_and_gradient(const Vector& q, Vector& grad,
                                            const PotentialContext& ctx) const {
  return impl_->value_and_gradient(q, grad, ctx);
}

bool NetworkPotential::stochastic() const {
  return impl_->batch < train_->size();
}

std::string NetworkPotential::name() const {
  std::string s = "mlp(";
  s += std::to_string(mlp_.inputs());
  for (Index i = 0; i < mlp_.num_layers(); ++i) {
    s += '-';
    s += std::to_string(mlp_.layer(i).units);
  }
  s += options_.likelihood == Likelihood::kSoftmaxCrossEntropy ? ", softmax" : ", gaussian";
  s += options_.precision == NetPrecision::kFloat32 ? ", float32)" : ", float64)";
  return s;
}

Index NetworkPotential::batch_size() const {
  return impl_->batch;
}
Index NetworkPotential::batches_per_epoch() const {
  return impl_->batches_per_epoch;
}

NetworkPotential::Evaluation NetworkPotential::evaluate(const Vector& q,
                                                        const Dataset& data) const {
  check_fits(data, mlp_, options_.likelihood);
  const auto [loss, correct] = impl_->pass(q, data, nullptr);
  Evaluation e;
  e.examples = data.size();
  e.loss = loss / static_cast<double>(e.examples);
  e.accuracy = data.is_classification()
                   ? static_cast<double>(correct) / static_cast<double>(e.examples)
                   : std::numeric_limits<double>::quiet_NaN();
  return e;
}

void NetworkPotential::predict(const Vector& q, const Dataset& data, Matrix& out) const {
  check_fits(data, mlp_, options_.likelihood);
  impl_->pass(q, data, &out);
}

}  // namespace cola::models
