#pragma once
// Data tables for networks from CSV or HDF5 files.
//
// CSV: a header row of column names, then one example per row; fields
// separated by commas, numbers in C syntax (parsed strictly: the whole field
// must be a number). Either `label` names the class-label column (integers
// 0 .. num_classes-1) or `targets` names the regression target columns; the
// features are the columns listed in `features`, or every other column. Blank
// lines are skipped; a '#' line at the top is a comment.
//
// HDF5: a 2-D features dataset (rows x d, any numeric type) and either a 1-D
// integer labels dataset or a targets dataset (rows, or rows x k).
//
// num_classes = 0 infers the classes as max(label) + 1.
//
// Errors: IoError naming the file, and for CSV the line and column ("x.csv:
// line 7, column \"petal\": \"abc\" is not a number"), or for HDF5 the
// dataset; every table is validated (Dataset::validate). ConfigError when
// the column choice itself is invalid (both or neither of label/targets).
#include <cola/models/dataset.hpp>

#include <string>
#include <vector>

namespace cola::models {

struct TableColumns {
  std::string label;                  // classification: the label column
  std::vector<std::string> targets;   // regression: the target columns
  std::vector<std::string> features;  // empty: every other column
  int num_classes = 0;                // 0: max(label) + 1
};

Dataset read_csv_table(const std::string& path, const TableColumns& columns);

struct Hdf5TableNames {
  std::string features = "features";
  std::string label = "labels";  // empty for regression
  std::string targets;           // regression: the targets dataset
  int num_classes = 0;           // 0: max(label) + 1
};

Dataset read_hdf5_table(const std::string& path, const Hdf5TableNames& names);

}  // namespace cola::models
