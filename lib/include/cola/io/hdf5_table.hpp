#pragma once
// Whole numeric arrays from a user's HDF5 file (a data table for a network:
// features, labels or targets), read under cola's process-wide HDF5 lock so
// that it is safe next to a running trajectory writer.
//
// Errors: IoError "<path>: dataset <name>: <what>" for a missing file or
// dataset, a rank other than the one asked for, or a non-numeric type.
// Allocates the result.
#include <cola/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cola::io {

// A 2-D dataset (rows x cols) of any integer or floating type, as double. A
// 1-D dataset is read as one column when `allow_vector`.
Matrix read_hdf5_matrix(const std::string& path, const std::string& dataset,
                        bool allow_vector = false);
// A 1-D integer dataset (any integer type) as int64; floating-point values
// are an IoError naming the dataset.
std::vector<std::int64_t> read_hdf5_integers(const std::string& path, const std::string& dataset);

}  // namespace cola::io
