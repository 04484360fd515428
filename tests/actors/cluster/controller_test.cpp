// The controller's decisions (actors/cluster/controller.hpp): replica assignment, elections
// from the ISR, offline partitions, unclean elections, dead followers, preferred replicas,
// reassignment steps and drains; plus a randomized run over node deaths and returns that checks
// the metadata invariants after every decision.
#include <gtest/gtest.h>

#include <random>

#include "actors/cluster/controller.hpp"

namespace fluxo::cluster {
namespace {

struct image_builder {
  metadata_image image{store_keys("t")};
  image_builder& nodes(std::vector<node_id> ids) {
    image.nodes.clear();
    for (auto id : ids) image.nodes[id] = node_record::at(id, "127.0.0.1", 4000 + id);
    return *this;
  }
  image_builder& topic(const std::string& name, bool unclean = false) {
    topic_record t;
    t.name = name;
    t.config.unclean_leader_election = unclean;
    image.topics[name] = t;
    return *this;
  }
  image_builder& partition(const std::string& topic, int32_t p, std::vector<node_id> replicas, node_id leader,
                           std::vector<node_id> isr, int32_t epoch = 0) {
    partition_record r;
    r.replicas = std::move(replicas);
    r.leader = leader;
    r.isr = std::move(isr);
    r.leader_epoch = epoch;
    r.version = 10 + p;
    image.partitions[{topic, p}] = r;
    return *this;
  }
};

std::map<node_id, int> count_first(const std::vector<std::vector<node_id>>& sets) {
  std::map<node_id, int> out;
  for (const auto& s : sets) ++out[s.front()];
  return out;
}

TEST(Assignment, SpreadsReplicasAndLeadersEvenly) {
  const std::vector<node_id> nodes{1, 2, 3};
  auto sets = assign_replicas(nodes, 0, 6, 3, {}, 5);
  ASSERT_EQ(sets.size(), 6u);
  std::map<node_id, int> replicas;
  for (const auto& s : sets) {
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(std::set<node_id>(s.begin(), s.end()).size(), 3u) << "a node twice in one replica set";
    for (auto n : s) ++replicas[n];
  }
  for (auto [n, c] : replicas) EXPECT_EQ(c, 6) << n;
  for (auto [n, c] : count_first(sets)) EXPECT_EQ(c, 2) << "leaders of node " << n;
  // RF 2 over 4 nodes: every node leads one and follows one.
  auto two = assign_replicas({1, 2, 3, 4}, 0, 4, 2, {}, 0);
  for (auto [n, c] : count_first(two)) EXPECT_EQ(c, 1);
  EXPECT_TRUE(assign_replicas(nodes, 0, 3, 4, {}, 0).empty()) << "RF above the node count";
}

TEST(Assignment, NewTopicsStartOnTheLeastLoadedNode) {
  // Node 3 leads nothing yet: a one-partition topic goes there, whatever the seed.
  for (uint64_t seed = 0; seed < 5; ++seed) {
    auto sets = assign_replicas({1, 2, 3}, 0, 1, 1, {{1, 4}, {2, 4}}, seed);
    ASSERT_EQ(sets.size(), 1u);
    EXPECT_EQ(sets[0][0], 3);
  }
  // Many single-partition topics, one after the other, keep leaders balanced.
  std::map<node_id, int32_t> leaders;
  for (uint64_t t = 0; t < 30; ++t) ++leaders[assign_replicas({1, 2, 3}, 0, 1, 3, leaders, t)[0][0]];
  for (auto [n, c] : leaders) EXPECT_EQ(c, 10) << n;
}

TEST(Elections, ADeadLeaderIsReplacedFromTheIsrInReplicaOrder) {
  image_builder b;
  b.nodes({2, 3}).topic("t").partition("t", 0, {1, 2, 3}, 1, {1, 3, 2}, 4);
  auto changes = decide(b.image, 77, {});
  ASSERT_EQ(changes.size(), 1u);
  const auto& c = changes[0];
  EXPECT_EQ(c.next.leader, 2) << "replica order, not ISR order";
  EXPECT_EQ(c.next.leader_epoch, 5);
  EXPECT_EQ(c.next.isr, (std::vector<node_id>{3, 2}));
  EXPECT_EQ(c.next.controller_epoch, 77);
  EXPECT_EQ(c.expected_version, 10);
  EXPECT_TRUE(c.leader_changed);
}

TEST(Elections, NoLiveIsrMemberMeansOfflineAndTheIsrIsKept) {
  image_builder b;
  b.nodes({3}).topic("t").partition("t", 0, {1, 2, 3}, 1, {1, 2}, 4);
  auto changes = decide(b.image, 1, {});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].next.leader, no_node);
  EXPECT_EQ(changes[0].next.leader_epoch, 5);
  EXPECT_EQ(changes[0].next.isr, (std::vector<node_id>{1, 2})) << "kept, so an ISR member can lead again";
  // Applied: nothing more to do until an ISR member returns.
  b.image.partitions.begin()->second = changes[0].next;
  EXPECT_TRUE(decide(b.image, 1, {}).empty());
  b.nodes({2, 3});
  changes = decide(b.image, 1, {});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].next.leader, 2);
  EXPECT_EQ(changes[0].next.leader_epoch, 6);
  EXPECT_EQ(changes[0].next.isr, (std::vector<node_id>{2}));
}

