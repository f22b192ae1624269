#pragma once
// Private helpers of the trajectory writer and reader: an owning handle for
// HDF5 identifiers, the process-wide HDF5 lock, error messages built from the
// HDF5 error stack (automatic printing is switched off), and the few typed
// read/write shapes the trajectory file needs.
//
// Threads: every HDF5 call of cola happens under hdf5_mutex() (Hdf5Lock).
// Debian builds libhdf5 thread-safe but not its high-level library (H5DS),
// and two writers or a writer and a reader in one process would otherwise
// interleave calls; one lock keeps HDF5 single-threaded at the cost of no
// parallel I/O, which a single file does not offer anyway.
#include <cola/error.hpp>

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace cola::io::detail {

// Owns one HDF5 identifier (file, group, dataset, dataspace, datatype,
// attribute or property list) and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  // Closes now; returns false when HDF5 reported an error (the id is
  // released either way).
  bool reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

std::mutex& hdf5_mutex();

// Holds hdf5_mutex() and switches off HDF5's automatic error printing for
// this thread (the setting is per thread in a thread-safe build).
class Hdf5Lock {
 public:
  Hdf5Lock();

 private:
  std::lock_guard<std::mutex> lock_;
};

// The HDF5 error stack of this thread as one line (innermost cause last),
// then clears it. Empty when the stack is empty.
std::string hdf5_error_detail();

// Everything that can fail names the file: "<path>: <what>: <hdf5 detail>".
class Hdf5File {
 public:
  explicit Hdf5File(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  [[noreturn]] void fail(const std::string& what) const;
  hid_t check(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  void check_status(herr_t status, const std::string& what) const {
    if (status < 0) fail(what);
  }
  Handle own(hid_t id, const std::string& what) const { return Handle(check(id, what)); }

  // Attributes on `loc` (a file, group or dataset).
  void write_string_attribute(hid_t loc, const std::string& name, const std::string& value) const;
  void write_int_attribute(hid_t loc, const std::string& name, std::int64_t value) const;
  std::string read_string_attribute(hid_t loc, const std::string& name) const;
  std::int64_t read_int_attribute(hid_t loc, const std::string& name) const;
  // Every attribute of loc as text (strings as stored, numbers in decimal).
  std::vector<std::pair<std::string, std::string>> read_attributes(hid_t loc) const;

  // Whole 1-D datasets.
  std::vector<std::string> read_strings(hid_t loc, const std::string& name) const;
  std::vector<std::int64_t> read_int64s(hid_t loc, const std::string& name) const;
  std::vector<double> read_doubles(hid_t loc, const std::string& name) const;

  // Hyperslab [start, start + count) of dataset ds, from/to a dense buffer
  // of memory type mem_type.
  void write_slab(hid_t ds, hid_t mem_type, const std::vector<hsize_t>& start,
                  const std::vector<hsize_t>& count, const void* data,
                  const std::string& what) const;
  void read_slab(hid_t ds, hid_t mem_type, const std::vector<hsize_t>& start,
                 const std::vector<hsize_t>& count, void* data, const std::string& what) const;
  // Current dimensions of a dataset.
  std::vector<hsize_t> dims(hid_t ds, const std::string& what) const;

 private:
  std::string path_;
};

// A variable-length UTF-8 string type (the caller owns it).
Handle vlen_string_type();

// ISO-8601 UTC, e.g. 2024-05-01T12:00:00Z.
std::string utc_now();

// Opens an existing file for reading and writing. A writer killed in SWMR
// mode leaves the superblock marked "open for writing" (a plain open fails)
// and its recorded end of allocation behind the data it wrote. The second
// attempt repairs both like `h5clear -s -i`: clears the mark (the caller
// states that the writer is gone) and moves the end of allocation to the
// end of the file plus kCrashMargin.
inline constexpr hsize_t kCrashMargin = hsize_t{1} << 20;
Handle open_for_update(const Hdf5File& file);
// Opens the file read-only, also one a writer is still writing (SWMR) or
// died writing (its "open for writing" mark is ignored, not cleared);
// *swmr (optional) says whether SWMR reading was used. IoError otherwise.
Handle open_read_only(const Hdf5File& file, bool* swmr = nullptr);

// File access properties of every cola trajectory: the latest format (SWMR
// needs it).
Handle latest_format_fapl(const Hdf5File& file);

}  // namespace cola::io::detail
