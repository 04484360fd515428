// Kafka's ConsumerProtocol payloads: the bytes inside JoinGroup protocol metadata (Subscription)
// and SyncGroup assignments (Assignment) of groups with protocol type "consumer".
//
// fluxo's native consumers (protocol type "fluxo") use the same layout, version 0, so one codec
// serves both and the console can show any member's subscription and assignment:
//   Subscription v0: version i16 | topics: i32 count, (i16 len + bytes)* | user_data: i32 len
//                    (-1 = null) + bytes.   v1+ append owned partitions etc.: ignored on decode.
//   Assignment v0:   version i16 | i32 count, (topic: i16 len + bytes, i32 count, i32 partition*)*
//                    | user_data: i32 len (-1 = null) + bytes.   v1+: the same prefix.
// Big-endian, as everything in the Kafka protocol. Decoders reject truncated input.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/group/group_types.hpp"

namespace fluxo::group {

struct subscription {
  std::vector<std::string> topics;
  bytes user_data;
  bool operator==(const subscription&) const = default;
};

// Partitions of one member, sorted by (topic, partition).
using partition_list = std::vector<topic_partition>;

bytes encode_subscription(const subscription& s);
std::optional<subscription> decode_subscription(const bytes& b);

bytes encode_assignment(const partition_list& partitions, const bytes& user_data = {});
// The partitions of an assignment, sorted; an empty input decodes as an empty assignment
// (Kafka sends empty bytes to members that got nothing).
std::optional<partition_list> decode_assignment(const bytes& b);

}  // namespace fluxo::group
