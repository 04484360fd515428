// Test driver for consumer_group: a manual clock, request ids, and every reply and record the
// group produced. apply() fails the test if a request is answered twice.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/group/consumer_group.hpp"
#include "actors/group/consumer_protocol.hpp"

namespace fluxo::group::testing {

inline join_request consumer_join(const std::string& member_id,
                                  std::vector<std::string> protocols = {"range"},
                                  std::vector<std::string> topics = {"t"},
                                  std::string protocol_type = "consumer") {
  join_request r;
  r.member_id = member_id;
  r.client_id = "client";
  r.client_host = "/127.0.0.1";
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 30000;
  r.protocol_type = std::move(protocol_type);
  for (auto& p : protocols) r.protocols.push_back({p, encode_subscription({topics, {}})});
  return r;
}

inline bytes b(const std::string& s) { return bytes(s.begin(), s.end()); }

struct harness {
  explicit harness(group_config cfg = {}, uint64_t seed = 42)
      : g("g1", std::move(cfg), member_id_generator{seed}) {}

  consumer_group g;
  int64_t now = 0;
  request_id next_rid = 1;
  std::map<request_id, reply> replies;
  std::vector<group_record> records;

  void apply(effects fx) {
    for (auto& r : fx.replies) {
      EXPECT_FALSE(replies.count(r.id)) << "request " << r.id << " answered twice";
      replies[r.id] = std::move(r.body);
    }
    for (auto& rec : fx.records) records.push_back(std::move(rec));
    EXPECT_EQ(fx.next_deadline, g.next_deadline());
  }

  request_id join(const join_request& req) {
    const request_id id = next_rid++;
    apply(g.join(now, id, req));
    return id;
  }
  request_id sync(const std::string& member, int32_t gen,
                  std::vector<member_assignment> assignments = {}) {
    const request_id id = next_rid++;
    apply(g.sync(now, id, {member, gen, std::move(assignments)}));
    return id;
  }
  request_id heartbeat(const std::string& member, int32_t gen) {
    const request_id id = next_rid++;
    apply(g.heartbeat(now, id, {member, gen}));
    return id;
  }
  request_id leave(std::vector<std::string> members) {
    const request_id id = next_rid++;
    apply(g.leave(now, id, {std::move(members)}));
    return id;
  }
  request_id commit(const std::string& member, int32_t gen,
                    std::vector<offset_commit_partition> parts) {
    const request_id id = next_rid++;
    apply(g.commit_offsets(now, id, {member, gen, std::move(parts)}));
    return id;
  }
  request_id delete_group() {
    const request_id id = next_rid++;
    apply(g.delete_group(now, id));
    return id;
  }
  void advance(int64_t ms) {
    now += ms;
    apply(g.tick(now));
  }

  bool answered(request_id id) const { return replies.count(id) > 0; }
  template <class T>
  T get(request_id id) const {
    auto it = replies.find(id);
    if (it == replies.end()) {
      ADD_FAILURE() << "no reply to request " << id;
      return T{};
    }
    const T* r = std::get_if<T>(&it->second);
    if (!r) {
      ADD_FAILURE() << "reply to request " << id << " has another type";
      return T{};
    }
    return *r;
  }
  join_reply join_of(request_id id) const { return get<join_reply>(id); }
  sync_reply sync_of(request_id id) const { return get<sync_reply>(id); }
  kafka_error hb_error(request_id id) const { return get<heartbeat_reply>(id).error; }

  // A new member through the v4+ flow: MEMBER_ID_REQUIRED, then the join with the given id.
  // Returns the id of the second (parked or answered) JoinGroup.
  std::pair<std::string, request_id> join_new(join_request req) {
    req.require_known_member_id = true;
    req.member_id.clear();
    const request_id first = join(req);
    const join_reply r = join_of(first);
    EXPECT_EQ(r.error, kafka_error::member_id_required);
    req.member_id = r.member_id;
    return {r.member_id, join(req)};
  }

  // A fresh member id through MEMBER_ID_REQUIRED (the id is reserved, not yet a member).
  std::string reserve_id() {
    join_request req = consumer_join("");
    req.require_known_member_id = true;
    const join_reply r = join_of(join(req));
    EXPECT_EQ(r.error, kafka_error::member_id_required);
    return r.member_id;
  }

  // Forms a Stable group of n client-assigned members from an Empty one; the leader assigns
  // "a-<member id>" to everyone. Returns the ids, leader first.
  std::vector<std::string> stable_group(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back(reserve_id());
    std::vector<request_id> joins;
    for (const auto& id : ids) joins.push_back(join(consumer_join(id)));
    for (auto rid : joins) EXPECT_EQ(join_of(rid).error, kafka_error::none);
    EXPECT_EQ(g.state(), group_state::completing_rebalance);
    const int32_t gen = g.generation();
    const std::string leader = g.leader();
    std::vector<member_assignment> assignment;
    for (const auto& id : ids) assignment.push_back({id, b("a-" + id)});
    for (const auto& id : ids)
      if (id != leader) sync(id, gen);
    sync(leader, gen, assignment);
    EXPECT_EQ(g.state(), group_state::stable);
    std::stable_partition(ids.begin(), ids.end(), [&](const auto& id) { return id == leader; });
    return ids;
  }
};

}  // namespace fluxo::group::testing
