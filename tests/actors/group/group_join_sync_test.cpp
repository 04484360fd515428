// consumer_group: state transitions, JoinGroup and SyncGroup (client-side assignment).
#include <gtest/gtest.h>

#include "tests/actors/group/group_harness.hpp"

namespace fluxo::group::testing {
namespace {

// ---- one test per state transition -------------------------------------------------------------

TEST(GroupStates, NewGroupIsEmptyAtGenerationZero) {
  harness h;
  EXPECT_EQ(h.g.state(), group_state::empty);
  EXPECT_EQ(h.g.generation(), 0);
  EXPECT_FALSE(h.g.exists());
  EXPECT_EQ(h.g.next_deadline(), std::nullopt);
}

TEST(GroupStates, EmptyToPreparingRebalanceOnFirstJoin) {
  group_config cfg;
  cfg.initial_rebalance_delay_ms = 3000;  // keeps the group in PreparingRebalance for a while
  harness h(cfg);
  const request_id j = h.join(consumer_join(""));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  EXPECT_FALSE(h.answered(j));
  EXPECT_EQ(h.g.next_deadline(), 3000);
}

TEST(GroupStates, PreparingToCompletingWhenInitialDelayEnds) {
  group_config cfg;
  cfg.initial_rebalance_delay_ms = 3000;
  harness h(cfg);
  const request_id a = h.join(consumer_join(""));
  h.advance(2000);
  const request_id b2 = h.join(consumer_join(""));  // extends the delay to 2000 + 3000
  h.advance(2999);
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  h.advance(1);
  EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
  EXPECT_EQ(h.join_of(a).generation_id, 1);
  EXPECT_EQ(h.join_of(b2).generation_id, 1);
}

TEST(GroupStates, PreparingToCompletingWhenAllMembersRejoined) {
  harness h;
  auto ids = h.stable_group(2);
  const std::string newcomer = h.reserve_id();
  const request_id jn = h.join(consumer_join(newcomer));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  const request_id j0 = h.join(consumer_join(ids[0]));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  const request_id j1 = h.join(consumer_join(ids[1]));
  EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
  EXPECT_EQ(h.g.generation(), 2);
  for (auto rid : {jn, j0, j1}) EXPECT_EQ(h.join_of(rid).generation_id, 2);
}

TEST(GroupStates, CompletingToStableOnLeaderSync) {
  harness h;
  const std::string id = h.reserve_id();
  const request_id j = h.join(consumer_join(id));
  EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
  EXPECT_EQ(h.join_of(j).leader_id, id);
  const request_id s = h.sync(id, 1, {{id, b("x")}});
  EXPECT_EQ(h.g.state(), group_state::stable);
  EXPECT_EQ(h.sync_of(s).assignment, b("x"));
}

TEST(GroupStates, StableToPreparingOnNewMember) {
  harness h;
  h.stable_group(2);
  h.join(consumer_join(h.reserve_id()));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
}

TEST(GroupStates, CompletingToPreparingOnLeaveAndParkedSyncsAreFailed) {
  harness h;
  const std::string a = h.reserve_id(), c = h.reserve_id();
  h.join(consumer_join(a));
  h.join(consumer_join(c));
  ASSERT_EQ(h.g.state(), group_state::completing_rebalance);
  const std::string follower = h.g.leader() == a ? c : a;
  const std::string leader = h.g.leader();
  const request_id s = h.sync(follower, 1);
  EXPECT_FALSE(h.answered(s));
  h.leave({leader});
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  EXPECT_EQ(h.sync_of(s).error, kafka_error::rebalance_in_progress);
}

TEST(GroupStates, StableToEmptyWhenLastMemberLeaves) {
  harness h;
  auto ids = h.stable_group(1);
  const size_t before = h.records.size();
  h.leave({ids[0]});
  EXPECT_EQ(h.g.state(), group_state::empty);
  EXPECT_EQ(h.g.generation(), 2);  // Kafka bumps the generation when the group empties
  EXPECT_TRUE(h.g.leader().empty());
  ASSERT_EQ(h.records.size(), before + 1);
  const auto& rec = std::get<group_metadata_record>(h.records.back());
  EXPECT_EQ(rec.generation_id, 2);
  EXPECT_TRUE(rec.members.empty());
}

TEST(GroupStates, PreparingToEmptyWhenNobodyRejoinsInTime) {
  harness h;
  auto ids = h.stable_group(2);
  h.heartbeat(ids[0], 1);
  h.leave({ids[1]});  // rebalance: ids[0] must rejoin within its rebalance timeout (30 s)
  ASSERT_EQ(h.g.state(), group_state::preparing_rebalance);
  h.advance(9999);
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  h.advance(1);  // the session timeout (10 s) of the member that did not rejoin runs out first
  EXPECT_EQ(h.g.state(), group_state::empty);
  EXPECT_EQ(h.g.generation(), 2);
}

TEST(GroupStates, EmptyToDeadOnDelete) {
  harness h;
  auto ids = h.stable_group(1);
  h.leave({ids[0]});
  const request_id d = h.delete_group();
  EXPECT_EQ(h.get<delete_group_reply>(d).error, kafka_error::none);
  EXPECT_EQ(h.g.state(), group_state::dead);
  EXPECT_FALSE(h.g.exists());
  const request_id j = h.join(consumer_join(""));
  EXPECT_EQ(h.join_of(j).error, kafka_error::coordinator_not_available);
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[0], 2)), kafka_error::coordinator_not_available);
}

