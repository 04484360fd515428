// CAF type IDs of fluxo: every atom and message type of the broker's actor interfaces, in one
// block (call `fluxo::actors::register_types(cfg)` on every node: CAF fails at run time with
// unexpected_message for unregistered types). The interfaces themselves live one per header:
//
//   partition_actor.hpp   one partition log: produce, fetch (long-poll), offsets
//   topic_actor.hpp       the partitions of one topic, keyed routing, growth
//   group_actor.hpp       one consumer group's coordinator
//   node_actor.hpp        the node's metadata and the entry point for clients
//   flusher_actor.hpp     fsync jobs off the scheduler threads
//
// Who talks to whom:
//   client / Kafka listener --> node_actor        topics (create/delete/list/describe/alter),
//                                                 partition lookup, producer ids, group lookup
//   client / Kafka listener --> partition_actor   produce, fetch (long-poll), list offsets
//   node_actor              --> topic_actor       owns the partitions of one topic
//   client / Kafka listener --> group_actor       consumer groups and committed offsets
//   group_actor             --> partition_actor   records of __consumer_offsets
//   partition_actor         --> flusher_actor     fsync jobs off the scheduler threads
//
// Every request from another node must carry a timeout (see client code); replies carry Kafka
// error codes for domain errors.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/broker/broker_messages.hpp"
#include "actors/broker/msgpack_inspect.hpp"
#include "actors/group/group_types.hpp"

namespace fluxo::actors {
struct flush_task;         // local only: a storage flush job and its outcome
struct node_continuation;  // local only: what the node does once the cluster agent finished a job
struct node_options;       // local only: start-up settings
}
namespace fluxo::cluster {
class metadata_image;  // local only: the node's view of the cluster, from the cluster agent
}

CAF_BEGIN_TYPE_ID_BLOCK(fluxo, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::topic_config))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::create_topic_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::topic_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::partition_info))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::topic_info))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::topic_list))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::node_info))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::produce_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::produce_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::fetch_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::fetch_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::list_offsets_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::list_offsets_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::producer_id_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::record_send))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::join_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::join_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::sync_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::sync_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::heartbeat_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::heartbeat_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::leave_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::leave_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::offset_commit_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::offset_commit_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::offset_fetch_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::offset_fetch_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::group_description))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::group_overview))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::group_list))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::group::delete_group_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::topic_counts))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::replica_fetch_request))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::replica_fetch_reply))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::partition_role))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::isr_proposal))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::isr_outcome))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::cluster_node))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::cluster_info))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::cluster_metadata))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::coordinator_location))
  CAF_ADD_TYPE_ID(fluxo, (fluxo::actors::reassign_request))
  CAF_ADD_ATOM(fluxo, fluxo::atoms, produce_atom, "produce")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, fetch_atom, "fetch")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, offsets_atom, "offsets")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, info_atom, "info")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, tick_atom, "tick")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, flush_atom, "flush")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, flushed_atom, "flushed")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, close_atom, "close")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, create_atom, "create")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, delete_atom, "delete")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, list_atom, "list")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, describe_atom, "describe")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, alter_atom, "alter")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, grow_atom, "grow")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, lookup_atom, "lookup")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, producer_atom, "producerid")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, node_atom, "node")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, wake_atom, "wake")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, send_atom, "send")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, join_atom, "join")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, sync_atom, "sync")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, heartbeat_atom, "heartbeat")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, leave_atom, "leave")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, commit_atom, "commit")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, committed_atom, "committed")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, coordinator_atom, "coord")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, groups_atom, "groups")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, partitions_atom, "partitions")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, topic_gone_atom, "topicgone")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, replicate_atom, "replicate")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, role_atom, "role")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, isr_atom, "isr")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, pull_atom, "pull")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, scan_atom, "scan")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, leader_lost_atom, "leaderlost")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, metadata_atom, "metadata")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, cluster_atom, "cluster")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, locate_atom, "locate")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, replica_atom, "replica")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, local_atom, "local")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, reassign_atom, "reassign")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, elect_atom, "elect")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, drain_atom, "drain")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, image_atom, "image")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, session_atom, "session")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, done_atom, "done")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, start_atom, "start")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, hello_atom, "hello")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, peer_atom, "peer")
  CAF_ADD_ATOM(fluxo, fluxo::atoms, auth_atom, "auth")
CAF_END_TYPE_ID_BLOCK(fluxo)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<fluxo::actors::flush_task>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<fluxo::actors::node_continuation>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const fluxo::cluster::metadata_image>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const fluxo::actors::node_options>)

namespace fluxo::actors {

using namespace fluxo::atoms;

// Registers fluxo's message types and actor handle types with a CAF config (call before
// creating the system).
void register_types(caf::actor_system_config& cfg);

}  // namespace fluxo::actors
