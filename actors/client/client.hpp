// fluxo's native C++ client: a broker connection (remote over CAF, or an embedded broker in
// this process with the same API), a batching idempotent producer and a consumer.
//
// This header does not include CAF; programs that only produce and consume compile fast.
// Callbacks (delivery reports) run on the client's own threads: keep them short, never block.
//
//   auto conn = fluxo::client::connection::open({.broker = "127.0.0.1:4242"});   // or {} = embedded
//   auto producer = conn->make_producer();
//   producer->send("orders", "customer-7", "order 42");
//   producer->flush(std::chrono::seconds(10));
//   auto consumer = conn->make_consumer({.group_id = ""});
//   consumer->assign({{"orders", 0}});
//   for (auto& r : consumer->poll(std::chrono::milliseconds(500))) { ... }
#pragma once

#include <chrono>
#include <limits>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/broker/caf_setup.hpp"

#include "actors/group/group_types.hpp"
#include "actors/broker/broker_messages.hpp"
#include "storage/compression.hpp"

namespace fluxo::client {

struct client_core;  // internals (actor system, broker handle); see actor_api.hpp
using actors::topic_config;
using actors::topic_info;
using headers_t = std::vector<std::pair<std::string, std::string>>;

// Outcome of a call: a Kafka error code (0 = ok) and a message saying what to do.
struct status {
  int16_t code = 0;
  std::string message;
  bool ok() const { return code == 0; }
  static status success() { return {}; }
};

struct topic_partition {
  std::string topic;
  int32_t partition = 0;
  bool operator==(const topic_partition&) const = default;
  bool operator<(const topic_partition& o) const {
    return topic < o.topic || (topic == o.topic && partition < o.partition);
  }
};

struct connection_options {
  std::string broker;                        // "host:port" of a broker node; empty = embedded
  std::string data_dir = "./fluxo-data";     // embedded broker only
  bool auto_create_topics = true;            // embedded broker only
  int32_t default_partitions = 1;            // embedded broker only
  std::chrono::milliseconds request_timeout{30000};
  int32_t threads = 2;                       // client actor system scheduler threads
  actors::node_tls_files tls;                // the broker's node port uses mutual TLS
  // A user of the broker, for a node port that requires logins (--node-auth required): SCRAM
  // with `mechanism` (SCRAM-SHA-512 or SCRAM-SHA-256; empty = SCRAM-SHA-512). Empty user =
  // no login. One user per client process.
  std::string user;
  std::string password;
  std::string mechanism;
};

struct producer_options {
  int8_t acks = 1;                           // 0 none, 1 leader (in the log), -1 all (fsynced)
  std::chrono::milliseconds linger{5};       // wait this long for a batch to fill
  // A batch is sent once it is this big (librdkafka's batch.size default; under Kafka's 1 MiB
  // max.message.bytes). A larger record makes a batch of its own.
  std::size_t max_batch_bytes = 1'000'000;
  // Retriable errors (a leader moved or went away, a timeout) are retried until a batch has
  // waited delivery_timeout since it was sealed (Kafka's delivery.timeout.ms) or max_retries
  // attempts failed in a row (Kafka's retries: unbounded by default); then its records fail.
  std::chrono::milliseconds delivery_timeout{120000};
  int max_retries = std::numeric_limits<int>::max();
  std::chrono::milliseconds retry_backoff{100};  // doubled per attempt (at most 1 s), with jitter
  bool idempotent = true;                    // producer id + sequences: retries never duplicate
  storage::codec compression = storage::codec::none;
  // send() blocks while this many are unacknowledged (librdkafka's queue.buffering.max.messages
  // default): more buys no throughput, only memory touched afresh.
  std::size_t max_buffered_records = 100'000;
};

struct delivery_report {
  int16_t error_code = 0;
  std::string error_message;
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp = -1;
};
using delivery_callback = std::function<void(const delivery_report&)>;

class producer {
 public:
  virtual ~producer() = default;
  // Queues a record; `on_delivery` runs once the broker acknowledged or the send failed for
  // good. Keyed records go to murmur2(key) % partitions (like Kafka's Java client); records
  // without a key stick to one partition per batch.
  virtual void send(const std::string& topic, std::optional<std::string> key, std::optional<std::string> value,
                    headers_t headers = {}, std::optional<int64_t> timestamp = std::nullopt,
                    delivery_callback on_delivery = {}) = 0;
  // Same, to one partition chosen by the caller (e.g. a state store's changelog partition).
  virtual void send_to(const topic_partition& tp, std::optional<std::string> key, std::optional<std::string> value,
                       headers_t headers = {}, std::optional<int64_t> timestamp = std::nullopt,
                       delivery_callback on_delivery = {}) = 0;
  // Same, with a future for the report.
  std::future<delivery_report> send_async(const std::string& topic, std::optional<std::string> key,
                                          std::optional<std::string> value, headers_t headers = {},
                                          std::optional<int64_t> timestamp = std::nullopt);
  // Sends everything queued and waits for every acknowledgement (or the timeout).
  virtual status flush(std::chrono::milliseconds timeout) = 0;
  virtual uint64_t unacknowledged() const = 0;
};

struct consumed_record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  headers_t headers;
};

