// The node actor: this node's view of the cluster's metadata (an image kept current by the
// cluster agent, see actors/cluster/cluster_agent.hpp), the owner of its partition replicas,
// topic actors and group coordinators, and the entry point for native clients, the Kafka
// listener and the HTTP API on this or other nodes. One node on its own is the same code with
// a local metadata store (topics.json) where it leads everything.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/broker/group_actor.hpp"
#include "actors/broker/node_options.hpp"
#include "actors/broker/partition_actor.hpp"

namespace fluxo::actors {

using node_actor = caf::typed_actor<
    // Start-up (see start_node): "" or what went wrong.
    caf::replies_to<start_atom, std::shared_ptr<const node_options>>::with<std::string>,
    // Topics. create/delete/alter/grow answer once this node's image shows the change.
    caf::replies_to<create_atom, create_topic_request>::with<topic_reply>,
    caf::replies_to<delete_atom, std::string>::with<topic_reply>,
    caf::replies_to<list_atom>::with<topic_list>,
    caf::replies_to<describe_atom, std::string>::with<topic_info>,
    caf::replies_to<alter_atom, std::string, topic_config>::with<topic_reply>,
    caf::replies_to<grow_atom, std::string, int32_t>::with<topic_reply>,
    // Partitions of a topic (auto-created with defaults when the node allows it): placement
    // for every partition, and the partition actors of the partitions this node leads (invalid
    // handles for the others: ask their leaders' nodes).
    caf::replies_to<lookup_atom, std::string>::with<topic_info, std::vector<partition_actor>>,
    caf::replies_to<producer_atom>::with<producer_id_reply>,
    // The coordinator of a consumer group (created on first use) when this node coordinates it;
    // an error otherwise (see locate).
    caf::replies_to<coordinator_atom, std::string>::with<group_actor>,
    // The coordinator of an existing group; an invalid handle when there is none (admin tools
    // ask this so that looking at a group never creates it).
    caf::replies_to<coordinator_atom, std::string, bool>::with<group_actor>,
    caf::replies_to<groups_atom>::with<group::group_list>,
    caf::replies_to<groups_atom, bool>::with<group::group_list>,  // true: this node's groups only
    caf::replies_to<node_atom>::with<node_info>,
    caf::replies_to<close_atom>::with<bool>,
    // The cluster: members and controller; placement of topics (all when the flag says so,
    // auto-created when the second flag allows); where a group's coordinator runs.
    caf::replies_to<cluster_atom>::with<cluster_info>,
    caf::replies_to<metadata_atom, std::vector<std::string>, bool, bool>::with<cluster_metadata>,
    caf::replies_to<locate_atom, std::string>::with<coordinator_location>,
    // Between nodes: this node's replica of a partition (for followers), its leader replicas
    // with their log statistics (for cluster-wide describe/list).
    caf::replies_to<replica_atom, std::string, int32_t>::with<partition_actor>,
    caf::replies_to<local_atom>::with<topic_list>,
    // A node with a lower id, which has just connected, introduces itself (its sender is its
    // node actor): between two nodes only the lower id dials (see with_peer).
    caf::reacts_to<hello_atom, int32_t>,
    // This node's connection to a peer (local only: for clients attached to this node, which
    // must not dial the peer a second time); null when it cannot be reached.
    caf::replies_to<peer_atom, int32_t>::with<caf::strong_actor_ptr>,
    // A native client's login (SCRAM-SHA-256/512, see node_login.cpp): (mechanism, client
    // message, the client's session actor) -> the server message; the second step binds the
    // client's CAF node to the user until that session actor goes down. Failures are refusals
    // (node_gate.hpp).
    caf::replies_to<auth_atom, std::string, std::string, caf::actor>::with<std::string>,
    // Operations: move a partition's replicas, move leadership back to preferred replicas,
    // drain a node (or stop draining it).
    caf::replies_to<reassign_atom, reassign_request>::with<topic_reply>,
    caf::replies_to<elect_atom>::with<topic_reply>,
    caf::replies_to<drain_atom, int32_t, bool>::with<topic_reply>,
    // From this node's partition replicas and cluster agent (local only).
    caf::reacts_to<isr_atom, isr_proposal>,
    caf::reacts_to<leader_lost_atom, std::string, int32_t>,
    caf::reacts_to<image_atom, std::shared_ptr<const cluster::metadata_image>>,
    caf::reacts_to<session_atom, bool>,
    caf::reacts_to<done_atom, std::shared_ptr<node_continuation>>,
    caf::reacts_to<tick_atom>>;

// The node in two steps. spawn_node_actor creates the actor; start_node opens its metadata
// store (local files, or etcd for options.cluster_store), joins the cluster and opens every
// partition it holds. Joining needs the node's own addresses, so a broker publishes the actor
// and binds its listeners in between. start_node returns an error text when the store or the
// data directory cannot be used (a duplicate node id, a data dir of another cluster, an
// unreachable etcd...); the actor has then quit.
node_actor spawn_node_actor(caf::actor_system& sys);
std::string start_node(caf::actor_system& sys, const node_actor& node, const node_options& options);

// Both steps (an embedded broker).
caf::expected<node_actor> spawn_node(caf::actor_system& sys, const node_options& options);

}  // namespace fluxo::actors
