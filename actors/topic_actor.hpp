// Spawning topic and node actors (interfaces in actor_types.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/actor_types.hpp"

namespace fluxo::actors {

class partition_state;

// Settings of a node (broker) that its actors need.
struct node_options {
  std::string data_dir = "./fluxo-data";
  int32_t node_id = 0;
  std::string host = "127.0.0.1";  // what clients should use to reach this node
  int32_t port = 4242;
  bool auto_create_topics = true;
  topic_config default_topic;       // used for auto-created topics and as create defaults
  int64_t tick_ms = 1000;           // housekeeping period of partitions
};

// A topic actor owning the given partition actors (see spawn_partition).
topic_actor spawn_topic(caf::actor_system& sys, const node_options& node, std::string name, topic_config cfg,
                        std::vector<partition_actor> partitions, flusher_actor flusher);

// The node actor: loads <data-dir>/topics.json, opens every topic's partitions, and serves the
// node_actor interface. Returns an error text when the data directory cannot be loaded.
caf::expected<node_actor> spawn_node(caf::actor_system& sys, const node_options& options);

}  // namespace fluxo::actors
