#include "config_text.hpp"

#include <cola/apps/config.hpp>
#include <cola/apps/config_schema.hpp>
#include <cola/error.hpp>
#include <cola/samplers/metropolis.hpp>
#include <cola/samplers/splitting.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

namespace cola::apps {

namespace {

using detail::closest;
using detail::format_float;
using detail::format_integer;
using detail::join;
using detail::quote;

[[noreturn]] void fail(const std::string& message) {
  throw ConfigError(message);
}

// ---------------------------------------------------------------------------
// Enumerations and their spellings.

template <class E>
using Names = std::vector<std::pair<const char*, E>>;

const Names<ModelType>& model_names() {
  static const Names<ModelType> n = {{"von_mises_fisher", ModelType::kVonMisesFisher},
                                     {"gaussian", ModelType::kGaussian},
                                     {"double_well", ModelType::kDoubleWell},
                                     {"harmonic", ModelType::kHarmonic},
                                     {"mlp", ModelType::kMlp}};
  return n;
}
const Names<DataType>& data_names() {
  static const Names<DataType> n = {{"none", DataType::kNone},
                                    {"spiral", DataType::kSpiral},
                                    {"fashion_mnist", DataType::kFashionMnist},
                                    {"csv", DataType::kCsv},
                                    {"hdf5", DataType::kHdf5}};
  return n;
}
const Names<ConstraintType>& constraint_names() {
  static const Names<ConstraintType> n = {{"fixed_norm", ConstraintType::kFixedNorm},
                                          {"circle", ConstraintType::kCircle},
                                          {"orthogonality", ConstraintType::kOrthogonality},
                                          {"linear", ConstraintType::kLinear},
                                          {"weight_tying", ConstraintType::kWeightTying}};
  return n;
}
const Names<SamplerType>& sampler_names() {
  static const Names<SamplerType> n = {
      {"cola-ud", SamplerType::kColaUd}, {"g-baoab", SamplerType::kGBaoab},
      {"cola-od", SamplerType::kColaOd}, {"sgld", SamplerType::kSgld},
      {"sgd", SamplerType::kSgd},        {"sgd-momentum", SamplerType::kSgdMomentum},
      {"hmc", SamplerType::kHmc},        {"ghmc", SamplerType::kGhmc},
      {"mala", SamplerType::kMala}};
  return n;
}
const Names<InitKind>& init_names() {
  static const Names<InitKind> n = {{"random", InitKind::kRandom}, {"zeros", InitKind::kZeros}};
  return n;
}
const Names<Precision>& precision_names() {
  static const Names<Precision> n = {{"float64", Precision::kFloat64},
                                     {"float32", Precision::kFloat32}};
  return n;
}
const Names<NormGroups>& per_names() {
  static const Names<NormGroups> n = {{"block", NormGroups::kBlock},
                                      {"rows", NormGroups::kRows},
                                      {"columns", NormGroups::kColumns}};
  return n;
}
const Names<CircleDrift>& drift_names() {
  static const Names<CircleDrift> n = {{"rotation", CircleDrift::kRotation},
                                       {"shake", CircleDrift::kShake}};
  return n;
}
const Names<SolverKind>& solver_names() {
  static const Names<SolverKind> n = {{"quasi_newton", SolverKind::kQuasiNewton},
                                      {"newton", SolverKind::kNewton}};
  return n;
}

// Values reaching these were validated against the schema's choices.
template <class E>
E from_name(const Names<E>& names, const std::string& text) {
  for (const auto& [name, value] : names)
    if (text == name) return value;
  throw std::logic_error("cola config: '" + text + "' passed validation but has no enum value");
}
template <class E>
const char* name_of(const Names<E>& names, E value) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return "?";
}

// ---------------------------------------------------------------------------
// Validation against the schema.

const std::vector<std::string> kSectionNames = {"model",   "data", "constraints",
                                                "sampler", "run",  "output"};

std::string number_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string describe(const toml::node& n) {
  if (const auto* v = n.as_string()) return "the string " + quote(v->get());
  if (const auto* v = n.as_integer()) return "the integer " + std::to_string(v->get());
  if (const auto* v = n.as_floating_point()) return "the float " + number_text(v->get());
  if (const auto* v = n.as_boolean()) return v->get() ? "true" : "false";
  if (n.is_array()) return "an array";
  if (n.is_table()) return "a table";
  return "a date or time";
}

std::string with_article(const std::string& noun) {
  const bool vowel = !noun.empty() && std::strchr("aeiou", noun[0]) != nullptr;
  return (vowel ? "an " : "a ") + noun;
}

std::string section_title(const std::string& display) {
  return display.rfind("constraints[", 0) == 0 ? display : "[" + display + "]";
}

[[noreturn]] void unknown_section(const std::string& key) {
  std::string hint;
  const std::string near = closest(key, kSectionNames);
  if (!near.empty()) {
    hint = "; did you mean " + near + "?";
  } else {
    // A key written outside its section, e.g. `seed = 1` for run.seed. The
    // [data] section comes last: its seed, path, ... are rarer meanings.
    for (const bool data : {false, true})
      for (const auto& section : config_sections()) {
        if (!hint.empty() || (section.name == "data") != data) continue;
        const std::vector<std::string> keys = keys_of(section.name);
        if (std::find(keys.begin(), keys.end(), key) != keys.end())
          hint = "; did you mean " + section.name + "." + key + "?";
      }
  }
  fail("unknown top-level key " + key + (hint.empty() ? "; valid" : hint + " Valid") +
       " sections: " + join(kSectionNames));
}

[[noreturn]] void unknown_key(const std::string& display, const std::string& section,
                              const std::string& key, const std::string& type) {
  const std::vector<std::string> valid = keys_of(section, type);
  // A key of another type is a plausible target too (--set may change the type later).
  std::string near = closest(key, valid);
  if (near.empty()) near = closest(key, keys_of(section));
  std::string message = "unknown key " + display + "." + key;
  message += near.empty() ? "; valid" : "; did you mean " + display + "." + near + "? Valid";
  message += " keys of " + section_title(display);
  if (!type.empty()) message += " (type = " + quote(type) + ")";
  fail(message + ": " + join(valid));
}

// The default of a key as a node (parsed from the schema's TOML text).
toml::table parse_default(const KeySpec& spec) {
  return toml::parse("v = " + spec.default_value, std::string_view("<schema default>"));
}

double check_number(const toml::node& n, const KeySpec& k, const std::string& path, bool integer) {
  double v = 0;
  if (integer) {
    if (!n.is_integer()) fail(path + ": expected an integer, got " + describe(n));
    v = static_cast<double>(n.as_integer()->get());
  } else {
    if (!n.is_number()) fail(path + ": expected a number, got " + describe(n));
    v = n.value<double>().value_or(0.0);
    if (!std::isfinite(v)) fail(path + " = " + number_text(v) + " is not finite");
  }
  const bool low = k.min && (v < k.min->value || (!k.min->inclusive && v == k.min->value));
  const bool high = k.max && (v > k.max->value || (!k.max->inclusive && v == k.max->value));
  if (low || high) {
    const std::string text = integer ? std::to_string(n.as_integer()->get())
                                     : number_text(n.value<double>().value_or(0));
    fail(path + " = " + text + " is out of range: must be " + k.range_text());
  }
  return v;
}

void check_entries(const toml::array& a, const KeySpec& k, const std::string& path) {
  const std::size_t n = a.size();
  if (n < k.min_entries || (k.max_entries > 0 && n > k.max_entries)) {
    std::string want;
    if (k.max_entries == 0)
      want = "at least " + std::to_string(k.min_entries);
    else if (k.max_entries == k.min_entries)
      want = std::to_string(k.min_entries);
    else
      want = std::to_string(k.min_entries) + " to " + std::to_string(k.max_entries);
    fail(path + ": expected " + want + " entries, got " + std::to_string(n));
  }
}

void check_numeric_array(const toml::node& n, const KeySpec& k, const std::string& path,
                         bool integer) {
  const toml::array* a = n.as_array();
  if (a == nullptr)
    fail(path + ": expected " + with_article(k.type_text()) + ", got " + describe(n));
  check_entries(*a, k, path);
  for (std::size_t i = 0; i < a->size(); ++i)
    check_number(*a->get(i), k, path + "[" + std::to_string(i) + "]", integer);
}

void check_value(const toml::node& n, const KeySpec& k, const std::string& path) {
  const std::string expected = path + ": expected " + with_article(k.type_text()) + ", got ";
  switch (k.type) {
    case ValueType::kString: {
      if (!n.is_string()) fail(expected + describe(n));
      const std::string& v = n.as_string()->get();
      if (!k.choices.empty() &&
          std::find(k.choices.begin(), k.choices.end(), v) == k.choices.end()) {
        const std::string near = closest(v, k.choices);
        fail(path + " = " + quote(v) + " is not valid" +
             (near.empty() ? "; valid: " : "; did you mean " + quote(near) + "? Valid: ") +
             join(k.choices, true));
      }
      return;
    }
    case ValueType::kInteger: check_number(n, k, path, true); return;
    case ValueType::kFloat: check_number(n, k, path, false); return;
    case ValueType::kBool:
      if (!n.is_boolean()) fail(expected + describe(n));
      return;
    case ValueType::kFloatOrArray:
      if (n.is_number()) {
        check_number(n, k, path, false);
        return;
      }
      if (!n.is_array()) fail(expected + describe(n));
      check_numeric_array(n, k, path, false);
      return;
    case ValueType::kFloatArray: check_numeric_array(n, k, path, false); return;
    case ValueType::kIntegerArray: check_numeric_array(n, k, path, true); return;
    case ValueType::kStringOrArray: {
      if (n.is_string()) return;
      const toml::array* a = n.as_array();
      if (a == nullptr) fail(expected + describe(n));
      check_entries(*a, k, path);
      for (std::size_t i = 0; i < a->size(); ++i)
        if (!a->get(i)->is_string())
          fail(path + "[" + std::to_string(i) + "]: expected a string, got " +
               describe(*a->get(i)));
      return;
    }
    case ValueType::kFloatMatrix:
    case ValueType::kIntegerMatrix: {
      const bool integer = k.type == ValueType::kIntegerMatrix;
      const toml::array* a = n.as_array();
      if (a == nullptr) fail(expected + describe(n));
      check_entries(*a, k, path);
      for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string row_path = path + "[" + std::to_string(i) + "]";
        const toml::array* row = a->get(i)->as_array();
        if (row == nullptr)
          fail(row_path + ": expected an array of " + (integer ? "integers" : "numbers") +
               ", got " + describe(*a->get(i)));
        if (integer && row->size() < 2)
          fail(row_path + ": a group needs at least 2 entries, got " + std::to_string(row->size()));
        if (!integer && row->empty()) fail(row_path + ": a row needs at least 1 entry, got 0");
        if (!integer && i > 0 && row->size() != a->get(0)->as_array()->size())
          fail(row_path + " has " + std::to_string(row->size()) + " entries but " + path +
               "[0] has " + std::to_string(a->get(0)->as_array()->size()) +
               " (the rows of a matrix have equal length)");
        for (std::size_t j = 0; j < row->size(); ++j)
          check_number(*row->get(j), k, row_path + "[" + std::to_string(j) + "]", integer);
      }
      return;
    }
    case ValueType::kTable:
      if (!n.is_table()) fail(expected + describe(n));
      return;
  }
}