// ---- JoinGroup ---------------------------------------------------------------------------------

TEST(GroupJoin, MemberIdRequiredFlow) {
  harness h;
  join_request req = consumer_join("");
  req.client_id = "rdkafka";
  req.require_known_member_id = true;
  const join_reply first = h.join_of(h.join(req));
  EXPECT_EQ(first.error, kafka_error::member_id_required);
  EXPECT_EQ(first.generation_id, no_generation);
  ASSERT_EQ(first.member_id.size(), std::string("rdkafka-").size() + 36);
  EXPECT_EQ(first.member_id.rfind("rdkafka-", 0), 0u);
  EXPECT_EQ(h.g.state(), group_state::empty);  // a reserved id is not a member
  EXPECT_EQ(h.g.member_count(), 0u);

  req.member_id = first.member_id;
  const join_reply second = h.join_of(h.join(req));
  EXPECT_EQ(second.error, kafka_error::none);
  EXPECT_EQ(second.member_id, first.member_id);
  EXPECT_EQ(second.generation_id, 1);
  EXPECT_EQ(second.leader_id, first.member_id);
  EXPECT_EQ(second.protocol_name, "range");
}

TEST(GroupJoin, MemberIdsAreDeterministicForASeedAndDifferAcrossSeeds) {
  harness a({}, 7), b7({}, 7), c({}, 8);
  EXPECT_EQ(a.reserve_id(), b7.reserve_id());
  harness a2({}, 7);
  EXPECT_NE(a2.reserve_id(), c.reserve_id());
}

TEST(GroupJoin, WithoutRequireKnownMemberIdTheMemberIsAddedAtOnce) {
  harness h;
  const join_reply r = h.join_of(h.join(consumer_join("")));
  EXPECT_EQ(r.error, kafka_error::none);
  EXPECT_EQ(r.generation_id, 1);
  EXPECT_TRUE(h.g.has_member(r.member_id));
}

TEST(GroupJoin, LeaderGetsEveryMembersMetadataFollowersGetNone) {
  harness h;
  const std::string a = h.reserve_id(), c = h.reserve_id();
  const request_id ja = h.join(consumer_join(a, {"range"}, {"t1"}));
  const request_id jc = h.join(consumer_join(c, {"range"}, {"t2"}));
  const join_reply ra = h.join_of(ja), rc = h.join_of(jc);
  const join_reply& leader = ra.leader_id == a ? ra : rc;
  const join_reply& follower = ra.leader_id == a ? rc : ra;
  EXPECT_EQ(ra.leader_id, rc.leader_id);
  ASSERT_EQ(leader.members.size(), 2u);
  EXPECT_TRUE(follower.members.empty());
  EXPECT_EQ(leader.members[0].member_id, a);  // join order
  EXPECT_EQ(decode_subscription(leader.members[0].metadata)->topics,
            std::vector<std::string>{"t1"});
  EXPECT_EQ(decode_subscription(leader.members[1].metadata)->topics,
            std::vector<std::string>{"t2"});
  EXPECT_EQ(leader.protocol_type, "consumer");
}

