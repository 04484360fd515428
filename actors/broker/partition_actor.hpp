// The partition actor: owns one replica of a partition (a partition_state, see
// actors/partition/partition_state.hpp) and only moves messages in and out of it. As leader it
// serves producers, consumers and the followers' fetches; as follower it fetches from the
// leader's partition actor on another node and appends what it gets.
#pragma once

#include <memory>

#include "actors/broker/flusher_actor.hpp"
#include "actors/broker/type_ids.hpp"

namespace fluxo::actors {

class partition_state;

// What a follower fetches from: the leader's partition actor (any node).
using replica_source = caf::typed_actor<
    caf::replies_to<replicate_atom, replica_fetch_request>::with<replica_fetch_reply>>;

// Where a leader sends the ISR changes it wants written to the metadata store: its node.
using isr_sink = caf::typed_actor<caf::reacts_to<isr_atom, isr_proposal>>;

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
    caf::reacts_to<role_atom, partition_role, replica_source>,
    caf::reacts_to<isr_atom, isr_outcome>,
    caf::reacts_to<isr_atom>,  // the leader's periodic ISR check
    caf::reacts_to<tick_atom>,
    caf::reacts_to<wake_atom>,
    caf::reacts_to<pull_atom, uint64_t>,
    caf::reacts_to<flushed_atom, std::shared_ptr<flush_task>>>;

struct partition_settings {
  int64_t tick_ms = 1000;               // housekeeping (retention, roll by age, timed flush)
  int64_t replica_lag_max_ms = 10'000;  // a follower not caught up for this long leaves the ISR
  int32_t replica_fetch_max_bytes = 1 << 20;
  int32_t replica_fetch_wait_ms = 500;
};

// A partition actor owning `core` (already opened), in the role given (a partition alone leads
// itself). ISR changes go to `node` (may be invalid on a single node, where they never happen).
partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, int64_t tick_ms = 1000);
partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, partition_settings settings, isr_sink node);

}  // namespace fluxo::actors
