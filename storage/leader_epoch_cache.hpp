// The leader-epoch checkpoint of a partition log: for every leader epoch that wrote to the log,
// the offset of its first record (Kafka's LeaderEpochFileCache, KIP-101). Followers use it to
// find where their log diverges from a new leader's, so a record the leader never had is cut
// and a committed record is never cut.
//
// File <dir>/leader-epoch-checkpoint (text, Kafka's layout, replaced atomically):
//     0                  version
//     N                  number of entries
//     <epoch> <offset>   N lines, epochs and offsets strictly increasing
//
// Invariants: entries are sorted by epoch and by start offset, both strictly increasing; every
// start offset is below the log end offset of the log that owns the cache, except the last
// entry's, which may equal it (a leader records its epoch at its log end before appending).
// Pure bookkeeping plus one small file; single owner (the partition_log).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/result.hpp"

namespace fluxo::storage {

struct epoch_entry {
  int32_t epoch = 0;
  int64_t start_offset = 0;
  bool operator==(const epoch_entry&) const = default;
};

// Answer of end_offset_for(): the largest epoch <= the requested one and the offset where it
// ended (the start of the next epoch, or the log end for the latest). epoch -1 / offset -1 when
// the cache knows nothing at or below the requested epoch (Kafka's UNDEFINED).
struct epoch_end {
  int32_t epoch = -1;
  int64_t end_offset = -1;
  bool undefined() const { return epoch < 0; }
  bool operator==(const epoch_end&) const = default;
};

class leader_epoch_cache {
 public:
  leader_epoch_cache() = default;
  explicit leader_epoch_cache(std::vector<epoch_entry> entries) : entries_(std::move(entries)) {}

  // Records that `epoch` starts at `start_offset`. Entries with an epoch >= it or a start
  // offset >= it are dropped first (they belong to a history this one replaces). Returns true
  // when the cache changed. Negative epochs are ignored.
  bool assign(int32_t epoch, int64_t start_offset);
  // Drops every entry starting at or after `offset` (the log was truncated to `offset`).
  bool truncate_from_end(int64_t offset);
  // The log start moved to `offset`: entries wholly below it go, the one covering it starts at it.
  bool truncate_from_start(int64_t offset);
  void clear() { entries_.clear(); }

  epoch_end end_offset_for(int32_t epoch, int64_t log_end_offset) const;
  // The latest epoch (-1 when empty) and the epoch of the record at `offset` (-1 if unknown).
  int32_t latest_epoch() const { return entries_.empty() ? -1 : entries_.back().epoch; }
  int32_t epoch_at(int64_t offset) const;
  const std::vector<epoch_entry>& entries() const { return entries_; }

  // File I/O. load() of a missing file gives an empty cache and sets *missing.
  static result<leader_epoch_cache> load(const std::string& dir, bool* missing = nullptr);
  result<void> save(const std::string& dir) const;

  static constexpr const char* file_name = "leader-epoch-checkpoint";

 private:
  std::vector<epoch_entry> entries_;
};

}  // namespace fluxo::storage