TEST(Elections, UncleanElectionOnlyWhenTheTopicAllowsIt) {
  image_builder b;
  b.nodes({3}).topic("t", true).partition("t", 0, {1, 2, 3}, 1, {1, 2}, 4);
  auto changes = decide(b.image, 1, {});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].next.leader, 3);
  EXPECT_EQ(changes[0].next.isr, (std::vector<node_id>{3}));
}

TEST(Elections, DeadFollowersLeaveTheIsrWithoutAnEpochBump) {
  image_builder b;
  b.nodes({1, 2}).topic("t").partition("t", 0, {1, 2, 3}, 1, {1, 2, 3}, 4);
  auto changes = decide(b.image, 1, {});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].next.leader, 1);
  EXPECT_EQ(changes[0].next.leader_epoch, 4);
  EXPECT_EQ(changes[0].next.isr, (std::vector<node_id>{1, 2}));
  EXPECT_FALSE(changes[0].leader_changed);
}

TEST(Elections, LeadershipGoesBackToThePreferredReplicaOnceInSync) {
  image_builder b;
  b.nodes({1, 2, 3}).topic("t").partition("t", 0, {1, 2, 3}, 2, {2, 3}, 4);
  EXPECT_TRUE(decide(b.image, 1, {}).empty()) << "node 1 lives but is not in sync yet";
  b.partition("t", 0, {1, 2, 3}, 2, {2, 3, 1}, 4);
  auto changes = decide(b.image, 1, {});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].next.leader, 1);
  EXPECT_EQ(changes[0].next.leader_epoch, 5);
  EXPECT_TRUE(decide(b.image, 1, {false}).empty()) << "auto rebalance off";
  EXPECT_EQ(preferred_elections(b.image, 1).size(), 1u) << "but asked for explicitly";
}

TEST(Reassignment, AddsTargetsThenDropsTheOldOnesOnceInSync) {
  image_builder b;
  b.nodes({1, 2, 3, 4}).topic("t").partition("t", 0, {1, 2, 3}, 1, {1, 2, 3}, 4);
  b.image.partitions.begin()->second.target_replicas = {4, 2, 3};
  auto step = [&] {
    auto changes = decide(b.image, 1, {false});
    if (changes.empty()) return false;
    b.image.partitions.begin()->second = changes[0].next;
    return true;
  };
  ASSERT_TRUE(step());
  auto& p = b.image.partitions.begin()->second;
  EXPECT_EQ(p.replicas, (std::vector<node_id>{4, 2, 3, 1}));
  EXPECT_EQ(p.leader, 1);
  EXPECT_FALSE(step()) << "waits for node 4 to catch up";
  p.isr.push_back(4);
  ASSERT_TRUE(step());
  EXPECT_EQ(p.replicas, (std::vector<node_id>{4, 2, 3}));
  EXPECT_TRUE(p.target_replicas.empty());
  EXPECT_EQ(p.isr, (std::vector<node_id>{2, 3, 4}));
  EXPECT_EQ(p.leader, 4) << "the old leader left the replicas: the first in-sync target leads";
  EXPECT_EQ(p.leader_epoch, 5);
  EXPECT_FALSE(step());
}

