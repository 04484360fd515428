// Idempotent-producer bookkeeping of one partition (Kafka semantics).
//
// For every producer id the partition remembers its epoch, the last sequence number it
// appended and the last 5 batches (first/last sequence -> offsets), like Kafka. A batch from an
// idempotent producer (producerId >= 0) is checked before it is appended:
//   - epoch older than the known one             -> INVALID_PRODUCER_EPOCH (47)
//   - same (first, last) sequence as a cached batch -> duplicate: not appended again, the
//     original offsets are returned with NONE (librdkafka and Java treat this as success)
//   - first sequence != last sequence + 1         -> OUT_OF_ORDER_SEQUENCE_NUMBER (45)
//   - unknown producer id with sequence != 0      -> UNKNOWN_PRODUCER_ID (59)
//   - new epoch must start at sequence 0          -> OUT_OF_ORDER_SEQUENCE_NUMBER (45)
// Sequences wrap at INT32_MAX to 0. The partition snapshots the table beside its log (at each
// segment roll and at close; see encode() and partition_state) and after a restart or a
// truncation restores the newest snapshot at or below the log end and replays the batch
// headers after it, so duplicates are caught across restarts, and a producer whose batches
// retention deleted is still known. A producer idle for longer than expire()'s limit (Kafka's
// producer.id.expiration.ms, 1 day) is forgotten.
//
// Failover fence: a replica that refused a producer's batch with NOT_LEADER_OR_FOLLOWER
// (refused()) may become leader before that producer's pipelined requests behind the refused
// one arrive. Those would leave a gap (OUT_OF_ORDER_SEQUENCE_NUMBER, which librdkafka < 2.3
// can turn into a fatal error); the client is about to resend from the refused batch, so they
// are answered NOT_LEADER_OR_FOLLOWER too, until the refused batch arrives again (or the
// producer moves to another epoch, or refused_fence_ms pass).
// Pure logic: no I/O; time is an argument.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>
#include <unordered_map>

#include "actors/common/kafka_error.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::actors {

struct producer_batch_meta {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t first_sequence = -1;
  int32_t last_sequence = -1;  // first + lastOffsetDelta (wrapping)
};

struct producer_check {
  kafka_error error = kafka_error::none;
  // Set for duplicates: the offsets the batch got the first time.
  std::optional<std::pair<int64_t, int64_t>> duplicate_of;
};

class producer_state_table {
 public:
  static constexpr std::size_t cached_batches = 5;

  static constexpr int64_t refused_fence_ms = 60000;

  static constexpr int64_t default_expiration_ms = 86'400'000;

  producer_check check(const producer_batch_meta& b, int64_t now_ms = 0) const;
  // Records an appended batch (call after a successful append, or when replaying the log:
  // now_ms < 0 = time unknown, the producer's idle clock starts at the next expire()).
  void record(const producer_batch_meta& b, int64_t first_offset, int64_t last_offset, int64_t now_ms = -1);
  // This replica refused `b` because it does not lead (see the failover fence above).
  void refused(const producer_batch_meta& b, int64_t now_ms);
  // For a front end that refuses batches itself and keeps no producer state (the Kafka
  // listener, per connection): whether `b` was pipelined behind a refused batch of its
  // producer. A resend of the refused batch (or anything not after it) lifts the fence.
  bool behind_refused(const producer_batch_meta& b, int64_t now_ms);
  // Forgets what was appended (before replaying a truncated log); refusals are kept.
  void forget_appended() { producers_.clear(); }
  std::size_t size() const { return producers_.size(); }
  // Forgets producers whose last batch was recorded more than idle_ms before now_ms; returns
  // how many.
  std::size_t expire(int64_t now_ms, int64_t idle_ms = default_expiration_ms);

  // What was appended (refusals are not kept), as a snapshot payload, big endian:
  //   u16 version (1), u32 producer count, then per producer:
  //   i64 producer id, i16 epoch, i32 last sequence, u8 cached batch count, then per batch: i32 first seq, i32 last seq, i64 first offset,
  //   i64 last offset.
  std::vector<char> encode() const;
  // Replaces what was appended by a payload of encode(); false (and nothing changed) when it
  // does not parse. Idle clocks are not kept (the partition's clock need not survive a
  // restart): restored producers start theirs at the next expire().
  bool restore(std::span<const char> payload);
  // Equal appended state (refusals and idle clocks aside); for tests.
  bool same_producers(const producer_state_table& o) const;

 private:
  struct cached_batch {
    int32_t first_sequence;
    int32_t last_sequence;
    int64_t first_offset;
    int64_t last_offset;
  };
  struct entry {
    int16_t epoch = -1;
    int32_t last_sequence = -1;
    int64_t last_seen_ms = -1;
    std::deque<cached_batch> recent;
  };
  struct refused_batch {
    int16_t epoch;
    int32_t first_sequence;
    int64_t at_ms;
  };
  bool fenced(const producer_batch_meta& b, int32_t expected_first, int64_t now_ms) const;

  std::unordered_map<int64_t, entry> producers_;
  std::unordered_map<int64_t, refused_batch> refused_;  // by producer id
};

int32_t next_sequence(int32_t seq);
// The producer fields of a RecordBatch header (last sequence = base + lastOffsetDelta, wrapping).
producer_batch_meta producer_meta(const storage::batch_header& h);
// True when sequence `a` comes after `b` (within half the sequence space, wrapping).
bool sequence_after(int32_t a, int32_t b);

}  // namespace fluxo::actors
