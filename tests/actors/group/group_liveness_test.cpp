// consumer_group: heartbeats, session timeouts, rebalance timeouts, LeaveGroup.
#include <gtest/gtest.h>

#include "tests/actors/group/group_harness.hpp"

namespace fluxo::group::testing {
namespace {

bool history_has(const consumer_group& g, const std::string& reason) {
  for (const auto& e : g.describe().history)
    if (e.reason == reason) return true;
  return false;
}

TEST(GroupHeartbeat, AnswersByState) {
  harness h;
  auto ids = h.stable_group(2);
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 1)), kafka_error::none);
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 0)), kafka_error::illegal_generation);
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 2)), kafka_error::illegal_generation);
  EXPECT_EQ(h.hb_error(h.heartbeat("nobody", 1)), kafka_error::unknown_member_id);
  h.join(consumer_join(ids[0]));  // PreparingRebalance: members are told to rejoin
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 1)), kafka_error::rebalance_in_progress);
  h.join(consumer_join(ids[1]));  // CompletingRebalance: heartbeats before SyncGroup are fine
  EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 2)), kafka_error::none);
  EXPECT_EQ(h.get<heartbeat_reply>(h.heartbeat(ids[1], 2)).generation_id, 2);
}

TEST(GroupHeartbeat, ReservedIdIsNotAMember) {
  harness h;
  const std::string id = h.reserve_id();
  EXPECT_EQ(h.hb_error(h.heartbeat(id, 0)), kafka_error::unknown_member_id);
}

TEST(GroupSession, HeartbeatsKeepAMemberAlive) {
  harness h;
  auto ids = h.stable_group(1);
  for (int i = 0; i < 10; ++i) {
    h.advance(9000);
    EXPECT_EQ(h.hb_error(h.heartbeat(ids[0], 1)), kafka_error::none);
  }
  EXPECT_EQ(h.g.state(), group_state::stable);
  EXPECT_EQ(h.g.next_deadline(), h.now + 10000);
}

TEST(GroupSession, SilentMemberIsEvictedAndTheGroupRebalances) {
  harness h;
  auto ids = h.stable_group(2);
  h.advance(6000);
  h.heartbeat(ids[0], 1);
  EXPECT_EQ(h.g.next_deadline(), 10000);  // ids[1]: last heard of at 0
  h.advance(4000);
  EXPECT_FALSE(h.g.has_member(ids[1]));
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  EXPECT_TRUE(history_has(h.g, "member " + ids[1] + " session timeout"));
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[0], 1)), kafka_error::rebalance_in_progress);
  const join_reply r = h.join_of(h.join(consumer_join(ids[0])));
  EXPECT_EQ(r.generation_id, 2);
  EXPECT_EQ(r.members.size(), 1u);
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 1)), kafka_error::unknown_member_id);
}

TEST(GroupSession, ExpiryAppliesAtItsOwnTimeEvenWhenTickIsLate) {
  harness h;
  auto ids = h.stable_group(2);
  // No tick for a long while: the next request first applies both expiries, in order.
  h.now = 50000;
  const request_id j = h.join(consumer_join(""));
  EXPECT_EQ(h.join_of(j).generation_id, 3);  // gen 2 (empty) after the expiries, then 3
  EXPECT_EQ(h.g.member_count(), 1u);
  auto hist = h.g.describe().history;
  bool saw = false;
  for (const auto& e : hist)
    if (e.reason == "member " + ids[1] + " session timeout") {
      EXPECT_EQ(e.timestamp_ms, 10000);
      saw = true;
    }
  EXPECT_TRUE(saw);
}

TEST(GroupSession, ParkedJoinNeedsNoHeartbeats) {
  harness h;
  auto ids = h.stable_group(2);
  const request_id j0 = h.join(consumer_join(ids[0]));  // rebalance; ids[0] waits in JoinGroup
  h.advance(9000);
  h.heartbeat(ids[1], 1);
  h.advance(9000);  // 18 s: past ids[0]'s session timeout, but it is parked in JoinGroup
  EXPECT_TRUE(h.g.has_member(ids[0]));
  h.join(consumer_join(ids[1]));
  EXPECT_EQ(h.join_of(j0).generation_id, 2);
}

