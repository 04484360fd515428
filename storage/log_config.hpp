// Configuration of one partition log. Names and defaults follow Kafka's topic configs so
// operators can carry their intuition over (segment.bytes, retention.ms, flush.messages...).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace fluxo::storage {

enum class cleanup_policy : uint8_t { remove, compact };  // Kafka's "delete" / "compact"
enum class timestamp_type : uint8_t { create_time, log_append_time };

// Milliseconds since the epoch. Tests inject a manual clock.
using clock_fn = std::function<int64_t()>;
inline int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct log_config {
  // Segments.
  uint64_t segment_bytes = uint64_t{1} << 30;     // roll when the active segment would exceed this
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;     // roll an active segment older than this
  uint32_t index_interval_bytes = 4096;            // bytes of log between offset-index entries
  uint32_t max_batch_bytes = 8u << 20;             // larger appends fail with message_too_large

  // Retention (cleanup.policy=delete); -1 = unlimited.
  cleanup_policy cleanup = cleanup_policy::remove;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t retention_bytes = -1;

  // Compaction (cleanup.policy=compact).
  int64_t delete_retention_ms = 24LL * 3600 * 1000;  // tombstones kept at least this long

  // Flush policy. Both 0 = leave it to the OS (flush at roll and close only).
  // flush_messages = 1 means fsync after every append call (group commit: one fsync per call,
  // however many batches it carries).
  uint64_t flush_messages = 0;  // fsync when this many records are unflushed (0 = off)
  int64_t flush_ms = 0;         // fsync when the oldest unflushed append is this old (0 = off)
  // When true, append never fsyncs itself: the owner runs flush jobs (see log::prepare_flush)
  // on another thread and reports completion. Used by the partition actor.
  bool external_flush = false;

  // Timestamps.
  timestamp_type timestamps = timestamp_type::create_time;
  int32_t leader_epoch = -1;  // stamped into partitionLeaderEpoch of appended batches if >= 0

  // Resources.
  std::size_t max_open_segments = 64;  // inactive segments with open fds/loaded indexes (LRU)

  clock_fn clock = system_now_ms;
};

}  // namespace fluxo::storage
