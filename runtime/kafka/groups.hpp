// Consumer group membership: FindCoordinator (10), JoinGroup (11), Heartbeat (12),
// LeaveGroup (13), SyncGroup (14), DescribeGroups (15), ListGroups (16), DeleteGroups (42).
// Group offsets (OffsetCommit, OffsetFetch) are in offsets.hpp.
//
// Layouts (non-flexible, fields in wire order):
//   FindCoordinatorRequest  v0: key string;  v1-2: + key_type i8 (0 group, 1 transaction)
//   FindCoordinatorResponse v0: error i16, node_id i32, host string, port i32
//                           v1-2: throttle_time_ms i32, error i16, error_message nstring,
//                                 node_id, host, port
//   JoinGroupRequest  v0: group_id, session_timeout_ms i32, member_id, protocol_type,
//                         protocols[name string, metadata bytes]
//                     v1+: + rebalance_timeout_ms i32 after session_timeout_ms
//                     v5:  + group_instance_id nstring after member_id
//   JoinGroupResponse v0-1: error i16, generation_id i32, protocol_name string,
//                           leader string, member_id string, members[member_id, metadata bytes]
//                     v2+:  throttle_time_ms i32 first
//                     v5:   members + group_instance_id nstring after member_id
//   HeartbeatRequest  v0-2: group_id, generation_id i32, member_id;
//                     v3: + group_instance_id nstring
//   HeartbeatResponse v0: error i16;  v1+: throttle_time_ms i32, error i16
//   LeaveGroupRequest  v0-2: group_id, member_id
//                      v3:   group_id, members[member_id, group_instance_id nstring]
//   LeaveGroupResponse v0: error i16;  v1-2: throttle_time_ms i32, error i16
//                      v3: + members[member_id, group_instance_id nstring, error i16]
//   SyncGroupRequest  v0-2: group_id, generation_id i32, member_id,
//                           assignments[member_id, assignment bytes]
//                     v3:   + group_instance_id nstring after member_id
//   SyncGroupResponse v0: error i16, assignment bytes;  v1+: throttle_time_ms i32 first
//   DescribeGroupsRequest  v0-2: groups[string];  v3-4: + include_authorized_operations bool
//   DescribeGroupsResponse v0: groups[error i16, group_id, group_state, protocol_type,
//                              protocol_data, members[member_id, client_id, client_host,
//                              member_metadata bytes, member_assignment bytes]]
//                          v1+: throttle_time_ms i32 first
//                          v3+: groups + authorized_operations i32 after members
//                          v4:  members + group_instance_id nstring after member_id
//   ListGroupsRequest  v0-2: empty body
//   ListGroupsResponse v0: error i16, groups[group_id, protocol_type];
//                      v1+: throttle_time_ms i32 first
//   DeleteGroupsRequest  v0-1: groups_names[string]
//   DeleteGroupsResponse v0-1: throttle_time_ms i32, results[group_id, error i16]
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

// ---- FindCoordinator ------------------------------------------------------------------------

struct find_coordinator_request {
  std::string key;
  int8_t key_type = 0;  // v1+: 0 group, 1 transaction
  bool operator==(const find_coordinator_request&) const = default;
};

struct find_coordinator_response {
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::optional<std::string> error_message;  // v1+
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
  bool operator==(const find_coordinator_response&) const = default;
};

std::optional<find_coordinator_request> decode_find_coordinator_request(reader& r, int16_t v);
void encode_find_coordinator_request(writer& w, int16_t v, const find_coordinator_request& m);
std::optional<find_coordinator_response> decode_find_coordinator_response(reader& r, int16_t v);
void encode_find_coordinator_response(writer& w, int16_t v, const find_coordinator_response& m);

// ---- JoinGroup ------------------------------------------------------------------------------

struct join_group_request {
  struct protocol {
    std::string name;  // assignor, e.g. "range", "roundrobin", "RoundRobinAssigner"
    std::vector<char> metadata;
    bool operator==(const protocol&) const = default;
  };
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // v1+ (v0: use session_timeout_ms)
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v5
  std::string protocol_type;                     // "consumer"
  std::vector<protocol> protocols;
  bool operator==(const join_group_request&) const = default;
};

struct join_group_response {
  struct member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v5
    std::vector<char> metadata;
    bool operator==(const member&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v2+
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<member> members;  // only for the leader
  bool operator==(const join_group_response&) const = default;
};

std::optional<join_group_request> decode_join_group_request(reader& r, int16_t v);
void encode_join_group_request(writer& w, int16_t v, const join_group_request& m);
std::optional<join_group_response> decode_join_group_response(reader& r, int16_t v);
void encode_join_group_response(writer& w, int16_t v, const join_group_response& m);

// ---- Heartbeat ------------------------------------------------------------------------------

struct heartbeat_request {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3
  bool operator==(const heartbeat_request&) const = default;
};

struct heartbeat_response {
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  bool operator==(const heartbeat_response&) const = default;
};

std::optional<heartbeat_request> decode_heartbeat_request(reader& r, int16_t v);
void encode_heartbeat_request(writer& w, int16_t v, const heartbeat_request& m);
std::optional<heartbeat_response> decode_heartbeat_response(reader& r, int16_t v);
void encode_heartbeat_response(writer& w, int16_t v, const heartbeat_response& m);

// ---- LeaveGroup -----------------------------------------------------------------------------

struct leave_group_request {
  struct member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    bool operator==(const member&) const = default;
  };
  std::string group_id;
  std::string member_id;        // v0-2
  std::vector<member> members;  // v3
  bool operator==(const leave_group_request&) const = default;