// The value of the section's `type` key (validated), or its default.
std::string section_type(const toml::table* t, const std::string& section,
                         const std::string& display) {
  const KeySpec* spec = find_key(section, "type", "");
  if (spec == nullptr) return {};
  if (t != nullptr) {
    if (const toml::node* n = t->get("type")) {
      check_value(*n, *spec, display + ".type");
      return n->as_string()->get();
    }
  }
  if (spec->required()) fail(display + ".type is required; valid: " + join(spec->choices, true));
  return parse_default(*spec)["v"].value<std::string>().value_or("");
}

void check_table(const toml::table& t, const std::string& section, const std::string& display) {
  const std::string type = section_type(&t, section, display);
  for (auto&& [k, node] : t) {
    const std::string key(k.str());
    const KeySpec* spec = find_key(section, key, type);
    if (spec == nullptr) {
      const std::vector<std::string> any = keys_of(section);
      if (std::find(any.begin(), any.end(), key) != any.end())
        fail(display + "." + key + " is not a key of " + display + ".type = " + quote(type) +
             "; valid keys: " + join(keys_of(section, type)));
      unknown_key(display, section, key, type);
    }
    if (spec->type == ValueType::kTable) {
      if (!node.is_table())
        fail(display + "." + key + ": expected a table ([" + section + "." + key + "]), got " +
             describe(node));
      check_table(*node.as_table(), section + "." + key, display + "." + key);
      continue;
    }
    check_value(node, *spec, display + "." + key);
  }
  for (const auto& spec : config_schema())
    if (spec.section == section && spec.applies_to(type) && spec.required() &&
        !t.contains(spec.key))
      fail(display + "." + spec.key + " is required" +
           (type.empty() ? std::string() : " for " + display + ".type = " + quote(type)) + " (" +
           spec.doc + ")");
}

