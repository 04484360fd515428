// Leader epochs in the log: the epoch cache's rules (Kafka's LeaderEpochFileCache), its file,
// and how the partition log keeps it in step with appends, follower appends, truncation,
// retention and recovery.
#include <gtest/gtest.h>

#include <fstream>

#include "storage/leader_epoch_cache.hpp"
#include "storage/partition_log.hpp"
#include "tests/utils/log_test_utils.hpp"

namespace fluxo::storage {
namespace {

using test::temp_dir;

TEST(LeaderEpochCache, EndOffsetForEpochFollowsKafka) {
  leader_epoch_cache c({{0, 0}, {2, 10}, {5, 30}});
  EXPECT_EQ(c.end_offset_for(0, 50), (epoch_end{0, 10}));
  EXPECT_EQ(c.end_offset_for(1, 50), (epoch_end{0, 10}));  // unknown epoch: the floor, ending at the next
  EXPECT_EQ(c.end_offset_for(2, 50), (epoch_end{2, 30}));
  EXPECT_EQ(c.end_offset_for(4, 50), (epoch_end{2, 30}));
  EXPECT_EQ(c.end_offset_for(5, 50), (epoch_end{5, 50}));  // the latest ends at the log end
  EXPECT_EQ(c.end_offset_for(9, 50), (epoch_end{5, 50}));
  EXPECT_TRUE(leader_epoch_cache({{3, 7}}).end_offset_for(2, 50).undefined());
  EXPECT_TRUE(leader_epoch_cache{}.end_offset_for(0, 0).undefined());
}

TEST(LeaderEpochCache, AssignDropsTheHistoryItReplaces) {
  leader_epoch_cache c({{0, 0}, {2, 10}, {5, 30}});
  EXPECT_FALSE(c.assign(5, 40));  // known, started earlier
  EXPECT_TRUE(c.assign(6, 40));
  EXPECT_EQ(c.latest_epoch(), 6);
  // An epoch that starts below later entries replaces them (a diverged suffix).
  EXPECT_TRUE(c.assign(3, 20));
  EXPECT_EQ(c.entries(), (std::vector<epoch_entry>{{0, 0}, {2, 10}, {3, 20}}));
  EXPECT_FALSE(c.assign(-1, 99));
}

TEST(LeaderEpochCache, TruncationFromEitherEnd) {
  leader_epoch_cache c({{0, 0}, {2, 10}, {5, 30}});
  EXPECT_TRUE(c.truncate_from_end(30));
  EXPECT_EQ(c.entries(), (std::vector<epoch_entry>{{0, 0}, {2, 10}}));
  EXPECT_FALSE(c.truncate_from_end(31));
  EXPECT_TRUE(c.truncate_from_start(15));
  EXPECT_EQ(c.entries(), (std::vector<epoch_entry>{{2, 15}}));
  EXPECT_EQ(c.epoch_at(14), -1);
  EXPECT_EQ(c.epoch_at(20), 2);
}

TEST(LeaderEpochCache, FileRoundTripAndDamage) {
  temp_dir dir;
  leader_epoch_cache c({{1, 0}, {4, 17}});
  ASSERT_TRUE(c.save(dir.path()));
  bool missing = true;
  auto back = leader_epoch_cache::load(dir.path(), &missing);
  ASSERT_TRUE(back);
  EXPECT_FALSE(missing);
  EXPECT_EQ(back->entries(), c.entries());
  std::ofstream(dir.sub(leader_epoch_cache::file_name)) << "0\n2\n4 17\n1 0\n";
  EXPECT_FALSE(leader_epoch_cache::load(dir.path()));
  std::ofstream(dir.sub(leader_epoch_cache::file_name)) << "7\n";
  EXPECT_FALSE(leader_epoch_cache::load(dir.path()));
  temp_dir empty;
  auto none = leader_epoch_cache::load(empty.path(), &missing);
  ASSERT_TRUE(none);
  EXPECT_TRUE(missing);
  EXPECT_TRUE(none->entries().empty());
}

log_config cfg() {
  log_config c;
  c.segment_bytes = 4096;
  return c;
}

TEST(LogEpochs, LeaderAppendsStampTheirEpochAndTheCacheFollows) {
  temp_dir dir;
  auto log = test::open_log(dir.path(), cfg());
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->begin_epoch(3));
  EXPECT_EQ(log->epochs().entries(), (std::vector<epoch_entry>{{3, 0}}));
  auto b = test::single_record_batch(1000, "k", "v");
  ASSERT_TRUE(test::append_batch(*log, b));
  ASSERT_TRUE(test::append_batch(*log, b));
  ASSERT_TRUE(log->begin_epoch(7));
  ASSERT_TRUE(test::append_batch(*log, b));
  EXPECT_EQ(log->epochs().entries(), (std::vector<epoch_entry>{{3, 0}, {7, 2}}));
  auto r = log->read(2, 1 << 20);
  ASSERT_TRUE(r);
  auto h = validate_batch(r->bytes);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->partition_leader_epoch, 7);
  // Survives a restart, clean or not.
  log.reset();
  log = test::open_log(dir.path(), cfg());
  ASSERT_TRUE(log);
  EXPECT_EQ(log->epochs().entries(), (std::vector<epoch_entry>{{3, 0}, {7, 2}}));
}

