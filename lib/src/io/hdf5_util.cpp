#include "hdf5_util.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

namespace cola::io::detail {

bool Handle::reset() {
  if (id_ < 0) return true;
  herr_t status = 0;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: status = H5Fclose(id_); break;
    case H5I_GROUP: status = H5Gclose(id_); break;
    case H5I_DATASET: status = H5Dclose(id_); break;
    case H5I_DATASPACE: status = H5Sclose(id_); break;
    case H5I_DATATYPE: status = H5Tclose(id_); break;
    case H5I_ATTR: status = H5Aclose(id_); break;
    case H5I_GENPROP_LST: status = H5Pclose(id_); break;
    default: status = H5Idec_ref(id_); break;
  }
  id_ = H5I_INVALID_HID;
  return status >= 0;
}

std::mutex& hdf5_mutex() {
  static std::mutex mutex;
  return mutex;
}

Hdf5Lock::Hdf5Lock() : lock_(hdf5_mutex()) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace {

herr_t collect_error(unsigned n, const H5E_error2_t* err, void* client) {
  (void)n;
  auto& parts = *static_cast<std::vector<std::string>*>(client);
  std::string text = err->desc ? err->desc : "";
  char minor[256] = {0};
  if (H5Eget_msg(err->min_num, nullptr, minor, sizeof minor) > 0 &&
      text.find(minor) == std::string::npos)
    text += text.empty() ? std::string(minor) : " (" + std::string(minor) + ")";
  if (!text.empty() && (parts.empty() || parts.back() != text)) parts.push_back(text);
  return 0;
}

}  // namespace

std::string hdf5_error_detail() {
  std::vector<std::string> parts;
  // Downward: from the API call to the innermost cause (e.g. the errno of a
  // failed write), which is the most useful part and so comes last.
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &parts);
  H5Eclear2(H5E_DEFAULT);
  std::string out;
  // The API-level and the innermost messages carry the information; the
  // frames in between repeat them.
  if (!parts.empty()) out = parts.front();
  if (parts.size() > 1) out += ": " + parts.back();
  // Some messages embed ctime()'s newline.
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

void Hdf5File::fail(const std::string& what) const {
  const std::string detail = hdf5_error_detail();
  throw IoError(path_ + ": " + what + (detail.empty() ? "" : ": " + detail));
}

Handle vlen_string_type() {
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

void Hdf5File::write_string_attribute(hid_t loc, const std::string& name,
                                      const std::string& value) const {
  const std::string what = "writing attribute '" + name + "'";
  Handle type = vlen_string_type();
  Handle space = own(H5Screate(H5S_SCALAR), what);
  Handle attr;
  const htri_t exists = H5Aexists(loc, name.c_str());
  check(exists, what);
  if (exists > 0) {
    attr = own(H5Aopen(loc, name.c_str(), H5P_DEFAULT), what);
    // An attribute of another type (not written by cola) is replaced.
    Handle old_type = own(H5Aget_type(attr.get()), what);
    if (H5Tget_class(old_type.get()) != H5T_STRING || H5Tis_variable_str(old_type.get()) <= 0) {
      attr.reset();
      check_status(H5Adelete(loc, name.c_str()), what);
    }
  }
  if (!attr)
    attr =
        own(H5Acreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what);
  const char* ptr = value.c_str();
  check_status(H5Awrite(attr.get(), type.get(), &ptr), what);
}

void Hdf5File::write_int_attribute(hid_t loc, const std::string& name, std::int64_t value) const {
  const std::string what = "writing attribute '" + name + "'";
  const htri_t exists = H5Aexists(loc, name.c_str());
  check(exists, what);
  if (exists > 0) check_status(H5Adelete(loc, name.c_str()), what);
  Handle space = own(H5Screate(H5S_SCALAR), what);
  Handle attr = own(
      H5Acreate2(loc, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), what);
  check_status(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), what);
}

namespace {

// Reads a scalar string attribute of any string type.
bool read_string(hid_t attr, std::string& out) {
  Handle type(H5Aget_type(attr));
  if (!type || H5Tget_class(type.get()) != H5T_STRING) return false;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem = vlen_string_type();
    char* ptr = nullptr;
    if (H5Aread(attr, mem.get(), &ptr) < 0) return false;
    out = ptr ? ptr : "";
    Handle space(H5Aget_space(attr));
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &ptr);
    return true;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::string buffer(size, '\0');
  if (H5Aread(attr, type.get(), buffer.data()) < 0) return false;
  out = buffer.substr(0, buffer.find('\0'));
  return true;
}

}  // namespace