void validate(const toml::table& root) {
  for (auto&& [k, node] : root) {
    const std::string key(k.str());
    if (key == "constraints") {
      const toml::array* a = node.as_array();
      if (a == nullptr)
        fail("constraints: expected an array of tables ([[constraints]]), got " + describe(node));
      for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string display = "constraints[" + std::to_string(i) + "]";
        const toml::table* t = a->get(i)->as_table();
        if (t == nullptr)
          fail(display + ": expected a table ([[constraints]]), got " + describe(*a->get(i)));
        check_table(*t, "constraints", display);
      }
    } else if (std::find(kSectionNames.begin(), kSectionNames.end(), key) != kSectionNames.end()) {
      const toml::table* t = node.as_table();
      if (t == nullptr) fail(key + ": expected a table ([" + key + "]), got " + describe(node));
      check_table(*t, key, key);
    } else {
      unknown_section(key);
    }
  }
  if (!root.contains("model"))
    fail("the configuration has no [model] section (model.type and model.shape are required)");
}

// ---------------------------------------------------------------------------
// Typed reading of a validated table, with the schema's defaults.

class Reader {
 public:
  Reader(const toml::table* t, std::string section, std::string type, std::string display)
      : t_(t), section_(std::move(section)), type_(std::move(type)), display_(std::move(display)) {}

  bool has(const std::string& key) const { return t_ != nullptr && t_->contains(key); }
  std::string path(const std::string& key) const { return display_ + "." + key; }

  const toml::node& node(const std::string& key) {
    if (has(key)) return *t_->get(key);
    const KeySpec* spec = find_key(section_, key, type_);
    if (spec == nullptr || spec->default_value.empty())
      throw std::logic_error("cola config: no default for " + path(key));
    toml::table parsed = parse_default(*spec);
    defaults_.insert_or_assign(key, std::move(*parsed.get("v")));
    return *defaults_.get(key);
  }
  double number(const std::string& key) { return node(key).value<double>().value_or(0.0); }
  std::int64_t integer(const std::string& key) {
    return node(key).value<std::int64_t>().value_or(0);
  }
  std::uint64_t count(const std::string& key) { return static_cast<std::uint64_t>(integer(key)); }
  int small_integer(const std::string& key) { return static_cast<int>(integer(key)); }
  bool boolean(const std::string& key) { return node(key).value<bool>().value_or(false); }
  std::string string(const std::string& key) { return node(key).value<std::string>().value_or(""); }
  std::vector<std::string> strings(const std::string& key) {
    const toml::node& n = node(key);
    if (n.is_string()) return {n.as_string()->get()};
    std::vector<std::string> out;
    for (const auto& e : *n.as_array()) out.push_back(e.value<std::string>().value_or(""));
    return out;
  }
  std::vector<double> numbers(const std::string& key) {
    const toml::node& n = node(key);
    if (n.is_number()) return {n.value<double>().value_or(0.0)};
    std::vector<double> out;
    for (const auto& e : *n.as_array()) out.push_back(e.value<double>().value_or(0.0));
    return out;
  }
  std::vector<std::int64_t> integers(const std::string& key) {
    std::vector<std::int64_t> out;
    for (const auto& e : *node(key).as_array()) out.push_back(e.value<std::int64_t>().value_or(0));
    return out;
  }
  // One value per parameter: a number for all, or an array of `size`.
  std::vector<double> per_parameter(const std::string& key, Index size,
                                    const std::string& shape_text) {
    const bool scalar = node(key).is_number();
    std::vector<double> v = numbers(key);
    if (scalar) return std::vector<double>(static_cast<std::size_t>(size), v.front());
    if (static_cast<Index>(v.size()) != size)
      fail(path(key) + " has " + std::to_string(v.size()) + " entries but the block has " +
           std::to_string(size) + " parameters (shape " + shape_text + "); give one number or " +
           std::to_string(size));
    return v;
  }

 private:
  const toml::table* t_;
  std::string section_, type_, display_;
  toml::table defaults_;
};