struct consumer_options {
  // Consumer group: with a group id, subscribe() joins the group and the broker assigns
  // partitions (range, roundrobin or sticky); committed offsets are where members resume.
  std::string group_id;
  std::string client_id = "fluxo-consumer";
  std::string assignor = "range";                 // range | roundrobin | sticky
  int32_t session_timeout_ms = 10000;             // no heartbeat for this long: evicted
  int32_t heartbeat_interval_ms = 1000;           // heartbeats run apart from poll()
  int32_t rebalance_timeout_ms = 30000;           // how long the group waits for the next poll()
  bool enable_auto_commit = true;                 // commit consumed positions periodically,
  int32_t auto_commit_interval_ms = 5000;         // before a rebalance and on close
  std::string auto_offset_reset = "earliest";     // earliest | latest, when there is no position
  std::size_t max_poll_records = 10000;
  int32_t fetch_max_bytes = 1 << 20;               // per partition fetch
  int32_t fetch_max_wait_ms = 500;
  std::size_t max_buffered_bytes = 16u << 20;      // fetching pauses above this (credit)
};

using partitions_callback = std::function<void(const std::vector<topic_partition>&)>;

class consumer {
 public:
  virtual ~consumer() = default;
  // Joins the consumer group (options.group_id) for these topics.
  virtual status subscribe(const std::vector<std::string>& topics) = 0;
  // Called from poll() when the group gave or took partitions. A rebalance waits for poll():
  // the revoked callback runs there, while the member still owns the partitions (commit in it),
  // before the member rejoins; the group waits up to rebalance_timeout_ms for that poll().
  virtual void on_rebalance(partitions_callback assigned, partitions_callback revoked) = 0;
  // Commits the positions of records returned by poll() so far.
  virtual status commit_sync(std::chrono::milliseconds timeout = std::chrono::seconds(10)) = 0;
  virtual void commit_async() = 0;
  // Committed offset of a partition in the group (nullopt if none).
  virtual std::optional<int64_t> committed(const topic_partition& tp, std::chrono::milliseconds timeout = std::chrono::seconds(10)) = 0;
  // Group membership as last seen (-1 / "" outside a group).
  virtual int32_t generation() const = 0;
  virtual std::string member_id() const = 0;
  // Commits (if auto-commit is on) and leaves the group. The destructor calls it.
  virtual void close() = 0;
  // Consume exactly these partitions (no group).
  virtual status assign(const std::vector<topic_partition>& partitions) = 0;
  virtual std::vector<topic_partition> assignment() const = 0;
  // Records fetched so far (at most max_poll_records), waiting up to `timeout` for some.
  virtual std::vector<consumed_record> poll(std::chrono::milliseconds timeout) = 0;
  // What stopped the consumer for good, if anything: the broker refused it (not logged in,
  // TOPIC_/GROUP_AUTHORIZATION_FAILED), as Kafka's consumers raise these errors instead of
  // retrying them. poll() returns early once when it happens; the refused partitions are no
  // longer fetched.
  virtual status fatal_error() const = 0;
  // Positions: next offset poll() will return for a partition.
  virtual status seek(const topic_partition& tp, int64_t offset) = 0;
  virtual status seek_to_beginning(const topic_partition& tp) = 0;
  virtual status seek_to_end(const topic_partition& tp) = 0;
  virtual status seek_to_timestamp(const topic_partition& tp, int64_t timestamp_ms) = 0;
  virtual std::optional<int64_t> position(const topic_partition& tp) const = 0;
  // Flow control per partition: a paused partition is not fetched and poll() holds back what
  // was already buffered for it, until resume(). Positions do not move. A rebalance forgets
  // the pause of partitions that move away.
  virtual void pause(const std::vector<topic_partition>& partitions) = 0;
  virtual void resume(const std::vector<topic_partition>& partitions) = 0;
  virtual std::vector<topic_partition> paused() const = 0;
};