std::string Hdf5File::read_string_attribute(hid_t loc, const std::string& name) const {
  const std::string what = "reading attribute '" + name + "'";
  Handle attr = own(H5Aopen(loc, name.c_str(), H5P_DEFAULT), what);
  std::string value;
  if (!read_string(attr.get(), value)) fail(what + " (not a string)");
  return value;
}

std::int64_t Hdf5File::read_int_attribute(hid_t loc, const std::string& name) const {
  const std::string what = "reading attribute '" + name + "'";
  Handle attr = own(H5Aopen(loc, name.c_str(), H5P_DEFAULT), what);
  Handle type = own(H5Aget_type(attr.get()), what);
  if (H5Tget_class(type.get()) != H5T_INTEGER) fail(what + " (not an integer)");
  std::int64_t value = 0;
  check_status(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), what);
  return value;
}

namespace {

struct AttributeList {
  const Hdf5File* file;
  std::vector<std::pair<std::string, std::string>> out;
};

herr_t collect_attribute(hid_t loc, const char* name, const H5A_info_t* info, void* client) {
  (void)info;
  auto& list = *static_cast<AttributeList*>(client);
  Handle attr(H5Aopen(loc, name, H5P_DEFAULT));
  if (!attr) return -1;
  Handle type(H5Aget_type(attr.get()));
  Handle space(H5Aget_space(attr.get()));
  if (!type || !space) return -1;
  std::string value;
  const bool scalar = H5Sget_simple_extent_npoints(space.get()) == 1;
  switch (H5Tget_class(type.get())) {
    case H5T_STRING:
      if (scalar && !read_string(attr.get(), value)) return -1;
      break;
    case H5T_INTEGER: {
      std::int64_t v = 0;
      if (scalar && H5Aread(attr.get(), H5T_NATIVE_INT64, &v) >= 0) value = std::to_string(v);
      break;
    }
    case H5T_FLOAT: {
      double v = 0;
      if (scalar && H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) >= 0) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.17g", v);
        value = buffer;
      }
      break;
    }
    default: break;
  }
  list.out.emplace_back(name, value);
  return 0;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Hdf5File::read_attributes(hid_t loc) const {
  AttributeList list{this, {}};
  hsize_t index = 0;
  check_status(H5Aiterate2(loc, H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &list),
               "reading attributes");
  return list.out;
}

std::vector<std::string> Hdf5File::read_strings(hid_t loc, const std::string& name) const {
  const std::string what = "reading '" + name + "'";
  Handle ds = own(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), what);
  Handle space = own(H5Dget_space(ds.get()), what);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  check(n < 0 ? -1 : 0, what);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  Handle mem = vlen_string_type();
  std::vector<std::string> out;
  if (n == 0) return out;
  check_status(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), what);
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

namespace {

template <class T>
std::vector<T> read_all(const Hdf5File& file, hid_t loc, const std::string& name, hid_t mem) {
  const std::string what = "reading '" + name + "'";
  Handle ds = file.own(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), what);
  Handle space = file.own(H5Dget_space(ds.get()), what);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  file.check(n < 0 ? -1 : 0, what);
  std::vector<T> out(static_cast<std::size_t>(n));
  if (n > 0)
    file.check_status(H5Dread(ds.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), what);
  return out;
}

}  // namespace

std::vector<std::int64_t> Hdf5File::read_int64s(hid_t loc, const std::string& name) const {
  return read_all<std::int64_t>(*this, loc, name, H5T_NATIVE_INT64);
}

std::vector<double> Hdf5File::read_doubles(hid_t loc, const std::string& name) const {
  return read_all<double>(*this, loc, name, H5T_NATIVE_DOUBLE);
}

void Hdf5File::write_slab(hid_t ds, hid_t mem_type, const std::vector<hsize_t>& start,
                          const std::vector<hsize_t>& count, const void* data,
                          const std::string& what) const {
  Handle file_space = own(H5Dget_space(ds), what);
  check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                   count.data(), nullptr),
               what);
  Handle mem_space =
      own(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), what);
  check_status(H5Dwrite(ds, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data), what);
}

