#include "hdf5_util.hpp"

#include <cola/error.hpp>
#include <cola/io/result_group.hpp>
#include <cola/io/trajectory_reader.hpp>

#include <H5DSpublic.h>
#include <hdf5.h>

#include <cstring>
#include <limits>
#include <map>
#include <set>

namespace cola::io {

using detail::Handle;
using detail::Hdf5File;
using detail::Hdf5Lock;

namespace {

bool valid_object_name(const std::string& name) {
  return !name.empty() && name != "." && name.find('/') == std::string::npos;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.compare(0, std::strlen(prefix), prefix) == 0;
}

// Checks everything that does not need the file; returns the length of
// every dimension name.
std::map<std::string, std::uint64_t> check_arguments(
    const std::string& path, const std::string& group, const std::vector<ResultArray>& arrays,
    const std::vector<std::pair<std::string, double>>& number_attributes,
    const std::vector<std::pair<std::string, std::string>>& text_attributes) {
  const std::string where = "write_result_group(" + path + "): ";
  require(!path.empty(), "write_result_group: path is empty");
  require(valid_object_name(group), where + "group name '" + group + "' is empty or contains '/'");
  for (const char* reserved : kTrajectoryGroups)
    require(group != reserved, where + "group '" + group +
                                   "' belongs to the trajectory itself; choose another name "
                                   "(e.g. posterior_predictive)");
  require(!starts_with(group, kIncompleteResultPrefix), where + "group name '" + group +
                                                            "' starts with the reserved prefix '" +
                                                            kIncompleteResultPrefix + "'");

  std::set<std::string> array_names;
  for (const ResultArray& a : arrays) {
    require(valid_object_name(a.name),
            where + "array name '" + a.name + "' is empty or contains '/'");
    require(array_names.insert(a.name).second, where + "array '" + a.name + "' is listed twice");
    require(a.dims.size() == a.shape.size(),
            where + "array '" + a.name + "' has " + std::to_string(a.dims.size()) +
                " dimension names and " + std::to_string(a.shape.size()) +
                " extents; give one name per axis");
    require(a.shape.size() <= H5S_MAX_RANK, where + "array '" + a.name + "' has more than " +
                                                std::to_string(H5S_MAX_RANK) + " axes");
    std::set<std::string> own;
    std::uint64_t size = 1;
    bool overflow = false;
    for (std::size_t k = 0; k < a.dims.size(); ++k) {
      require(valid_object_name(a.dims[k]), where + "array '" + a.name + "': dimension name '" +
                                                a.dims[k] + "' is empty or contains '/'");
      require(own.insert(a.dims[k]).second,
              where + "array '" + a.name + "' uses dimension '" + a.dims[k] + "' twice");
      const std::uint64_t n = a.shape[k];
      if (n != 0 && size > std::numeric_limits<std::uint64_t>::max() / n) overflow = true;
      size *= n;
    }
    require(!overflow && size == a.data.size(),
            where + "array '" + a.name + "' has " + std::to_string(a.data.size()) +
                " values, its shape needs " + (overflow ? "more than 2^64" : std::to_string(size)));
  }

  std::map<std::string, std::uint64_t> lengths;
  for (const ResultArray& a : arrays)
    for (std::size_t k = 0; k < a.dims.size(); ++k) {
      require(array_names.count(a.dims[k]) == 0,
              where + "dimension '" + a.dims[k] + "' of array '" + a.name +
                  "' is also the name of an array; the dimension's coordinate needs that name");
      const auto [it, fresh] = lengths.emplace(a.dims[k], a.shape[k]);
      if (!fresh && it->second != a.shape[k])
        throw IoError(path + ": result group '" + group + "': dimension '" + a.dims[k] +
                      "' has length " + std::to_string(it->second) + " in one array and " +
                      std::to_string(a.shape[k]) + " in array '" + a.name +
                      "'; a dimension has one length within a group");
    }

  std::set<std::string> attribute_names;
  auto check_attribute = [&](const std::string& name) {
    require(!name.empty(), where + "group attribute with an empty name");
    require(attribute_names.insert(name).second,
            where + "group attribute '" + name + "' is given twice");
  };
  for (const auto& [name, value] : number_attributes) check_attribute(name);
  for (const auto& [name, value] : text_attributes) check_attribute(name);
  return lengths;
}

// Deletes link `name` of loc if it exists.
void remove_if_present(const Hdf5File& file, hid_t loc, const std::string& name) {
  const std::string what = "removing '" + name + "'";
  const htri_t exists = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  file.check(exists, what);
  if (exists > 0) file.check_status(H5Ldelete(loc, name.c_str(), H5P_DEFAULT), what);
}

Handle create_dataset(const Hdf5File& file, hid_t loc, const std::string& name, hid_t type,
                      const std::vector<hsize_t>& dims) {
  const std::string what = "creating dataset '" + name + "'";
  Handle space =
      file.own(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               what);
  return file.own(
      H5Dcreate2(loc, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      what);
}

// The content of the group (already created as `g`).
void fill_group(const Hdf5File& file, hid_t g, const std::string& group,
                const std::vector<ResultArray>& arrays,
                const std::map<std::string, std::uint64_t>& lengths,
                const std::vector<std::pair<std::string, double>>& number_attributes,
                const std::vector<std::pair<std::string, std::string>>& text_attributes) {
  // One int64 coordinate 0..n-1 per dimension name, a scale named like
  // itself (as the trajectory writer's *_dim_k coordinates).
  std::map<std::string, Handle> scales;
  for (const auto& [dim, n] : lengths) {
    std::vector<std::int64_t> index(n);
    for (std::uint64_t i = 0; i < n; ++i) index[i] = static_cast<std::int64_t>(i);
    Handle ds = create_dataset(file, g, dim, H5T_STD_I64LE, {n});
    if (n > 0)
      file.check_status(
          H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, index.data()),
          "writing '" + group + "/" + dim + "'");
    file.check_status(H5DSset_scale(ds.get(), dim.c_str()),
                      "making '" + group + "/" + dim + "' a dimension scale");
    scales.emplace(dim, std::move(ds));
  }
  for (const ResultArray& a : arrays) {
    const std::string name = group + "/" + a.name;
    Handle ds = create_dataset(file, g, a.name, H5T_IEEE_F64LE,
                               std::vector<hsize_t>(a.shape.begin(), a.shape.end()));
    if (!a.data.empty())
      file.check_status(
          H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.data.data()),
          "writing '" + name + "'");
    for (std::size_t k = 0; k < a.dims.size(); ++k)
      file.check_status(
          H5DSattach_scale(ds.get(), scales.at(a.dims[k]).get(), static_cast<unsigned>(k)),
          "attaching dimension " + std::to_string(k) + " of '" + name + "'");
    file.write_string_attribute(ds.get(), "description", a.description);
  }
  for (const auto& [name, value] : number_attributes) {
    const std::string what = "writing attribute '" + name + "' of group '" + group + "'";
    Handle space = file.own(H5Screate(H5S_SCALAR), what);
    Handle attr = file.own(
        H5Acreate2(g, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), what);
    file.check_status(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), what);
  }
  for (const auto& [name, value] : text_attributes) file.write_string_attribute(g, name, value);
}

}  // namespace

