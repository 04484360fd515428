// The logic of one partition replica, kept apart from actor plumbing so it can be tested
// without an actor system. The partition actor owns one partition_state and only moves
// messages in and out of it.
//
// Roles (set by the node from the metadata store; see partition_role):
//   leader    accepts produce (stamping its leader epoch into each batch), serves consumer
//             fetches up to the high watermark and follower fetches (replication.hpp), proposes
//             ISR changes;
//   follower  appends what it fetches from the leader (offsets, epochs and timestamps as the
//             leader gave them), truncating first where its log diverged; refuses produce and
//             consumer fetches with NOT_LEADER_OR_FOLLOWER;
//   offline   no leader anywhere: refuses everything with LEADER_NOT_AVAILABLE.
// A partition constructed alone is the leader of itself (one replica): the single-node case,
// where the high watermark is the log end and acks=all means "fsynced here".
//
// Responsibilities:
//  - append: per-topic validation (sizes, CRC), idempotent-producer checks, offset assignment
//    (by the log); storage errors become Kafka error codes;
//  - acks=all: acknowledged once the durable watermark passed the record, while the ISR has
//    min.insync.replicas members (group commit: one flush job covers every append before it);
//    NOT_ENOUGH_REPLICAS when the ISR is too small to start with, NOT_ENOUGH_REPLICAS_AFTER_APPEND
//    when it shrank meanwhile, REQUEST_TIMED_OUT after the request's timeout, NOT_LEADER_OR_FOLLOWER
//    when leadership moved away;
//  - fetch long-poll: consumer and follower fetches that cannot be answered yet are parked under
//    a caller token until enough bytes arrived (min_bytes) or their deadline passed (max_wait);
//  - flush policy of the topic (flush.messages / flush.ms) and housekeeping (retention, roll);
//  - the idempotent-producer table and its snapshots beside the log (producer_state.hpp):
//    restored at construction and after every truncation from the newest snapshot at or below
//    the log end plus the log after it; snapshotted when the log rolls and at close.
// Flush jobs run elsewhere (a flusher thread); at most one is in flight per partition.
// Single owner; time is always an argument.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/broker/broker_messages.hpp"
#include "actors/partition/producer_state.hpp"
#include "actors/partition/replication.hpp"
#include "storage/offset_snapshots.hpp"
#include "storage/partition_log.hpp"

namespace fluxo::actors {

struct partition_id {
  std::string topic;
  int32_t partition = 0;
  std::string to_string() const { return topic + "/" + std::to_string(partition); }
  std::string dir_name() const { return topic + "-" + std::to_string(partition); }
  bool operator<(const partition_id& o) const {
    return topic < o.topic || (topic == o.topic && partition < o.partition);
  }
  bool operator==(const partition_id&) const = default;
};

// Log settings for a topic's partitions (the storage side of topic_config).
storage::log_config make_log_config(const topic_config& cfg);

enum class replica_role : uint8_t { leader, follower, offline };
const char* to_string(replica_role r);

class partition_state {
 public:
  partition_state(partition_id id, std::unique_ptr<storage::partition_log> log, topic_config cfg);

  const partition_id& id() const { return id_; }
  storage::partition_log& log() { return *log_; }

  // ---- role ----------------------------------------------------------------------------
  // Applies what the store says. Returns the tokens of acks and parked fetches that must now be
  // answered (take them with take_durable_acks / take_ready_fetches).
  void set_role(const partition_role& role, int64_t now_ms);
  replica_role role() const { return role_; }
  const partition_role& role_info() const { return role_info_; }
  int32_t leader_epoch() const { return role_info_.leader_epoch; }
  int64_t high_watermark() const;
  // Why a client request is refused in the current role (none when this replica leads).
  kafka_error not_leading_error() const;

  // ---- produce -------------------------------------------------------------------------
  struct append_outcome {
    produce_reply reply;
    bool wait_for_ack = false;  // acks=all: park with await_ack
  };
  append_outcome append(std::vector<char>& batches, int8_t acks, int64_t now_ms);

  // ---- consumer fetch ------------------------------------------------------------------
  // Answers a fetch from the log now (possibly with no records), up to the high watermark.
  fetch_reply read(const fetch_request& r);
  // True when the fetch can be answered now: error, or at least min_bytes available.
  bool can_answer(const fetch_request& r) const;
  void park(uint64_t token, const fetch_request& r, int64_t now_ms);
  // Tokens whose fetch can be answered now or whose deadline passed.
  std::vector<uint64_t> take_ready_fetches(int64_t now_ms);
  std::optional<fetch_request> unpark(uint64_t token);
  std::optional<int64_t> next_fetch_deadline() const;
  std::size_t parked_fetches() const { return parked_.size(); }

  // ---- leader side of replication ------------------------------------------------------
  // A follower's fetch: the reply now, or nullopt when it should be parked (nothing new yet).
  std::optional<replica_fetch_reply> replica_fetch(const replica_fetch_request& r, int64_t now_ms);
  void park_replica(uint64_t token, const replica_fetch_request& r, int64_t now_ms);
  std::vector<uint64_t> take_ready_replica_fetches(int64_t now_ms);
  std::optional<replica_fetch_reply> answer_parked_replica(uint64_t token, int64_t now_ms);
  // ISR changes the leader wants written (nullopt: none, or one is pending).
  std::optional<isr_proposal> wanted_isr(int64_t now_ms);
  void isr_result(const isr_outcome& outcome, int64_t now_ms);

