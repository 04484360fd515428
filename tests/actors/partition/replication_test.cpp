// Kafka's replication rules (actors/partition/replication.hpp): high and durable watermarks,
// ISR shrink and expand with pending proposals, divergence and truncation after leadership
// changes; and a randomized model of a three-replica partition under crashes, returns and
// elections from the ISR, which checks that a committed record is never lost or truncated.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "actors/partition/replication.hpp"

namespace fluxo::actors {
namespace {

using storage::epoch_end;
using storage::epoch_entry;
using storage::leader_epoch_cache;

TEST(LeaderReplication, TheHighWatermarkIsTheSlowestInSyncReplica) {
  leader_replication lr;
  lr.start(1, {1, 2, 3}, {1, 2, 3}, 5, 100, 100, 90, 0, 0);
  EXPECT_EQ(lr.high_watermark(), 90) << "followers that have not fetched hold it";
  EXPECT_FALSE(lr.on_fetch(2, 95, 95, 100, 1));
  EXPECT_EQ(lr.high_watermark(), 90);
  EXPECT_TRUE(lr.on_fetch(3, 97, 90, 100, 1));
  EXPECT_EQ(lr.high_watermark(), 95);
  EXPECT_EQ(lr.durable_watermark(), 90);
  EXPECT_TRUE(lr.on_fetch(2, 100, 100, 100, 2));
  EXPECT_EQ(lr.high_watermark(), 97);
  EXPECT_TRUE(lr.on_fetch(3, 100, 100, 100, 2));
  EXPECT_EQ(lr.high_watermark(), 100);
  EXPECT_EQ(lr.durable_watermark(), 100);
  // The leader's own fsync counts too.
  EXPECT_FALSE(lr.on_local(120, 100));
  EXPECT_FALSE(lr.on_fetch(2, 120, 120, 120, 3)) << "node 3 still at 100";
  EXPECT_TRUE(lr.on_fetch(3, 120, 120, 120, 3));
  EXPECT_EQ(lr.high_watermark(), 120);
  EXPECT_EQ(lr.durable_watermark(), 100) << "waits for the leader's flush";
  EXPECT_TRUE(lr.on_local(120, 120));
  EXPECT_EQ(lr.durable_watermark(), 120);
  // A follower going back (after a restart) does not move the watermarks back.
  EXPECT_FALSE(lr.on_fetch(2, 110, 110, 120, 4));
  EXPECT_EQ(lr.high_watermark(), 120);
}

TEST(LeaderReplication, AMemberTheControllerRemovedComesBackOnlyAfterItFetchedAgain) {
  leader_replication lr;
  lr.start(1, {1, 2, 3}, {1, 2, 3}, 5, 100, 100, 100, 0, 0);
  lr.on_fetch(2, 100, 100, 100, 10);
  lr.on_fetch(3, 100, 100, 100, 10);
  EXPECT_FALSE(lr.wanted_isr(20, 3000));
  // Node 3 died: the controller took it out. Its last fetch was recent and at the HW, but it
  // must not be proposed back on that.
  lr.update_from_store({1, 2, 3}, {1, 2}, 6, 30);
  EXPECT_FALSE(lr.wanted_isr(40, 3000)) << "no proposal to re-add a member that has not fetched since";
  lr.on_fetch(3, 100, 100, 100, 50);
  auto back = lr.wanted_isr(60, 3000);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, (std::vector<replica_id>{1, 2, 3}));
}

TEST(LeaderReplication, ALaggingFollowerLeavesOnlyOnceTheShrinkIsWritten) {
  leader_replication lr;
  lr.start(1, {1, 2, 3}, {1, 2, 3}, 5, 0, 0, 0, 0, 0);
  lr.on_fetch(2, 0, 0, 0, 0);
  lr.on_fetch(3, 0, 0, 0, 0);
  lr.on_local(50, 50);
  for (int64_t t = 100; t <= 30'000; t += 100) lr.on_fetch(2, 50, 50, 50, t);
  EXPECT_EQ(lr.high_watermark(), 0) << "node 3 is in the ISR and has nothing";
  EXPECT_FALSE(lr.wanted_isr(10'000, 10'000)) << "not lagging for long enough yet";
  auto wanted = lr.wanted_isr(10'001, 10'000);
  ASSERT_TRUE(wanted);
  EXPECT_EQ(*wanted, (std::vector<replica_id>{1, 2}));
  lr.proposed(*wanted);
  EXPECT_EQ(lr.high_watermark(), 0) << "pending: still waits for node 3 (KIP-497)";
  EXPECT_FALSE(lr.wanted_isr(20'000, 10'000)) << "one proposal at a time";
  lr.applied(*wanted, 6, 20'000);
  EXPECT_EQ(lr.high_watermark(), 50);
  EXPECT_EQ(lr.isr(), (std::vector<replica_id>{1, 2}));
  // Node 3 catches up to the high watermark: proposed back, and counted while pending.
  lr.on_fetch(3, 40, 40, 50, 20'100);
  EXPECT_FALSE(lr.wanted_isr(20'100, 10'000)) << "below the high watermark";
  lr.on_local(60, 60);
  lr.on_fetch(3, 50, 50, 60, 20'200);
  wanted = lr.wanted_isr(20'200, 10'000);
  ASSERT_TRUE(wanted);
  EXPECT_EQ(*wanted, (std::vector<replica_id>{1, 2, 3}));
  lr.proposed(*wanted);
  lr.on_fetch(2, 60, 60, 60, 20'300);
  EXPECT_EQ(lr.high_watermark(), 50) << "the replica being added already counts";
  lr.rejected();
  EXPECT_EQ(lr.high_watermark(), 60);
}

TEST(LeaderReplication, StoreUpdatesWinOverStaleOnes) {
  leader_replication lr;
  lr.start(1, {1, 2, 3}, {1, 2, 3}, 5, 10, 10, 10, 0, 0);
  lr.proposed({1, 2});
  lr.update_from_store({1, 2, 3}, {1, 3}, 7, 1);  // the controller dropped node 2 meanwhile
  EXPECT_FALSE(lr.proposal_pending());
  EXPECT_EQ(lr.isr(), (std::vector<replica_id>{1, 3}));
  lr.applied({1, 2}, 6, 2);  // our older write's answer arrives late
  EXPECT_EQ(lr.isr(), (std::vector<replica_id>{1, 3}));
  EXPECT_EQ(lr.version(), 7);
}

TEST(Divergence, TheLeaderNamesTheEndOfTheFollowersLastEpoch) {
  leader_epoch_cache leader({{1, 0}, {3, 10}, {5, 20}});
  EXPECT_FALSE(diverging_epoch(leader, 30, 5, 25)) << "same epoch, within the log";
  EXPECT_FALSE(diverging_epoch(leader, 30, 3, 20));
  EXPECT_FALSE(diverging_epoch(leader, 30, -1, 7)) << "no epoch known: offsets decide";
  EXPECT_EQ(diverging_epoch(leader, 30, 3, 22), (epoch_end{3, 20}));
  EXPECT_EQ(diverging_epoch(leader, 30, 4, 15), (epoch_end{3, 20})) << "an epoch the leader never had";
  EXPECT_EQ(diverging_epoch(leader_epoch_cache({{4, 50}}), 60, 2, 55), (epoch_end{-1, 50}));
}

TEST(Divergence, TruncationConvergesOverRounds) {
  // Leader [(1,0),(3,10),(5,20)] LEO 30; follower [(1,0),(2,8),(4,12)] LEO 15.
  leader_epoch_cache leader({{1, 0}, {3, 10}, {5, 20}});
  leader_epoch_cache follower({{1, 0}, {2, 8}, {4, 12}});
  int64_t leo = 15;
  std::vector<int64_t> cuts;
  for (int round = 0; round < 5; ++round) {
    auto d = diverging_epoch(leader, 30, follower.latest_epoch(), leo);
    if (!d) break;
    leo = truncation_offset(follower, leo, *d);
    follower.truncate_from_end(leo);
    cuts.push_back(leo);
  }
  EXPECT_EQ(cuts, (std::vector<int64_t>{12, 8}));
  EXPECT_EQ(follower.entries(), (std::vector<epoch_entry>{{1, 0}}));
}

// ---- A model of one partition with three replicas -----------------------------------------

struct model_replica {
  std::vector<std::pair<int32_t, int64_t>> log;  // (epoch, record id) per offset
  leader_epoch_cache cache;
  bool alive = true;
  int64_t hw = 0;
  int64_t leo() const { return static_cast<int64_t>(log.size()); }
  void truncate(int64_t to) {
    log.resize(static_cast<std::size_t>(std::min(to, leo())));
    cache.truncate_from_end(to);
  }
  void append(int32_t epoch, int64_t id) {
    if (epoch > cache.latest_epoch()) cache.assign(epoch, leo());
    log.emplace_back(epoch, id);
  }
};

struct model {
  std::mt19937_64 rng;
  std::vector<model_replica> replicas{3};
  std::vector<replica_id> isr{0, 1, 2};
  replica_id leader = 0;
  int32_t epoch = 0;
  int64_t now = 0;
  int64_t next_id = 1;
  leader_replication lr;
  std::map<int64_t, int64_t> committed;  // offset -> record id
  int64_t version = 1;

  explicit model(uint64_t seed) : rng(seed) {
    replicas[0].cache.assign(0, 0);
    lr.start(0, {0, 1, 2}, isr, version, 0, 0, 0, 0, now);
  }
  bool in_isr(replica_id r) const { return std::find(isr.begin(), isr.end(), r) != isr.end(); }

  void note_committed() {
    auto& l = replicas[static_cast<std::size_t>(leader)];
    for (int64_t o = 0; o < lr.high_watermark(); ++o) {
      auto id = l.log[static_cast<std::size_t>(o)].second;
      auto [it, fresh] = committed.emplace(o, id);
      ASSERT_EQ(it->second, id) << "a committed offset changed its record";
    }
  }
  void check_committed_everywhere_in_sync() {
    for (auto r : isr) {
      const auto& rep = replicas[static_cast<std::size_t>(r)];
      if (r != leader && rep.leo() < lr.high_watermark()) {
        FAIL() << "ISR member " << r << " is below the high watermark";
      }
    }
    const auto& l = replicas[static_cast<std::size_t>(leader)];
    for (auto [o, id] : committed) {
      ASSERT_LT(o, l.leo()) << "the leader lost committed offset " << o;
      ASSERT_EQ(l.log[static_cast<std::size_t>(o)].second, id) << "the leader's committed offset " << o << " changed";
    }
  }

  void append() {
    auto& l = replicas[static_cast<std::size_t>(leader)];
    auto n = 1 + rng() % 3;
    for (uint64_t i = 0; i < n; ++i) l.append(epoch, next_id++);
    lr.on_local(l.leo(), l.leo());
    note_committed();
  }

  void fetch(replica_id r) {
    auto& f = replicas[static_cast<std::size_t>(r)];
    auto& l = replicas[static_cast<std::size_t>(leader)];
    if (auto d = diverging_epoch(l.cache, l.leo(), f.cache.latest_epoch(), f.leo())) {
      auto to = truncation_offset(f.cache, f.leo(), *d);
      for (auto [o, id] : committed) {
        if (o >= to && in_isr(r)) FAIL() << "in-sync replica " << r << " truncates committed offset " << o;
      }
      f.truncate(to);
      return;
    }
    ASSERT_LE(f.leo(), l.leo()) << "a follower is ahead of the leader without divergence";
    lr.on_fetch(r, f.leo(), f.leo(), l.leo(), now);
    note_committed();
    auto n = static_cast<int64_t>(rng() % 4);
    for (int64_t o = f.leo(); o < l.leo() && n > 0; --n, o = f.leo()) {
      auto [e, id] = l.log[static_cast<std::size_t>(o)];
      f.append(e, id);
    }
    f.hw = std::min(lr.high_watermark(), f.leo());
  }

  void maintain_isr() {
    if (auto wanted = lr.wanted_isr(now, 50)) {
      lr.proposed(*wanted);
      isr = *wanted;
      lr.applied(*wanted, ++version, now);
      note_committed();
    }
  }

  void crash(replica_id r) {
    replicas[static_cast<std::size_t>(r)].alive = false;
    if (r != leader) return;
    // The controller: a live ISR member in replica order, else offline until one returns.
    elect();
  }

  bool elect() {
    for (replica_id c = 0; c < 3; ++c) {
      if (!in_isr(c) || !replicas[static_cast<std::size_t>(c)].alive) continue;
      std::vector<replica_id> next;
      for (auto r : isr) {
        if (replicas[static_cast<std::size_t>(r)].alive) next.push_back(r);
      }
      isr = next;
      leader = c;
      ++epoch;
      auto& l = replicas[static_cast<std::size_t>(c)];
      l.cache.assign(epoch, l.leo());
      lr.start(c, {0, 1, 2}, isr, ++version, l.leo(), l.leo(), l.hw, l.leo(), now);
      check_committed_everywhere_in_sync();
      return true;
    }
    leader = -1;
    return false;
  }
};

TEST(ReplicationModel, CommittedRecordsSurviveCrashesAndElections) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    model m(seed);
    for (int step = 0; step < 600; ++step) {
      m.now += 10;
      auto dice = m.rng() % 100;
      if (m.leader < 0) {
        // Offline: wait for an ISR member to return.
        auto r = static_cast<replica_id>(m.rng() % 3);
        m.replicas[static_cast<std::size_t>(r)].alive = true;
        m.elect();
        continue;
      }
      if (dice < 35) {
        m.append();
      } else if (dice < 80) {
        auto r = static_cast<replica_id>(m.rng() % 3);
        if (r != m.leader && m.replicas[static_cast<std::size_t>(r)].alive) m.fetch(r);
      } else if (dice < 88) {
        m.maintain_isr();
      } else if (dice < 94) {
        auto r = static_cast<replica_id>(m.rng() % 3);
        auto alive = 0;
        for (auto& rep : m.replicas) alive += rep.alive;
        if (m.replicas[static_cast<std::size_t>(r)].alive && alive > 1) m.crash(r);
      } else {
        auto r = static_cast<replica_id>(m.rng() % 3);
        m.replicas[static_cast<std::size_t>(r)].alive = true;
      }
      if (::testing::Test::HasFatalFailure()) return;
      if (m.leader >= 0) m.check_committed_everywhere_in_sync();
      if (::testing::Test::HasFatalFailure()) return;
    }
    // Heal: everyone alive fetches until the logs agree with the leader's.
    for (auto& rep : m.replicas) rep.alive = true;
    if (m.leader < 0) m.elect();
    for (int round = 0; round < 400; ++round) {
      for (replica_id r = 0; r < 3; ++r) {
        if (r != m.leader) m.fetch(r);
      }
    }
    for (const auto& rep : m.replicas) EXPECT_EQ(rep.log, m.replicas[static_cast<std::size_t>(m.leader)].log);
  }
}

}  // namespace
}  // namespace fluxo::actors
