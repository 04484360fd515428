// The topic actor: owns the partitions of one topic and its config; routes keyed records like
// Kafka's murmur2 partitioner (see actors/common/partitioner.hpp); grows its partition count.
#pragma once

#include <string>
#include <vector>

#include "actors/broker/node_options.hpp"
#include "actors/broker/partition_actor.hpp"

namespace fluxo::actors {

using topic_actor = caf::typed_actor<
    caf::replies_to<lookup_atom>::with<topic_info, std::vector<partition_actor>>,
    caf::replies_to<describe_atom>::with<topic_info>,
    caf::replies_to<alter_atom, topic_config>::with<topic_reply>,
    caf::replies_to<grow_atom, int32_t>::with<topic_reply>,
    // One record, routed by key (murmur2) or, without a key, to a sticky partition.
    caf::replies_to<send_atom, record_send>::with<produce_reply>,
    caf::replies_to<close_atom>::with<bool>>;

// A topic actor owning the given partition actors (see spawn_partition).
topic_actor spawn_topic(caf::actor_system& sys, const node_options& node, std::string name, topic_config cfg,
                        std::vector<partition_actor> partitions, flusher_actor flusher);

}  // namespace fluxo::actors
