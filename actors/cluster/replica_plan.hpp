// What one node should be doing according to a metadata image: which partition replicas it
// holds and in which role, and which node coordinates a consumer group. Pure.
#pragma once

#include <string>
#include <vector>

#include "actors/cluster/metadata.hpp"

namespace fluxo::cluster {

struct local_replica {
  partition_key key;
  actors::partition_role role;
  actors::topic_config config;
};

// Every partition that has `self` among its replicas (a reassignment's new replicas included),
// with the role the node gives its replica. min.insync.replicas follows the topic's config
// and replication factor.
std::vector<local_replica> plan_local_replicas(const metadata_image& image, node_id self);

// The partition of __consumer_offsets that holds a group: abs(Java String.hashCode) % count,
// as Kafka places groups (its leader is the group's coordinator).
int32_t offsets_partition_for(const std::string& group_id, int32_t partitions);
int32_t java_string_hash(const std::string& s);

// The partition_info of a partition as the image has it (placement only, no log statistics).
actors::partition_info placement_info(int32_t partition, const partition_record& p);

}  // namespace fluxo::cluster
