// Messages of fluxo's actor interfaces (see actor_types.hpp for who sends what to whom).
//
// Wire schema: every struct here can cross a node boundary. Its fields are declared with
// MSGPACK_DEFINE_MAP, so on the wire a message is a msgpack map keyed by field name: unknown
// fields are ignored and missing ones keep their defaults, which lets adjacent versions talk
// and lets non-C++ tools decode them. Inside one process the structs travel without encoding.
// Record batches travel as opaque bytes (Kafka RecordBatch v2, possibly several back to back).
//
// Domain errors are Kafka error codes (kafka_error.hpp) inside replies, so the Kafka protocol
// layer can forward them untouched; caf::error is reserved for transport failures (timeouts,
// dead actors).
//
// This header does not include CAF.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST
#endif
#include <msgpack.hpp>

namespace fluxo::actors {

// Per-topic settings; names follow Kafka's topic configs (see to/from_config_map in
// topic_config.hpp).
struct topic_config {
  int32_t partitions = 1;
  int16_t replication_factor = -1;              // -1 = the cluster default, min(3, nodes)
  std::string cleanup_policy = "delete";        // delete | compact
  std::string timestamp_type = "CreateTime";    // CreateTime | LogAppendTime
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t retention_bytes = -1;
  int64_t segment_bytes = 1LL << 30;
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  int64_t delete_retention_ms = 24LL * 3600 * 1000;
  int32_t max_message_bytes = 1048588;          // Kafka's default message.max.bytes
  int64_t flush_messages = 0;                   // 0 = left to the OS
  int64_t flush_ms = 0;
  // acks=all needs this many in-sync replicas; -1 = the cluster default (2 when the
  // replication factor is 3 or more, else 1).
  int32_t min_insync_replicas = -1;
  bool unclean_leader_election = false;         // elect outside the ISR when none is left
  // Kafka topic configs fluxo accepts, validates, keeps and reports but does not act on (yet):
  // name -> value as given (see topic_rules.cpp for the list and Kafka's defaults).
  std::map<std::string, std::string> stored;
  bool operator==(const topic_config&) const = default;
  // The effective min.insync.replicas for a replication factor.
  int32_t effective_min_insync(int32_t rf) const {
    if (min_insync_replicas > 0) return min_insync_replicas;
    return rf >= 3 ? 2 : 1;
  }
  MSGPACK_DEFINE_MAP(partitions, replication_factor, cleanup_policy, timestamp_type, retention_ms,
                     retention_bytes, segment_bytes, segment_ms, delete_retention_ms,
                     max_message_bytes, flush_messages, flush_ms, min_insync_replicas,
                     unclean_leader_election, stored)
};

struct create_topic_request {
  std::string name;
  topic_config config;
  bool validate_only = false;
  MSGPACK_DEFINE_MAP(name, config, validate_only)
};

// Outcome of an admin request about one topic.
struct topic_reply {
  std::string name;
  int16_t error_code = 0;
  std::string error_message;
  MSGPACK_DEFINE_MAP(name, error_code, error_message)
};

struct segment_entry {
  int64_t base_offset = 0;
  int64_t size_bytes = 0;
  MSGPACK_DEFINE_MAP(base_offset, size_bytes)
};

struct partition_info {
  int32_t partition = 0;
  int32_t leader_node = 0;                  // -1: offline (no leader)
  int32_t leader_epoch = 0;
  std::vector<int32_t> replicas;            // preferred leader first
  std::vector<int32_t> isr;
  std::vector<int32_t> target_replicas;     // non-empty while a reassignment runs
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  int64_t size_bytes = 0;
  int32_t segments = 0;
  std::vector<segment_entry> segment_list;  // oldest first
  int64_t mailbox_depth = 0;                // messages waiting in the partition actor
  int64_t log_end_offset = 0;               // >= high_watermark (records not yet replicated)
  std::string role;                         // this node's: "leader", "follower", "" (no replica here)
  int64_t max_follower_lag = 0;             // records, on the leader
  MSGPACK_DEFINE_MAP(partition, leader_node, leader_epoch, replicas, isr, target_replicas,
                     log_start_offset, high_watermark, size_bytes, segments, segment_list,
                     mailbox_depth, log_end_offset, role, max_follower_lag)
};

struct topic_info {
  std::string name;
  int16_t error_code = 0;
  bool internal = false;
  topic_config config;
  std::vector<partition_info> partitions;
  std::string topic_id;  // a UUID in a cluster ("" on a single node)
  MSGPACK_DEFINE_MAP(name, error_code, internal, config, partitions, topic_id)
};

// Every topic of a node (one message, so it crosses node boundaries as one msgpack map).
struct topic_list {
  std::vector<topic_info> topics;
  MSGPACK_DEFINE_MAP(topics)
};

struct node_info {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  MSGPACK_DEFINE_MAP(node_id, host, port)
};

// A member of the cluster as the metadata store has it (live nodes only).
struct cluster_node {
  int32_t id = 0;
  std::string host;        // CAF node address
  int32_t port = 0;
  std::string kafka_host;  // advertised Kafka listener ("" = none)
  int32_t kafka_port = 0;
  std::string http_addr;
  bool draining = false;
  MSGPACK_DEFINE_MAP(id, host, port, kafka_host, kafka_port, http_addr, draining)
};

struct cluster_info {
  std::string cluster_id;
  int32_t self_id = 0;
  int32_t controller_id = -1;
  int64_t controller_epoch = 0;
  std::vector<cluster_node> nodes;
  std::string store;        // what holds the metadata ("local files in ...", "etcd ...")
  bool single_node = true;
  int64_t controller_changes = 0;
  int64_t leader_elections = 0;
  MSGPACK_DEFINE_MAP(cluster_id, self_id, controller_id, controller_epoch, nodes, store, single_node,
                     controller_changes, leader_elections)
};

// Topics with the placement of their partitions (leader, epoch, replicas, ISR), without log
// statistics: what Kafka's Metadata and client routing need, answered from the node's image.
struct cluster_metadata {
  cluster_info cluster;
  std::vector<topic_info> topics;
  MSGPACK_DEFINE_MAP(cluster, topics)
};

// Move a partition's replicas (fluxo cluster reassign).
struct reassign_request {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;  // the first is the preferred leader
  MSGPACK_DEFINE_MAP(topic, partition, replicas)
};

// Where a consumer group's coordinator runs (error NOT_COORDINATOR... / COORDINATOR_NOT_AVAILABLE).
struct coordinator_location {
  int16_t error_code = 0;
  std::string error_message;
  int32_t node_id = -1;
  std::string host;
  int32_t port = 0;
  std::string kafka_host;
  int32_t kafka_port = 0;
  MSGPACK_DEFINE_MAP(error_code, error_message, node_id, host, port, kafka_host, kafka_port)
};

// produce: acks 0 = none, 1 = leader (in its log), -1 = all (in the log and fsynced on every
// in-sync replica, with at least min.insync.replicas of them). timeout_ms bounds the wait for
// acks=all (REQUEST_TIMED_OUT after it).
struct produce_request {
  std::vector<char> batches;
  int8_t acks = 1;
  int32_t timeout_ms = 30000;
  MSGPACK_DEFINE_MAP(batches, acks, timeout_ms)
};

struct produce_reply {
  int16_t error_code = 0;
  std::string error_message;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = 0;
  MSGPACK_DEFINE_MAP(error_code, error_message, base_offset, last_offset, log_append_time,
                     log_start_offset)
};

struct fetch_request {
  int64_t offset = 0;
  int32_t max_bytes = 1 << 20;
  int32_t max_wait_ms = 500;
  int32_t min_bytes = 1;
  MSGPACK_DEFINE_MAP(offset, max_bytes, max_wait_ms, min_bytes)
};

struct fetch_reply {
  int16_t error_code = 0;
  std::vector<char> records;  // whole batches
  int64_t high_watermark = 0;
  int64_t last_stable_offset = 0;
  int64_t log_start_offset = 0;
  int64_t next_offset = 0;    // where the next fetch should start
  MSGPACK_DEFINE_MAP(error_code, records, high_watermark, last_stable_offset, log_start_offset,
                     next_offset)
};

// list_offsets: timestamp -1 = latest (LEO), -2 = earliest (log start), else first offset whose
// timestamp is >= it (offset -1 if none).
struct list_offsets_request {
  int64_t timestamp = -1;
  MSGPACK_DEFINE_MAP(timestamp)
};

struct list_offsets_reply {
  int16_t error_code = 0;
  int64_t offset = -1;
  int64_t timestamp = -1;
  MSGPACK_DEFINE_MAP(error_code, offset, timestamp)
};

struct producer_id_reply {
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = 0;
  MSGPACK_DEFINE_MAP(error_code, producer_id, producer_epoch)
};

// Replication (follower partition actor -> leader partition actor on another node), Kafka's
// follower fetch: the follower holds everything below fetch_offset, the epoch of its last
// record is last_fetched_epoch, and it has fsynced everything below durable_offset.
struct replica_fetch_request {
  int32_t replica_id = -1;
  int32_t leader_epoch = -1;       // the epoch the follower believes current
  int64_t fetch_offset = 0;
  int32_t last_fetched_epoch = -1;
  int64_t durable_offset = 0;
  int32_t max_bytes = 1 << 20;
  int32_t max_wait_ms = 500;
  MSGPACK_DEFINE_MAP(replica_id, leader_epoch, fetch_offset, last_fetched_epoch, durable_offset, max_bytes,
                     max_wait_ms)
};

// records: whole batches from fetch_offset, as stored by the leader (offsets, epochs and
// timestamps already set). diverging_epoch >= -1 with diverging_end_offset >= 0 means: truncate
// (see actors/partition/replication.hpp) and fetch again. flush_wanted: an acks=all producer
// waits for this follower's fsync.
struct replica_fetch_reply {
  int16_t error_code = 0;
  int32_t leader_epoch = -1;
  std::vector<char> records;
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int32_t diverging_epoch = -1;
  int64_t diverging_end_offset = -1;
  bool flush_wanted = false;
  MSGPACK_DEFINE_MAP(error_code, leader_epoch, records, high_watermark, log_start_offset, log_end_offset,
                     diverging_epoch, diverging_end_offset, flush_wanted)
};

// What the node tells a partition about its place in the cluster (from the metadata store).
struct partition_role {
  int32_t self = 0;          // this node
  int32_t leader = -1;       // -1: offline
  int32_t leader_epoch = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int64_t version = 0;       // the partition record's version in the store (for ISR changes)
  int32_t min_insync = 1;
  int64_t session = 0;       // the node's cluster session the role was given in (see cluster_agent.hpp)
  bool operator==(const partition_role&) const = default;
  MSGPACK_DEFINE_MAP(self, leader, leader_epoch, replicas, isr, version, min_insync, session)
};

// A leader's ISR change for the node to write to the store (local only), and the outcome.
struct isr_proposal {
  std::string topic;
  int32_t partition = 0;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int64_t expected_version = 0;
  MSGPACK_DEFINE_MAP(topic, partition, leader_epoch, isr, expected_version)
};

struct isr_outcome {
  bool applied = false;
  int64_t version = 0;
  std::vector<int32_t> isr;
  MSGPACK_DEFINE_MAP(applied, version, isr)
};

// Partition count per topic, pushed by the node to group coordinators (server-side assignment).
struct topic_counts {
  std::map<std::string, int32_t> counts;
  MSGPACK_DEFINE_MAP(counts)
};

// One record for a topic actor to route (the simple way for an actor to publish an event).
struct record_send {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timestamp = -1;  // -1 = now
  int8_t acks = 1;
  MSGPACK_DEFINE_MAP(key, value, headers, timestamp, acks)
};

}  // namespace fluxo::actors