  // The leaving members whatever the version: v0-2 yield one member from member_id.
  std::vector<member> leaving(int16_t version) const {
    if (version >= 3) return members;
    return {member{member_id, std::nullopt}};
  }
};

struct leave_group_response {
  struct member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int16_t error_code = 0;
    bool operator==(const member&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::vector<member> members;  // v3
  bool operator==(const leave_group_response&) const = default;
};

std::optional<leave_group_request> decode_leave_group_request(reader& r, int16_t v);
void encode_leave_group_request(writer& w, int16_t v, const leave_group_request& m);
std::optional<leave_group_response> decode_leave_group_response(reader& r, int16_t v);
void encode_leave_group_response(writer& w, int16_t v, const leave_group_response& m);

// ---- SyncGroup ------------------------------------------------------------------------------

struct sync_group_request {
  struct member_assignment {
    std::string member_id;
    std::vector<char> assignment;  // ConsumerProtocol Assignment bytes
    bool operator==(const member_assignment&) const = default;
  };
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3
  std::vector<member_assignment> assignments;    // only from the leader
  bool operator==(const sync_group_request&) const = default;
};

struct sync_group_response {
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::vector<char> assignment;
  bool operator==(const sync_group_response&) const = default;
};

std::optional<sync_group_request> decode_sync_group_request(reader& r, int16_t v);
void encode_sync_group_request(writer& w, int16_t v, const sync_group_request& m);
std::optional<sync_group_response> decode_sync_group_response(reader& r, int16_t v);
void encode_sync_group_response(writer& w, int16_t v, const sync_group_response& m);

// ---- DescribeGroups -------------------------------------------------------------------------

struct describe_groups_request {
  std::vector<std::string> groups;
  bool include_authorized_operations = false;  // v3+
  bool operator==(const describe_groups_request&) const = default;
};

struct describe_groups_response {
  struct member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v4
    std::string client_id;
    std::string client_host;
    std::vector<char> member_metadata;
    std::vector<char> member_assignment;
    bool operator==(const member&) const = default;
  };
  struct group {
    int16_t error_code = 0;
    std::string group_id;
    std::string group_state;    // "Stable", "PreparingRebalance", "Empty", "Dead", ...
    std::string protocol_type;  // "consumer"
    std::string protocol_data;  // the chosen assignor
    std::vector<member> members;
    int32_t authorized_operations = std::numeric_limits<int32_t>::min();  // v3+
    bool operator==(const group&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v1+
  std::vector<group> groups;
  bool operator==(const describe_groups_response&) const = default;
};

std::optional<describe_groups_request> decode_describe_groups_request(reader& r, int16_t v);
void encode_describe_groups_request(writer& w, int16_t v, const describe_groups_request& m);
std::optional<describe_groups_response> decode_describe_groups_response(reader& r, int16_t v);
void encode_describe_groups_response(writer& w, int16_t v, const describe_groups_response& m);

// ---- ListGroups -----------------------------------------------------------------------------

struct list_groups_request {
  bool operator==(const list_groups_request&) const = default;
};

struct list_groups_response {
  struct group {
    std::string group_id;
    std::string protocol_type;
    bool operator==(const group&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::vector<group> groups;
  bool operator==(const list_groups_response&) const = default;
};

std::optional<list_groups_request> decode_list_groups_request(reader& r, int16_t v);
void encode_list_groups_request(writer& w, int16_t v, const list_groups_request& m);
std::optional<list_groups_response> decode_list_groups_response(reader& r, int16_t v);
void encode_list_groups_response(writer& w, int16_t v, const list_groups_response& m);

// ---- DeleteGroups ---------------------------------------------------------------------------

struct delete_groups_request {
  std::vector<std::string> groups_names;
  bool operator==(const delete_groups_request&) const = default;
};

struct delete_groups_response {
  struct result {
    std::string group_id;
    int16_t error_code = 0;
    bool operator==(const result&) const = default;
  };
  int32_t throttle_time_ms = 0;
  std::vector<result> results;
  bool operator==(const delete_groups_response&) const = default;
};

std::optional<delete_groups_request> decode_delete_groups_request(reader& r, int16_t v);
void encode_delete_groups_request(writer& w, int16_t v, const delete_groups_request& m);
std::optional<delete_groups_response> decode_delete_groups_response(reader& r, int16_t v);
void encode_delete_groups_response(writer& w, int16_t v, const delete_groups_response& m);

}  // namespace fluxo::kafka
