// Where a topic's partitions are led, across a cluster, for the client's actors: the node the
// client connected to names the leaders (its metadata image); the client connects to each
// leader's node itself and takes that node's partition actors, so records go to and come from
// leaders directly, never through the node it connected to. A partition whose leader is not
// known or not reachable gets an invalid handle: callers retry after a backoff with a fresh
// resolve, which is also how they follow a leadership change. Includes CAF (internal header).
#pragma once

#include <functional>
#include <memory>
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

// Forgets the connection to a member whose node went away (a down message from one of its
// actors), so that the next lookup connects again instead of asking a dead node.
void forget_node(client_core& core, const caf::node_id& node);

// The coordinator of a consumer group, on whichever node leads its partition of
// __consumer_offsets (created with `create`; an invalid handle for an unknown group without it).
void find_coordinator(caf::event_based_actor* self, std::shared_ptr<client_core> core, const std::string& group_id,
                      bool create, std::function<void(caf::expected<actors::group_actor>)> fn);
// The same from a blocking caller (the connection's admin calls, consumer::committed).
caf::expected<actors::group_actor> find_coordinator_blocking(client_core& core, const std::string& group_id, bool create);

}  // namespace fluxo::client
