// Spawning partition actors and the flusher (interfaces in actor_types.hpp).
#pragma once

#include <memory>

#include "actors/actor_types.hpp"

namespace fluxo::actors {

class partition_state;

// The flusher runs fsyncs on a dedicated thread (detached actor) so disk flushes never block
// the scheduler's threads.
flusher_actor spawn_flusher(caf::actor_system& sys);

// A partition actor owning `core` (already opened). Housekeeping (retention, roll by age,
// time-based flush) runs every `tick_ms`.
partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, int64_t tick_ms = 1000);

}  // namespace fluxo::actors
