// Settings of a node (broker) that its actors need. No CAF.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/broker/broker_messages.hpp"

namespace fluxo::security {
class node_sessions;
}

namespace fluxo::actors {

struct node_options {
  std::string data_dir = "./fluxo-data";
  int32_t node_id = 0;
  std::string host = "127.0.0.1";  // what clients should use to reach this node
  int32_t port = 4242;
  bool auto_create_topics = true;
  topic_config default_topic;       // used for auto-created topics and as create defaults
  int64_t tick_ms = 1000;           // housekeeping period of partitions

  // Cluster mode (an empty store = one node on its own, metadata in the data dir).
  std::string cluster_store;        // "etcd://host:port[,host:port...]"
  std::string cluster_name = "fluxo";  // the metadata lives under /fluxo/<name>/ in etcd
  int64_t lease_ttl_ms = 2000;      // a node that stops renewing for this long is gone
  int64_t replica_lag_max_ms = 10000;  // a follower not caught up for this long leaves the ISR
  int32_t offsets_partitions = 16;  // partitions of __consumer_offsets in a cluster (1 alone)
  bool auto_leader_rebalance = true;
  // What the node registers for others (set by the broker once its listeners are bound).
  std::string kafka_host;
  int32_t kafka_port = 0;
  std::string http_addr;
  // Who may use the node port (logins and ACLs for native clients); null = everyone.
  std::shared_ptr<security::node_sessions> gate;

  bool clustered() const { return !cluster_store.empty(); }
};

}  // namespace fluxo::actors
