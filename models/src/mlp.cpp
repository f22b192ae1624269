#include <cola/error.hpp>
#include <cola/models/mlp.hpp>

#include <Eigen/QR>

#include <cmath>
#include <utility>

namespace cola::models {

namespace {

std::string field(std::size_t i, const char* name) {
  std::string s = "layers[";
  s += std::to_string(i);
  s += "].";
  s += name;
  return s;
}

std::string block_name(Index layer, const char* suffix) {
  std::string s = "layer";
  s += std::to_string(layer);
  s += '.';
  s += suffix;
  return s;
}

void fill_uniform(Eigen::Map<Matrix> m, double bound, RngStream& rng) {
  for (Index j = 0; j < m.cols(); ++j)
    for (Index i = 0; i < m.rows(); ++i) m(i, j) = bound * (2 * rng.uniform() - 1);
}

}  // namespace

Activation parse_activation(std::string_view name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid") return Activation::kSigmoid;
  if (name == "identity") return Activation::kIdentity;
  std::string msg = "activation \"";
  msg += name;
  msg += "\" is not one of \"relu\", \"tanh\", \"sigmoid\", \"identity\"";
  throw ConfigError(msg);
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::kRelu: return "relu";
    case Activation::kTanh: return "tanh";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kIdentity: return "identity";
  }
  return "?";
}

Mlp::Mlp(MlpSpec spec) : spec_(std::move(spec)) {
  if (spec_.inputs < 1)
    throw ConfigError("inputs = " + std::to_string(spec_.inputs) + ": must be at least 1");
  if (spec_.layers.empty()) throw ConfigError("layers: a network needs at least one layer");
  for (std::size_t i = 0; i < spec_.layers.size(); ++i) {
    const DenseLayerSpec& l = spec_.layers[i];
    if (l.units < 1)
      throw ConfigError(field(i, "units") + " = " + std::to_string(l.units) +
                        ": must be at least 1");
    const Index fan_in = layer_inputs(static_cast<Index>(i));
    if (l.rank < 0 || l.rank > std::min(l.units, fan_in))
      throw ConfigError(field(i, "rank") + " = " + std::to_string(l.rank) +
                        ": must be 0 (full rank) or between 1 and min(units, inputs) = " +
                        std::to_string(std::min(l.units, fan_in)));
    if (!(l.init_scale > 0) || !std::isfinite(l.init_scale))
      throw ConfigError(field(i, "init_scale") + " = " + std::to_string(l.init_scale) +
                        ": must be positive");
    if (l.rank > 0 && l.init == Initialisation::kOrthogonal)
      throw ConfigError(field(i, "init") +
                        ": an orthogonal initialisation needs a full-rank layer (rank = 0)");
  }
  if (spec_.output_constraint) {
    const OutputConstraint& oc = *spec_.output_constraint;
    const Index k = oc.a.rows();
    if (k < 1 || oc.a.cols() != outputs())
      throw ConfigError("output_constraint.a is " + std::to_string(k) + " x " +
                        std::to_string(oc.a.cols()) + " but must have " +
                        std::to_string(outputs()) + " columns (the network's outputs) and 1 to " +
                        std::to_string(outputs() - 1) + " rows");
    if (k >= outputs())
      throw ConfigError("output_constraint.a has " + std::to_string(k) +
                        " rows: at most outputs - 1 = " + std::to_string(outputs() - 1) +
                        " (else the prediction would not depend on the input)");
    if (oc.b.size() != k)
      throw ConfigError("output_constraint.b has " + std::to_string(oc.b.size()) +
                        " entries; A has " + std::to_string(k) + " rows");
    if (!oc.a.allFinite() || !oc.b.allFinite())
      throw ConfigError("output_constraint: A and b must be finite");
    const Matrix gram = oc.a * oc.a.transpose();
    Eigen::ColPivHouseholderQR<Matrix> qr(oc.a.transpose());
    qr.setThreshold(1e-10);
    if (qr.rank() < k)
      throw ConfigError("output_constraint.a has rank " + std::to_string(qr.rank()) + " < " +
                        std::to_string(k) + " rows: the rows must be linearly independent");
    const Eigen::LDLT<Matrix> g(gram);
    projection_ = Matrix::Identity(outputs(), outputs()) - oc.a.transpose() * g.solve(oc.a);
    // Symmetric to the last bit, so that forward and backward use one matrix.
    projection_ = (0.5 * (projection_ + projection_.transpose())).eval();
    offset_ = oc.a.transpose() * g.solve(oc.b);
  }
}

