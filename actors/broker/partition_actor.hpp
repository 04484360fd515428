// The partition actor: owns one partition log (a partition_state, see
// actors/partition/partition_state.hpp) and only moves messages in and out of it.
#pragma once

#include <memory>

#include "actors/broker/flusher_actor.hpp"
#include "actors/broker/type_ids.hpp"

namespace fluxo::actors {

class partition_state;

// produce: acks 0/1/-1 (reply after fsync); fetch long-polls up to max_wait_ms for min_bytes;
// offsets answers ListOffsets; info gives watermarks and sizes. close flushes and writes the
// clean-shutdown marker, then the actor quits.
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

// A partition actor owning `core` (already opened). Housekeeping (retention, roll by age,
// time-based flush) runs every `tick_ms`.
partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, int64_t tick_ms = 1000);

}  // namespace fluxo::actors