TEST(GroupJoin, ProtocolChosenByVoteAmongCommonProtocols) {
  harness h;
  const std::string a = h.reserve_id(), c = h.reserve_id(), d = h.reserve_id();
  h.join(consumer_join(a, {"range", "roundrobin"}));
  h.join(consumer_join(c, {"roundrobin", "range", "sticky"}));
  const request_id jd = h.join(consumer_join(d, {"roundrobin", "range"}));
  EXPECT_EQ(h.join_of(jd).protocol_name, "roundrobin");  // 2 votes to 1
  EXPECT_EQ(h.g.protocol_name(), "roundrobin");
}

TEST(GroupJoin, NoCommonProtocolIsInconsistentGroupProtocol) {
  harness h;
  h.stable_group(1);
  const join_reply r = h.join_of(h.join(consumer_join("", {"roundrobin"})));
  EXPECT_EQ(r.error, kafka_error::inconsistent_group_protocol);
  EXPECT_EQ(h.g.state(), group_state::stable);
}

TEST(GroupJoin, OtherProtocolTypeIsInconsistentGroupProtocol) {
  harness h;
  h.stable_group(1);
  const join_reply r = h.join_of(h.join(consumer_join("", {"range"}, {"t"}, "connect")));
  EXPECT_EQ(r.error, kafka_error::inconsistent_group_protocol);
  join_request empty = consumer_join("");
  empty.protocols.clear();
  EXPECT_EQ(h.join_of(h.join(empty)).error, kafka_error::inconsistent_group_protocol);
}

TEST(GroupJoin, SessionTimeoutOutsideBoundsIsInvalid) {
  harness h;
  join_request req = consumer_join("");
  req.session_timeout_ms = 1000;
  EXPECT_EQ(h.join_of(h.join(req)).error, kafka_error::invalid_session_timeout);
  req.session_timeout_ms = 3600000;
  EXPECT_EQ(h.join_of(h.join(req)).error, kafka_error::invalid_session_timeout);
}

TEST(GroupJoin, UnknownMemberIdIsRejected) {
  harness h;
  EXPECT_EQ(h.join_of(h.join(consumer_join("nobody"))).error, kafka_error::unknown_member_id);
}

TEST(GroupJoin, FollowerRejoiningStableGroupWithSameMetadataKeepsGeneration) {
  harness h;
  auto ids = h.stable_group(2);
  const join_reply r = h.join_of(h.join(consumer_join(ids[1])));
  EXPECT_EQ(r.error, kafka_error::none);
  EXPECT_EQ(r.generation_id, 1);
  EXPECT_EQ(h.g.state(), group_state::stable);
}

TEST(GroupJoin, LeaderRejoiningStableGroupTriggersRebalance) {
  harness h;
  auto ids = h.stable_group(2);
  const request_id j = h.join(consumer_join(ids[0]));
  EXPECT_FALSE(h.answered(j));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 1)), kafka_error::rebalance_in_progress);
  h.join(consumer_join(ids[1]));
  EXPECT_EQ(h.join_of(j).generation_id, 2);
}

TEST(GroupJoin, ChangedMetadataTriggersRebalance) {
  harness h;
  auto ids = h.stable_group(2);
  h.join(consumer_join(ids[1], {"range"}, {"t", "u"}));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
}

TEST(GroupJoin, SupersededJoinIsAnsweredOnce) {
  harness h;
  auto ids = h.stable_group(2);
  const request_id first = h.join(consumer_join(ids[0]));
  const request_id second = h.join(consumer_join(ids[0]));
  EXPECT_EQ(h.join_of(first).error, kafka_error::rebalance_in_progress);
  EXPECT_FALSE(h.answered(second));
  h.join(consumer_join(ids[1]));
  EXPECT_EQ(h.join_of(second).error, kafka_error::none);
}

TEST(GroupJoin, RejoinInCompletingRebalanceReturnsCurrentGeneration) {
  harness h;
  const std::string a = h.reserve_id(), c = h.reserve_id();
  h.join(consumer_join(a));
  h.join(consumer_join(c));
  ASSERT_EQ(h.g.state(), group_state::completing_rebalance);
  const join_reply r = h.join_of(h.join(consumer_join(h.g.leader())));
  EXPECT_EQ(r.generation_id, 1);
  EXPECT_EQ(r.members.size(), 2u);  // the leader gets the members again
  EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
}

TEST(GroupJoin, ReservedIdHoldsTheRebalanceUntilItJoinsOrExpires) {
  harness h;
  auto ids = h.stable_group(1);
  const std::string reserved = h.reserve_id();
  const request_id j = h.join(consumer_join(ids[0]));  // the leader rejoins: rebalance
  EXPECT_FALSE(h.answered(j));                          // waits for the reserved id
  h.advance(10000);                                     // its session timeout
  EXPECT_EQ(h.join_of(j).generation_id, 2);
  EXPECT_EQ(h.join_of(h.join(consumer_join(reserved))).error, kafka_error::unknown_member_id);
}

