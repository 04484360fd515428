// The node's agent in the metadata store: it keeps the node's session alive, follows the
// store and hands every new metadata image to the node, campaigns for the controller role and,
// while it holds it, applies the controller's decisions (controller.hpp). Writes the node asks
// for (topics, ISR changes, drains) run on the agent too, so nothing on an actor thread ever
// blocks on the store. No CAF: the node passes callbacks that send it messages.
//
//   threaded agent (cluster, kv_metadata_store over etcd): two threads. The follower thread
//     blocks in store.follow() and publishes each changed image; the worker thread runs
//     submitted work, keep-alives (every TTL/4), the campaign and the controller loop.
//   inline agent (one node, local_metadata_store): no threads; work runs at once on the
//     caller's thread and the image is refreshed right after.
//
// Session rules: a keep-alive answered "not found" means the store ended the session (the
// lease expired): the node is told (on_session(false)), must stop leading, and the agent joins
// again with a new lease. A store that cannot be reached is not a lost session (etcd may be
// restarting): the node keeps serving with the metadata it has, but lease_deadline() tells it
// when the lease may have expired, after which a leader must refuse writes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <limits>
#include <string>

#include "actors/cluster/controller.hpp"
#include "actors/cluster/metadata_store.hpp"

namespace fluxo::cluster {

using image_ptr = std::shared_ptr<const metadata_image>;

struct agent_settings {
  node_record self;
  int64_t lease_ttl_seconds = 2;
  controller_settings controller;
  std::chrono::milliseconds follow_wait{250};    // longest block in one watch call
  std::chrono::milliseconds controller_tick{500};  // periodic decisions (preferred leaders)
  std::string cluster_id;  // the data dir's cluster id ("" = none yet: adopt the store's)
  // How long joining keeps trying while the store cannot be reached (a node started while etcd
  // restarts, or a connection dropped mid-request), before the node gives up starting.
  std::chrono::milliseconds join_retry{30000};
};

struct agent_callbacks {
  std::function<void(image_ptr)> on_image;       // a new image (any thread)
  std::function<void(bool live)> on_session;     // the session was lost / is back
  std::function<void(const std::string&)> on_cluster_id;  // the cluster's id, once known
};

class cluster_agent {
 public:
  virtual ~cluster_agent() = default;
  // Work for the store, run in order on the agent (the image is the agent's latest).
  using work = std::function<void(metadata_store&, const metadata_image&)>;
  virtual void submit(work w) = 0;
  // Asks the controller to move leadership to preferred replicas now (next tick).
  virtual void request_preferred_elections() = 0;
  // Ends the session (the lease is revoked: other nodes see this node leave at once).
  virtual void stop() = 0;
  virtual bool is_local() const = 0;
  // Steady-clock milliseconds until which this node's lease surely holds (shared, so actors
  // can read it without the agent).
  virtual std::shared_ptr<const std::atomic<int64_t>> lease_deadline() const = 0;
  // Bumped whenever the session is lost: a leadership given in an older session is void even
  // once the lease holds again, until the node gives it anew from metadata that caught up.
  virtual std::shared_ptr<const std::atomic<int64_t>> session_generation() const = 0;
  virtual image_ptr image() const = 0;
  // Counters for metrics.
  virtual uint64_t controller_changes() const = 0;
  virtual uint64_t leader_elections() const = 0;
};

// Joins the store (refusing a duplicate node id or a data dir of another cluster), loads the
// image, and starts the agent. nullptr and *error set on failure.
std::unique_ptr<cluster_agent> start_threaded_agent(std::unique_ptr<metadata_store> store, agent_settings settings,
                                                    agent_callbacks callbacks, std::string* error);
std::unique_ptr<cluster_agent> start_inline_agent(std::unique_ptr<metadata_store> store, agent_settings settings,
                                                  agent_callbacks callbacks, std::string* error);

int64_t steady_now_ms();

}  // namespace fluxo::cluster
