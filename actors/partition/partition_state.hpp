// The logic of one partition, kept apart from actor plumbing so it can be tested without an
// actor system. The partition actor owns one partition_state and only moves messages in and
// out of it.
//
// Responsibilities:
//  - append: per-topic validation (sizes, CRC), idempotent-producer checks, offset assignment
//    (by the log); storage errors become Kafka error codes;
//  - acks=all: an append is acknowledged once a flush covering it completed (group commit: one
//    flush job covers every append made before it started; the next job starts when it ends);
//  - fetch long-poll: requests that cannot be answered yet are parked under a caller token
//    until enough bytes arrived (min_bytes) or their deadline passed (max_wait);
//  - flush policy of the topic (flush.messages / flush.ms) and housekeeping (retention, roll).
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

class partition_state {
 public:
  partition_state(partition_id id, std::unique_ptr<storage::partition_log> log, topic_config cfg);

  const partition_id& id() const { return id_; }
  storage::partition_log& log() { return *log_; }

  struct append_outcome {
    produce_reply reply;
    bool wait_for_flush = false;  // acks=all: reply once flushed_offset() > reply.last_offset
  };
  append_outcome append(std::vector<char>& batches, int8_t acks, int64_t now_ms);

  // Answers a fetch from the log now (possibly with no records).
  fetch_reply read(const fetch_request& r);
  // True when the fetch can be answered now: error, or at least min_bytes available.
  bool can_answer(const fetch_request& r) const;

  // Parked fetches (long-poll).
  void park(uint64_t token, const fetch_request& r, int64_t now_ms);
  // Tokens whose fetch can be answered now (after appends) or whose deadline passed.
  std::vector<uint64_t> take_ready_fetches(int64_t now_ms);
  std::optional<fetch_request> unpark(uint64_t token);
  std::optional<int64_t> next_fetch_deadline() const;
  std::size_t parked_fetches() const { return parked_.size(); }

  // acks=all bookkeeping.
  void await_durable(uint64_t token, int64_t last_offset) { pending_acks_.emplace(token, last_offset); }
  std::vector<uint64_t> take_durable_acks();

  // Flush scheduling: a job to run on the flusher if one is due and none is in flight.
  std::optional<storage::flush_job> start_flush_if_due(int64_t now_ms);
  void finish_flush(const storage::flush_job& job, storage::result<void> outcome);
  bool flush_in_flight() const { return flush_in_flight_; }

  list_offsets_reply list_offsets(int64_t timestamp);
  partition_info info() const;
  // Retention and age-based roll; call periodically.
  void housekeeping();
  void update_config(const topic_config& cfg);
  // Flushes and closes the log (clean-shutdown marker). Fails pending acks.
  storage::result<void> close();

 private:
  struct parked_fetch {
    fetch_request request;
    int64_t deadline_ms;
  };
  void rebuild_producer_state();

  partition_id id_;
  std::unique_ptr<storage::partition_log> log_;
  topic_config config_;
  producer_state_table producers_;
  std::map<uint64_t, parked_fetch> parked_;
  std::multimap<uint64_t, int64_t> pending_acks_;  // token -> last offset needing durability
  bool flush_in_flight_ = false;
  int64_t first_unflushed_ms_ = -1;
};

// Opens (creating if needed) the logs of partitions [first, last) of a topic.
storage::result<std::vector<std::shared_ptr<partition_state>>> open_partitions(
    const std::string& data_dir, const std::string& topic, const topic_config& cfg, int32_t first,
    int32_t last);

// Maps a storage error to the Kafka error code a client should see.
kafka_error to_kafka_error(const storage::error& e);

}  // namespace fluxo::actors
