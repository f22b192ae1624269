#pragma once
// Names and version of the trajectory file format shared by its writer and
// reader; the layout itself is described in cola/io/trajectory_writer.hpp
// and docs/trajectory-file.md.
#include <cstdint>

namespace cola::io {

// Root attribute `format`.
inline constexpr const char* kTrajectoryFormat = "cola-trajectory";
// Root attribute `format_version`: raised whenever a reader of the previous
// version would misread a new file. Readers reject newer versions.
inline constexpr std::int64_t kTrajectoryFormatVersion = 1;

// Values of the root attribute `status`.
inline constexpr const char* kStatusRunning = "running";
inline constexpr const char* kStatusCompleted = "completed";
inline constexpr const char* kStatusFailed = "failed";
inline constexpr const char* kStatusInterrupted = "interrupted";

// Slots of the double-buffered checkpoint arrays.
inline constexpr std::int64_t kCheckpointSlots = 2;

}  // namespace cola::io
