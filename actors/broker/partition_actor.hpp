// The partition actor: owns one replica of a partition (a partition_state, see
// actors/partition/partition_state.hpp) and only moves messages in and out of it. As leader it
// serves producers, consumers and the followers' fetches; as follower it fetches from the
// leader's partition actor on another node and appends what it gets.
#pragma once

#include <functional>
#include <memory>

#include "actors/broker/flusher_actor.hpp"
#include "actors/broker/type_ids.hpp"

namespace fluxo::security {
class node_sessions;
}

namespace fluxo::actors {

class partition_state;

// What a follower fetches from: the leader's partition actor (any node).
using replica_source = caf::typed_actor<
    caf::replies_to<replicate_atom, replica_fetch_request>::with<replica_fetch_reply>>;

// What a replica tells its node: ISR changes a leader wants written to the metadata store, and
// a follower whose leader's partition actor stopped answering (the node looks it up again).
using replica_node = caf::typed_actor<caf::reacts_to<isr_atom, isr_proposal>,
                                      caf::reacts_to<leader_lost_atom, std::string, int32_t>>;

// produce: acks 0/1/-1 (-1 replies once every in-sync replica fsynced it); fetch long-polls up
// to max_wait_ms for min_bytes, below the high watermark; offsets answers ListOffsets; info gives
// watermarks, sizes and the replica's role. replicate is a follower's fetch. role comes from
// the node (the leader's partition actor for a follower, else invalid). close flushes and writes
// the clean-shutdown marker, then the actor quits.
using partition_actor = caf::typed_actor<
    caf::replies_to<produce_atom, produce_request>::with<produce_reply>,
    caf::replies_to<fetch_atom, fetch_request>::with<fetch_reply>,
    caf::replies_to<offsets_atom, list_offsets_request>::with<list_offsets_reply>,
    caf::replies_to<info_atom>::with<partition_info>,
    caf::replies_to<alter_atom, topic_config>::with<bool>,
    caf::replies_to<close_atom>::with<bool>,
    caf::replies_to<replicate_atom, replica_fetch_request>::with<replica_fetch_reply>,
    // The broker's own reads up to the log end (loading consumer groups): whole batches from
    // the offset, also above the high watermark.
    caf::replies_to<scan_atom, int64_t>::with<fetch_reply>,
    caf::reacts_to<role_atom, partition_role, replica_source>,
    caf::reacts_to<isr_atom, isr_outcome>,
    caf::reacts_to<isr_atom>,  // the leader's periodic ISR check
    caf::reacts_to<tick_atom>,
    caf::reacts_to<wake_atom>,
    caf::reacts_to<pull_atom, uint64_t>,
    caf::reacts_to<flushed_atom, std::shared_ptr<flush_task>>>;

struct partition_settings {
  int64_t tick_ms = 1000;               // housekeeping (retention, roll by age, timed flush)
  // Whether this node may act as a leader now for a role given in `session` (its cluster lease
  // holds and that session is current); null = always.
  std::function<bool(int64_t session)> may_lead;
  int64_t replica_lag_max_ms = 10'000;  // a follower not caught up for this long leaves the ISR
  int32_t replica_fetch_max_bytes = 1 << 20;
  int32_t replica_fetch_wait_ms = 500;
  // Who may produce, fetch and list offsets from another node (null = everyone).
  std::shared_ptr<security::node_sessions> gate;
};

// A partition actor owning `core` (already opened; alone it leads itself until told otherwise).
// ISR changes go to `node` (may be invalid on a single node, where they never happen).
partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, int64_t tick_ms = 1000);
partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, partition_settings settings, replica_node node);

}  // namespace fluxo::actors
