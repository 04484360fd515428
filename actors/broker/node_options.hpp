// Settings of a node (broker) that its actors need. No CAF.
#pragma once

#include <cstdint>
#include <string>

#include "actors/broker/broker_messages.hpp"

namespace fluxo::actors {

struct node_options {
  std::string data_dir = "./fluxo-data";
  int32_t node_id = 0;
  std::string host = "127.0.0.1";  // what clients should use to reach this node
  int32_t port = 4242;
  bool auto_create_topics = true;
  topic_config default_topic;       // used for auto-created topics and as create defaults
  int64_t tick_ms = 1000;           // housekeeping period of partitions
};

}  // namespace fluxo::actors
