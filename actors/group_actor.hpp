// Spawning group coordinator actors (interface in actor_types.hpp).
#pragma once

#include <memory>

#include "actors/actor_types.hpp"

namespace fluxo::group {
class consumer_group;
}

namespace fluxo::actors {

// The coordinator for `core` (fresh, or rebuilt by replaying __consumer_offsets); records are
// appended to `offsets` with acks=all before the replies that depend on them are sent.
group_actor spawn_group(caf::actor_system& sys, std::shared_ptr<group::consumer_group> core, partition_actor offsets,
                        topic_counts counts);

// The internal topic holding committed offsets and group metadata (compacted).
inline constexpr const char* consumer_offsets_topic = "__consumer_offsets";

}  // namespace fluxo::actors
