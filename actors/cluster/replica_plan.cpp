#include "actors/cluster/replica_plan.hpp"

#include <cstdlib>

namespace fluxo::cluster {

std::vector<local_replica> plan_local_replicas(const metadata_image& image, node_id self) {
  std::vector<local_replica> out;
  for (const auto& [key, p] : image.partitions) {
    if (!p.is_replica(self)) continue;
    auto topic = image.topics.find(key.topic);
    if (topic == image.topics.end()) continue;
    local_replica r;
    r.key = key;
    r.config = topic->second.config;
    r.role.self = self;
    r.role.leader = p.leader;
    r.role.leader_epoch = p.leader_epoch;
    r.role.replicas = p.replicas;
    r.role.isr = p.isr;
    r.role.version = p.version;
    const auto rf = r.config.replication_factor > 0 ? r.config.replication_factor
                                                    : static_cast<int32_t>(p.replicas.size());
    r.role.min_insync = r.config.effective_min_insync(rf);
    out.push_back(std::move(r));
  }
  return out;
}

int32_t java_string_hash(const std::string& s) {
  // Java's String.hashCode over UTF-16 code units; group ids are ASCII in practice, and for
  // other bytes we hash the bytes (a stable choice, documented).
  uint32_t h = 0;
  for (unsigned char c : s) h = 31 * h + c;
  return static_cast<int32_t>(h);
}

int32_t offsets_partition_for(const std::string& group_id, int32_t partitions) {
  if (partitions <= 0) return 0;
  auto h = java_string_hash(group_id);
  // Kafka: Utils.abs(hashCode) % n, where abs(Integer.MIN_VALUE) is 0.
  int32_t a = h == INT32_MIN ? 0 : std::abs(h);
  return a % partitions;
}

actors::partition_info placement_info(int32_t partition, const partition_record& p) {
  actors::partition_info info;
  info.partition = partition;
  info.leader_node = p.leader;
  info.leader_epoch = p.leader_epoch;
  info.replicas = p.replicas;
  info.isr = p.isr;
  info.target_replicas = p.target_replicas;
  return info;
}

}  // namespace fluxo::cluster
