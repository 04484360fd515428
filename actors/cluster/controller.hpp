// The controller's decisions, as pure functions of the metadata image: where the replicas of a
// new topic go, who leads a partition after a node's lease expired, when ISR members that died
// are dropped, when leadership goes back to the preferred replica, and the steps of a
// reassignment or a drain. The cluster agent (cluster_agent.hpp) writes what they return to the
// metadata store, each write fenced by the controller epoch and a compare on the partition's
// version, so a deposed controller or a stale decision changes nothing. No CAF, no I/O, no clock.
//
// Rules (Kafka's, KIP-455 for reassignments):
//   - a new leader comes from the ISR, in replica order, live and not draining; only a topic
//     with unclean.leader.election.enable may elect a live replica outside the ISR (its ISR is
//     then the new leader alone);
//   - every change of leader bumps the leader epoch; ISR changes alone do not;
//   - with no electable replica the partition goes offline (leader -1, epoch bumped) and keeps
//     its ISR, so the first ISR member to come back leads it again;
//   - dead replicas leave the ISR of a partition whose leader lives (the leader could not
//     count on them anyway; writing it lets the high watermark move on without them);
//   - a reassignment first adds the target replicas, then, once all of them are in the ISR,
//     drops the others (moving leadership into the target set if needed);
//   - a draining node gives up leadership, and its replicas move to other live nodes when there
//     is a node that holds no replica of the partition yet.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/cluster/metadata.hpp"

namespace fluxo::cluster {

struct controller_settings {
  bool auto_leader_rebalance = true;
};

// One partition record the controller wants written in place of the version it read.
struct partition_change {
  partition_key key;
  partition_record next;
  int64_t expected_version = 0;
  std::string reason;  // for logs and metrics: "leader lost", "isr shrink", "preferred", ...
  bool leader_changed = false;
};

// Replica sets for partitions [first, first + count) of a topic over `nodes` (sorted ids), RF
// each, spread like Kafka's rack-unaware assignment: consecutive partitions start on
// consecutive nodes and followers are shifted so no two partitions share the same follower
// order. The first node is the one leading the fewest partitions now (`leaders_per_node`), so
// leadership stays balanced across topics. `seed` breaks ties and picks the shift.
std::vector<std::vector<node_id>> assign_replicas(const std::vector<node_id>& nodes, int32_t first, int32_t count,
                                                  int32_t replication_factor,
                                                  const std::map<node_id, int32_t>& leaders_per_node, uint64_t seed);

// Preferred leaders per node over the image (replicas[0] of every partition).
std::map<node_id, int32_t> preferred_leader_counts(const metadata_image& image);

// The leader a partition should get now, or nullopt if none is electable. `avoid` are nodes
// that must not lead (dead, draining).
std::optional<node_id> elect_leader(const partition_record& p, const std::set<node_id>& live,
                                    const std::set<node_id>& avoid, bool unclean_allowed);

// Everything the controller should change now, at most one change per partition.
std::vector<partition_change> decide(const metadata_image& image, int64_t controller_epoch,
                                     const controller_settings& settings);

// Preferred-replica elections only (fluxo cluster elect-leaders).
std::vector<partition_change> preferred_elections(const metadata_image& image, int64_t controller_epoch);

// The replication factor a new topic gets: `requested`, or min(3, live nodes) for -1.
int32_t effective_replication_factor(int32_t requested, std::size_t live_nodes);

}  // namespace fluxo::cluster
