#pragma once
// A multilayer perceptron's architecture: dense layers as named parameter
// blocks, their initialisation, and an optional output layer that enforces
// linear equality constraints on the predictions. No data and no
// computation of the loss (network_potential.hpp does that).
//
// Blocks, in layer order (column-major like every block):
//   layer<i>.weight  units x inputs      (W, so that z = W x + b)
//   layer<i>.bias    units x 1
// or for a low-rank layer (rank > 0), W = U V^T (Denil et al. 2013; the seed
// document 001), with blocks
//   layer<i>.u       units x rank
//   layer<i>.v       inputs x rank
//
// Initialisations (fan_in = the layer's inputs):
//   kPytorchUniform  W and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's
//                    nn.Linear default.
//   kGaussian        W ~ N(0, init_scale^2), b = 0.
//   kOrthogonal      W = gain * Q with orthonormal rows (units <= inputs) or
//                    columns (units >= inputs), Q from the QR factorisation
//                    of a Gaussian matrix with the signs of diag(R) folded
//                    in (Mezzadri 2007: Haar-distributed); gain = init_scale;
//                    b as PyTorch's default.
//   Low rank: U, V ~ U(-a, a) with a = (3 / (rank fan_in))^(1/4), chosen so
//   that each entry of U V^T has PyTorch's variance 1 / (3 fan_in):
//   Var((UV^T)_ij) = rank Var(u) Var(v) = rank (a^2/3)^2.
//
// Output constraint (Rangarajan et al. 2022, seed document 003): with z the
// last layer's output, the prediction is yhat = P z + c, the orthogonal
// projection onto {y : A y = b}: P = I - A^T (A A^T)^-1 A and
// c = A^T (A A^T)^-1 b, so A yhat = b holds for every input, exactly up to
// rounding. P is symmetric, so the backward pass multiplies by P. With a
// softmax likelihood the constraint applies to the logits.
//
// Immutable after construction; thread-safe. Allocates only when built.
#include <cola/models/activation.hpp>
#include <cola/parameter_layout.hpp>
#include <cola/rng.hpp>
#include <cola/types.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cola::models {

enum class Initialisation { kPytorchUniform, kGaussian, kOrthogonal };

struct DenseLayerSpec {
  Index units = 0;
  Activation activation = Activation::kRelu;
  Initialisation init = Initialisation::kPytorchUniform;
  double init_scale = 1.0;  // Gaussian: sd; orthogonal: gain
  Index rank = 0;           // > 0: low-rank W = U V^T
  bool bias = true;
};

struct OutputConstraint {
  Matrix a;  // k x outputs, full row rank
  Vector b;  // k
};

struct MlpSpec {
  Index inputs = 0;
  std::vector<DenseLayerSpec> layers;
  std::optional<OutputConstraint> output_constraint;
};

// Where one layer's blocks are in a bound layout (-1: absent).
struct LayerBlocks {
  Index weight = -1, bias = -1, u = -1, v = -1;
};

class Mlp {
 public:
  // Throws ConfigError naming the field ("layers[1].units", "inputs",
  // "output_constraint.a") and what would be valid.
  explicit Mlp(MlpSpec spec);

  // Adds the blocks listed above to `layout`, in layer order.
  void declare_blocks(ParameterLayout& layout, double mass = 1.0) const;
  // The blocks of each layer in `layout`; ConfigError when one is missing or
  // has the wrong shape.
  std::vector<LayerBlocks> find_blocks(const ParameterLayout& layout) const;
  // Draws the initial weights into q (only the network's blocks).
  void initialise(const ParameterLayout& layout, Vector& q, RngStream& rng) const;

  Index inputs() const { return spec_.inputs; }
  Index outputs() const { return spec_.layers.back().units; }
  Index num_layers() const { return static_cast<Index>(spec_.layers.size()); }
  const DenseLayerSpec& layer(Index i) const { return spec_.layers[static_cast<std::size_t>(i)]; }
  Index layer_inputs(Index i) const { return i == 0 ? spec_.inputs : layer(i - 1).units; }
  const MlpSpec& spec() const { return spec_; }
  Index num_parameters() const;
  // Names of the network's blocks, in layout order.
  std::vector<std::string> block_names() const;

  bool has_output_constraint() const { return spec_.output_constraint.has_value(); }
  // P and c of the output constraint (empty without one).
  const Matrix& output_projection() const { return projection_; }
  const Vector& output_offset() const { return offset_; }

 private:
  MlpSpec spec_;
  Matrix projection_;
  Vector offset_;
};

// W = gain * Q, rows x cols, with orthonormal rows (rows <= cols) or columns.
Matrix orthogonal_matrix(Index rows, Index cols, double gain, RngStream& rng);

}  // namespace cola::models
