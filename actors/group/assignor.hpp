// Partition assignors for server-side assignment (native "fluxo" groups). Pure functions:
// (members with their subscriptions, topic partition counts[, previous assignment]) ->
// member id -> partitions.
//
// Guarantees of every assignor here:
//  - every member appears in the result (possibly with no partitions);
//  - a partition goes to at most one member, and only to a member subscribed to its topic;
//  - every partition of a subscribed topic with a known, positive count is assigned;
//  - topics missing from the counts are skipped (no metadata yet), as Kafka's assignors do;
//  - the result is deterministic (independent of input order) and lists are sorted.
//
// range:      Kafka's RangeAssignor. Per topic, subscribed members sorted by id; member i gets a
//             contiguous run of n/m partitions, the first n%m members one more.
// roundrobin: Kafka's RoundRobinAssignor. All partitions sorted by (topic, partition) are dealt
//             in turn to the members sorted by id, skipping members not subscribed to the topic.
// sticky:     keeps each partition with its previous owner when that owner is still present,
//             subscribed, and not above its fair share, then places the rest on the least loaded
//             subscriber, then moves partitions from the most to the least loaded eligible member
//             until no move would narrow the gap (with equal subscriptions: counts differ by at
//             most one). Not Kafka's StickyAssignor algorithm, but the same two goals.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/group/consumer_protocol.hpp"

namespace fluxo::group {

struct assignor_member {
  std::string member_id;
  std::vector<std::string> topics;
};

using topic_partition_counts = std::map<std::string, int32_t>;
using assignment_map = std::map<std::string, partition_list>;  // member id -> partitions

assignment_map assign_range(const std::vector<assignor_member>& members,
                            const topic_partition_counts& counts);
assignment_map assign_roundrobin(const std::vector<assignor_member>& members,
                                 const topic_partition_counts& counts);
assignment_map assign_sticky(const std::vector<assignor_member>& members,
                             const topic_partition_counts& counts,
                             const assignment_map& previous);

// Names members put in JoinGroup protocols: "range", "roundrobin", "sticky".
bool is_known_assignor(std::string_view name);
// Runs the assignor called `name`; nullopt for an unknown name.
std::optional<assignment_map> run_assignor(std::string_view name,
                                           const std::vector<assignor_member>& members,
                                           const topic_partition_counts& counts,
                                           const assignment_map& previous);

}  // namespace fluxo::group
