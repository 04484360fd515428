// Every actor interface of fluxo, typed and documented in one place, plus the CAF type-ID
// block that registers atoms and message types (call `fluxo::actors::register_types(cfg)` on
// every node: CAF fails at run time with unexpected_message for unregistered types).
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

#include "actors/group/group_types.hpp"
#include "actors/messages.hpp"
#include "actors/wire.hpp"

namespace fluxo::actors {
struct flush_task;  // local only: a storage flush job and its outcome
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
CAF_END_TYPE_ID_BLOCK(fluxo)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<fluxo::actors::flush_task>)

namespace fluxo::actors {

using namespace fluxo::atoms;

// Owns one partition log. produce: acks 0/1/-1 (reply after fsync); fetch long-polls up to
// max_wait_ms for min_bytes; offsets answers ListOffsets; info gives watermarks and sizes.
// close flushes and writes the clean-shutdown marker, then the actor quits.
using partition_actor = caf::typed_actor<
    caf::replies_to<produce_atom, produce_request>::with<produce_reply>,
    caf::replies_to<fetch_atom, fetch_request>::with<fetch_reply>,
    caf::replies_to<offsets_atom, list_offsets_request>::with<list_offsets_reply>,
    caf::replies_to<info_atom>::with<partition_info>,
    caf::replies_to<alter_atom, topic_config>::with<bool>,
    caf::replies_to<close_atom>::with<bool>,
    caf::reacts_to<tick_atom>,
    caf::reacts_to<wake_atom>,
    caf::reacts_to<flushed_atom, std::shared_ptr<flush_task>>>;

// Owns the partitions of one topic and its config; routes keyed records like Kafka's murmur2
// partitioner (see partitioner.hpp); grows its partition count.
using topic_actor = caf::typed_actor<
    caf::replies_to<lookup_atom>::with<topic_info, std::vector<partition_actor>>,
    caf::replies_to<describe_atom>::with<topic_info>,
    caf::replies_to<alter_atom, topic_config>::with<topic_reply>,
    caf::replies_to<grow_atom, int32_t>::with<topic_reply>,
    // One record, routed by key (murmur2) or, without a key, to a sticky partition.
    caf::replies_to<send_atom, record_send>::with<produce_reply>,
    caf::replies_to<close_atom>::with<bool>>;

// One consumer group's coordinator: Kafka's classic group protocol (join, sync, heartbeat,
// leave), committed offsets (stored in __consumer_offsets before the commit is acknowledged),
// describe for observability. The logic is group::consumer_group; the actor only executes its
// effects (append records, deliver replies, arm the timer).
using group_actor = caf::typed_actor<
    caf::replies_to<join_atom, group::join_request>::with<group::join_reply>,
    caf::replies_to<sync_atom, group::sync_request>::with<group::sync_reply>,
    caf::replies_to<heartbeat_atom, group::heartbeat_request>::with<group::heartbeat_reply>,
    caf::replies_to<leave_atom, group::leave_request>::with<group::leave_reply>,
    caf::replies_to<commit_atom, group::offset_commit_request>::with<group::offset_commit_reply>,
    caf::replies_to<committed_atom, group::offset_fetch_request>::with<group::offset_fetch_reply>,
    caf::replies_to<describe_atom>::with<group::group_description>,
    caf::replies_to<delete_atom>::with<group::delete_group_reply>,
    caf::reacts_to<partitions_atom, topic_counts>,
    caf::reacts_to<topic_gone_atom, std::string>,
    caf::reacts_to<tick_atom, uint64_t>>;

// The node's metadata actor: the topic registry (durable in <data-dir>/topics.json) and the
// entry point for native clients on this or other nodes.
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

// Runs blocking flush jobs (fdatasync) on its own thread, one at a time, in arrival order.
using flusher_actor = caf::typed_actor<
    caf::reacts_to<flush_atom, std::shared_ptr<flush_task>, partition_actor>>;

// Registers fluxo's message types with a CAF config (call before creating the system).
void register_types(caf::actor_system_config& cfg);

}  // namespace fluxo::actors
