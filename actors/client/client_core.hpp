// Internals shared by the client's connection, producer and consumer (includes CAF).
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "actors/broker/node_actor.hpp"
#include "actors/client/client.hpp"
#include "actors/common/kafka_error.hpp"

namespace fluxo::client {

struct client_core {
  std::unique_ptr<caf::actor_system_config> cfg;  // null when attached to a host's system
  std::unique_ptr<caf::actor_system> owned_sys;   // null when attached to a host's system
  caf::actor_system* sys = nullptr;               // the system the client's actors run in
  actors::node_actor node;
  bool embedded = false;
  std::chrono::milliseconds timeout{30000};
};

// Partition actors of a topic, looked up through the node (auto-creating if it allows).
struct topic_route {
  status st;
  actors::topic_info info;
  std::vector<actors::partition_actor> partitions;
};
topic_route lookup_topic(client_core& core, const std::string& topic);

status transport_error(caf::actor_system& sys, const caf::error& err);

std::unique_ptr<producer> make_producer_impl(std::shared_ptr<client_core> core, const producer_options& opts);
std::unique_ptr<consumer> make_consumer_impl(std::shared_ptr<client_core> core, const consumer_options& opts);

}  // namespace fluxo::client
