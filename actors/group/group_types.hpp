// Plain data of the consumer-group coordinator: requests in; replies, records and deadlines out.
//
// Everything here is a plain struct (std::string, fixed-width integers, std::vector<char> for
// opaque bytes) so it can travel inside one process as is, or be msgpack-encoded to cross a node
// boundary. No behaviour lives here; see consumer_group.hpp for the state machine.
//
// Conventions (as in Kafka's classic group protocol):
//  - generation_id -1 means "no generation" (a reply carrying an error, or a simple commit);
//  - member_id "" means "not yet a member";
//  - a request_id is chosen by the caller and comes back with the one reply to that request.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST
#endif
#include <msgpack.hpp>

#include "actors/group/group_errors.hpp"

namespace fluxo::group {

using bytes = std::vector<char>;
using request_id = uint64_t;

constexpr int32_t no_generation = -1;

struct topic_partition {
  std::string topic{};
  int32_t partition = 0;
  auto operator<=>(const topic_partition&) const = default;
  MSGPACK_DEFINE_MAP(topic, partition)
};

// Kafka's classic group states.
enum class group_state : uint8_t {
  empty,                 // no members; may still hold committed offsets and a generation
  preparing_rebalance,   // a rebalance started: waiting for every known member to (re)join
  completing_rebalance,  // generation formed: waiting for the leader's SyncGroup assignment
  stable,                // assignment distributed; members heartbeat and commit
  dead,                  // deleted (or emptied of offsets): the owner discards the object
};

constexpr std::string_view to_string(group_state s) {
  switch (s) {
    case group_state::empty: return "Empty";
    case group_state::preparing_rebalance: return "PreparingRebalance";
    case group_state::completing_rebalance: return "CompletingRebalance";
    case group_state::stable: return "Stable";
    case group_state::dead: return "Dead";
  }
  return "Unknown";
}

// ---- requests ---------------------------------------------------------------------------------

// One protocol a member supports, e.g. {"range", <subscription bytes>}.
struct group_protocol {
  std::string name{};
  bytes metadata{};
  bool operator==(const group_protocol&) const = default;
  MSGPACK_DEFINE_MAP(name, metadata)
};

struct join_request {
  std::string member_id{};                         // "" for a new member
  std::optional<std::string> group_instance_id{};  // static membership: stored, not honoured
  std::string client_id{};
  std::string client_host{};
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = 30000;     // JoinGroup v0 has none: pass the session timeout
  std::string protocol_type{};              // "consumer" (Kafka clients) or "fluxo" (native)
  std::vector<group_protocol> protocols{};  // in the member's order of preference
  bool require_known_member_id = false;     // JoinGroup v4+: ids via MEMBER_ID_REQUIRED
  MSGPACK_DEFINE_MAP(member_id, group_instance_id, client_id, client_host, session_timeout_ms, rebalance_timeout_ms, protocol_type, protocols, require_known_member_id)
};

struct member_assignment {
  std::string member_id{};
  bytes assignment{};
  MSGPACK_DEFINE_MAP(member_id, assignment)
};

struct sync_request {
  std::string member_id{};
  int32_t generation_id = no_generation;
  std::vector<member_assignment> assignments{};  // leader only; ignored for followers
  MSGPACK_DEFINE_MAP(member_id, generation_id, assignments)
};

struct heartbeat_request {
  std::string member_id{};
  int32_t generation_id = no_generation;
  MSGPACK_DEFINE_MAP(member_id, generation_id)
};

struct leave_request {
  std::vector<std::string> member_ids{};  // LeaveGroup v0-2 send one, v3+ a list
  MSGPACK_DEFINE_MAP(member_ids)
};

struct offset_commit_partition {
  std::string topic{};
  int32_t partition = 0;
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::string metadata{};
  MSGPACK_DEFINE_MAP(topic, partition, offset, leader_epoch, metadata)
};

struct offset_commit_request {
  std::string member_id{};  // "" with generation -1: simple (standalone) commit
  int32_t generation_id = no_generation;
  std::vector<offset_commit_partition> partitions{};
  MSGPACK_DEFINE_MAP(member_id, generation_id, partitions)
};

// ---- replies ----------------------------------------------------------------------------------

struct join_member {
  std::string member_id{};
  std::optional<std::string> group_instance_id{};
  bytes metadata{};  // the member's metadata for the chosen protocol
  MSGPACK_DEFINE_MAP(member_id, group_instance_id, metadata)
};

struct join_reply {
  kafka_error error = kafka_error::none;
  int32_t generation_id = no_generation;
  std::string protocol_type{};
  std::string protocol_name{};
  std::string leader_id{};
  std::string member_id{};             // to use from now on (also set with MEMBER_ID_REQUIRED)
  std::vector<join_member> members{};  // only in the leader's reply
  bytes assignment{};                  // server-side assignment (native groups) or empty
  MSGPACK_DEFINE_MAP(error, generation_id, protocol_type, protocol_name, leader_id, member_id, members, assignment)
};

struct sync_reply {
  kafka_error error = kafka_error::none;
  int32_t generation_id = no_generation;
  std::string protocol_type{};
  std::string protocol_name{};
  bytes assignment{};
  MSGPACK_DEFINE_MAP(error, generation_id, protocol_type, protocol_name, assignment)
};

struct heartbeat_reply {
  kafka_error error = kafka_error::none;
  int32_t generation_id = no_generation;  // the group's generation when answered
  MSGPACK_DEFINE_MAP(error, generation_id)
};

struct member_leave_result {
  std::string member_id{};
  kafka_error error = kafka_error::none;
  MSGPACK_DEFINE_MAP(member_id, error)
};

struct leave_reply {
  kafka_error error = kafka_error::none;  // top level (COORDINATOR_NOT_AVAILABLE for a Dead group)
  std::vector<member_leave_result> members{};
  MSGPACK_DEFINE_MAP(error, members)
};

struct partition_result {
  std::string topic{};
  int32_t partition = 0;
  kafka_error error = kafka_error::none;
  MSGPACK_DEFINE_MAP(topic, partition, error)
};

struct offset_commit_reply {
  std::vector<partition_result> partitions{};
  MSGPACK_DEFINE_MAP(partitions)
};

struct delete_group_reply {
  kafka_error error = kafka_error::none;
  MSGPACK_DEFINE_MAP(error)
};

using reply = std::variant<join_reply, sync_reply, heartbeat_reply, leave_reply,
                           offset_commit_reply, delete_group_reply>;

struct addressed_reply {
  request_id id = 0;
  reply body{};
};

// ---- offset fetch (a read: answered directly, no effects) ------------------------------------

struct offset_fetch_request {
  std::optional<std::vector<topic_partition>> partitions{};  // nullopt = every committed offset
  MSGPACK_DEFINE_MAP(partitions)
};

struct fetched_offset {
  std::string topic{};
  int32_t partition = 0;
  int64_t offset = -1;  // -1 = nothing committed
  int32_t leader_epoch = -1;
  std::string metadata{};
  kafka_error error = kafka_error::none;
  MSGPACK_DEFINE_MAP(topic, partition, offset, leader_epoch, metadata, error)
};

struct offset_fetch_reply {
  kafka_error error = kafka_error::none;
  std::vector<fetched_offset> partitions{};  // sorted by (topic, partition)
  MSGPACK_DEFINE_MAP(error, partitions)
};

// ---- records appended to __consumer_offsets (see group_records.hpp for the encoding) -------

// Key: (group, topic, partition). tombstone = the offset was deleted.
struct offset_commit_record {
  std::string group{};
  std::string topic{};
  int32_t partition = 0;
  bool tombstone = false;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata{};
  int64_t commit_timestamp_ms = 0;
  bool operator==(const offset_commit_record&) const = default;
};

struct member_record {
  std::string member_id{};
  std::optional<std::string> group_instance_id{};
  std::string client_id{};
  std::string client_host{};
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  bytes metadata{};    // for the chosen protocol
  bytes assignment{};  // empty until the generation is Stable
  bool operator==(const member_record&) const = default;
};

// Key: (group). Written at every new generation and when it becomes Stable; tombstone = the
// group was deleted. Replay restores generation and protocol, never live members.
struct group_metadata_record {
  std::string group{};
  bool tombstone = false;
  std::string protocol_type{};
  int32_t generation_id = 0;
  std::string protocol_name{};
  std::string leader_id{};
  int64_t state_timestamp_ms = 0;
  std::vector<member_record> members{};
  bool operator==(const group_metadata_record&) const = default;
};

using group_record = std::variant<offset_commit_record, group_metadata_record>;

// ---- effects: what one call asks the caller to do --------------------------------------------

// The caller appends `records` (in order) to __consumer_offsets, sends `replies`, and arranges
// for tick() to run at `next_deadline` (replacing any earlier timer). A reply names the request
// it answers; every request gets exactly one reply, possibly from a later call.
struct effects {
  std::vector<addressed_reply> replies{};
  std::vector<group_record> records{};
  std::optional<int64_t> next_deadline{};  // nullopt: no timer needed
};

// ---- observability ----------------------------------------------------------------------------

struct rebalance_event {
  int64_t timestamp_ms = 0;
  int32_t generation_id = 0;  // the generation current when the event happened
  std::string reason{};       // "member X joined", "member Y session timeout", ...
  MSGPACK_DEFINE_MAP(timestamp_ms, generation_id, reason)
};

struct member_description {
  std::string member_id{};
  std::optional<std::string> group_instance_id{};
  std::string client_id{};
  std::string client_host{};
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  bytes metadata{};  // for the chosen protocol (empty before one is chosen)
  bytes assignment{};
  MSGPACK_DEFINE_MAP(member_id, group_instance_id, client_id, client_host, session_timeout_ms, rebalance_timeout_ms, metadata, assignment)
};

struct group_description {
  std::string group_id{};
  group_state state = group_state::empty;
  std::string protocol_type{};
  std::string protocol_name{};
  int32_t generation_id = 0;
  std::string leader_id{};
  std::vector<member_description> members{};  // in join order
  std::vector<rebalance_event> history{};     // oldest first, at most config.max_history
  MSGPACK_DEFINE_MAP(group_id, state, protocol_type, protocol_name, generation_id, leader_id, members, history)
};

struct group_overview {  // one ListGroups entry
  std::string group_id{};
  std::string protocol_type{};
  group_state state = group_state::empty;
  int32_t members = 0;
  MSGPACK_DEFINE_MAP(group_id, protocol_type, state, members)
};

// Every group of a node, sorted by id (one message, so it crosses node boundaries as one map).
struct group_list {
  std::vector<group_overview> groups{};
  MSGPACK_DEFINE_MAP(groups)
};

}  // namespace fluxo::group

// Enums travel as their integer values.
MSGPACK_ADD_ENUM(fluxo::actors::kafka_error);
MSGPACK_ADD_ENUM(fluxo::group::group_state);
