#include <cola/error.hpp>
#include <cola/io/hdf5_table.hpp>
#include <cola/models/table_reader.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cola::models {

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) {
    const auto b = field.find_first_not_of(" \t\r");
    const auto e = field.find_last_not_of(" \t\r");
    out.push_back(b == std::string::npos ? std::string() : field.substr(b, e - b + 1));
  }
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + quoted(x);
  return s;
}

void check_choice(const std::string& label, bool targets) {
  if (label.empty() == !targets)
    throw ConfigError(label.empty() ? "table: name a label column (classification) or target "
                                      "columns (regression)"
                                    : "table: give a label column or target columns, not both");
}

// Labels as ints in [0, num_classes); num_classes inferred when 0.
void set_labels(Dataset& d, const std::vector<std::int64_t>& raw, int num_classes,
                const std::string& where) {
  std::int64_t top = -1;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] < 0 || (num_classes > 0 && raw[i] >= num_classes))
      throw IoError(where + ": label " + std::to_string(raw[i]) + " of example " +
                    std::to_string(i) + " is outside [0, " +
                    (num_classes > 0 ? std::to_string(num_classes) : std::string("inf")) + ")");
    top = std::max(top, raw[i]);
  }
  d.num_classes = num_classes > 0 ? num_classes : static_cast<int>(top + 1);
  d.labels.assign(raw.begin(), raw.end());
}

}  // namespace

Dataset read_csv_table(const std::string& path, const TableColumns& columns) {
  check_choice(columns.label, !columns.targets.empty());
  std::ifstream in(path);
  if (!in) throw IoError(path + ": cannot open (" + std::string(std::strerror(errno)) + ")");
  std::string line;
  std::size_t line_no = 0;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    header = split(line);
    break;
  }
  if (header.empty()) throw IoError(path + ": empty file (expected a header row of column names)");
  auto column = [&](const std::string& name) -> std::size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      throw IoError(path + ": no column " + quoted(name) + "; the header has " + join(header));
    return static_cast<std::size_t>(it - header.begin());
  };
  std::vector<std::size_t> out_cols;
  if (!columns.label.empty()) out_cols.push_back(column(columns.label));
  for (const auto& t : columns.targets) out_cols.push_back(column(t));
  std::vector<std::size_t> feature_cols;
  if (!columns.features.empty()) {
    for (const auto& f : columns.features) feature_cols.push_back(column(f));
  } else {
    for (std::size_t c = 0; c < header.size(); ++c)
      if (std::find(out_cols.begin(), out_cols.end(), c) == out_cols.end())
        feature_cols.push_back(c);
  }
  if (feature_cols.empty()) throw IoError(path + ": no feature columns left");

  std::vector<double> values;  // row-major, header.size() per row
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> fields = split(line);
    if (fields.size() != header.size())
      throw IoError(path + ": line " + std::to_string(line_no) + " has " +
                    std::to_string(fields.size()) + " fields, the header has " +
                    std::to_string(header.size()));
    for (std::size_t c = 0; c < fields.size(); ++c) {
      const std::string& f = fields[c];
      char* end = nullptr;
      errno = 0;
      const double v = f.empty() ? 0.0 : std::strtod(f.c_str(), &end);
      // Underflow (ERANGE with a tiny result) is a valid number; overflow is not.
      if (f.empty() || end != f.c_str() + f.size() || (errno == ERANGE && std::isinf(v)))
        throw IoError(path + ": line " + std::to_string(line_no) + ", column " + quoted(header[c]) +
                      ": " + quoted(f) + " is not a number");
      values.push_back(v);
    }
  }
  const auto n = static_cast<Index>(values.size() / header.size());
  if (n == 0) throw IoError(path + ": no data rows after the header");
  const auto width = static_cast<Index>(header.size());
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
      all(values.data(), n, width);
  Dataset d;
  d.source = path;
  d.features.resize(n, static_cast<Index>(feature_cols.size()));
  for (std::size_t j = 0; j < feature_cols.size(); ++j)
    d.features.col(static_cast<Index>(j)) = all.col(static_cast<Index>(feature_cols[j]));
  if (!columns.label.empty()) {
    const auto c = static_cast<Index>(out_cols.front());
    std::vector<std::int64_t> raw(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) {
      const double v = all(i, c);
      if (!(v == std::floor(v)) || std::abs(v) > 1e9)
        throw IoError(path + ": example " + std::to_string(i) + ", column " +
                      quoted(columns.label) + ": label " + std::to_string(v) +
                      " is not an integer");
      raw[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(v);
    }
    set_labels(d, raw, columns.num_classes, path);
  } else {
    d.targets.resize(n, static_cast<Index>(out_cols.size()));
    for (std::size_t j = 0; j < out_cols.size(); ++j)
      d.targets.col(static_cast<Index>(j)) = all.col(static_cast<Index>(out_cols[j]));
  }
  d.validate();
  return d;
}

Dataset read_hdf5_table(const std::string& path, const Hdf5TableNames& names) {
  check_choice(names.label, !names.targets.empty());
  Dataset d;
  d.source = path;
  d.features = io::read_hdf5_matrix(path, names.features);
  const std::string where = path + ": dataset ";
  if (!names.label.empty()) {
    const std::vector<std::int64_t> raw = io::read_hdf5_integers(path, names.label);
    if (static_cast<Index>(raw.size()) != d.size())
      throw IoError(where + names.label + ": has " + std::to_string(raw.size()) + " labels but " +
                    names.features + " has " + std::to_string(d.size()) + " rows");
    set_labels(d, raw, names.num_classes, where + names.label);
  } else {
    d.targets = io::read_hdf5_matrix(path, names.targets, true);
    if (d.targets.rows() != d.size())
      throw IoError(where + names.targets + ": has " + std::to_string(d.targets.rows()) +
                    " rows but " + names.features + " has " + std::to_string(d.size()));
  }
  d.validate();
  return d;
}

}  // namespace cola::models
