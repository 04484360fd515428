// Committed group offsets: OffsetCommit (8) and OffsetFetch (9).
//
// Layouts (non-flexible, fields in wire order):
//   OffsetCommitRequest v0:   group_id, topics[name, partitions[index i32, offset i64,
//                             metadata nstring]]
//                       v1:   + generation_id i32, member_id string after group_id;
//                             partitions + commit_timestamp i64 after offset (v1 only)
//                       v2-4: + retention_time_ms i64 after member_id (no commit_timestamp)
//                       v5:   no retention_time_ms
//                       v6:   partitions + committed_leader_epoch i32 after offset
//                       v7:   + group_instance_id nstring after member_id
//   OffsetCommitResponse v0-2: topics[name, partitions[index i32, error i16]]
//                        v3+:  throttle_time_ms i32 first
//   OffsetFetchRequest  v1:   group_id, topics[name, partitions[i32]]
//                       v2-5: topics nullable (null = all committed offsets of the group)
//   OffsetFetchResponse v1:   topics[name, partitions[index i32, offset i64,
//                             metadata nstring, error i16]]
//                       v2:   + error_code i16 at the end (group-level)
//                       v3-4: + throttle_time_ms i32 first
//                       v5:   partitions + committed_leader_epoch i32 after offset
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

// ---- OffsetCommit ---------------------------------------------------------------------------

struct offset_commit_request {
  struct partition {
    int32_t index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;  // v6+
    int64_t commit_timestamp = -1;        // v1 only
    std::optional<std::string> committed_metadata;
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  std::string group_id;
  int32_t generation_id = -1;                    // v1+ (-1 with member_id "": simple consumer)
  std::string member_id;                         // v1+
  std::optional<std::string> group_instance_id;  // v7
  int64_t retention_time_ms = -1;                // v2-4 (-1: broker default)
  std::vector<topic> topics;
  bool operator==(const offset_commit_request&) const = default;
};

struct offset_commit_response {
  struct partition {
    int32_t index = 0;
    int16_t error_code = 0;
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v3+
  std::vector<topic> topics;
  bool operator==(const offset_commit_response&) const = default;
};

std::optional<offset_commit_request> decode_offset_commit_request(reader& r, int16_t v);
void encode_offset_commit_request(writer& w, int16_t v, const offset_commit_request& m);
std::optional<offset_commit_response> decode_offset_commit_response(reader& r, int16_t v);
void encode_offset_commit_response(writer& w, int16_t v, const offset_commit_response& m);

// ---- OffsetFetch ----------------------------------------------------------------------------

struct offset_fetch_request {
  struct topic {
    std::string name;
    std::vector<int32_t> partitions;
    bool operator==(const topic&) const = default;
  };
  std::string group_id;
  // nullopt = all topics (v2+); v1 encodes null as an empty array and decodes to engaged.
  std::optional<std::vector<topic>> topics;
  bool operator==(const offset_fetch_request&) const = default;
};

struct offset_fetch_response {
  struct partition {
    int32_t index = 0;
    int64_t committed_offset = -1;        // -1: nothing committed
    int32_t committed_leader_epoch = -1;  // v5
    std::optional<std::string> metadata;
    int16_t error_code = 0;
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v3+
  std::vector<topic> topics;
  int16_t error_code = 0;  // v2+, after topics
  bool operator==(const offset_fetch_response&) const = default;
};

std::optional<offset_fetch_request> decode_offset_fetch_request(reader& r, int16_t v);
void encode_offset_fetch_request(writer& w, int16_t v, const offset_fetch_request& m);
std::optional<offset_fetch_response> decode_offset_fetch_response(reader& r, int16_t v);
void encode_offset_fetch_response(writer& w, int16_t v, const offset_fetch_response& m);

}  // namespace fluxo::kafka
