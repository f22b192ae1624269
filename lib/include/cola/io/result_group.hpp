#pragma once
// Results computed after a run (the posterior predictive of a network, a
// calibration table, summary numbers) stored as one group of the run's
// trajectory file, next to posterior/ and sample_stats/, so that one file
// holds the run and what was derived from it. The group opens like the
// others:
//
//   xr.open_dataset("run.h5", group="posterior_predictive", engine="h5netcdf")
//
// Group layout (the conventions of the trajectory writer, see
// cola/io/trajectory_writer.hpp):
//
//   /<group>                  attributes: each number (float64 scalar) and each
//                             text (variable-length UTF-8 string)
//   /<group>/<dim>            int64 [n] 0..n-1, a dimension scale named <dim>, one per
//                             dimension name, shared by every array that uses it
//   /<group>/<array>          float64 [shape], row-major; a dimension scale on every
//                             axis; attribute `description`
//
// Replacing: an existing group of that name is replaced as a whole. The new
// group is written under a temporary name (kIncompleteResultPrefix + group)
// and renamed once complete, so a failure (a full disk, ...) leaves the old
// group as it was; at most a temporary group is left behind, removed by the
// next write of that group. The space of a replaced group is not reclaimed:
// the file grows by the size of each rewrite (`h5repack` compacts it).
//
// Preconditions: the run's TrajectoryWriter is finished (on_finish called or
// its process gone); a file left by a killed writer is repaired the way
// `cola resume` does (detail::open_for_update). A live writer in another
// process holds HDF5's file lock and the call fails with IoError.
//
// Threads: safe to call from any thread; every HDF5 call runs under cola's
// process-wide HDF5 lock (two calls on the same file serialise). Allocates
// (coordinate vectors, HDF5 objects); the data are written from the
// caller's vectors without copies.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cola::io {

// Groups of the trajectory writer, never replaced by write_result_group.
inline constexpr const char* kTrajectoryGroups[] = {"posterior", "sample_stats", "cola"};
// Name prefix of a result group while it is being written.
inline constexpr const char* kIncompleteResultPrefix = "_cola_incomplete_";

// One float64 array of a result group.
struct ResultArray {
  std::string name;                  // dataset name inside the group
  std::vector<std::string> dims;     // dimension names, one per axis (e.g. {"example", "class"})
  std::vector<std::uint64_t> shape;  // one per axis; {} with dims {} is a scalar
  std::vector<double> data;          // row-major (C order), product(shape) entries
  std::string description;           // stored as attribute "description"
};

// Writes (or replaces) group `group` of the trajectory file at `path`: each
// array as a float64 dataset with dimension scales, plus the scalar float64
// and string attributes on the group.
//
// Throws ConfigError (before the file is touched) for bad arguments: an
// empty group, array, dimension or attribute name, a name with '/', a
// trajectory group (kTrajectoryGroups) or a name starting with
// kIncompleteResultPrefix as `group`, two arrays or two attributes of the
// same name, an array named like a dimension, dims and shape of different
// lengths, a dimension repeated within one array, or data whose size is not
// the product of the shape. Throws IoError naming the path when the arrays
// give one dimension name two lengths (checked before the file is touched),
// and when the file is missing, not a cola trajectory (root attribute
// `format`, or a newer format_version), cannot be opened for writing or the
// write fails.
void write_result_group(
    const std::string& path, const std::string& group, const std::vector<ResultArray>& arrays,
    const std::vector<std::pair<std::string, double>>& number_attributes,
    const std::vector<std::pair<std::string, std::string>>& text_attributes = {});

}  // namespace cola::io