std::string shape_text(const std::vector<Index>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

ModelConfig resolve_model(const toml::table& t) {
  ModelConfig m;
  const std::string type = section_type(&t, "model", "model");
  Reader r(&t, "model", type, "model");
  m.type = from_name(model_names(), type);
  m.mass = r.number("mass");
  if (m.type == ModelType::kMlp) {
    for (const auto v : r.integers("hidden")) m.hidden.push_back(static_cast<Index>(v));
    m.activation = r.string("activation");
    m.init = r.string("init");
    m.init_scale = r.number("init_scale");
    m.init_orthogonal = r.strings("init_orthogonal");
    for (const auto v : r.integers("low_rank")) m.low_rank.push_back(static_cast<Index>(v));
    if (!m.low_rank.empty() && m.low_rank.size() != m.hidden.size() + 1)
      fail("model.low_rank has " + std::to_string(m.low_rank.size()) +
           " entries but the network has " + std::to_string(m.hidden.size() + 1) +
           " layers (model.hidden plus the output layer); give one rank per layer or []");
    m.likelihood = r.string("likelihood");
    m.noise_sd = r.number("noise_sd");
    m.prior = r.string("prior");
    m.prior_sd = r.numbers("prior_sd");
    m.scaling = r.string("scaling");
    m.precision = r.string("precision");
    for (const auto& row : *r.node("output_matrix").as_array()) {
      std::vector<double> values;
      for (const auto& e : *row.as_array()) values.push_back(e.value<double>().value_or(0.0));
      m.output_matrix.push_back(std::move(values));
    }
    if (r.has("output_rhs")) {
      m.output_rhs = r.numbers("output_rhs");
      if (m.output_rhs.size() != m.output_matrix.size())
        fail("model.output_rhs has " + std::to_string(m.output_rhs.size()) +
             " entries but model.output_matrix has " + std::to_string(m.output_matrix.size()) +
             " rows");
    } else {
      m.output_rhs.assign(m.output_matrix.size(), 0.0);
    }
    return m;
  }
  m.block = r.string("block");
  if (m.block.empty()) fail("model.block must not be empty");
  for (const auto v : r.integers("shape")) m.shape.push_back(static_cast<Index>(v));
  const Index n = m.size();
  const std::string shape = shape_text(m.shape);
  switch (m.type) {
    case ModelType::kVonMisesFisher:
      m.kappa = r.number("kappa");
      if (r.has("direction")) {
        m.direction = r.numbers("direction");
        if (static_cast<Index>(m.direction.size()) != n)
          fail("model.direction has " + std::to_string(m.direction.size()) +
               " entries but the block has " + std::to_string(n) + " parameters (shape " + shape +
               ")");
        if (std::all_of(m.direction.begin(), m.direction.end(), [](double d) { return d == 0; }))
          fail("model.direction must not be zero");
      } else {
        m.direction.assign(static_cast<std::size_t>(n), 0.0);
        m.direction.back() = 1.0;
      }
      break;
    case ModelType::kGaussian:
      m.mean = r.per_parameter("mean", n, shape);
      m.variance = r.per_parameter("variance", n, shape);
      break;
    case ModelType::kDoubleWell: m.barrier = r.number("barrier"); break;
    case ModelType::kHarmonic: m.stiffness = r.per_parameter("stiffness", n, shape); break;
    case ModelType::kMlp: break;
  }
  return m;
}

DataConfig resolve_data(const toml::table* t) {
  DataConfig d;
  const std::string type = section_type(t, "data", "data");
  Reader r(t, "data", type, "data");
  d.type = from_name(data_names(), type);
  switch (d.type) {
    case DataType::kNone: return d;
    case DataType::kSpiral:
      d.arms = static_cast<Index>(r.integer("arms"));
      d.points = static_cast<Index>(r.integer("points"));
      d.test_points = static_cast<Index>(r.integer("test_points"));
      d.noise = r.number("noise");
      break;
    case DataType::kFashionMnist: d.dir = r.string("dir"); break;
    case DataType::kCsv:
    case DataType::kHdf5:
      d.path = r.string("path");
      if (d.path.empty()) fail("data.path must not be empty");
      d.test_path = r.string("test_path");
      d.label = r.string("label");
      d.targets = r.strings("targets");
      if (d.type == DataType::kHdf5) d.features = r.string("features");
      if (d.label.empty() == d.targets.empty())
        fail(
            "data: give exactly one of data.label (classification) and data.targets "
            "(regression)");
      break;
  }
  if (d.type != DataType::kSpiral) {
    d.train_size = r.count("train_size");
    d.test_size = r.count("test_size");
    if ((d.type == DataType::kCsv || d.type == DataType::kHdf5) && d.test_path.empty() &&
        d.test_size == 0)
      fail(
          "data.test_size must be > 0 when data.test_path is empty (the test set is held out "
          "from data.path)");
  }
  d.seed = r.count("seed");
  d.batch_size = r.count("batch_size");
  d.batch_fraction = r.number("batch_fraction");
  // (The printed configuration carries the default fraction 1.0 beside a
  // batch size: only a fraction below 1 conflicts.)
  if (d.batch_size > 0 && d.batch_fraction < 1)
    fail("data: give data.batch_size or data.batch_fraction, not both");
  d.evaluate_every = r.count("evaluate_every");
  d.evaluate_train = r.boolean("evaluate_train");
  d.predictive = r.boolean("predictive");
  return d;
}

ConstraintConfig resolve_constraint(const toml::table& t, const std::string& display) {
  ConstraintConfig c;
  const std::string type = section_type(&t, "constraints", display);
  Reader r(&t, "constraints", type, display);
  c.type = from_name(constraint_names(), type);
  c.blocks = r.strings("blocks");
  for (std::size_t i = 0; i < c.blocks.size(); ++i)
    if (c.blocks[i].empty()) fail(display + ".blocks: a pattern must not be empty");
  c.exclude = r.strings("exclude");
  for (const auto& p : c.exclude)
    if (p.empty()) fail(display + ".exclude: a pattern must not be empty");
  switch (c.type) {
    case ConstraintType::kFixedNorm:
      c.radius = r.number("radius");
      c.per = from_name(per_names(), r.string("per"));
      break;
    case ConstraintType::kCircle:
      c.radii = r.numbers("radius");
      c.radius = c.radii.front();
      c.drift = from_name(drift_names(), r.string("drift"));
      break;
    case ConstraintType::kOrthogonality: c.square_only = r.boolean("square_only"); break;
    case ConstraintType::kLinear: {
      for (const auto& row : *r.node("matrix").as_array()) {
        std::vector<double> values;
        for (const auto& e : *row.as_array()) values.push_back(e.value<double>().value_or(0.0));
        c.matrix.push_back(std::move(values));
      }
      if (r.has("rhs")) {
        c.rhs = r.numbers("rhs");
        if (c.rhs.size() != c.matrix.size())
          fail(display + ".rhs has " + std::to_string(c.rhs.size()) + " entries but " + display +
               ".matrix has " + std::to_string(c.matrix.size()) + " rows");
      } else {
        c.rhs.assign(c.matrix.size(), 0.0);
      }
      break;
    }
    case ConstraintType::kWeightTying:
      if (r.has("groups"))
        for (const auto& row : *r.node("groups").as_array()) {
          std::vector<std::int64_t> group;
          for (const auto& e : *row.as_array())
            group.push_back(e.value<std::int64_t>().value_or(0));
          c.groups.push_back(std::move(group));
        }
      break;
  }
  return c;
}

SamplerConfig resolve_sampler(const toml::table* t) {
  SamplerConfig s;
  const std::string type = section_type(t, "sampler", "sampler");
  Reader r(t, "sampler", type, "sampler");
  s.type = from_name(sampler_names(), type);
  switch (s.type) {
    case SamplerType::kColaUd:
    case SamplerType::kGBaoab:
      s.step_size = r.number("step_size");
      s.friction = r.number("friction");
      s.temperature = r.number("temperature");
      if (s.type == SamplerType::kColaUd)
        s.splitting = r.string("splitting");
      else
        s.drift_substeps = r.small_integer("drift_substeps");
      break;
    case SamplerType::kColaOd:
    case SamplerType::kSgld:
      s.step_size = r.number("step_size");
      s.temperature = r.number("temperature");
      break;
    case SamplerType::kSgd: s.learning_rate = r.number("learning_rate"); break;
    case SamplerType::kSgdMomentum:
      s.learning_rate = r.number("learning_rate");
      s.momentum = r.number("momentum");
      s.temperature = r.number("temperature");
      s.splitting = r.string("splitting");
      break;
    case SamplerType::kHmc:
    case SamplerType::kGhmc:
    case SamplerType::kMala:
      s.step_size = r.number("step_size");
      s.temperature = r.number("temperature");
      if (s.type == SamplerType::kGhmc) s.friction = r.number("friction");
      if (s.type != SamplerType::kMala) s.drift_substeps = r.small_integer("drift_substeps");
      if (s.type == SamplerType::kHmc) s.leapfrog_steps = r.small_integer("leapfrog_steps");
      s.reverse_check = r.boolean("reverse_check");
      s.reverse_tolerance = r.number("reverse_tolerance");
      s.adapt_step_size = r.boolean("adapt_step_size");
      s.target_acceptance = r.number("target_acceptance");
      break;
  }
  if (s.type != SamplerType::kSgd && s.type != SamplerType::kSgdMomentum) {
    const std::string measure = r.string("target_measure");
    try {
      s.target_measure = samplers::parse_target_measure(measure);
    } catch (const ConfigError& e) {
      fail("sampler.target_measure = " + quote(measure) + ": " + e.what());
    }
  }
  if (!s.splitting.empty()) {
    try {
      samplers::parse_splitting(s.splitting, s.drift_substeps);
    } catch (const ConfigError& e) {
      fail("sampler.splitting = " + quote(s.splitting) + ": " + e.what());
    }
  }
  s.failure_policy = samplers::parse_failure_policy(r.string("failure_policy"));
  s.max_halvings = r.small_integer("max_halvings");

  const toml::table* solver_table = t != nullptr ? (*t)["solver"].as_table() : nullptr;
  Reader v(solver_table, "sampler.solver", "", "sampler.solver");
  s.solver.kind = from_name(solver_names(), v.string("kind"));
  s.solver.tolerance = v.number("tolerance");
  s.solver.increment_tolerance = v.number("increment_tolerance");
  s.solver.max_iterations = v.small_integer("max_iterations");
  s.solver.orthogonality_max_iterations = v.small_integer("orthogonality_max_iterations");
  s.solver.newton_fallback = v.boolean("newton_fallback");
  s.solver.divergence_factor = v.number("divergence_factor");
  if (is_exact(s.type) && s.reverse_check) {
    // The rule is the library's (require_exact); checked here so that the
    // configuration is refused before anything is built.
    const double least = samplers::min_reverse_tolerance(s.solver);
    char bound[32];  // 3 digits: 10 x 1e-11 is 9.999999999999999e-11 in full
    std::snprintf(bound, sizeof bound, "%.3g", least);
    if (!(s.reverse_tolerance >= least))
      fail("sampler.reverse_tolerance = " + number_text(s.reverse_tolerance) +
           " is out of range: must be >= " + bound + " (" +
           number_text(samplers::kReverseToleranceFactor) + "x sampler.solver.tolerance = " +
           number_text(s.solver.tolerance) + ": the reverse move is solved to that tolerance too)");
  }
  return s;
}

RunConfig resolve_run(const toml::table* t) {
  Reader r(t, "run", "", "run");
  RunConfig c;
  c.chains = r.count("chains");
  c.epochs = r.count("epochs");
  if (c.epochs > 0 && r.has("steps"))
    fail("run: give run.steps or run.epochs, not both (epochs > 0 sets the steps)");
  c.steps = r.count("steps");
  c.warmup = r.count("warmup");
  c.thin = r.count("thin");
  c.stats_thin = r.count("stats_thin");
  c.seed = r.count("seed");
  c.threads = r.small_integer("threads");
  c.checkpoint_every = r.count("checkpoint_every");
  c.init = from_name(init_names(), r.string("init"));
  c.init_scale = r.number("init_scale");
  return c;
}

OutputConfig resolve_output(const toml::table* t) {
  Reader r(t, "output", "", "output");
  OutputConfig c;
  c.enabled = r.boolean("enabled");
  c.path = r.string("path");
  if (c.path.empty()) fail("output.path must not be empty");
  c.record = r.strings("record");
  for (const auto& p : c.record)
    if (p.empty()) fail("output.record: a pattern must not be empty");
  c.precision = from_name(precision_names(), r.string("precision"));
  c.flush_every = r.count("flush_every");
  c.compression = r.small_integer("compression");
  c.checkpoint = r.boolean("checkpoint");
  return c;
}

// ---------------------------------------------------------------------------
// Printing.

std::string floats_text(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + format_float(v[i]);
  return out + "]";
}

// One number when every entry is equal (reads back as the same vector).
std::string per_parameter_text(const std::vector<double>& v) {
  if (!v.empty() && std::all_of(v.begin(), v.end(), [&](double x) {
        return std::memcmp(&x, &v.front(), sizeof x) == 0;
      }))
    return format_float(v.front());
  return floats_text(v);
}

std::string strings_text(const std::vector<std::string>& v) {
  if (v.size() == 1) return quote(v.front());
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quote(v[i]);
  return out + "]";
}

// Always an array (keys whose empty value is []).
std::string strings_list_text(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quote(v[i]);
  return out + "]";
}

std::string matrix_text(const std::vector<std::vector<double>>& m) {
  std::string out = "[";
  for (std::size_t i = 0; i < m.size(); ++i) out += (i ? ", " : "") + floats_text(m[i]);
  return out + "]";
}

template <class T>
std::string integers_text(const std::vector<T>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i)
    out += (i ? ", " : "") + format_integer(static_cast<std::int64_t>(v[i]));
  return out + "]";
}