void Hdf5File::read_slab(hid_t ds, hid_t mem_type, const std::vector<hsize_t>& start,
                         const std::vector<hsize_t>& count, void* data,
                         const std::string& what) const {
  for (hsize_t c : count)
    if (c == 0) return;
  Handle file_space = own(H5Dget_space(ds), what);
  check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                   count.data(), nullptr),
               what);
  Handle mem_space =
      own(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), what);
  check_status(H5Dread(ds, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data), what);
}

std::vector<hsize_t> Hdf5File::dims(hid_t ds, const std::string& what) const {
  Handle space = own(H5Dget_space(ds), what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  check(rank < 0 ? -1 : 0, what);
  std::vector<hsize_t> d(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.get(), d.data(), nullptr), what);
  return d;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

Handle latest_format_fapl(const Hdf5File& file) {
  Handle fapl = file.own(H5Pcreate(H5P_FILE_ACCESS), "creating file access properties");
  file.check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST),
                    "selecting the latest file format");
  return fapl;
}

Handle open_read_only(const Hdf5File& file, bool* swmr) {
  constexpr unsigned kSwmrReadAttempts = 24;
  // SWMR reading follows a live writer and opens the file of a killed one.
  // Files not written in SWMR mode need the plain open, and if their writer
  // died before closing them, an open that ignores the "open for writing"
  // mark (read-only, so the mark stays; see detail::open_for_update).
  // A SWMR reader retries a metadata block whose checksum fails (the writer
  // may be rewriting it), sleeping 1 ns, 2 ns, 4 ns, ...: HDF5's default of
  // 100 attempts turns a block that is really damaged into a hang of years.
  // 24 attempts wait about 17 ms in total.
  Handle swmr_fapl = file.own(H5Pcreate(H5P_FILE_ACCESS), "opening for reading");
  file.check_status(H5Pset_metadata_read_attempts(swmr_fapl.get(), kSwmrReadAttempts),
                    "opening for reading");
  hid_t id = H5Fopen(file.path().c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, swmr_fapl.get());
  if (swmr != nullptr) *swmr = id >= 0;
  if (id < 0) {
    H5Eclear2(H5E_DEFAULT);
    id = H5Fopen(file.path().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  }
  if (id < 0) {
    const std::string first_error = detail::hdf5_error_detail();
    Handle fapl = file.own(H5Pcreate(H5P_FILE_ACCESS), "opening for reading");
    hbool_t yes = true;
    if (H5Pset(fapl.get(), "clear_status_flags", &yes) >= 0 &&
        H5Pset(fapl.get(), "skip_eof_check", &yes) >= 0)
      id = H5Fopen(file.path().c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
      H5Eclear2(H5E_DEFAULT);
      throw IoError(file.path() + ": opening for reading: " + first_error);
    }
  }
  return Handle(id);
}

Handle open_for_update(const Hdf5File& file) {
  Handle fapl = latest_format_fapl(file);
  hid_t id = H5Fopen(file.path().c_str(), H5F_ACC_RDWR, fapl.get());
  if (id >= 0) return Handle(id);
  const std::string first_error = hdf5_error_detail();
  // The file access properties h5clear sets (HDF5 1.10 has no public call
  // for them): ignore the "open for writing" mark, and do not insist that
  // the file reaches the end of allocation the superblock records.
  hbool_t yes = true;
  if (H5Pset(fapl.get(), "clear_status_flags", &yes) < 0 ||
      H5Pset(fapl.get(), "skip_eof_check", &yes) < 0)
    file.fail("opening for update: " + first_error);
  Handle f = file.own(H5Fopen(file.path().c_str(), H5F_ACC_RDWR, fapl.get()),
                      "opening for update (" + first_error + ")");
  // A killed SWMR writer leaves data past the end of allocation recorded in
  // the superblock, where new allocations would land on top of it. Move the
  // end past everything on disk plus a margin for space the writer had
  // allocated but not yet written (h5clear --increment, same default).
  file.check_status(
      H5Fincrement_filesize(f.get(), kCrashMargin),
      "opening for update (moving the end of allocation past a killed writer's data)");
  return f;
}

}  // namespace cola::io::detail
