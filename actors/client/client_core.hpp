// Internals shared by the client's connection, producer and consumer (includes CAF).
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "actors/broker/node_actor.hpp"
#include "actors/client/client.hpp"
#include "actors/common/kafka_error.hpp"

namespace fluxo::client {

struct client_core {
  ~client_core() {
    if (session) caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
  }
  std::unique_ptr<caf::actor_system_config> cfg;  // null when attached to a host's system
  std::unique_ptr<caf::actor_system> owned_sys;   // null when attached to a host's system
  caf::actor_system* sys = nullptr;               // the system the client's actors run in
  actors::node_actor node;                        // the node the client connected to
  bool embedded = false;
  std::chrono::milliseconds timeout{30000};
  // The login for nodes that require one (login.hpp), and the actor whose life is the session's
  // on every node logged in to (ends with the core).
  struct login_credentials {
    std::string user;
    std::string password;
    std::string mechanism;
  } credentials;
  caf::actor session;

  // Other members of the cluster, connected on first use (see routing.hpp). Shared by the
  // client's actors, which run on different threads.
  struct member {
    std::string host;
    int32_t port = 0;
    actors::node_actor handle;
  };
  std::mutex members_mtx;
  std::map<int32_t, member> members;
  int32_t connected_id = -1;  // the id of `node`, once known
};

// Partition actors of a topic, looked up through the node (auto-creating if it allows).
struct topic_route {
  status st;
  actors::topic_info info;
  std::vector<actors::partition_actor> partitions;
};
topic_route lookup_topic(std::shared_ptr<client_core> core, const std::string& topic);

status transport_error(caf::actor_system& sys, const caf::error& err);

std::unique_ptr<producer> make_producer_impl(std::shared_ptr<client_core> core, const producer_options& opts);
std::unique_ptr<consumer> make_consumer_impl(std::shared_ptr<client_core> core, const consumer_options& opts);

}  // namespace fluxo::client