std::string count_text(std::uint64_t v) {
  return std::to_string(v);
}
std::string bool_text(bool v) {
  return v ? "true" : "false";
}

std::string model_value(const ModelConfig& m, const std::string& key) {
  if (key == "type") return quote(to_string(m.type));
  if (key == "block") return quote(m.block);
  if (key == "shape") return integers_text(m.shape);
  if (key == "mass") return format_float(m.mass);
  if (key == "kappa") return format_float(m.kappa);
  if (key == "direction") return floats_text(m.direction);
  if (key == "mean") return per_parameter_text(m.mean);
  if (key == "variance") return per_parameter_text(m.variance);
  if (key == "barrier") return format_float(m.barrier);
  if (key == "stiffness") return per_parameter_text(m.stiffness);
  if (key == "hidden") return integers_text(m.hidden);
  if (key == "activation") return quote(m.activation);
  if (key == "init") return quote(m.init);
  if (key == "init_scale") return format_float(m.init_scale);
  if (key == "init_orthogonal") return strings_list_text(m.init_orthogonal);
  if (key == "low_rank") return integers_text(m.low_rank);
  if (key == "likelihood") return quote(m.likelihood);
  if (key == "noise_sd") return format_float(m.noise_sd);
  if (key == "prior") return quote(m.prior);
  if (key == "prior_sd") return per_parameter_text(m.prior_sd);
  if (key == "scaling") return quote(m.scaling);
  if (key == "precision") return quote(m.precision);
  if (key == "output_matrix") return matrix_text(m.output_matrix);
  if (key == "output_rhs") return floats_text(m.output_rhs);
  throw std::logic_error("to_toml: model." + key);
}

