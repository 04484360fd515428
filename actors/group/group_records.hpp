// Encoding of group records for the internal compacted topic __consumer_offsets.
//
// A record is a Kafka record key + value. Compaction keeps the last value per key, so the key
// holds exactly the identity of what the value describes:
//   offset commit:   key = msgpack array [1, group, topic, partition]
//   group metadata:  key = msgpack array [2, group]
// (kind 1/2 mirror Kafka's key versions 1 and 2.) Keys are packed deterministically, so equal
// identities give equal key bytes.
// Values are msgpack maps keyed by field name (unknown fields ignored, missing ones defaulted, so
// adjacent versions read each other's records):
//   offset commit:   {offset, leader_epoch, metadata, commit_timestamp_ms}
//   group metadata:  {protocol_type, generation_id, protocol_name, leader_id, state_timestamp_ms,
//                     members: [{member_id, group_instance_id, client_id, client_host,
//                                session_timeout_ms, rebalance_timeout_ms, metadata, assignment}]}
// A tombstone has no value (a null Kafka record value); compaction later removes the key.
#pragma once

#include <optional>

#include "actors/group/group_types.hpp"

namespace fluxo::group {

struct encoded_record {
  bytes key;
  std::optional<bytes> value;  // nullopt = tombstone
  bool operator==(const encoded_record&) const = default;
};

encoded_record encode_record(const group_record& r);

// nullopt when the key or value is not a group record this version understands.
std::optional<group_record> decode_record(const bytes& key, const std::optional<bytes>& value);

// The group a record belongs to (for routing replayed records to their group).
const std::string& record_group(const group_record& r);

}  // namespace fluxo::group
