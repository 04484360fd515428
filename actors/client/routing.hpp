// Where a topic's partitions are led, across a cluster, for the client's actors: the node the
// client connected to names the leaders (its metadata image); the client connects to each
// leader's node itself and takes that node's partition actors, so records go to and come from
// leaders directly, never through the node it connected to. A partition whose leader is not
// known or not reachable gets an invalid handle: callers retry after a backoff with a fresh
// resolve, which is also how they follow a leadership change. Includes CAF (internal header).
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "actors/client/client_core.hpp"

namespace fluxo::client {

// Resolves `topic` (auto-created when the broker allows it) and calls fn on self's thread.
void resolve_topic(caf::event_based_actor* self, std::shared_ptr<client_core> core, const std::string& topic,
                   std::function<void(topic_route)> fn);

// The node actor of cluster member `id` (connecting once, then cached in core); fn gets an
// invalid handle when it cannot be reached.
void member_node(caf::event_based_actor* self, std::shared_ptr<client_core> core, int32_t id,
                 std::function<void(actors::node_actor)> fn);

// Leaders a producer or consumer sends to are monitored once each: CAF answers nothing for a
// request to an actor whose node died, so without the down message a request would wait out
// its timeout. leader_gone() (from the down handler) forgets the leader and the connection to
// its node, so that the next lookup connects again instead of asking a dead node.
void watch_leader(caf::event_based_actor* self, std::set<caf::actor_addr>& watched, const actors::partition_actor& leader);
void leader_gone(client_core& core, std::set<caf::actor_addr>& watched, const caf::down_msg& dm);

// The coordinator of a consumer group, on whichever node leads its partition of
// __consumer_offsets (created with `create`; an invalid handle for an unknown group without it).
void find_coordinator(caf::event_based_actor* self, std::shared_ptr<client_core> core, const std::string& group_id,
                      bool create, std::function<void(caf::expected<actors::group_actor>)> fn);
// The same from a blocking caller (the connection's admin calls, consumer::committed).
caf::expected<actors::group_actor> find_coordinator_blocking(client_core& core, const std::string& group_id, bool create);

}  // namespace fluxo::client
