// Small metadata files of a partition log directory.
//
// fluxo.checkpoint (text, replaced atomically):
//     fluxo-log-checkpoint 1
//     recovery_point <offset>      everything below was fsynced
//     log_start_offset <offset>
//
// .clean-shutdown (text, written last by a clean close, removed at open):
//     fluxo-clean-shutdown 1
//     log_start_offset <offset>
//     segment <base> <size bytes> <next offset> <max timestamp>    one line per segment
//     crc <crc32c of every byte before this line>
// A marker that fails its CRC, or whose segments do not match the directory, is ignored and
// the log is recovered by scanning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/result.hpp"

namespace fluxo::storage {

struct log_checkpoint {
  int64_t recovery_point = 0;
  int64_t log_start_offset = 0;
};

struct segment_summary {
  int64_t base_offset = 0;
  uint64_t size_bytes = 0;
  int64_t next_offset = 0;
  int64_t max_timestamp = -1;
};

struct clean_shutdown_marker {
  int64_t log_start_offset = 0;
  std::vector<segment_summary> segments;
};

// Missing or unreadable checkpoint gives zeros (recovery then scans everything).
log_checkpoint read_log_checkpoint(const std::string& dir);
result<void> write_log_checkpoint(const std::string& dir, const log_checkpoint& cp);

std::optional<clean_shutdown_marker> read_clean_shutdown_marker(const std::string& dir);
result<void> write_clean_shutdown_marker(const std::string& dir, const clean_shutdown_marker& m);
result<void> remove_clean_shutdown_marker(const std::string& dir);

}  // namespace fluxo::storage
