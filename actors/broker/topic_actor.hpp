// The topic actor: one topic on this node. It holds the handles of the topic's partition
// replicas on this node (the node opens and closes them), describes them, and routes single
// records like Kafka's murmur2 partitioner (see actors/common/partitioner.hpp) to the partitions
// this node leads.
#pragma once

#include <string>
#include <vector>

#include "actors/broker/node_options.hpp"
#include "actors/broker/partition_actor.hpp"

namespace fluxo::actors {

using topic_actor = caf::typed_actor<
    // Log statistics of the partitions this node holds (others keep their number, zeros).
    caf::replies_to<describe_atom>::with<topic_info>,
    // New config for every local partition.
    caf::replies_to<alter_atom, topic_config>::with<topic_reply>,
    // The local partition handles (index = partition; invalid where this node has none).
    caf::reacts_to<partitions_atom, std::vector<partition_actor>, topic_config>,
    // One record, routed by key (murmur2) or, without a key, to a sticky partition.
    caf::replies_to<send_atom, record_send>::with<produce_reply>,
    caf::replies_to<close_atom>::with<bool>>;

topic_actor spawn_topic(caf::actor_system& sys, std::string name, topic_config cfg,
                        std::vector<partition_actor> partitions);

}  // namespace fluxo::actors
