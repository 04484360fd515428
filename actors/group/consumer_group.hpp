// The coordinator of one consumer group: Kafka's classic group protocol as a pure state machine.
// No CAF, no threads, no I/O, no clock. Single owner (the group actor).
//
// How a caller drives it ("time and requests in; replies, records and a deadline out"):
//   effects fx = g.join(now_ms, request_id, join_request{...});   // likewise sync, heartbeat,
//                                                                  // leave, commit_offsets, ...
//   1. append fx.records (in order) to __consumer_offsets (group_records.hpp encodes them);
//   2. send each fx.replies[i].body to whoever sent request fx.replies[i].id — a reply may answer
//      a request from an earlier call (JoinGroup and SyncGroup are parked until the rebalance
//      gets there), and every request gets exactly one reply;
//   3. (re)arm one timer for fx.next_deadline and call g.tick(now_ms) when it fires.
// Reads (fetch_offsets, describe, overview) are const and answer directly.
// Every call first applies the deadlines that passed up to now_ms, each at its own time, so the
// outcome depends only on the sequence of (now_ms, request) and not on how punctually tick() ran.
// now_ms never goes backwards (an earlier value is treated as the latest one seen).
//
// Durability: the caller may hold the replies of a call until its records are appended, which
// gives Kafka's "stored before acknowledged" order. replay(record) rebuilds committed offsets and
// the generation after a restart: the group comes back Empty (members are not restored; their
// next request gets UNKNOWN_MEMBER_ID and they rejoin), as Kafka after a coordinator failover.
//
// Assignment: protocol type "fluxo" (config.native_protocol_type) means server-side assignment:
// protocol names are assignor names (range, roundrobin, sticky), member metadata is a Kafka
// ConsumerProtocol subscription (consumer_protocol.hpp), and the coordinator computes the
// assignment itself from the topic partition counts given to set_topic_partitions() as soon as a
// generation forms (CompletingRebalance is skipped; JoinGroup replies carry the assignment, and
// SyncGroup returns it). Any other protocol type (Kafka's "consumer") is assigned by the leader:
// the coordinator relays the bytes of the leader's SyncGroup.
//
// Invariants (checked by tests/actors/group_model_test.cpp):
//  - the generation only increases; each generation has one leader and one protocol;
//  - members of Stable and CompletingRebalance groups are exactly the members of the generation;
//  - a parked JoinGroup exists only in PreparingRebalance, a parked SyncGroup only in
//    CompletingRebalance;
//  - all members share a protocol (a joiner that shares none gets INCONSISTENT_GROUP_PROTOCOL).
// Not supported: static membership (group_instance_id is stored and echoed, never used to fence
// or replace members), group.max.size, offset retention/expiry, transactional offset commits.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/group/assignor.hpp"
#include "actors/group/group_types.hpp"
#include "actors/group/member.hpp"
#include "actors/group/member_id.hpp"

namespace fluxo::group {

struct group_config {
  int32_t min_session_timeout_ms = 6000;       // Kafka group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;    // Kafka group.max.session.timeout.ms
  int32_t initial_rebalance_delay_ms = 0;      // Kafka group.initial.rebalance.delay.ms (3000)
  int32_t new_member_join_timeout_ms = 300000; // a new member's JoinGroup gives up after this
  int32_t offset_metadata_max_bytes = 4096;    // Kafka offset.metadata.max.bytes
  size_t max_history = 32;                     // rebalance events kept for describe()
  std::string native_protocol_type = "fluxo";  // server-side assignment for this protocol type
};

class consumer_group {
 public:
  explicit consumer_group(std::string group_id, group_config cfg = {},
                          member_id_generator ids = member_id_generator{0});

  // ---- requests: each returns the effects to carry out (see above) ----
  effects join(int64_t now_ms, request_id id, const join_request& req);
  effects sync(int64_t now_ms, request_id id, const sync_request& req);
  effects heartbeat(int64_t now_ms, request_id id, const heartbeat_request& req);
  effects leave(int64_t now_ms, request_id id, const leave_request& req);
  effects commit_offsets(int64_t now_ms, request_id id, const offset_commit_request& req);
  // DeleteGroups: only an Empty group (else NON_EMPTY_GROUP); the group becomes Dead.
  effects delete_group(int64_t now_ms, request_id id);
  // A topic was deleted: drop its committed offsets (tombstones). An Empty group left with no
  // offsets becomes Dead, as Kafka's cleanup does.
  effects delete_topic_offsets(int64_t now_ms, const std::string& topic);
  // Partition counts of the topics (the whole catalog; absent = unknown). For native groups a
  // changed count of a subscribed topic rebalances a Stable group.
  effects set_topic_partitions(int64_t now_ms, topic_partition_counts counts);
  // Applies the deadlines that passed (session expiry, rebalance timeout, ...).
  effects tick(int64_t now_ms);

