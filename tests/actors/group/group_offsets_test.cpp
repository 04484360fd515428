// consumer_group: OffsetCommit / OffsetFetch validation, deletion, replay after a restart.
#include <gtest/gtest.h>

#include "actors/group/group_records.hpp"
#include "tests/actors/group/group_harness.hpp"

namespace fluxo::group::testing {
namespace {

offset_commit_partition part(const std::string& topic, int32_t p, int64_t offset,
                             std::string metadata = {}) {
  return {topic, p, offset, -1, std::move(metadata)};
}

std::vector<kafka_error> errors(const offset_commit_reply& r) {
  std::vector<kafka_error> out;
  for (const auto& p : r.partitions) out.push_back(p.error);
  return out;
}

TEST(GroupOffsets, CommitInStableGroupIsStoredAndFetched) {
  harness h;
  auto ids = h.stable_group(1);
  h.now = 1234;
  const size_t before = h.records.size();
  const request_id c = h.commit(ids[0], 1, {part("t", 0, 42, "m"), part("t", 1, 7)});
  EXPECT_EQ(errors(h.get<offset_commit_reply>(c)),
            (std::vector<kafka_error>{kafka_error::none, kafka_error::none}));
  ASSERT_EQ(h.records.size(), before + 2);
  const auto& rec = std::get<offset_commit_record>(h.records[before]);
  EXPECT_EQ(rec, (offset_commit_record{"g1", "t", 0, false, 42, -1, "m", 1234}));

  const offset_fetch_reply all = h.g.fetch_offsets({});
  ASSERT_EQ(all.partitions.size(), 2u);
  EXPECT_EQ(all.partitions[0].offset, 42);
  EXPECT_EQ(all.partitions[0].metadata, "m");
  EXPECT_EQ(all.partitions[1].offset, 7);
  const offset_fetch_reply some = h.g.fetch_offsets(
      offset_fetch_request{std::vector<topic_partition>{{"t", 1}, {"u", 0}}});
  ASSERT_EQ(some.partitions.size(), 2u);
  EXPECT_EQ(some.partitions[0].offset, 7);
  EXPECT_EQ(some.partitions[1].topic, "u");
  EXPECT_EQ(some.partitions[1].offset, -1);  // nothing committed
  EXPECT_EQ(some.partitions[1].error, kafka_error::none);
}

TEST(GroupOffsets, CommitCountsAsHeartbeat) {
  harness h;
  auto ids = h.stable_group(1);
  h.advance(9000);
  h.commit(ids[0], 1, {part("t", 0, 1)});
  h.advance(9000);
  EXPECT_TRUE(h.g.has_member(ids[0]));
}

TEST(GroupOffsets, SimpleCommitAllowedOnlyWhenEmpty) {
  harness h;
  const request_id c = h.commit("", -1, {part("t", 0, 5)});
  EXPECT_EQ(errors(h.get<offset_commit_reply>(c)), std::vector<kafka_error>{kafka_error::none});
  EXPECT_TRUE(h.g.exists());
  EXPECT_EQ(h.g.state(), group_state::empty);
  h.stable_group(1);
  const request_id c2 = h.commit("", -1, {part("t", 0, 6)});
  EXPECT_EQ(errors(h.get<offset_commit_reply>(c2)),
            std::vector<kafka_error>{kafka_error::unknown_member_id});
  EXPECT_EQ(h.g.fetch_offsets({}).partitions[0].offset, 5);
}

TEST(GroupOffsets, GenerationAndMembershipAreValidated) {
  harness h;
  auto ids = h.stable_group(2);
  auto err = [&](request_id rid) { return errors(h.get<offset_commit_reply>(rid)).at(0); };
  EXPECT_EQ(err(h.commit(ids[1], 0, {part("t", 0, 1)})), kafka_error::illegal_generation);
  EXPECT_EQ(err(h.commit("nobody", 1, {part("t", 0, 1)})), kafka_error::unknown_member_id);
  EXPECT_EQ(err(h.commit(ids[1], 1, {part("", 0, 1)})), kafka_error::unknown_topic_or_partition);
  EXPECT_EQ(err(h.commit(ids[1], 1, {part("t", -1, 1)})), kafka_error::unknown_topic_or_partition);
  EXPECT_EQ(err(h.commit(ids[1], 1, {part("t", 0, 1, std::string(4097, 'x'))})),
            kafka_error::offset_metadata_too_large);
  // PreparingRebalance: still allowed (the heartbeat tells the member to rejoin).
  h.join(consumer_join(ids[0]));
  EXPECT_EQ(err(h.commit(ids[1], 1, {part("t", 0, 2)})), kafka_error::none);
  // CompletingRebalance: REBALANCE_IN_PROGRESS.
  h.join(consumer_join(ids[1]));
  ASSERT_EQ(h.g.state(), group_state::completing_rebalance);
  EXPECT_EQ(err(h.commit(ids[1], 2, {part("t", 0, 3)})), kafka_error::rebalance_in_progress);
  EXPECT_EQ(h.g.fetch_offsets({}).partitions.at(0).offset, 2);
}

TEST(GroupOffsets, DeleteGroupRequiresEmpty) {
  harness h;
  EXPECT_EQ(h.get<delete_group_reply>(h.delete_group()).error, kafka_error::group_id_not_found);
  auto ids = h.stable_group(1);
  h.commit(ids[0], 1, {part("t", 0, 1), part("u", 3, 9)});
  EXPECT_EQ(h.get<delete_group_reply>(h.delete_group()).error, kafka_error::non_empty_group);
  h.leave({ids[0]});
  const size_t before = h.records.size();
  EXPECT_EQ(h.get<delete_group_reply>(h.delete_group()).error, kafka_error::none);
  ASSERT_EQ(h.records.size(), before + 3);  // two offset tombstones and the group tombstone
  EXPECT_TRUE(std::get<offset_commit_record>(h.records[before]).tombstone);
  EXPECT_TRUE(std::get<group_metadata_record>(h.records.back()).tombstone);
  EXPECT_EQ(h.g.state(), group_state::dead);
  EXPECT_EQ(h.get<delete_group_reply>(h.delete_group()).error, kafka_error::group_id_not_found);
}

TEST(GroupOffsets, DeletedTopicOffsetsAreRemoved) {
  harness h;
  auto ids = h.stable_group(1);
  h.commit(ids[0], 1, {part("t", 0, 1), part("t", 1, 2), part("u", 0, 3)});
  const size_t before = h.records.size();
  h.apply(h.g.delete_topic_offsets(h.now, "t"));
  ASSERT_EQ(h.records.size(), before + 2);
  const auto& tomb = std::get<offset_commit_record>(h.records[before]);
  EXPECT_TRUE(tomb.tombstone);
  EXPECT_EQ(tomb.topic, "t");
  ASSERT_EQ(h.g.fetch_offsets({}).partitions.size(), 1u);
  EXPECT_EQ(h.g.state(), group_state::stable);
  // An Empty group left without offsets is cleaned up like Kafka does.
  h.leave({ids[0]});
  h.apply(h.g.delete_topic_offsets(h.now, "u"));
  EXPECT_EQ(h.g.state(), group_state::dead);
  EXPECT_TRUE(std::get<group_metadata_record>(h.records.back()).tombstone);
}

TEST(GroupReplay, RestoresOffsetsAndGenerationAsAnEmptyGroup) {
  harness h;
  auto ids = h.stable_group(2);
  h.commit(ids[0], 1, {part("t", 0, 10), part("t", 1, 11)});
  h.commit(ids[1], 1, {part("t", 0, 12, "last")});
  h.apply(h.g.delete_topic_offsets(h.now, "gone"));
  h.commit(ids[1], 1, {part("gone", 0, 1)});
  h.apply(h.g.delete_topic_offsets(h.now, "gone"));

  // Restart: a fresh group reads the records back (through their encoding).
  consumer_group restored("g1");
  for (const auto& rec : h.records) {
    const encoded_record e = encode_record(rec);
    auto decoded = decode_record(e.key, e.value);
    ASSERT_TRUE(decoded.has_value());
    restored.replay(*decoded);
  }
  EXPECT_EQ(restored.state(), group_state::empty);
  EXPECT_EQ(restored.generation(), 1);
  EXPECT_EQ(restored.protocol_type(), "consumer");
  EXPECT_EQ(restored.member_count(), 0u);
  const auto fetched = restored.fetch_offsets({});
  ASSERT_EQ(fetched.partitions.size(), 2u);
  EXPECT_EQ(fetched.partitions[0].offset, 12);
  EXPECT_EQ(fetched.partitions[0].metadata, "last");
  EXPECT_EQ(fetched.partitions[1].offset, 11);

  // Old members are unknown and rejoin as new ones into the next generation.
  effects fx = restored.heartbeat(0, 1, {ids[0], 1});
  EXPECT_EQ(std::get<heartbeat_reply>(fx.replies.at(0).body).error,
            kafka_error::unknown_member_id);
  fx = restored.join(0, 2, consumer_join(""));
  EXPECT_EQ(std::get<join_reply>(fx.replies.at(0).body).generation_id, 2);
}

TEST(GroupReplay, GroupTombstoneResetsTheGeneration) {
  consumer_group g("g1");
  group_metadata_record rec;
  rec.group = "g1";
  rec.generation_id = 5;
  rec.protocol_type = "consumer";
  g.replay(rec);
  EXPECT_EQ(g.generation(), 5);
  EXPECT_TRUE(g.exists());
  rec.tombstone = true;
  g.replay(rec);
  EXPECT_EQ(g.generation(), 0);
  EXPECT_FALSE(g.exists());
}

}  // namespace
}  // namespace fluxo::group::testing