  // ---- follower side of replication ----------------------------------------------------
  replica_fetch_request next_replica_fetch(int32_t max_bytes, int32_t max_wait_ms) const;
  struct follower_step {
    kafka_error error = kafka_error::none;  // the leader refused (stale epoch, not leader...)
    bool progressed = false;                // appended or truncated: fetch again at once
    bool flush_wanted = false;              // flush before the next fetch (a producer waits)
  };
  follower_step apply_replica_fetch(replica_fetch_reply& reply);

  // ---- acks=all ------------------------------------------------------------------------
  void await_ack(uint64_t token, int64_t last_offset, int64_t deadline_ms);
  struct ack_result {
    uint64_t token = 0;
    kafka_error error = kafka_error::none;
  };
  // Acks that completed (or failed) now.
  std::vector<ack_result> take_acks(int64_t now_ms);
  std::optional<int64_t> next_ack_deadline() const;
  bool acks_waiting() const { return !pending_acks_.empty(); }

  // ---- flush ---------------------------------------------------------------------------
  // A job to run on the flusher if one is due and none is in flight.
  std::optional<storage::flush_job> start_flush_if_due(int64_t now_ms);
  void finish_flush(const storage::flush_job& job, storage::result<void> outcome);
  bool flush_in_flight() const { return flush_in_flight_; }
  // A follower flushes before its next fetch when the leader asked for it.
  void request_flush() { flush_requested_ = true; }

  list_offsets_reply list_offsets(int64_t timestamp);
  partition_info info() const;
  // Retention, age-based roll, producer snapshots and expiry; call periodically.
  void housekeeping(int64_t now_ms);
  void update_config(const topic_config& cfg);
  // Flushes and closes the log (clean-shutdown marker). Fails pending acks.
  storage::result<void> close();

  // How the producer table was last restored (construction or truncation): from the snapshot
  // at snapshot_offset (-1: none) plus the batches of replayed_bytes after it.
  struct producer_restore {
    int64_t snapshot_offset = -1;
    uint64_t replayed_bytes = 0;
  };
  const producer_restore& last_producer_restore() const { return producer_restore_; }
  const producer_state_table& producers() const { return producers_; }

  // How long a follower may go without catching up before it leaves the ISR.
  void set_replica_lag_max_ms(int64_t ms) { replica_lag_max_ms_ = ms; }

 private:
  struct parked_fetch {
    fetch_request request;
    int64_t deadline_ms;
  };
  struct parked_replica_fetch {
    replica_fetch_request request;
    int64_t deadline_ms;
  };
  struct pending_ack {
    int64_t last_offset;
    int64_t deadline_ms;
  };
  // Producer table <-> snapshots beside the log (see producer_state.hpp).
  void restore_producer_state();
  void record_producers(std::span<const char> batches);
  void snapshot_producers_if_rolled();
  void snapshot_producers();
  storage::result<void> truncate_log(int64_t offset, bool fully);
  void remember_refused(std::span<const char> batches, int64_t now_ms);
  void local_progress();
  void fail_acks(kafka_error e);
  int64_t read_limit() const { return high_watermark(); }
  replica_fetch_reply serve_replica(const replica_fetch_request& r, int64_t now_ms);

  partition_id id_;
  std::unique_ptr<storage::partition_log> log_;
  topic_config config_;
  producer_state_table producers_;
  storage::offset_snapshots producer_snapshots_;
  int64_t snapshotted_segment_base_ = -1;  // active segment base when the last snapshot was taken
  int64_t newest_snapshot_ = -1;           // offset of the newest snapshot on disk (-1: none)
  producer_restore producer_restore_;
  int64_t last_expiry_ms_ = INT64_MIN / 2;
  int64_t snapshots_pruned_at_start_ = 0;  // log start when old snapshots were last removed
  replica_role role_ = replica_role::leader;
  partition_role role_info_;
  leader_replication replication_;
  int64_t follower_hw_ = 0;
  int64_t replica_lag_max_ms_ = 10'000;
  std::map<uint64_t, parked_fetch> parked_;
  std::map<uint64_t, parked_replica_fetch> parked_replicas_;
  std::map<uint64_t, pending_ack> pending_acks_;
  std::vector<ack_result> failed_acks_;  // failed by a role change, handed out by take_acks
  bool flush_in_flight_ = false;
  bool flush_requested_ = false;
  int64_t first_unflushed_ms_ = -1;
};

// Opens (creating if needed) the logs of partitions [first, last) of a topic.
storage::result<std::vector<std::shared_ptr<partition_state>>> open_partitions(
    const std::string& data_dir, const std::string& topic, const topic_config& cfg, int32_t first,
    int32_t last);

// Maps a storage error to the Kafka error code a client should see.
kafka_error to_kafka_error(const storage::error& e);

}  // namespace fluxo::actors