  // ---- reads ----
  offset_fetch_reply fetch_offsets(const offset_fetch_request& req) const;
  group_description describe() const;
  group_overview overview() const;
  // Rebalance history for observers: how many notes were ever written, and the newest ones
  // (at most config.max_history). Cheap: no copy.
  uint64_t notes_written() const { return notes_written_; }
  const std::deque<rebalance_event>& history() const { return history_; }
  std::optional<int64_t> next_deadline() const;

  // ---- restart: apply records read back from __consumer_offsets, before any request ----
  void replay(const group_record& r);

  const std::string& id() const { return group_id_; }
  group_state state() const { return state_; }
  int32_t generation() const { return generation_; }
  const std::string& leader() const { return leader_; }
  const std::string& protocol_type() const { return protocol_type_; }
  const std::string& protocol_name() const { return protocol_name_; }
  bool has_member(const std::string& member_id) const { return members_.count(member_id) > 0; }
  size_t member_count() const { return members_.size(); }
  // Whether DescribeGroups/DeleteGroups should see the group (members, offsets or history).
  bool exists() const;
  bool server_assigned() const { return protocol_type_ == cfg_.native_protocol_type; }

 private:
  struct committed {
    int64_t offset = -1;
    int32_t leader_epoch = -1;
    std::string metadata;
    int64_t commit_timestamp_ms = 0;
  };

  // Clamps now_ms to the latest time seen and applies the deadlines up to it.
  int64_t advance(int64_t now_ms, effects& fx);
  // Applies deadlines a handler made due, sets next_deadline, and hands the effects out.
  effects finish(effects& fx);
  void expire(int64_t now, effects& fx);

  void handle_join(int64_t now, request_id rid, const join_request& req, effects& fx);
  bool supports_protocols(const join_request& req) const;
  void add_member(int64_t now, request_id rid, const std::string& id, const join_request& req,
                  effects& fx);
  void update_member(member& m, request_id rid, const join_request& req, effects& fx);
  join_reply current_join_reply(const member& m) const;

  void maybe_prepare_rebalance(int64_t now, effects& fx);
  void prepare_rebalance(int64_t now, effects& fx);
  void try_complete_join(int64_t now, effects& fx);
  void complete_join(int64_t now, effects& fx);
  std::string select_protocol() const;
  void assign_server_side();
  void complete_sync(int64_t now, const std::vector<member_assignment>& assignments,
                     effects& fx);
  void reset_sync(int64_t now, kafka_error error, effects& fx);
  void remove_member(int64_t now, const std::string& id, const std::string& reason, effects& fx);

  void store_offset(int64_t now, const offset_commit_partition& p, effects& fx);
  std::vector<const member*> in_join_order() const;
  std::string new_member_id(const std::string& client_id);
  group_metadata_record metadata_record(int64_t now) const;
  void note(int64_t now, std::string reason);

  std::string group_id_;
  group_config cfg_;
  member_id_generator ids_;
  int64_t now_ = 0;

  group_state state_ = group_state::empty;
  int32_t generation_ = 0;
  std::string protocol_type_;
  std::string protocol_name_;
  std::string leader_;
  std::map<std::string, member> members_;
  std::map<std::string, int64_t> pending_;  // ids handed out with MEMBER_ID_REQUIRED -> expiry
  uint64_t next_join_seq_ = 0;

  // PreparingRebalance only: when the rebalance gives up on members that did not rejoin, and
  // (initial rebalance of an Empty group) the earliest time the join may complete.
  std::optional<int64_t> rebalance_deadline_;
  std::optional<int64_t> join_ready_at_;

  topic_partition_counts topic_counts_;  // native groups: what the assignor sees
  assignment_map last_assignment_;       // native groups: previous owners, for sticky

  std::map<topic_partition, committed> offsets_;
  std::deque<rebalance_event> history_;
  uint64_t notes_written_ = 0;
};

}  // namespace fluxo::group
