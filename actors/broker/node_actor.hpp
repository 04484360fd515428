// The node actor: the node's metadata (the topic registry, durable in <data-dir>/topics.json),
// the owner of its topic and group actors, and the entry point for native clients on this or
// other nodes.
#pragma once

#include <string>
#include <vector>

#include "actors/broker/group_actor.hpp"
#include "actors/broker/node_options.hpp"
#include "actors/broker/partition_actor.hpp"

namespace fluxo::actors {

using node_actor = caf::typed_actor<
    caf::replies_to<create_atom, create_topic_request>::with<topic_reply>,
    caf::replies_to<delete_atom, std::string>::with<topic_reply>,
    caf::replies_to<list_atom>::with<topic_list>,
    caf::replies_to<describe_atom, std::string>::with<topic_info>,
    caf::replies_to<alter_atom, std::string, topic_config>::with<topic_reply>,
    caf::replies_to<grow_atom, std::string, int32_t>::with<topic_reply>,
    // Partitions of a topic (auto-created with defaults when the node allows it).
    caf::replies_to<lookup_atom, std::string>::with<topic_info, std::vector<partition_actor>>,
    caf::replies_to<producer_atom>::with<producer_id_reply>,
    // The coordinator of a consumer group (created on first use).
    caf::replies_to<coordinator_atom, std::string>::with<group_actor>,
    // The coordinator of an existing group; an invalid handle when there is none (admin tools
    // ask this so that looking at a group never creates it).
    caf::replies_to<coordinator_atom, std::string, bool>::with<group_actor>,
    caf::replies_to<groups_atom>::with<group::group_list>,
    caf::replies_to<node_atom>::with<node_info>,
    caf::replies_to<close_atom>::with<bool>>;

// The node actor: loads <data-dir>/topics.json, opens every topic's partitions, and serves the
// node_actor interface. Returns an error text when the data directory cannot be loaded.
caf::expected<node_actor> spawn_node(caf::actor_system& sys, const node_options& options);

}  // namespace fluxo::actors