void write_result_group(const std::string& path, const std::string& group,
                        const std::vector<ResultArray>& arrays,
                        const std::vector<std::pair<std::string, double>>& number_attributes,
                        const std::vector<std::pair<std::string, std::string>>& text_attributes) {
  const std::map<std::string, std::uint64_t> lengths =
      check_arguments(path, group, arrays, number_attributes, text_attributes);
  // The reader's checks, read-only, before anything is opened for writing:
  // a file that is not a cola trajectory (or of a newer format) stays
  // untouched. It takes the HDF5 lock itself.
  { const TrajectoryReader trajectory(path); }

  Hdf5Lock lock;  // declared before the handles: they close under the lock
  const Hdf5File file(path);
  Handle h5 = detail::open_for_update(file);
  const hid_t root = h5.get();
  const std::string incomplete = kIncompleteResultPrefix + group;
  // Left over from a write that failed or was killed.
  remove_if_present(file, root, incomplete);
  bool complete = false;
  try {
    {
      Handle g =
          file.own(H5Gcreate2(root, incomplete.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "creating group '" + incomplete + "'");
      fill_group(file, g.get(), group, arrays, lengths, number_attributes, text_attributes);
      if (!g.reset()) file.fail("closing group '" + incomplete + "'");
    }
    complete = true;
    remove_if_present(file, root, group);
    // Dimension scales refer to each other by object address, which a
    // rename keeps.
    file.check_status(
        H5Lmove(root, incomplete.c_str(), root, group.c_str(), H5P_DEFAULT, H5P_DEFAULT),
        "renaming '" + incomplete + "' to '" + group + "'");
  } catch (...) {
    // Best effort: a partial group goes (or the next write removes it) and
    // the old group, if any, is still there. A complete one stays under its
    // temporary name, as the old group may already be gone.
    if (!complete) H5Ldelete(root, incomplete.c_str(), H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    throw;
  }
  file.check_status(H5Fflush(root, H5F_SCOPE_GLOBAL), "flushing");
  if (!h5.reset()) file.fail("closing");
}

}  // namespace cola::io