TEST(GroupSession, ParkedSyncNeedsNoHeartbeatsButTheLeaderDoes) {
  harness h;
  const std::string a = h.reserve_id(), c = h.reserve_id();
  h.join(consumer_join(a));
  h.join(consumer_join(c));
  const std::string leader = h.g.leader();
  const std::string follower = leader == a ? c : a;
  const request_id s = h.sync(follower, 1);
  h.advance(10000);  // the leader never sends SyncGroup: it expires, the follower does not
  EXPECT_FALSE(h.g.has_member(leader));
  EXPECT_TRUE(h.g.has_member(follower));
  EXPECT_EQ(h.sync_of(s).error, kafka_error::rebalance_in_progress);
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
}

TEST(GroupRebalanceTimeout, MembersThatDoNotRejoinAreRemoved) {
  harness h;
  auto ids = h.stable_group(3);
  const std::string newcomer = h.reserve_id();
  const request_id jn = h.join(consumer_join(newcomer));
  const request_id j0 = h.join(consumer_join(ids[0]));
  // ids[1] keeps heartbeating but never rejoins; ids[2] rejoins.
  const request_id j2 = h.join(consumer_join(ids[2]));
  for (int i = 0; i < 3; ++i) {
    h.advance(9000);
    EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 1)), kafka_error::rebalance_in_progress);
  }
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  h.advance(3000);  // 30 s: the rebalance timeout
  EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
  EXPECT_FALSE(h.g.has_member(ids[1]));
  EXPECT_EQ(h.g.member_count(), 3u);
  for (auto rid : {jn, j0, j2}) EXPECT_EQ(h.join_of(rid).generation_id, 2);
  EXPECT_TRUE(history_has(
      h.g, "member " + ids[1] + " removed: did not rejoin within the rebalance timeout"));
  EXPECT_EQ(h.hb_error(h.heartbeat(ids[1], 1)), kafka_error::unknown_member_id);
}

TEST(GroupRebalanceTimeout, NewMemberJoinGivesUpAfterNewMemberJoinTimeout) {
  group_config cfg;
  cfg.new_member_join_timeout_ms = 5000;
  harness h(cfg);
  auto ids = h.stable_group(1);
  const request_id jn = h.join(consumer_join(""));  // waits for ids[0] to rejoin
  for (int i = 0; i < 5; ++i) {
    h.advance(1000);
    h.heartbeat(ids[0], 1);
  }
  EXPECT_EQ(h.join_of(jn).error, kafka_error::unknown_member_id);
  EXPECT_EQ(h.g.member_count(), 1u);
}

TEST(GroupLeave, LeavingMembersAreRemovedAndOthersRebalance) {
  harness h;
  auto ids = h.stable_group(3);
  const request_id l = h.leave({ids[1], "nobody"});
  const leave_reply r = h.get<leave_reply>(l);
  EXPECT_EQ(r.error, kafka_error::none);
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0].error, kafka_error::none);
  EXPECT_EQ(r.members[1].error, kafka_error::unknown_member_id);
  EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
  h.join(consumer_join(ids[0]));
  const request_id j2 = h.join(consumer_join(ids[2]));
  EXPECT_EQ(h.join_of(j2).generation_id, 2);
  EXPECT_EQ(h.g.member_count(), 2u);
}

TEST(GroupLeave, LeaderLeavingHandsLeadershipOn) {
  harness h;
  auto ids = h.stable_group(2);
  h.leave({ids[0]});
  EXPECT_EQ(h.g.leader(), ids[1]);
  const join_reply r = h.join_of(h.join(consumer_join(ids[1])));
  EXPECT_EQ(r.leader_id, ids[1]);
}

TEST(GroupLeave, LeavingWhileParkedInJoinAnswersTheJoin) {
  harness h;
  auto ids = h.stable_group(2);
  const request_id j = h.join(consumer_join(ids[0]));
  h.leave({ids[0]});
  EXPECT_EQ(h.join_of(j).error, kafka_error::unknown_member_id);
}

TEST(GroupLeave, ReservedIdLeavingLetsTheRebalanceComplete) {
  harness h;
  auto ids = h.stable_group(1);
  const std::string reserved = h.reserve_id();
  const request_id j = h.join(consumer_join(ids[0]));
  EXPECT_FALSE(h.answered(j));
  h.leave({reserved});
  EXPECT_EQ(h.join_of(j).generation_id, 2);
}

}  // namespace
}  // namespace fluxo::group::testing
