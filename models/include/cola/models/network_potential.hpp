#pragma once
// A multilayer perceptron on a training set as a potential:
//
//   kPosterior:  V(q) = (N/B) sum_{i in batch} loss_i(q) + prior(q)
//                (the negative log posterior up to a constant for a batch of
//                B of the N examples; at temperature 1 the samplers draw the
//                Bayesian posterior)
//   kMeanLoss:   V(q) = (1/B) sum_{i in batch} loss_i(q) + prior(q)
//                (the optimiser's objective: PyTorch's mean loss; with
//                tau = 0 the samplers are training algorithms)
//
// loss_i is the softmax cross-entropy -log softmax(yhat_i)[label_i] or the
// Gaussian regression NLL |yhat_i - t_i|^2 / (2 sigma^2) + (k/2) log(2 pi
// sigma^2). The prior is N(0, sd^2) per weight of the blocks matching a
// pattern: sum theta^2 / (2 sd^2) (no constant).
//
// Minibatches: batch number k = ctx.step + 1 (mod 2^64: the initial point's
// step 2^64 - 1 gets batch 0), epoch e = k / batches_per_epoch, batch
// j = k % batches_per_epoch is entries [jB, min((j+1)B, N)) of the epoch's
// permutation, which is drawn (Fisher-Yates) from the stream
// (seed, chain, e, kPotentialStream, 1): without replacement within an epoch,
// reshuffled every epoch, a pure function of (seed, chain, step), so resumed
// runs and any thread count give the same bits. The last batch of an epoch is
// smaller when B does not divide N (PyTorch's drop_last = False); the
// posterior scaling uses its actual size.
//
// Computation: activations are (units x batch) column-major matrices and
// every product goes through gemm(): z = W x + b forward; dW = delta x^T,
// db = row sums, delta_prev = W^T delta backward; no input gradient. In
// float32 the weights are converted from q once per call and the gradient
// back; losses are always summed in double. The gradient is written for the
// network's blocks and is zero for any other block of the layout (e.g. the
// slack variables of circle constraints).
//
// Thread safety: value_and_gradient, evaluate and predict may be called
// concurrently (scratch comes from a WorkspacePool). value_and_gradient
// allocates nothing once each concurrent caller has had its first call;
// evaluate and predict allocate (a pass over a data set, rare next to steps).
#include <cola/models/dataset.hpp>
#include <cola/models/mlp.hpp>
#include <cola/potential.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cola::models {

enum class Likelihood { kSoftmaxCrossEntropy, kGaussian };
enum class Scaling { kPosterior, kMeanLoss };
enum class NetPrecision { kFloat32, kFloat64 };

struct PriorSpec {
  std::string pattern;  // glob over block names
  double sd = 1.0;
};

struct NetworkOptions {
  Likelihood likelihood = Likelihood::kSoftmaxCrossEntropy;
  double noise_sd = 1.0;  // Gaussian likelihood
  Scaling scaling = Scaling::kPosterior;
  // The first pattern that matches a network block gives its prior; blocks
  // that match none have no prior.
  std::vector<PriorSpec> priors;
  Index batch_size = 0;  // 0: full batch
  NetPrecision precision = NetPrecision::kFloat32;
};

class NetworkPotential final : public Potential {
 public:
  // Throws IoError when the data do not fit the network (naming the data's
  // source and both shapes) and ConfigError for bad options or a layout
  // without the network's blocks.
  NetworkPotential(Mlp mlp, const ParameterLayout& layout, std::shared_ptr<const Dataset> train,
                   NetworkOptions options);
  ~NetworkPotential() override;

  double value_and_gradient(const Vector& q, Vector& grad,
                            const PotentialContext& ctx) const override;
  bool stochastic() const override;
  Index dimension() const override { return layout_.size(); }
  std::string name() const override;

  Index batch_size() const;  // the actual B (N for full batch)
  Index batches_per_epoch() const;

  struct Evaluation {
    double loss = 0;      // mean per-example NLL, no prior, no N/B scaling
    double accuracy = 0;  // classification: fraction correct; regression: NaN
    Index examples = 0;
  };
  Evaluation evaluate(const Vector& q, const Dataset& data) const;
  // Classification: class probabilities (n x classes); regression: the
  // predictions yhat (n x outputs). `out` is resized.
  void predict(const Vector& q, const Dataset& data, Matrix& out) const;

  const Mlp& mlp() const { return mlp_; }
  const NetworkOptions& options() const { return options_; }
  const Dataset& train() const { return *train_; }

  struct Impl;

 private:
  Mlp mlp_;
  ParameterLayout layout_;
  std::shared_ptr<const Dataset> train_;
  NetworkOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cola::models
