#include "hdf5_util.hpp"

#include <cola/io/hdf5_table.hpp>

#include <filesystem>
#include <system_error>

namespace cola::io {

namespace {

using detail::Handle;
using detail::Hdf5File;

Handle open_read(const Hdf5File& f) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(f.path(), ec)) {
    std::string msg = f.path();
    msg += ": no such file";
    throw IoError(msg);
  }
  return f.own(H5Fopen(f.path().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open as HDF5");
}

// The dataset, its dimensions and its type class; IoError unless it has a
// rank in [1, max_rank] and a numeric type.
Handle open_numeric(const Hdf5File& f, hid_t file, const std::string& name, int max_rank,
                    std::vector<hsize_t>& dims, H5T_class_t& cls) {
  const std::string what = "dataset " + name;
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) f.fail(what + ": not found");
  Handle ds = f.own(H5Dopen2(file, name.c_str(), H5P_DEFAULT), what);
  dims = f.dims(ds.get(), what);
  if (dims.empty() || static_cast<int>(dims.size()) > max_rank)
    f.fail(what + ": has rank " + std::to_string(dims.size()) + ", expected " +
           (max_rank == 1 ? "1 (a vector)" : "2 (rows x columns)"));
  const Handle type(H5Dget_type(ds.get()));
  cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) f.fail(what + ": is not numeric");
  return ds;
}

}  // namespace

Matrix read_hdf5_matrix(const std::string& path, const std::string& dataset, bool allow_vector) {
  const Hdf5File f(path);
  const detail::Hdf5Lock lock;
  const Handle file = open_read(f);
  std::vector<hsize_t> dims;
  H5T_class_t cls{};
  const Handle ds = open_numeric(f, file.get(), dataset, 2, dims, cls);
  if (dims.size() == 1 && !allow_vector)
    f.fail("dataset " + dataset + ": has rank 1, expected 2 (rows x columns)");
  const auto rows = static_cast<Index>(dims[0]);
  const Index cols = dims.size() == 2 ? static_cast<Index>(dims[1]) : 1;
  // HDF5 stores C order: read into a row-major buffer.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(rows, cols);
  if (m.size() > 0)
    f.check_status(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.data()),
                   "dataset " + dataset + ": read");
  return m;
}

std::vector<std::int64_t> read_hdf5_integers(const std::string& path, const std::string& dataset) {
  const Hdf5File f(path);
  const detail::Hdf5Lock lock;
  const Handle file = open_read(f);
  std::vector<hsize_t> dims;
  H5T_class_t cls{};
  const Handle ds = open_numeric(f, file.get(), dataset, 1, dims, cls);
  if (cls != H5T_INTEGER) f.fail("dataset " + dataset + ": must hold integers (class labels)");
  std::vector<std::int64_t> v(static_cast<std::size_t>(dims[0]));
  if (!v.empty())
    f.check_status(H5Dread(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
                   "dataset " + dataset + ": read");
  return v;
}

}  // namespace cola::io
