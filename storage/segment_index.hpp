// Sparse indexes of one segment, in Kafka's on-disk layout (so operators recognise them).
//
//   <base>.index      offset index: 8-byte entries  [relativeOffset u32 BE][position u32 BE]
//   <base>.timeindex  time index:  12-byte entries  [timestamp i64 BE][relativeOffset u32 BE]
//
// Offset index: an entry is added when at least `index_interval_bytes` of log were written
// since the previous one; it maps the last offset of a batch to the byte position where that
// batch starts. Entries are strictly increasing in both fields. Lookup returns the greatest
// entry at or below a target offset: scanning forward from its position finds the batch.
//
// Time index: an entry (maxTimestampSoFar, lastOffset of the batch) is added together with an
// offset-index entry when the segment's max timestamp grew. Timestamps are non-decreasing.
//
// These classes are pure in-memory state: loading/saving bytes is done by the segment, which
// keeps at most a bounded number of segments' indexes loaded (see open_segment_lru).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace fluxo::storage {

struct offset_index_entry {
  uint32_t relative_offset = 0;
  uint32_t position = 0;
  bool operator==(const offset_index_entry&) const = default;
};

struct time_index_entry {
  int64_t timestamp = 0;
  uint32_t relative_offset = 0;
  bool operator==(const time_index_entry&) const = default;
};

constexpr std::size_t offset_index_entry_size = 8;
constexpr std::size_t time_index_entry_size = 12;

class offset_index {
 public:
  // Appends if strictly greater than the last entry in both fields; returns false otherwise.
  bool append(offset_index_entry e);
  // Greatest entry with relative_offset <= rel, or nullopt if none.
  std::optional<offset_index_entry> floor(uint32_t rel) const;
  // Drops entries whose position is >= pos (after a truncation).
  void truncate_to_position(uint32_t pos);
  void clear() { entries_.clear(); }
  const std::vector<offset_index_entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

  std::vector<char> serialize(std::size_t from_entry = 0) const;
  // Parses file bytes; nullopt if the size is not a multiple of 8 or entries are not
  // strictly increasing or point past `log_size` (a damaged index is rebuilt, never trusted).
  static std::optional<offset_index> parse(std::span<const char> bytes, uint64_t log_size);

 private:
  std::vector<offset_index_entry> entries_;
};

class time_index {
 public:
  // Appends if timestamp is greater than the last entry's; returns false otherwise.
  bool append(time_index_entry e);
  // Greatest entry with timestamp < ts (where to start scanning for the first record >= ts).
  std::optional<time_index_entry> last_before(int64_t ts) const;
  void truncate_to_offset(uint32_t rel);  // drops entries with relative_offset >= rel
  void clear() { entries_.clear(); }
  const std::vector<time_index_entry>& entries() const { return entries_; }
  std::optional<time_index_entry> last() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.back();
  }
  std::size_t size() const { return entries_.size(); }

  std::vector<char> serialize(std::size_t from_entry = 0) const;
  static std::optional<time_index> parse(std::span<const char> bytes);

 private:
  std::vector<time_index_entry> entries_;
};

}  // namespace fluxo::storage
