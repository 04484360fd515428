// One consumer group's coordinator: Kafka's classic group protocol (join, sync, heartbeat,
// leave), committed offsets (stored in __consumer_offsets before the commit is acknowledged),
// describe for observability. The logic is group::consumer_group (actors/group/); the actor
// only executes its effects (append records, deliver replies, arm the timer).
#pragma once

#include <memory>
#include <string>

#include "actors/broker/partition_actor.hpp"

namespace fluxo::group {
class consumer_group;
}

namespace fluxo::actors {

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

// The coordinator for `core` (fresh, or rebuilt by replaying __consumer_offsets); records are
// appended to `offsets` with acks=all before the replies that depend on them are sent.
// Requests from other CAF nodes pass `gate` (node_gate.hpp; null = everyone): READ on the group
// to take part in it, DESCRIBE to look at it, DELETE to delete it, READ on each topic whose
// offsets are committed (per partition 29 otherwise), DESCRIBE on the topics fetched.
group_actor spawn_group(caf::actor_system& sys, std::shared_ptr<group::consumer_group> core, partition_actor offsets,
                        topic_counts counts, std::shared_ptr<security::node_sessions> gate = nullptr);

// The internal topic holding committed offsets and group metadata (compacted).
inline constexpr const char* consumer_offsets_topic = "__consumer_offsets";

}  // namespace fluxo::actors