std::string data_value(const DataConfig& d, const std::string& key) {
  if (key == "type") return quote(to_string(d.type));
  if (key == "arms") return format_integer(d.arms);
  if (key == "points") return format_integer(d.points);
  if (key == "test_points") return format_integer(d.test_points);
  if (key == "noise") return format_float(d.noise);
  if (key == "dir") return quote(d.dir);
  if (key == "path") return quote(d.path);
  if (key == "test_path") return quote(d.test_path);
  if (key == "label") return quote(d.label);
  if (key == "targets") return strings_list_text(d.targets);
  if (key == "features") return quote(d.features);
  if (key == "train_size") return count_text(d.train_size);
  if (key == "test_size") return count_text(d.test_size);
  if (key == "seed") return count_text(d.seed);
  if (key == "batch_size") return count_text(d.batch_size);
  if (key == "batch_fraction") return format_float(d.batch_fraction);
  if (key == "evaluate_every") return count_text(d.evaluate_every);
  if (key == "evaluate_train") return bool_text(d.evaluate_train);
  if (key == "predictive") return bool_text(d.predictive);
  throw std::logic_error("to_toml: data." + key);
}

std::string constraint_value(const ConstraintConfig& c, const std::string& key) {
  if (key == "type") return quote(to_string(c.type));
  if (key == "blocks") return strings_text(c.blocks);
  if (key == "exclude") return strings_list_text(c.exclude);
  if (key == "radius")
    return c.type == ConstraintType::kCircle ? per_parameter_text(c.radii) : format_float(c.radius);
  if (key == "per") return quote(name_of(per_names(), c.per));
  if (key == "square_only") return bool_text(c.square_only);
  if (key == "drift") return quote(name_of(drift_names(), c.drift));
  if (key == "matrix") return matrix_text(c.matrix);
  if (key == "rhs") return floats_text(c.rhs);
  if (key == "groups") {
    std::string out = "[";
    for (std::size_t i = 0; i < c.groups.size(); ++i)
      out += (i ? ", " : "") + integers_text(c.groups[i]);
    return out + "]";
  }
  throw std::logic_error("to_toml: constraints[]." + key);
}

std::string sampler_value(const SamplerConfig& s, const std::string& key) {
  if (key == "type") return quote(to_string(s.type));
  if (key == "step_size") return format_float(s.step_size);
  if (key == "friction") return format_float(s.friction);
  if (key == "temperature") return format_float(s.temperature);
  if (key == "splitting") return quote(s.splitting);
  if (key == "drift_substeps") return format_integer(s.drift_substeps);
  if (key == "leapfrog_steps") return format_integer(s.leapfrog_steps);
  if (key == "reverse_check") return bool_text(s.reverse_check);
  if (key == "reverse_tolerance") return format_float(s.reverse_tolerance);
  if (key == "adapt_step_size") return bool_text(s.adapt_step_size);
  if (key == "target_acceptance") return format_float(s.target_acceptance);
  if (key == "target_measure") return quote(samplers::to_string(s.target_measure));
  if (key == "learning_rate") return format_float(s.learning_rate);
  if (key == "momentum") return format_float(s.momentum);
  if (key == "failure_policy") return quote(samplers::to_string(s.failure_policy));
  if (key == "max_halvings") return format_integer(s.max_halvings);
  throw std::logic_error("to_toml: sampler." + key);
}

std::string solver_value(const SolverOptions& s, const std::string& key) {
  if (key == "kind") return quote(name_of(solver_names(), s.kind));
  if (key == "tolerance") return format_float(s.tolerance);
  if (key == "increment_tolerance") return format_float(s.increment_tolerance);
  if (key == "max_iterations") return format_integer(s.max_iterations);
  if (key == "orthogonality_max_iterations") return format_integer(s.orthogonality_max_iterations);
  if (key == "newton_fallback") return bool_text(s.newton_fallback);
  if (key == "divergence_factor") return format_float(s.divergence_factor);
  throw std::logic_error("to_toml: sampler.solver." + key);
}

std::string run_value(const RunConfig& r, const std::string& key) {
  if (key == "chains") return count_text(r.chains);
  if (key == "steps") return count_text(r.steps);
  if (key == "epochs") return count_text(r.epochs);
  if (key == "warmup") return count_text(r.warmup);
  if (key == "thin") return count_text(r.thin);
  if (key == "stats_thin") return count_text(r.stats_thin);
  if (key == "seed") return count_text(r.seed);
  if (key == "threads") return format_integer(r.threads);
  if (key == "checkpoint_every") return count_text(r.checkpoint_every);
  if (key == "init") return quote(to_string(r.init));
  if (key == "init_scale") return format_float(r.init_scale);
  throw std::logic_error("to_toml: run." + key);
}

std::string output_value(const OutputConfig& o, const std::string& key) {
  if (key == "enabled") return bool_text(o.enabled);
  if (key == "path") return quote(o.path);
  if (key == "record") return strings_text(o.record);
  if (key == "precision") return quote(to_string(o.precision));
  if (key == "flush_every") return count_text(o.flush_every);
  if (key == "compression") return format_integer(o.compression);
  if (key == "checkpoint") return bool_text(o.checkpoint);
  throw std::logic_error("to_toml: output." + key);
}

// A paragraph as '#' comment lines of at most 100 columns.
void comment(std::ostringstream& os, const std::string& text) {
  os << detail::wrap(text, 100, "# ");
}

const SectionSpec& section_spec(const std::string& name) {
  for (const auto& s : config_sections())
    if (s.name == name) return s;
  throw std::logic_error("no section " + name);
}

// Every key of `section` that applies to `type`, in schema order.
template <class Value>
void print_keys(std::ostringstream& os, const std::string& section, const std::string& type,
                Value&& value) {
  for (const auto& key : keys_of(section, type)) {
    const KeySpec* spec = find_key(section, key, type);
    if (spec->type == ValueType::kTable) continue;
    const std::string text = value(key);
    if (text.empty()) continue;  // not printed (see the caller)
    os << "# " << spec->doc << "\n" << key << " = " << text << "\n";
  }
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

toml::table& child_table(toml::table& parent, const std::string& name, const std::string& what) {
  auto [it, inserted] = parent.insert(name, toml::table{});
  (void)inserted;
  toml::table* t = it->second.as_table();
  if (t == nullptr) fail(what + " is " + describe(it->second) + ", not a table");
  return *t;
}

}  // namespace