// ---- SyncGroup ---------------------------------------------------------------------------------

TEST(GroupSync, FollowersWaitForTheLeaderThenAllGetTheirAssignment) {
  harness h;
  const std::string a = h.reserve_id(), c = h.reserve_id(), d = h.reserve_id();
  for (const auto& id : {a, c, d}) h.join(consumer_join(id));
  const std::string leader = h.g.leader();
  std::vector<std::pair<std::string, request_id>> followers;
  for (const auto& id : {a, c, d})
    if (id != leader) followers.push_back({id, h.sync(id, 1)});
  for (auto& [_, rid] : followers) EXPECT_FALSE(h.answered(rid));
  // The leader forgets one follower: it gets an empty assignment.
  const request_id ls = h.sync(leader, 1, {{leader, b("L")}, {followers[0].first, b("F0")},
                                          {"stranger", b("?")}});
  EXPECT_EQ(h.sync_of(ls).assignment, b("L"));
  EXPECT_EQ(h.sync_of(followers[0].second).assignment, b("F0"));
  EXPECT_EQ(h.sync_of(followers[0].second).generation_id, 1);
  EXPECT_EQ(h.sync_of(followers[0].second).protocol_name, "range");
  EXPECT_TRUE(h.sync_of(followers[1].second).assignment.empty());
  EXPECT_EQ(h.sync_of(followers[1].second).error, kafka_error::none);
  // A late SyncGroup in Stable gets the stored assignment.
  EXPECT_EQ(h.sync_of(h.sync(followers[0].first, 1)).assignment, b("F0"));
  auto rec = std::get<group_metadata_record>(h.records.back());
  EXPECT_EQ(rec.generation_id, 1);
  EXPECT_EQ(rec.members.size(), 3u);
}

TEST(GroupSync, Errors) {
  harness h;
  auto ids = h.stable_group(2);
  EXPECT_EQ(h.sync_of(h.sync(ids[1], 0)).error, kafka_error::illegal_generation);
  EXPECT_EQ(h.sync_of(h.sync("nobody", 1)).error, kafka_error::unknown_member_id);
  h.join(consumer_join(ids[0]));  // rebalance
  EXPECT_EQ(h.sync_of(h.sync(ids[1], 1)).error, kafka_error::rebalance_in_progress);
}

TEST(GroupSync, SupersededSyncIsAnsweredOnce) {
  harness h;
  const std::string a = h.reserve_id(), c = h.reserve_id();
  h.join(consumer_join(a));
  h.join(consumer_join(c));
  const std::string follower = h.g.leader() == a ? c : a;
  const request_id s1 = h.sync(follower, 1);
  const request_id s2 = h.sync(follower, 1);
  EXPECT_EQ(h.sync_of(s1).error, kafka_error::rebalance_in_progress);
  h.sync(h.g.leader(), 1, {{follower, b("f")}});
  EXPECT_EQ(h.sync_of(s2).assignment, b("f"));
}

// ---- observability -----------------------------------------------------------------------------

TEST(GroupDescribe, MembersAssignmentsAndHistory) {
  harness h;
  auto ids = h.stable_group(2);
  h.leave({ids[1]});
  const group_description d = h.g.describe();
  EXPECT_EQ(d.state, group_state::preparing_rebalance);
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.generation_id, 1);
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, ids[0]);
  EXPECT_EQ(d.members[0].client_id, "client");
  EXPECT_EQ(d.members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(d.members[0].assignment, b("a-" + ids[0]));
  ASSERT_GE(d.history.size(), 4u);
  EXPECT_EQ(d.history.back().reason, "member " + ids[1] + " left");
  EXPECT_EQ(d.history.back().generation_id, 1);
  EXPECT_EQ(h.g.overview().state, group_state::preparing_rebalance);
  EXPECT_EQ(to_string(d.state), "PreparingRebalance");
}

TEST(GroupDescribe, HistoryIsBounded) {
  group_config cfg;
  cfg.max_history = 3;
  harness h(cfg);
  h.stable_group(3);
  EXPECT_EQ(h.g.describe().history.size(), 3u);
}

}  // namespace
}  // namespace fluxo::group::testing