TEST(LogEpochs, TruncationAndRecoveryCutTheCache) {
  temp_dir dir;
  auto log = test::open_log(dir.path(), cfg());
  ASSERT_TRUE(log);
  auto b = test::single_record_batch(1000, "k", "v");
  for (int32_t e : {1, 2, 3}) {
    ASSERT_TRUE(log->begin_epoch(e));
    ASSERT_TRUE(test::append_batch(*log, b));
    ASSERT_TRUE(test::append_batch(*log, b));
  }
  ASSERT_TRUE(log->truncate_to(3));
  EXPECT_EQ(log->epochs().entries(), (std::vector<epoch_entry>{{1, 0}, {2, 2}}));
  ASSERT_TRUE(log->truncate_fully(10));
  EXPECT_TRUE(log->epochs().entries().empty());
}

TEST(LogEpochs, LearnedFromBatchesWhenTheCheckpointIsMissing) {
  temp_dir dir;
  {
    auto log = test::open_log(dir.path(), cfg());
    ASSERT_TRUE(log);
    auto b = test::single_record_batch(1000, "k", "v");
    ASSERT_TRUE(log->begin_epoch(0));
    ASSERT_TRUE(test::append_batch(*log, b));
    ASSERT_TRUE(log->begin_epoch(4));
    ASSERT_TRUE(test::append_batch(*log, b));
    ASSERT_TRUE(test::append_batch(*log, b));
  }
  std::remove(dir.sub(leader_epoch_cache::file_name).c_str());
  auto log = test::open_log(dir.path(), cfg());
  ASSERT_TRUE(log);
  EXPECT_EQ(log->epochs().entries(), (std::vector<epoch_entry>{{0, 0}, {4, 1}}));
}

TEST(LogEpochs, FollowerAppendsKeepTheLeadersBytes) {
  temp_dir leader_dir;
  temp_dir follower_dir;
  auto leader = test::open_log(leader_dir.path(), cfg());
  auto follower = test::open_log(follower_dir.path(), cfg());
  ASSERT_TRUE(leader && follower);
  test::batch_generator gen(7);
  ASSERT_TRUE(leader->begin_epoch(2));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(test::append_batch(*leader, gen.next(1000 + i)));
  ASSERT_TRUE(leader->begin_epoch(5));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(test::append_batch(*leader, gen.next(2000 + i)));
  // Replicate in two chunks.
  int64_t offset = 0;
  while (offset < leader->log_end_offset()) {
    auto r = leader->read(offset, 300);
    ASSERT_TRUE(r);
    auto bytes = r->bytes;
    auto a = follower->append_replicated(bytes);
    ASSERT_TRUE(a) << a.err().to_string();
    EXPECT_EQ(bytes, r->bytes);  // stored untouched
    offset = r->next_offset;
  }
  EXPECT_EQ(follower->log_end_offset(), leader->log_end_offset());
  EXPECT_EQ(follower->epochs().entries(), leader->epochs().entries());
  EXPECT_EQ(test::read_all(*follower), test::read_all(*leader));
  // A batch that does not continue the log is refused, and nothing is written.
  auto first = leader->read(0, 1);
  ASSERT_TRUE(first);
  auto again = first->bytes;
  auto refused = follower->append_replicated(again);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().code, errc::invalid_batch);
  EXPECT_EQ(follower->log_end_offset(), leader->log_end_offset());
}

}  // namespace
}  // namespace fluxo::storage

namespace fluxo::storage {
namespace {

TEST(LogEpochs, TruncatingAtTheLogEndDropsEpochsThatWroteNothing) {
  temp_dir dir;
  auto log = test::open_log(dir.path(), log_config{});
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->begin_epoch(1));
  ASSERT_TRUE(test::append_batch(*log, test::single_record_batch(1000, "k", "v")));
  ASSERT_TRUE(log->begin_epoch(3));  // led at epoch 3, wrote nothing
  EXPECT_EQ(log->epochs().entries(), (std::vector<epoch_entry>{{1, 0}, {3, 1}}));
  ASSERT_TRUE(log->truncate_to(1));
  EXPECT_EQ(log->epochs().entries(), (std::vector<epoch_entry>{{1, 0}}));
  EXPECT_EQ(log->log_end_offset(), 1);
}

}  // namespace
}  // namespace fluxo::storage
