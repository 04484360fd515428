// consumer_group with server-side assignment (protocol type "fluxo"): the coordinator assigns.
#include <gtest/gtest.h>

#include <set>

#include "tests/actors/group/group_harness.hpp"

namespace fluxo::group::testing {
namespace {

join_request native_join(const std::string& id, std::vector<std::string> topics,
                         std::vector<std::string> assignors = {"range"}) {
  return consumer_join(id, std::move(assignors), std::move(topics), "fluxo");
}

// An id reserved through MEMBER_ID_REQUIRED by a native client.
std::string reserve_native(harness& h, std::vector<std::string> assignors) {
  join_request req = native_join("", {"t"}, std::move(assignors));
  req.require_known_member_id = true;
  const join_reply r = h.join_of(h.join(req));
  EXPECT_EQ(r.error, kafka_error::member_id_required);
  return r.member_id;
}

partition_list assigned(const bytes& b) {
  auto p = decode_assignment(b);
  EXPECT_TRUE(p.has_value());
  return p.value_or(partition_list{});
}

TEST(GroupNative, CoordinatorAssignsWhenTheGenerationForms) {
  harness h;
  h.apply(h.g.set_topic_partitions(h.now, {{"t", 3}, {"u", 2}}));
  const std::string a = h.reserve_id(), c = h.reserve_id();
  const request_id ja = h.join(native_join(a, {"t", "u"}));
  const request_id jc = h.join(native_join(c, {"t"}));
  EXPECT_TRUE(h.g.server_assigned());
  EXPECT_EQ(h.g.state(), group_state::stable);  // no SyncGroup round needed
  const partition_list pa = assigned(h.join_of(ja).assignment);
  const partition_list pc = assigned(h.join_of(jc).assignment);
  // range: t0,t1 to the smaller id, t2 to the other; all of u to a (the only subscriber).
  const bool a_first = a < c;
  partition_list t_first{{"t", 0}, {"t", 1}}, t_second{{"t", 2}};
  partition_list expect_a = a_first ? t_first : t_second;
  expect_a.push_back({"u", 0});
  expect_a.push_back({"u", 1});
  std::sort(expect_a.begin(), expect_a.end());
  EXPECT_EQ(pa, expect_a);
  EXPECT_EQ(pc, a_first ? t_second : t_first);
  // SyncGroup returns the same bytes (the leader's assignments are ignored).
  const request_id s = h.sync(c, 1, {{c, b("ignored")}});
  EXPECT_EQ(h.sync_of(s).assignment, h.join_of(jc).assignment);
  const auto& rec = std::get<group_metadata_record>(h.records.back());
  EXPECT_EQ(rec.members.size(), 2u);
  EXPECT_FALSE(rec.members[0].assignment.empty());
}

TEST(GroupNative, PartitionCountChangeRebalances) {
  harness h;
  h.apply(h.g.set_topic_partitions(h.now, {{"t", 2}}));
  const std::string a = h.reserve_id();
  h.join(native_join(a, {"t"}));
  ASSERT_EQ(h.g.state(), group_state::stable);
  h.apply(h.g.set_topic_partitions(h.now, {{"t", 2}, {"other", 9}}));  // not subscribed
  EXPECT_EQ(h.g.state(), group_state::stable);
  h.apply(h.g.set_topic_partitions(h.now, {{"t", 4}, {"other", 9}}));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  EXPECT_EQ(h.hb_error(h.heartbeat(a, 1)), kafka_error::rebalance_in_progress);
  const join_reply r = h.join_of(h.join(native_join(a, {"t"})));
  EXPECT_EQ(r.generation_id, 2);
  EXPECT_EQ(assigned(r.assignment).size(), 4u);
}

TEST(GroupNative, StickyKeepsOwnersAcrossGenerations) {
  harness h;
  h.apply(h.g.set_topic_partitions(h.now, {{"t", 6}}));
  const std::string a = h.reserve_id(), c = h.reserve_id();
  const request_id ja = h.join(native_join(a, {"t"}, {"sticky"}));
  const request_id jc = h.join(native_join(c, {"t"}, {"sticky"}));
  const partition_list before_a = assigned(h.join_of(ja).assignment);
  const partition_list before_c = assigned(h.join_of(jc).assignment);
  EXPECT_EQ(before_a.size(), 3u);
  // A third member joins: each old member gives up one partition and keeps two.
  const std::string d = reserve_native(h, {"sticky"});
  const request_id jd = h.join(native_join(d, {"t"}, {"sticky"}));
  const request_id ja2 = h.join(native_join(a, {"t"}, {"sticky"}));
  const request_id jc2 = h.join(native_join(c, {"t"}, {"sticky"}));
  ASSERT_EQ(h.g.generation(), 2);
  for (auto [rid, before] : {std::pair{ja2, before_a}, std::pair{jc2, before_c}}) {
    const partition_list now = assigned(h.join_of(rid).assignment);
    EXPECT_EQ(now.size(), 2u);
    for (const auto& tp : now)
      EXPECT_TRUE(std::find(before.begin(), before.end(), tp) != before.end());
  }
  EXPECT_EQ(assigned(h.join_of(jd).assignment).size(), 2u);
}

TEST(GroupNative, KafkaMemberCannotJoinNativeGroup) {
  harness h;
  h.join(native_join("", {"t"}));
  EXPECT_EQ(h.join_of(h.join(consumer_join("", {"range"}))).error,
            kafka_error::inconsistent_group_protocol);
}

TEST(GroupNative, NativeMemberSpeakingKafkaProtocolJoinsAKafkaGroup) {
  harness h;
  h.stable_group(1);
  // A native client may join a Kafka group by using its protocol type and protocol names:
  // assignment is then client-side, like for everyone else in the group.
  const request_id j = h.join(consumer_join("", {"range"}, {"t"}, "consumer"));
  EXPECT_FALSE(h.answered(j));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  EXPECT_FALSE(h.g.server_assigned());
}

TEST(GroupNative, UnknownAssignorIsInconsistentGroupProtocol) {
  harness h;
  EXPECT_EQ(h.join_of(h.join(native_join("", {"t"}, {"custom"}))).error,
            kafka_error::inconsistent_group_protocol);
  const join_reply ok = h.join_of(h.join(native_join("", {"t"}, {"custom", "roundrobin"})));
  EXPECT_EQ(ok.error, kafka_error::none);
  EXPECT_EQ(ok.protocol_name, "roundrobin");
}

}  // namespace
}  // namespace fluxo::group::testing
