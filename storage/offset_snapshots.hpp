// Snapshots an owner of a partition log keeps beside it, each "as of" an offset: the state it
// derived from every batch below that offset (used for the idempotent-producer table, so that a
// restart or a follower's truncation reads only the log after the latest snapshot instead of
// the whole log, and so that producers outlive the segments retention deletes).
//
// File <dir>/<offset, 20 digits>.snapshot, replaced atomically (temp file, fsync, rename,
// fsync of the directory), big endian:
//     "FXSN"  magic
//     u32     format version (1)
//     u32     payload length
//     u32     crc32c of the payload
//     payload (opaque to this class)
// A file that is short, has another magic or version, or fails its CRC is logged, removed and
// skipped (the owner then falls back to an older snapshot or to the log itself).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/result.hpp"

namespace fluxo::storage {

struct offset_snapshot {
  int64_t offset = 0;
  std::vector<char> payload;
};

class offset_snapshots {
 public:
  explicit offset_snapshots(std::string dir) : dir_(std::move(dir)) {}

  // Offsets of the snapshot files present, ascending.
  std::vector<int64_t> offsets() const;
  result<void> write(int64_t offset, std::span<const char> payload);
  // The newest readable snapshot at or below `offset` (damaged ones are removed on the way).
  std::optional<offset_snapshot> latest_at_or_below(int64_t offset) const;
  // Removes snapshots whose offset is > offset, durably (before a truncation), or < offset
  // (retention; not synced: one that comes back after a crash is still true, merely old).
  result<void> remove_above(int64_t offset) const;
  void remove_below(int64_t offset) const;

  std::string path_of(int64_t offset) const;
  static constexpr const char* suffix = ".snapshot";

 private:
  std::string dir_;
};

// The framing alone (for tests and tools): payload -> file bytes, file bytes -> payload.
std::vector<char> frame_snapshot(std::span<const char> payload);
std::optional<std::vector<char>> unframe_snapshot(std::span<const char> bytes, std::string* why = nullptr);

}  // namespace fluxo::storage