TEST(Drain, LeadershipAndReplicasMoveOffADrainingNode) {
  image_builder b;
  b.nodes({1, 2, 3, 4}).topic("t").partition("t", 0, {1, 2, 3}, 1, {1, 2, 3}, 4);
  b.image.draining[1] = 1000;
  auto changes = decide(b.image, 1, {});
  ASSERT_EQ(changes.size(), 1u);
  const auto& next = changes[0].next;
  EXPECT_EQ(next.leader, 2);
  EXPECT_EQ(next.leader_epoch, 5);
  EXPECT_EQ(next.target_replicas, (std::vector<node_id>{4, 2, 3}));
  // With no spare node, only leadership moves.
  image_builder small;
  small.nodes({1, 2, 3}).topic("t").partition("t", 0, {1, 2, 3}, 1, {1, 2, 3}, 4);
  small.image.draining[1] = 1000;
  changes = decide(small.image, 1, {});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].next.leader, 2);
  EXPECT_TRUE(changes[0].next.target_replicas.empty());
  // A draining node is not handed leadership back by the preferred-replica rule.
  small.image.partitions.begin()->second = changes[0].next;
  EXPECT_TRUE(decide(small.image, 1, {}).empty());
}

TEST(ReplicationFactor, DefaultsToThreeOrTheNodeCount) {
  EXPECT_EQ(effective_replication_factor(-1, 1), 1);
  EXPECT_EQ(effective_replication_factor(-1, 2), 2);
  EXPECT_EQ(effective_replication_factor(-1, 5), 3);
  EXPECT_EQ(effective_replication_factor(2, 5), 2);
}

// Random deaths and returns of nodes; ISR members that return rejoin the ISR (as a leader would
// add them once caught up). After every decision the invariants hold and no leader is elected
// from outside the ISR.
TEST(ControllerModel, InvariantsHoldOverRandomFailures) {
  std::mt19937_64 rng(2026);
  for (int run = 0; run < 40; ++run) {
    image_builder b;
    std::vector<node_id> all{1, 2, 3, 4, 5};
    b.nodes(all).topic("t");
    auto sets = assign_replicas(all, 0, 8, 3, {}, rng());
    for (int32_t p = 0; p < 8; ++p) b.partition("t", p, sets[static_cast<size_t>(p)], sets[static_cast<size_t>(p)][0], sets[static_cast<size_t>(p)]);
    std::set<node_id> live(all.begin(), all.end());
    for (int step = 0; step < 200; ++step) {
      auto victim = all[rng() % all.size()];
      if (live.count(victim) && live.size() > 1 && rng() % 2) {
        live.erase(victim);
      } else {
        live.insert(victim);
      }
      b.nodes({live.begin(), live.end()});
      // Returned replicas catch up and rejoin the ISR of a led partition, sometimes.
      for (auto& [k, p] : b.image.partitions) {
        if (p.leader == no_node) continue;
        for (auto r : p.replicas) {
          if (live.count(r) && !p.in_isr(r) && rng() % 3 == 0) p.isr.push_back(r);
        }
      }
      for (const auto& c : decide(b.image, 1, {})) {
        auto& p = b.image.partitions.at(c.key);
        ASSERT_EQ(c.expected_version, p.version);
        const auto& n = c.next;
        if (n.leader != no_node) {
          ASSERT_TRUE(n.in_isr(n.leader)) << "leader outside the ISR";
          ASSERT_TRUE(p.in_isr(n.leader) || n.leader == p.leader) << "elected from outside the old ISR";
          ASSERT_TRUE(live.count(n.leader)) << "dead leader elected";
        }
        for (auto r : n.isr) ASSERT_TRUE(n.is_replica(r));
        ASSERT_FALSE(n.isr.empty());
        ASSERT_GE(n.leader_epoch, p.leader_epoch);
        if (n.leader != p.leader) {
          ASSERT_GT(n.leader_epoch, p.leader_epoch);
        }
        p = n;
        p.version = c.expected_version + 1;
      }
    }
  }
}

}  // namespace
}  // namespace fluxo::cluster
