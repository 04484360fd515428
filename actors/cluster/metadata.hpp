// The cluster's metadata: nodes, the controller, topics and the state of every partition
// (replicas, leader, leader epoch, ISR), as it is kept in the metadata store and as every node
// sees it (metadata_image). Pure data and its JSON encoding; no CAF, no I/O.
//
// Store layout under the cluster's prefix P (default "/fluxo/<cluster name>/"), values JSON:
//   P cluster                 {"cluster_id": "<uuid>"}                  created once
//   P nodes/<id>              node_record                              under the node's lease
//   P controller              {"node_id": N}                           under the controller's lease;
//                                                                       its create revision is the
//                                                                       controller epoch
//   P topics/<name>           topic_record (config, id, partition count)
//   P partitions/<name>/<p>   partition_record                         its mod revision is the
//                                                                       partition's version (CAS)
//   P drain/<id>              {"requested_ms": T}                      a node being drained
//   P producer-ids            {"next": N}                              next free producer-id block
//
// Invariants the controller and leaders keep (checked by tests, relied on by readers):
//   - leader is -1 (offline) or a member of isr; isr is a subset of replicas;
//   - leader_epoch only grows; it grows with every change of leader;
//   - isr never becomes empty while the partition has a leader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/broker/broker_messages.hpp"

namespace fluxo::cluster {

using node_id = int32_t;
inline constexpr node_id no_node = -1;

struct node_record {
  node_id id = no_node;
  std::string host;        // CAF node address
  int32_t port = 0;
  std::string kafka_host;  // advertised Kafka listener ("" = none)
  int32_t kafka_port = 0;
  std::string http_addr;   // "" = none
  std::string rack;
  int64_t started_ms = 0;
  int64_t lease = 0;       // the store's lease (set when read)
  std::string caf_node;    // the node's CAF node id (text): how peers recognise it on the node port
  static node_record at(node_id id, std::string host, int32_t port) {
    node_record n;
    n.id = id;
    n.host = std::move(host);
    n.port = port;
    return n;
  }
  bool operator==(const node_record&) const = default;
};

struct controller_record {
  node_id id = no_node;
  int64_t epoch = 0;  // create revision of the controller key
  bool operator==(const controller_record&) const = default;
};

struct topic_record {
  std::string name;
  std::string topic_id;  // a UUID, Kafka's topic id
  actors::topic_config config;
  int64_t version = 0;   // mod revision
  bool operator==(const topic_record&) const = default;
};

struct partition_record {
  std::vector<node_id> replicas;         // the assignment; replicas[0] is the preferred leader
  node_id leader = no_node;
  int32_t leader_epoch = 0;
  std::vector<node_id> isr;
  std::vector<node_id> target_replicas;  // non-empty while a reassignment is in progress
  int64_t controller_epoch = 0;          // the controller that made the last leader change
  int64_t version = 0;                   // mod revision (set when read)

  bool in_isr(node_id n) const;
  bool is_replica(node_id n) const;
  bool operator==(const partition_record&) const = default;
};

struct partition_key {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const partition_key&) const = default;
  std::string to_string() const { return topic + "/" + std::to_string(partition); }
};

// Keys of the store layout above.
struct store_keys {
  std::string prefix;  // ends with '/'
  explicit store_keys(std::string cluster_name);
  std::string cluster() const { return prefix + "cluster"; }
  std::string nodes() const { return prefix + "nodes/"; }
  std::string node(node_id id) const { return nodes() + std::to_string(id); }
  std::string controller() const { return prefix + "controller"; }
  std::string topics() const { return prefix + "topics/"; }
  std::string topic(const std::string& name) const { return topics() + name; }
  std::string partitions() const { return prefix + "partitions/"; }
  std::string partitions_of(const std::string& topic) const { return partitions() + topic + "/"; }
  std::string partition(const partition_key& k) const { return partitions_of(k.topic) + std::to_string(k.partition); }
  std::string drains() const { return prefix + "drain/"; }
  std::string drain(node_id id) const { return drains() + std::to_string(id); }
  std::string producer_ids() const { return prefix + "producer-ids"; }
};

// JSON values of the records (see the layout above). decode_* return nullopt on garbage.
std::string encode_node(const node_record& n);
std::optional<node_record> decode_node(const std::string& json);
std::string encode_topic(const topic_record& t);
std::optional<topic_record> decode_topic(const std::string& name, const std::string& json);
std::string encode_partition(const partition_record& p);
std::optional<partition_record> decode_partition(const std::string& json);
std::string encode_controller(node_id id);
std::optional<node_id> decode_controller(const std::string& json);

// Everything a node knows about the cluster, rebuilt from store events (put / erase of keys
// under the prefix). A value that does not decode is ignored with a note in `problems`.
class metadata_image {
 public:
  explicit metadata_image(store_keys keys) : keys_(std::move(keys)) {}

  // Applies one key's new value (mod revision given) or its removal.
  void put(const std::string& key, const std::string& value, int64_t mod_revision, int64_t create_revision,
           int64_t lease);
  void erase(const std::string& key);
  void clear();

  int64_t revision = 0;  // the store revision this image reflects
  std::string cluster_id;
  std::map<node_id, node_record> nodes;  // live nodes (their lease holds)
  controller_record controller;
  std::map<std::string, topic_record> topics;
  std::map<partition_key, partition_record> partitions;
  std::map<node_id, int64_t> draining;   // node -> requested_ms
  std::vector<std::string> problems;

  const partition_record* partition(const partition_key& k) const;
  std::vector<node_id> live_nodes() const;
  bool is_live(node_id n) const { return nodes.count(n) != 0; }
  // Partitions of a topic in order (those the image has).
  std::vector<std::pair<int32_t, const partition_record*>> partitions_of(const std::string& topic) const;
  const store_keys& keys() const { return keys_; }

 private:
  store_keys keys_;
};

}  // namespace fluxo::cluster