void Mlp::declare_blocks(ParameterLayout& layout, double mass) const {
  for (Index i = 0; i < num_layers(); ++i) {
    const DenseLayerSpec& l = layer(i);
    if (l.rank > 0) {
      layout.add_block(block_name(i, "u"), l.units, l.rank, mass);
      layout.add_block(block_name(i, "v"), layer_inputs(i), l.rank, mass);
    } else {
      layout.add_block(block_name(i, "weight"), l.units, layer_inputs(i), mass);
    }
    if (l.bias) layout.add_block(block_name(i, "bias"), l.units, 1, mass);
  }
}

std::vector<LayerBlocks> Mlp::find_blocks(const ParameterLayout& layout) const {
  std::vector<LayerBlocks> out(static_cast<std::size_t>(num_layers()));
  auto need = [&](Index i, const char* suffix, Index rows, Index cols) {
    const std::string name = block_name(i, suffix);
    const Index b = layout.index_of(name);
    const BlockInfo& info = layout.block(b);
    if (info.rows != rows || info.cols != cols)
      throw ConfigError("block " + name + " is " + std::to_string(info.rows) + " x " +
                        std::to_string(info.cols) + " but the network needs " +
                        std::to_string(rows) + " x " + std::to_string(cols));
    return b;
  };
  for (Index i = 0; i < num_layers(); ++i) {
    const DenseLayerSpec& l = layer(i);
    LayerBlocks& b = out[static_cast<std::size_t>(i)];
    if (l.rank > 0) {
      b.u = need(i, "u", l.units, l.rank);
      b.v = need(i, "v", layer_inputs(i), l.rank);
    } else {
      b.weight = need(i, "weight", l.units, layer_inputs(i));
    }
    if (l.bias) b.bias = need(i, "bias", l.units, 1);
  }
  return out;
}

void Mlp::initialise(const ParameterLayout& layout, Vector& q, RngStream& rng) const {
  const std::vector<LayerBlocks> blocks = find_blocks(layout);
  for (Index i = 0; i < num_layers(); ++i) {
    const DenseLayerSpec& l = layer(i);
    const LayerBlocks& b = blocks[static_cast<std::size_t>(i)];
    const double fan_in = static_cast<double>(layer_inputs(i));
    const double bound = 1 / std::sqrt(fan_in);
    if (l.rank > 0) {
      const double a = std::pow(3.0 / (static_cast<double>(l.rank) * fan_in), 0.25);
      fill_uniform(layout.matrix(q, b.u), a, rng);
      fill_uniform(layout.matrix(q, b.v), a, rng);
    } else {
      Eigen::Map<Matrix> w = layout.matrix(q, b.weight);
      switch (l.init) {
        case Initialisation::kPytorchUniform: fill_uniform(w, bound, rng); break;
        case Initialisation::kGaussian:
          for (Index k = 0; k < w.size(); ++k) w.data()[k] = l.init_scale * rng.normal();
          break;
        case Initialisation::kOrthogonal:
          w = orthogonal_matrix(w.rows(), w.cols(), l.init_scale, rng);
          break;
      }
    }
    if (l.bias) {
      if (l.init == Initialisation::kGaussian)
        layout.segment(q, b.bias).setZero();
      else
        fill_uniform(layout.matrix(q, b.bias), bound, rng);
    }
  }
}

Index Mlp::num_parameters() const {
  Index n = 0;
  for (Index i = 0; i < num_layers(); ++i) {
    const DenseLayerSpec& l = layer(i);
    n += l.rank > 0 ? l.rank * (l.units + layer_inputs(i)) : l.units * layer_inputs(i);
    if (l.bias) n += l.units;
  }
  return n;
}

std::vector<std::string> Mlp::block_names() const {
  std::vector<std::string> names;
  for (Index i = 0; i < num_layers(); ++i) {
    if (layer(i).rank > 0) {
      names.push_back(block_name(i, "u"));
      names.push_back(block_name(i, "v"));
    } else {
      names.push_back(block_name(i, "weight"));
    }
    if (layer(i).bias) names.push_back(block_name(i, "bias"));
  }
  return names;
}

Matrix orthogonal_matrix(Index rows, Index cols, double gain, RngStream& rng) {
  // QR of the tall orientation: its Q has orthonormal columns.
  const bool wide = rows < cols;
  const Index m = wide ? cols : rows, n = wide ? rows : cols;
  Matrix g(m, n);
  for (Index k = 0; k < g.size(); ++k) g.data()[k] = rng.normal();
  const Eigen::HouseholderQR<Matrix> qr(g);
  Matrix q = qr.householderQ() * Matrix::Identity(m, n);
  const Matrix& r = qr.matrixQR();
  for (Index j = 0; j < n; ++j)
    if (r(j, j) < 0) q.col(j) = -q.col(j);
  q *= gain;
  if (wide) return q.transpose();
  return q;
}

}  // namespace cola::models