// ---------------------------------------------------------------------------

const char* to_string(ModelType type) {
  return name_of(model_names(), type);
}
const char* to_string(DataType type) {
  return name_of(data_names(), type);
}
const char* to_string(ConstraintType type) {
  return name_of(constraint_names(), type);
}
const char* to_string(SamplerType type) {
  return name_of(sampler_names(), type);
}
const char* to_string(InitKind kind) {
  return name_of(init_names(), kind);
}
const char* to_string(Precision precision) {
  return name_of(precision_names(), precision);
}

bool is_exact(SamplerType type) {
  return type == SamplerType::kHmc || type == SamplerType::kGhmc || type == SamplerType::kMala;
}

bool is_underdamped(SamplerType type) {
  return type == SamplerType::kColaUd || type == SamplerType::kGBaoab ||
         type == SamplerType::kSgdMomentum;
}

double target_temperature(const SamplerConfig& sampler) {
  return sampler.type == SamplerType::kSgd ? 0.0 : sampler.temperature;
}

bool ModelConfig::operator==(const ModelConfig& o) const {
  return type == o.type && block == o.block && shape == o.shape && mass == o.mass &&
         kappa == o.kappa && direction == o.direction && mean == o.mean && variance == o.variance &&
         barrier == o.barrier && stiffness == o.stiffness && hidden == o.hidden &&
         activation == o.activation && init == o.init && init_scale == o.init_scale &&
         init_orthogonal == o.init_orthogonal && low_rank == o.low_rank &&
         likelihood == o.likelihood && noise_sd == o.noise_sd && prior == o.prior &&
         prior_sd == o.prior_sd && scaling == o.scaling && precision == o.precision &&
         output_matrix == o.output_matrix && output_rhs == o.output_rhs;
}

bool DataConfig::operator==(const DataConfig& o) const {
  return type == o.type && arms == o.arms && points == o.points && test_points == o.test_points &&
         noise == o.noise && dir == o.dir && path == o.path && test_path == o.test_path &&
         label == o.label && features == o.features && targets == o.targets &&
         train_size == o.train_size && test_size == o.test_size && seed == o.seed &&
         batch_size == o.batch_size && batch_fraction == o.batch_fraction &&
         evaluate_every == o.evaluate_every && evaluate_train == o.evaluate_train &&
         predictive == o.predictive;
}

bool ConstraintConfig::operator==(const ConstraintConfig& o) const {
  return type == o.type && blocks == o.blocks && exclude == o.exclude && radius == o.radius &&
         radii == o.radii && square_only == o.square_only && per == o.per && drift == o.drift &&
         matrix == o.matrix && rhs == o.rhs && groups == o.groups;
}

bool SamplerConfig::operator==(const SamplerConfig& o) const {
  const SolverOptions& a = solver;
  const SolverOptions& b = o.solver;
  const bool same_solver =
      a.kind == b.kind && a.tolerance == b.tolerance &&
      a.increment_tolerance == b.increment_tolerance && a.max_iterations == b.max_iterations &&
      a.orthogonality_max_iterations == b.orthogonality_max_iterations &&
      a.newton_fallback == b.newton_fallback && a.divergence_factor == b.divergence_factor;
  return same_solver && type == o.type && step_size == o.step_size && friction == o.friction &&
         temperature == o.temperature && splitting == o.splitting &&
         drift_substeps == o.drift_substeps && learning_rate == o.learning_rate &&
         momentum == o.momentum && failure_policy == o.failure_policy &&
         max_halvings == o.max_halvings && leapfrog_steps == o.leapfrog_steps &&
         reverse_check == o.reverse_check && reverse_tolerance == o.reverse_tolerance &&
         adapt_step_size == o.adapt_step_size && target_acceptance == o.target_acceptance &&
         target_measure == o.target_measure;
}

bool RunConfig::operator==(const RunConfig& o) const {
  return chains == o.chains && steps == o.steps && epochs == o.epochs && warmup == o.warmup &&
         thin == o.thin && stats_thin == o.stats_thin && seed == o.seed && threads == o.threads &&
         checkpoint_every == o.checkpoint_every && init == o.init && init_scale == o.init_scale;
}

bool OutputConfig::operator==(const OutputConfig& o) const {
  return enabled == o.enabled && path == o.path && record == o.record && precision == o.precision &&
         flush_every == o.flush_every && compression == o.compression && checkpoint == o.checkpoint;
}

bool ExperimentConfig::operator==(const ExperimentConfig& o) const {
  return model == o.model && data == o.data && constraints == o.constraints &&
         sampler == o.sampler && run == o.run && output == o.output;
}

toml::table parse_config(std::string_view text, std::string_view source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ":" << e.source().begin.column
       << ": TOML syntax error: " << e.description();
    throw ConfigError(os.str());
  }
}

toml::table load_config_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw IoError("configuration file '" + path + "' does not exist");
  if (std::filesystem::is_directory(path, ec))
    throw IoError("configuration file '" + path + "' is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read configuration file '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError("cannot read configuration file '" + path + "'");
  return parse_config(text.str(), path);
}