// What connection::read returns: records of one partition and where the next read starts.
struct read_result {
  status st;
  std::vector<consumed_record> records;
  int64_t next_offset = 0;
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
};

using group_offsets = std::vector<std::pair<topic_partition, int64_t>>;

class connection {
 public:
  // Connects to a broker node, or starts an embedded one when options.broker is empty.
  // Returns nullptr and sets `error` when that fails.
  static std::unique_ptr<connection> open(const connection_options& options, std::string* error = nullptr);
  virtual ~connection() = default;

  virtual status create_topic(const std::string& name, const topic_config& config) = 0;
  virtual status delete_topic(const std::string& name) = 0;
  virtual status alter_topic(const std::string& name, const topic_config& config) = 0;
  virtual status grow_topic(const std::string& name, int32_t partitions) = 0;
  virtual std::vector<topic_info> list_topics(status* st = nullptr) = 0;
  virtual topic_info describe_topic(const std::string& name) = 0;
  // Offsets: -1 latest (end), -2 earliest, else the first offset with timestamp >= it.
  virtual std::pair<status, int64_t> list_offset(const topic_partition& tp, int64_t timestamp) = 0;

  // Records of one partition from `offset` on: whole batches up to `max_bytes` are read, at most
  // `max_records` returned; with `max_wait` > 0 it waits that long for records to arrive.
  virtual read_result read(const topic_partition& tp, int64_t offset, std::size_t max_records,
                           std::chrono::milliseconds max_wait = std::chrono::milliseconds(0),
                           int32_t max_bytes = 1 << 20) = 0;

  // Consumer groups (admin). list_groups: every live group, sorted. describe_group: state,
  // members, assignment and rebalance history (GROUP_ID_NOT_FOUND for an unknown group).
  // commit_offsets sets a group's positions; Kafka's tools only do that while a group has no
  // members, and so do fluxo's CLI and HTTP API (they check first). delete_group fails with
  // NON_EMPTY_GROUP while members are active.
  virtual std::vector<group::group_overview> list_groups(status* st = nullptr) = 0;
  virtual std::pair<status, group::group_description> describe_group(const std::string& group_id) = 0;
  virtual std::pair<status, std::vector<group::fetched_offset>> committed_offsets(const std::string& group_id) = 0;
  virtual status commit_offsets(const std::string& group_id, const group_offsets& offsets) = 0;
  virtual status delete_group(const std::string& group_id) = 0;

  // The cluster (a single node answers as a cluster of one): members, the controller.
  virtual std::pair<status, actors::cluster_info> describe_cluster() = 0;
  // Moves a partition's replicas to `replicas` (first = preferred leader): the new ones are
  // added and caught up, then the others dropped. Returns once requested (watch with
  // describe_topic: target_replicas empties when done).
  virtual status reassign_partition(const topic_partition& tp, const std::vector<int32_t>& replicas) = 0;
  // Moves leadership to each partition's preferred replica where it is in sync.
  virtual status elect_preferred_leaders() = 0;
  // Drains a node (its leaders, then its replicas where another node can take them, move
  // away) or stops draining it.
  virtual status drain_node(int32_t node, bool drain) = 0;

  virtual std::unique_ptr<producer> make_producer(const producer_options& options = {}) = 0;
  virtual std::unique_ptr<consumer> make_consumer(const consumer_options& options = {}) = 0;

  virtual std::shared_ptr<client_core> core() const = 0;
};

// Reading what a partition or topic holds now, without a consumer (tools, replays, restores):
// scan_partition calls fn for every record of tp in [from, until) in offset order, reading in
// chunks; scan_topic does that for every partition of an already described topic, from
// max(from_offset, log start) to the high watermark. Both stop at the first error.
using record_fn = std::function<void(consumed_record&&)>;
status scan_partition(connection& conn, const topic_partition& tp, int64_t from, int64_t until, const record_fn& fn);
status scan_topic(connection& conn, const topic_info& topic, int64_t from_offset, const record_fn& fn);
// Every record of a topic as it is now, partitions one after the other: not for big topics.
std::vector<consumed_record> read_all(connection& conn, const std::string& topic, status* st = nullptr);

}  // namespace fluxo::client
