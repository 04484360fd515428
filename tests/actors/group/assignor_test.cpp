// Assignors: Kafka's documented examples for range and roundrobin; sticky's stickiness and
// balance; the shared guarantees on random inputs.
#include "actors/group/assignor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace fluxo::group {
namespace {

partition_list tps(std::initializer_list<std::pair<const char*, int32_t>> list) {
  partition_list out;
  for (auto [t, p] : list) out.push_back({t, p});
  return out;
}

// RangeAssignor javadoc: C0, C1 both on t0, t1 (3 partitions each).
TEST(Assignor, RangeMatchesKafkaExample) {
  const auto a = assign_range({{"C0", {"t0", "t1"}}, {"C1", {"t0", "t1"}}}, {{"t0", 3}, {"t1", 3}});
  EXPECT_EQ(a.at("C0"), tps({{"t0", 0}, {"t0", 1}, {"t1", 0}, {"t1", 1}}));
  EXPECT_EQ(a.at("C1"), tps({{"t0", 2}, {"t1", 2}}));
}

// RoundRobinAssignor javadoc, first example.
TEST(Assignor, RoundRobinMatchesKafkaExample) {
  const auto a =
      assign_roundrobin({{"C1", {"t1", "t0"}}, {"C0", {"t0", "t1"}}}, {{"t0", 3}, {"t1", 3}});
  EXPECT_EQ(a.at("C0"), tps({{"t0", 0}, {"t0", 2}, {"t1", 1}}));
  EXPECT_EQ(a.at("C1"), tps({{"t0", 1}, {"t1", 0}, {"t1", 2}}));
}

// RoundRobinAssignor javadoc, unequal subscriptions.
TEST(Assignor, RoundRobinMatchesKafkaUnequalSubscriptionExample) {
  const auto a =
      assign_roundrobin({{"C0", {"t0"}}, {"C1", {"t0", "t1"}}, {"C2", {"t0", "t1", "t2"}}},
                        {{"t0", 1}, {"t1", 2}, {"t2", 3}});
  EXPECT_EQ(a.at("C0"), tps({{"t0", 0}}));
  EXPECT_EQ(a.at("C1"), tps({{"t1", 0}}));
  EXPECT_EQ(a.at("C2"), tps({{"t1", 1}, {"t2", 0}, {"t2", 1}, {"t2", 2}}));
}

TEST(Assignor, RangeGivesTheRemainderToTheFirstMembers) {
  const auto a = assign_range({{"a", {"t"}}, {"b", {"t"}}, {"c", {"t"}}}, {{"t", 8}});
  EXPECT_EQ(a.at("a"), tps({{"t", 0}, {"t", 1}, {"t", 2}}));
  EXPECT_EQ(a.at("b"), tps({{"t", 3}, {"t", 4}, {"t", 5}}));
  EXPECT_EQ(a.at("c"), tps({{"t", 6}, {"t", 7}}));
}

TEST(Assignor, UnknownTopicsAndMembersWithoutPartitions) {
  const auto a = assign_range({{"a", {"t", "nometa"}}, {"b", {"t"}}, {"c", {"t"}}}, {{"t", 2}});
  EXPECT_EQ(a.size(), 3u);
  EXPECT_TRUE(a.at("c").empty());
  EXPECT_EQ(run_assignor("nope", {}, {}, {}), std::nullopt);
  EXPECT_TRUE(assign_sticky({}, {{"t", 3}}, {}).empty());
}

TEST(Assignor, StickyKeepsOwnersWhenAMemberLeaves) {
  const topic_partition_counts counts{{"t", 9}};
  std::vector<assignor_member> three{{"a", {"t"}}, {"b", {"t"}}, {"c", {"t"}}};
  const auto first = assign_sticky(three, counts, {});
  for (const auto& [_, list] : first) EXPECT_EQ(list.size(), 3u);
  const auto second = assign_sticky({{"a", {"t"}}, {"c", {"t"}}}, counts, first);
  for (const char* id : {"a", "c"}) {
    const auto& before = first.at(id);
    const auto& now = second.at(id);
    EXPECT_TRUE(std::includes(now.begin(), now.end(), before.begin(), before.end())) << id;
    EXPECT_GE(now.size(), 4u);
    EXPECT_LE(now.size(), 5u);
  }
}

TEST(Assignor, StickyMovesOnlyTheExcessWhenAMemberJoins) {
  const topic_partition_counts counts{{"t", 12}, {"u", 4}};
  std::vector<assignor_member> two{{"a", {"t", "u"}}, {"b", {"t", "u"}}};
  const auto first = assign_sticky(two, counts, {});
  two.push_back({"c", {"t", "u"}});
  two.push_back({"d", {"t", "u"}});
  const auto second = assign_sticky(two, counts, first);
  size_t kept = 0;
  for (const char* id : {"a", "b"})
    for (const auto& tp : second.at(id))
      kept += std::count(first.at(id).begin(), first.at(id).end(), tp);
  EXPECT_EQ(kept, 8u);  // 16 partitions over 4 members: a and b keep 4 each, move 4 each
  for (const auto& [_, list] : second) EXPECT_EQ(list.size(), 4u);
}

TEST(Assignor, StickyIgnoresInvalidPreviousOwnership) {
  assignment_map previous{{"a", tps({{"t", 0}, {"t", 7}, {"gone", 0}})},
                          {"b", tps({{"t", 0}})},   // claimed twice: first owner wins
                          {"zombie", tps({{"t", 1}})}};
  const auto a = assign_sticky({{"a", {"t"}}, {"b", {"t"}}}, {{"t", 2}}, previous);
  EXPECT_EQ(a.at("a"), tps({{"t", 0}}));
  EXPECT_EQ(a.at("b"), tps({{"t", 1}}));
}

// Shared guarantees on random inputs; sticky also balanced (equal subscriptions) and
// deterministic with respect to input order.
TEST(Assignor, RandomInputsKeepTheGuarantees) {
  std::mt19937_64 rng(2024);
  const std::vector<std::string> topics{"a", "b", "c", "d"};
  for (int round = 0; round < 300; ++round) {
    topic_partition_counts counts;
    for (const auto& t : topics)
      if (rng() % 5) counts[t] = static_cast<int32_t>(rng() % 7);
    std::vector<assignor_member> members;
    const int n = 1 + static_cast<int>(rng() % 6);
    const bool equal = rng() % 2;
    for (int i = 0; i < n; ++i) {
      assignor_member m;
      m.member_id = "m";
      m.member_id += std::to_string(rng() % 1000);
      m.member_id += '-';
      m.member_id += std::to_string(i);
      for (const auto& t : topics)
        if (equal || rng() % 2) m.topics.push_back(t);
      members.push_back(m);
    }
    assignment_map previous;
    for (int i = 0; i < n; ++i)
      if (rng() % 2)
        previous[members[static_cast<size_t>(i)].member_id] =
            tps({{"a", static_cast<int32_t>(rng() % 4)}, {"b", 1}});
    for (const char* name : {"range", "roundrobin", "sticky"}) {
      const auto a = *run_assignor(name, members, counts, previous);
      ASSERT_EQ(a.size(), members.size()) << name;
      std::set<topic_partition> seen;
      for (const auto& m : members) {
        for (const auto& tp : a.at(m.member_id)) {
          EXPECT_TRUE(seen.insert(tp).second) << name << ": two owners";
          EXPECT_NE(std::find(m.topics.begin(), m.topics.end(), tp.topic), m.topics.end());
        }
      }
      size_t expected = 0;
      std::set<std::string> subscribed;
      for (const auto& m : members) subscribed.insert(m.topics.begin(), m.topics.end());
      for (const auto& t : subscribed)
        if (counts.count(t)) expected += static_cast<size_t>(counts.at(t));
      EXPECT_EQ(seen.size(), expected) << name;
      auto shuffled = members;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      EXPECT_EQ(*run_assignor(name, shuffled, counts, previous), a) << name;
      if (equal && std::string(name) != "range") {
        size_t lo = SIZE_MAX, hi = 0;
        for (const auto& [_, list] : a) {
          lo = std::min(lo, list.size());
          hi = std::max(hi, list.size());
        }
        EXPECT_LE(hi - lo, 1u) << name;
      }
    }
  }
}

}  // namespace
}  // namespace fluxo::group