void apply_override(toml::table& config, std::string_view assignment) {
  const std::string what = "--set " + std::string(assignment);
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos)
    fail(what + ": expected key=value, e.g. run.chains=8 or constraints[0].radius=2");
  const std::string path = trim(assignment.substr(0, eq));
  const std::string text = trim(assignment.substr(eq + 1));

  // Split "constraints[0].radius" into names and the optional index.
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& p : parts)
    if (p.empty()) fail(what + ": malformed key '" + path + "'");
  std::string head = parts.front();
  std::optional<std::size_t> index;
  if (const auto bracket = head.find('['); bracket != std::string::npos) {
    const std::string digits = head.substr(bracket + 1, head.size() - bracket - 2);
    if (head.back() != ']' || digits.empty() ||
        digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
      fail(what + ": malformed index in '" + head + "' (write constraints[0].radius=...)");
    index = static_cast<std::size_t>(std::stoul(digits));
    head = head.substr(0, bracket);
  }
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (parts[i].find_first_of("[]") != std::string::npos)
      fail(what + ": only the constraints array takes an index (constraints[0].radius=...)");
  if (std::find(kSectionNames.begin(), kSectionNames.end(), head) == kSectionNames.end())
    unknown_section(head);
  if (index && head != "constraints")
    fail(what + ": " + head + " is a table, not an array; write " + head + ".<key>=...");
  if (head == "constraints" && !index)
    fail(what + ": constraints is an array of tables; write constraints[<index>].<key>=...");

  std::string section = head;
  std::string display = index ? head + "[" + std::to_string(*index) + "]" : head;
  std::vector<std::string> keys(parts.begin() + 1, parts.end());
  if (section == "sampler" && keys.size() >= 2 && keys.front() == "solver") {
    section = "sampler.solver";
    display = "sampler.solver";
    keys.erase(keys.begin());
  }
  if (keys.empty())
    fail(what + ": " + display + " is a section; set one of its keys, e.g. " + display + "." +
         keys_of(section).front() + "=...");

  // Navigate to (creating) the target table.
  toml::table* target = nullptr;
  if (section == "constraints") {
    auto [it, inserted] = config.insert("constraints", toml::array{});
    (void)inserted;
    toml::array* a = it->second.as_array();
    if (a == nullptr) fail(what + ": constraints is " + describe(it->second) + ", not an array");
    if (*index > a->size())
      fail(what + ": the configuration has " + std::to_string(a->size()) +
           " constraints (indices 0 to " + std::to_string(a->size()) +
           ", where the last appends one)");
    if (*index == a->size()) a->push_back(toml::table{});
    target = a->get(*index)->as_table();
    if (target == nullptr) fail(what + ": " + display + " is not a table");
  } else {
    target = &child_table(config, head, head);
    if (section == "sampler.solver") target = &child_table(*target, "solver", "sampler.solver");
  }

  // The key must exist for some type; whether it applies to the configured
  // type is resolve()'s check (the type may be set by a later --set).
  const std::string& key = keys.front();
  const std::vector<std::string> known = keys_of(section);
  std::string type;
  if (const KeySpec* type_spec = find_key(section, "type", "")) {
    if (const auto* given = (*target)["type"].as_string())
      type = given->get();
    else if (!type_spec->default_value.empty())
      type = parse_default(*type_spec)["v"].value<std::string>().value_or("");
  }
  if (keys.size() > 1 || std::find(known.begin(), known.end(), key) == known.end())
    unknown_key(display, section, keys.size() > 1 ? keys.front() + "." + keys[1] : key, type);
  if (section == "sampler" && key == "solver")
    fail(what +
         ": sampler.solver is a table; set one of its keys, e.g. "
         "sampler.solver.tolerance=1e-12");

  toml::table parsed;
  try {
    parsed = toml::parse("v = " + text, std::string_view("--set"));
  } catch (const toml::parse_error& e) {
    if (text.empty() || std::strchr("[{\"'", text.front()) != nullptr)
      fail(what + ": the value is not valid TOML (" + std::string(e.description()) + ")");
    parsed = toml::table{};
    parsed.insert("v", text);  // a bare word: cola-od
  }
  if (parsed.size() != 1 || !parsed.contains("v"))
    fail(what + ": the value must be one TOML value");
  target->insert_or_assign(key, std::move(*parsed.get("v")));
}

ExperimentConfig resolve(const toml::table& root) {
  validate(root);
  ExperimentConfig c;
  c.model = resolve_model(*root["model"].as_table());
  c.data = resolve_data(root["data"].as_table());
  if ((c.model.type == ModelType::kMlp) != (c.data.type != DataType::kNone))
    fail(c.model.type == ModelType::kMlp
             ? "data.type is required for model.type = \"mlp\" (spiral, fashion_mnist, csv or hdf5)"
             : "data.type = " + quote(to_string(c.data.type)) + " needs model.type = \"mlp\" (" +
                   to_string(c.model.type) + " takes no data); remove the [data] section");
  if (const toml::array* a = root["constraints"].as_array())
    for (std::size_t i = 0; i < a->size(); ++i)
      c.constraints.push_back(
          resolve_constraint(*a->get(i)->as_table(), "constraints[" + std::to_string(i) + "]"));
  c.sampler = resolve_sampler(root["sampler"].as_table());
  c.run = resolve_run(root["run"].as_table());
  if (c.sampler.adapt_step_size && c.run.warmup == 0)
    fail(
        "sampler.adapt_step_size = true needs run.warmup >= 1 (the step size is adapted "
        "during the warm-up only)");
  if (c.run.epochs > 0 && c.model.type != ModelType::kMlp)
    fail("run.epochs needs a network model (model.type = \"mlp\"); use run.steps");
  c.output = resolve_output(root["output"].as_table());
  return c;
}

ExperimentConfig resolve_text(std::string_view text, std::string_view source) {
  return resolve(parse_config(text, source));
}

std::string to_toml(const ExperimentConfig& c) {
  std::ostringstream os;
  os << "# cola experiment configuration, fully resolved (every default filled in).\n"
        "# Reference: docs/configuration.md.\n";
  os << "\n";
  comment(os, section_spec("model").doc);
  os << "[model]\n";
  print_keys(os, "model", to_string(c.model.type),
             [&](const std::string& k) { return model_value(c.model, k); });

  os << "\n";
  comment(os, section_spec("data").doc);
  os << "[data]\n";
  print_keys(os, "data", to_string(c.data.type),
             [&](const std::string& k) { return data_value(c.data, k); });

  os << "\n";
  comment(os, "[[constraints]] " + section_spec("constraints").doc);
  if (c.constraints.empty()) os << "# (none: the parameters are unconstrained)\n";
  for (std::size_t i = 0; i < c.constraints.size(); ++i) {
    os << (i ? "\n" : "") << "[[constraints]]\n";
    print_keys(os, "constraints", to_string(c.constraints[i].type),
               [&](const std::string& k) { return constraint_value(c.constraints[i], k); });
  }

  os << "\n";
  comment(os, section_spec("sampler").doc);
  os << "[sampler]\n";
  print_keys(os, "sampler", to_string(c.sampler.type),
             [&](const std::string& k) { return sampler_value(c.sampler, k); });
  os << "\n";
  comment(os, section_spec("sampler.solver").doc);
  os << "[sampler.solver]\n";
  print_keys(os, "sampler.solver", "",
             [&](const std::string& k) { return solver_value(c.sampler.solver, k); });

  os << "\n";
  comment(os, section_spec("run").doc);
  os << "[run]\n";
  print_keys(os, "run", "", [&](const std::string& k) {
    // With epochs > 0 the steps follow from the data; printing them would
    // make the stored configuration give both.
    return k == "steps" && c.run.epochs > 0 ? std::string() : run_value(c.run, k);
  });

  os << "\n";
  comment(os, section_spec("output").doc);
  os << "[output]\n";
  print_keys(os, "output", "", [&](const std::string& k) { return output_value(c.output, k); });
  return os.str();
}

}  // namespace cola::apps
