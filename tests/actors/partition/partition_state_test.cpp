// partition_state without an actor system: appends, idempotent producers, long-poll
// bookkeeping, acks=all durability and error mapping.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <unistd.h>

#include "actors/partition/partition_state.hpp"
#include "actors/common/partitioner.hpp"
#include "storage/offset_snapshots.hpp"
#include "storage/record_batch.hpp"

using namespace fluxo::actors;
using namespace fluxo::storage;

namespace {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() /
           ("fluxo-ps-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

std::vector<char> batch(int records, int64_t pid = -1, int16_t epoch = 0, int32_t seq = 0, std::string value = "v") {
  batch_options o;
  o.producer_id = pid;
  o.producer_epoch = pid >= 0 ? epoch : -1;
  o.base_sequence = pid >= 0 ? seq : -1;
  batch_builder b(o);
  for (int i = 0; i < records; ++i) b.append(1000 + i, "k" + std::to_string(i), value);
  return *b.build();
}

struct fixture : ::testing::Test {
  temp_dir dir;
  topic_config cfg;
  std::unique_ptr<partition_state> ps;
  void SetUp() override { reopen(); }
  void reopen() {
    ps.reset();
    auto log = partition_log::open(dir.path.string(), make_log_config(cfg));
    ASSERT_TRUE(log.ok()) << log.err().to_string();
    ps = std::make_unique<partition_state>(partition_id{"t", 0}, std::move(*log), cfg);
  }
  produce_reply append(std::vector<char> b, int8_t acks = 1) { return ps->append(b, acks, 0).reply; }
};

}  // namespace

TEST_F(fixture, AppendAssignsOffsetsAndReadReturnsThem) {
  auto r1 = append(batch(3));
  auto r2 = append(batch(2));
  EXPECT_EQ(r1.error_code, 0);
  EXPECT_EQ(r1.base_offset, 0);
  EXPECT_EQ(r1.last_offset, 2);
  EXPECT_EQ(r2.base_offset, 3);
  auto f = ps->read({0, 1 << 20, 0, 1});
  EXPECT_EQ(f.error_code, 0);
  EXPECT_EQ(f.high_watermark, 5);
  EXPECT_EQ(f.last_stable_offset, 5);
  EXPECT_EQ(f.next_offset, 5);
  EXPECT_FALSE(f.records.empty());
}

TEST_F(fixture, CorruptBatchIsRejectedWithCorruptMessage) {
  auto b = batch(2);
  b[b.size() - 1] ^= 0x40;
  auto r = append(b);
  EXPECT_EQ(r.error_code, code(kafka_error::corrupt_message));
  EXPECT_EQ(ps->log().log_end_offset(), 0);
}

TEST_F(fixture, OversizedBatchIsRejectedWithMessageTooLarge) {
  cfg.max_message_bytes = 200;
  reopen();
  auto r = append(batch(1, -1, 0, 0, std::string(500, 'x')));
  EXPECT_EQ(r.error_code, code(kafka_error::message_too_large));
  EXPECT_NE(r.error_message.find("max.message.bytes"), std::string::npos);
}

TEST_F(fixture, InvalidAcksIsRejected) { EXPECT_EQ(append(batch(1), 3).error_code, code(kafka_error::invalid_required_acks)); }

TEST_F(fixture, IdempotentDuplicateReturnsOriginalOffsetsWithoutAppending) {
  auto first = append(batch(3, 7, 0, 0));
  ASSERT_EQ(first.error_code, 0);
  auto again = append(batch(3, 7, 0, 0));
  EXPECT_EQ(again.error_code, 0);
  EXPECT_EQ(again.base_offset, first.base_offset);
  EXPECT_EQ(again.last_offset, first.last_offset);
  EXPECT_EQ(ps->log().log_end_offset(), 3);
}

TEST_F(fixture, OutOfOrderSequenceIsRejected) {
  ASSERT_EQ(append(batch(3, 7, 0, 0)).error_code, 0);
  EXPECT_EQ(append(batch(1, 7, 0, 5)).error_code, code(kafka_error::out_of_order_sequence_number));
  EXPECT_EQ(append(batch(1, 7, 0, 3)).error_code, 0);
}

TEST_F(fixture, UnknownProducerMustStartAtZero) {
  EXPECT_EQ(append(batch(1, 9, 0, 4)).error_code, code(kafka_error::unknown_producer_id));
}

TEST_F(fixture, StaleEpochIsFencedAndNewEpochRestartsAtZero) {
  ASSERT_EQ(append(batch(1, 7, 1, 0)).error_code, 0);
  EXPECT_EQ(append(batch(1, 7, 0, 1)).error_code, code(kafka_error::invalid_producer_epoch));
  EXPECT_EQ(append(batch(1, 7, 2, 5)).error_code, code(kafka_error::out_of_order_sequence_number));
  EXPECT_EQ(append(batch(1, 7, 2, 0)).error_code, 0);
}

TEST_F(fixture, SeveralBatchesOfOneProducerInOneRequest) {
  auto b = batch(2, 5, 0, 0);
  auto c = batch(3, 5, 0, 2);
  b.insert(b.end(), c.begin(), c.end());
  auto r = append(b);
  ASSERT_EQ(r.error_code, 0) << r.error_message;
  EXPECT_EQ(r.base_offset, 0);
  EXPECT_EQ(r.last_offset, 4);
  // The whole request retried: recognised as a duplicate.
  auto again = append(b);
  EXPECT_EQ(again.error_code, 0);
  EXPECT_EQ(ps->log().log_end_offset(), 5);
}

TEST_F(fixture, ProducerStateSurvivesRestart) {
  ASSERT_EQ(append(batch(2, 11, 0, 0)).error_code, 0);
  reopen();
  auto dup = append(batch(2, 11, 0, 0));
  EXPECT_EQ(dup.error_code, 0);
  EXPECT_EQ(dup.base_offset, 0);
  EXPECT_EQ(ps->log().log_end_offset(), 2);
  EXPECT_EQ(append(batch(1, 11, 0, 3)).error_code, code(kafka_error::out_of_order_sequence_number));
}

std::vector<uint64_t> tokens(const std::vector<partition_state::ack_result>& acks) {
  std::vector<uint64_t> out;
  for (const auto& a : acks) {
    EXPECT_EQ(a.error, kafka_error::none);
    out.push_back(a.token);
  }
  return out;
}

TEST_F(fixture, AcksAllWaitsForAFlushThatCoversTheAppend) {
  auto first = batch(2);
  auto out = ps->append(first, -1, 0);
  ASSERT_TRUE(out.wait_for_ack);
  ps->await_ack(1, out.reply.last_offset, 30000);
  EXPECT_TRUE(ps->take_acks(0).empty());
  auto job = ps->start_flush_if_due(0);
  ASSERT_TRUE(job.has_value());
  EXPECT_FALSE(ps->start_flush_if_due(0).has_value()) << "one flush in flight at a time";
  // An append while the flush runs is not covered by it.
  auto second = batch(1);
  auto later = ps->append(second, -1, 0);
  ps->await_ack(2, later.reply.last_offset, 30000);
  ps->finish_flush(*job, job->run());
  EXPECT_EQ(tokens(ps->take_acks(0)), std::vector<uint64_t>{1});
  auto next = ps->start_flush_if_due(0);
  ASSERT_TRUE(next.has_value());
  ps->finish_flush(*next, next->run());
  EXPECT_EQ(tokens(ps->take_acks(0)), std::vector<uint64_t>{2});
  // An ack that waits longer than its timeout fails with REQUEST_TIMED_OUT.
  auto third = batch(1);
  auto late = ps->append(third, -1, 0);
  ps->await_ack(3, late.reply.last_offset, 500);
  EXPECT_TRUE(ps->take_acks(499).empty());
  auto timed_out = ps->take_acks(500);
  ASSERT_EQ(timed_out.size(), 1u);
  EXPECT_EQ(timed_out[0].error, kafka_error::request_timed_out);
}

TEST_F(fixture, ParkedFetchIsReadyWhenDataArrivesOrDeadlinePasses) {
  fetch_request at_end{0, 1 << 20, 500, 1};
  EXPECT_FALSE(ps->can_answer(at_end));
  ps->park(1, at_end, 1000);
  ps->park(2, fetch_request{0, 1 << 20, 100, 1}, 1000);
  EXPECT_TRUE(ps->take_ready_fetches(1050).empty());
  EXPECT_EQ(ps->next_fetch_deadline(), 1100);
  EXPECT_EQ(ps->take_ready_fetches(1100), std::vector<uint64_t>{2});
  ASSERT_TRUE(ps->unpark(2).has_value());
  append(batch(1));
  EXPECT_EQ(ps->take_ready_fetches(1101), std::vector<uint64_t>{1});
}

TEST_F(fixture, ParkedFetchWaitsForMinBytes) {
  append(batch(1));
  fetch_request r{0, 1 << 20, 1000, 2000};
  EXPECT_FALSE(ps->can_answer(r));
  ps->park(1, r, 0);
  EXPECT_TRUE(ps->take_ready_fetches(10).empty());
  append(batch(40, -1, 0, 0, std::string(100, 'y')));
  EXPECT_EQ(ps->take_ready_fetches(20), std::vector<uint64_t>{1});
}

TEST_F(fixture, FetchOutOfRangeAnswersAtOnceWithTheError) {
  append(batch(1));
  fetch_request r{5, 1 << 20, 1000, 1};
  EXPECT_TRUE(ps->can_answer(r));
  EXPECT_EQ(ps->read(r).error_code, code(kafka_error::offset_out_of_range));
}

TEST_F(fixture, ListOffsetsEarliestLatestAndByTimestamp) {
  append(batch(3));  // timestamps 1000..1002
  EXPECT_EQ(ps->list_offsets(-2).offset, 0);
  EXPECT_EQ(ps->list_offsets(-1).offset, 3);
  EXPECT_EQ(ps->list_offsets(1001).offset, 1);
  EXPECT_EQ(ps->list_offsets(99999).offset, -1);
}

TEST(partitioner, Murmur2MatchesKafkaVectors) {
  EXPECT_EQ(murmur2("kafka"), 0xd067cf64u);
  EXPECT_EQ(murmur2(""), 0x106e08d9u);
  EXPECT_EQ(murmur2("k1"), 0x64607d29u);
  EXPECT_EQ(partition_for_key("kafka", 1), 0);
  EXPECT_EQ(partition_for_key("kafka", 10), static_cast<int32_t>((0xd067cf64u & 0x7fffffffu) % 10));
}

TEST(producer_state, SequenceWrapsAround) {
  producer_state_table t;
  t.record({1, 0, INT32_MAX - 1, INT32_MAX}, 0, 1);
  EXPECT_EQ(t.check({1, 0, 0, 3}).error, kafka_error::none);
  EXPECT_EQ(t.check({1, 0, 1, 3}).error, kafka_error::out_of_order_sequence_number);
}

TEST(producer_state, ARefusedBatchFencesTheRequestsPipelinedBehindIt) {
  producer_state_table t;
  t.record({7, 0, 0, 229}, 0, 229);
  // As a follower this replica refused 230..232; it leads now, and 233..666 (sent behind it)
  // arrives first: the client will resend 230, so 233 is told to go away, not OUT_OF_ORDER.
  t.refused({7, 0, 230, 232}, 1000);
  EXPECT_EQ(t.check({7, 0, 233, 666}, 1001).error, kafka_error::not_leader_or_follower);
  EXPECT_EQ(t.check({7, 0, 230, 232}, 1002).error, kafka_error::none) << "the resend is in order";
  t.record({7, 0, 230, 232}, 230, 232);
  EXPECT_EQ(t.check({7, 0, 233, 666}, 1003).error, kafka_error::none);
  EXPECT_EQ(t.check({7, 0, 300, 666}, 1003).error, kafka_error::out_of_order_sequence_number)
      << "the fence went with the resend: a real gap is out of order";
}

TEST(producer_state, TheFenceHoldsOnlyForTheSameEpochAndNotForever) {
  producer_state_table t;
  t.record({7, 0, 0, 9}, 0, 9);
  t.refused({7, 0, 10, 19}, 1000);
  t.refused({7, 0, 20, 29}, 1001);  // the earliest refused batch is the one that counts
  EXPECT_EQ(t.check({7, 0, 20, 29}, 1002).error, kafka_error::not_leader_or_follower);
  EXPECT_EQ(t.check({7, 1, 5, 9}, 1002).error, kafka_error::out_of_order_sequence_number)
      << "another epoch starts at 0";
  EXPECT_EQ(t.check({7, 0, 20, 29}, 1000 + producer_state_table::refused_fence_ms + 1).error,
            kafka_error::out_of_order_sequence_number);
  // A refusal that is not where the log ends (the log has it already) fences nothing.
  producer_state_table u;
  u.record({8, 0, 0, 9}, 0, 9);
  u.refused({8, 0, 5, 9}, 1000);
  EXPECT_EQ(u.check({8, 0, 12, 14}, 1001).error, kafka_error::out_of_order_sequence_number);
  // Unknown producer whose first batch was refused.
  producer_state_table w;
  w.refused({9, 0, 0, 4}, 1000);
  EXPECT_EQ(w.check({9, 0, 5, 9}, 1001).error, kafka_error::not_leader_or_follower);
  EXPECT_EQ(w.check({9, 0, 0, 4}, 1001).error, kafka_error::none);
}

TEST(producer_state, SequenceAfterWraps) {
  EXPECT_TRUE(sequence_after(1, 0));
  EXPECT_FALSE(sequence_after(0, 0));
  EXPECT_FALSE(sequence_after(0, 1));
  EXPECT_TRUE(sequence_after(0, INT32_MAX));
  EXPECT_TRUE(sequence_after(3, INT32_MAX - 2));
}

TEST(producer_state, AFrontEndFencesWhatWasSentBehindABatchItRefused) {
  producer_state_table t;  // no producer state: only refusals, as the Kafka listener keeps them
  EXPECT_FALSE(t.behind_refused({7, 0, 233, 236}, 1000));
  t.refused({7, 0, 230, 232}, 1000);
  EXPECT_TRUE(t.behind_refused({7, 0, 233, 236}, 1001));
  EXPECT_FALSE(t.behind_refused({8, 0, 233, 236}, 1001)) << "another producer";
  EXPECT_FALSE(t.behind_refused({7, 0, 230, 232}, 1002)) << "the resend lifts the fence";
  EXPECT_FALSE(t.behind_refused({7, 0, 233, 236}, 1003));
  t.refused({7, 0, 240, 241}, 2000);
  EXPECT_FALSE(t.behind_refused({7, 1, 0, 3}, 2001)) << "a new epoch lifts it";
}

// ---- producer snapshots (actors/partition/producer_state.hpp) ---------------------------------

namespace {

// Small segments (16 KiB, the minimum) and 4 KiB values: a roll every few batches.
struct snapshot_fixture : fixture {
  void SetUp() override {
    cfg.segment_bytes = 1 << 14;
    reopen();
  }
  static std::vector<char> big(int64_t pid, int32_t seq) { return batch(1, pid, 0, seq, std::string(4000, 'x')); }
  std::vector<int64_t> snapshots() const { return offset_snapshots(dir.path.string()).offsets(); }
  // The producer table rebuilt from the whole log, as the broker did before snapshots.
  producer_state_table full_replay() {
    producer_state_table t;
    auto& log = ps->log();
    for (int64_t o = log.log_start_offset(); o < log.log_end_offset();) {
      auto r = log.read(o, 1 << 20);
      if (!r || r->bytes.empty()) break;
      batch_cursor cursor(r->bytes);
      while (auto b = cursor.next()) t.record(producer_meta(b->first), b->first.base_offset, b->first.last_offset());
      o = r->next_offset;
    }
    return t;
  }
};

}  // namespace

TEST(producer_state, EncodeRestoreRoundTripsAndRejectsGarbage) {
  producer_state_table t;
  for (int32_t seq = 0; seq < 8; ++seq) t.record({5, 1, seq * 2, seq * 2 + 1}, seq * 10, seq * 10 + 1, 100);
  t.record({9, 0, 0, 0}, 200, 200);
  t.record({INT64_MAX - 1, 32767, INT32_MAX, 3}, 300, 304);  // a wrapped sequence
  auto payload = t.encode();
  producer_state_table back;
  ASSERT_TRUE(back.restore(payload));
  EXPECT_TRUE(back.same_producers(t));
  EXPECT_EQ(back.check({5, 1, 12, 13}).duplicate_of, std::make_optional(std::make_pair<int64_t, int64_t>(60, 61)));
  EXPECT_EQ(back.check({5, 1, 16, 16}).error, kafka_error::none);
  EXPECT_EQ(back.check({5, 0, 16, 16}).error, kafka_error::invalid_producer_epoch);
  // Truncated, extended or mislabelled payloads change nothing.
  for (auto bad : {std::vector<char>(payload.begin(), payload.end() - 1), std::vector<char>{}}) {
    producer_state_table other;
    other.record({1, 0, 0, 0}, 0, 0);
    EXPECT_FALSE(other.restore(bad));
    EXPECT_EQ(other.size(), 1u);
  }
  auto longer = payload;
  longer.push_back(0);
  EXPECT_FALSE(back.restore(longer));
  auto version = payload;
  version[1] = 2;
  EXPECT_FALSE(back.restore(version));
  EXPECT_TRUE(back.same_producers(t));
}

TEST(producer_state, IdleProducersExpireAndRestoredOnesStartTheirClockAtTheNextCheck) {
  producer_state_table t;
  t.record({1, 0, 0, 0}, 0, 0, 1000);
  t.record({2, 0, 0, 0}, 1, 1, 50'000);
  t.record({3, 0, 0, 0}, 2, 2);  // replayed: time unknown
  EXPECT_EQ(t.expire(1000 + 40'000, 40'000), 0u);
  EXPECT_EQ(t.expire(1000 + 40'001, 40'000), 1u) << "producer 1 idle for longer than the limit";
  EXPECT_EQ(t.expire(50'000 + 40'001, 40'000), 2u) << "producer 2, and 3 whose clock started at 41 001";
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.check({1, 0, 1, 1}).error, kafka_error::unknown_producer_id);
}

TEST_F(snapshot_fixture, SnapshotsAreTakenAtRollsAndCloseSoACleanRestartReplaysNothing) {
  for (int32_t seq = 0; seq < 12; ++seq) ASSERT_EQ(append(big(11, seq)).error_code, 0) << seq;
  ASSERT_GE(ps->log().segment_bases().size(), 3u);
  const auto at_rolls = snapshots();
  EXPECT_GE(at_rolls.size(), 2u) << "one per roll";
  for (auto o : at_rolls) EXPECT_NE(std::find(ps->log().segment_bases().begin(), ps->log().segment_bases().end(), o),
                                    ps->log().segment_bases().end())
      << "taken when the segment at " << o << " started";
  ASSERT_TRUE(ps->close().ok());
  EXPECT_EQ(snapshots().back(), 12) << "and one at close, at the log end";
  reopen();
  EXPECT_EQ(ps->last_producer_restore().snapshot_offset, 12);
  EXPECT_EQ(ps->last_producer_restore().replayed_bytes, 0u);
  EXPECT_TRUE(ps->producers().same_producers(full_replay()));
  auto dup = append(big(11, 11));
  EXPECT_EQ(dup.error_code, 0);
  EXPECT_EQ(dup.base_offset, 11) << "the last batch is recognised as a duplicate";
  EXPECT_EQ(append(big(11, 13)).error_code, code(kafka_error::out_of_order_sequence_number));
  EXPECT_EQ(append(big(11, 12)).error_code, 0);
}

TEST_F(snapshot_fixture, WithoutACloseOnlyTheLogAfterTheLatestSnapshotIsReplayed) {
  for (int32_t seq = 0; seq < 10; ++seq) ASSERT_EQ(append(big(3, seq)).error_code, 0);
  ASSERT_EQ(append(batch(2, 4, 0, 0)).error_code, 0);
  const auto latest = snapshots().back();
  ASSERT_GT(latest, 0);
  ASSERT_LT(latest, 11);
  reopen();  // the log is closed by its destructor, the partition never wrote its close snapshot
  EXPECT_EQ(ps->last_producer_restore().snapshot_offset, latest);
  EXPECT_GT(ps->last_producer_restore().replayed_bytes, 0u);
  EXPECT_LT(ps->last_producer_restore().replayed_bytes, 3u * 4100) << "about one segment, not the log";
  EXPECT_TRUE(ps->producers().same_producers(full_replay()));
  EXPECT_EQ(ps->producers().size(), 2u);
}

TEST_F(snapshot_fixture, ProducersOutliveTheSegmentsRetentionDeletes) {
  cfg.retention_bytes = 1 << 15;
  reopen();
  ASSERT_EQ(append(batch(2, 7, 0, 0)).error_code, 0);  // offsets 0-1
  for (int32_t seq = 0; seq < 20; ++seq) ASSERT_EQ(append(big(8, seq)).error_code, 0);
  ps->housekeeping(0);
  ASSERT_GT(ps->log().log_start_offset(), 1) << "producer 7's batch was deleted";
  ASSERT_TRUE(ps->close().ok());
  // Snapshots below the log start are gone but the newest of them.
  const auto start = ps->log().log_start_offset();
  int below = 0;
  for (auto o : snapshots()) below += o < start ? 1 : 0;
  EXPECT_LE(below, 1);
  // The same log without its snapshots is what the broker had before them: producer 7 unknown.
  temp_dir bare;
  std::filesystem::copy(dir.path, bare.path);
  for (auto o : offset_snapshots(bare.path.string()).offsets()) {
    std::filesystem::remove(offset_snapshots(bare.path.string()).path_of(o));
  }
  {
    auto log = partition_log::open(bare.path.string(), make_log_config(cfg));
    ASSERT_TRUE(log.ok());
    partition_state without(partition_id{"t", 0}, std::move(*log), cfg);
    auto b = batch(1, 7, 0, 2);
    EXPECT_EQ(without.append(b, 1, 0).reply.error_code, code(kafka_error::unknown_producer_id));
  }
  reopen();
  auto retry = append(batch(2, 7, 0, 0));
  EXPECT_EQ(retry.error_code, 0) << "a retry of the deleted batch is still a duplicate";
  EXPECT_EQ(retry.base_offset, 0);
  EXPECT_EQ(append(batch(1, 7, 0, 2)).error_code, 0) << "and the next sequence continues";
}

TEST_F(snapshot_fixture, DamagedOrStaleSnapshotsAreNotTrusted) {
  for (int32_t seq = 0; seq < 10; ++seq) ASSERT_EQ(append(big(21, seq)).error_code, 0);
  ASSERT_TRUE(ps->close().ok());
  offset_snapshots snaps(dir.path.string());
  const auto newest = snaps.offsets().back();
  ASSERT_EQ(newest, 10);
  // The newest fails its CRC; one claims an offset past the log end (as after a crash that cut
  // the log's unflushed tail).
  std::filesystem::resize_file(snaps.path_of(newest), std::filesystem::file_size(snaps.path_of(newest)) - 1);
  ASSERT_TRUE(snaps.write(500, producer_state_table{}.encode()).ok());
  reopen();
  EXPECT_LT(ps->last_producer_restore().snapshot_offset, 10);
  EXPECT_GT(ps->last_producer_restore().replayed_bytes, 0u);
  EXPECT_TRUE(ps->producers().same_producers(full_replay()));
  EXPECT_EQ(ps->producers().size(), 1u);
  for (auto o : snaps.offsets()) EXPECT_LE(o, ps->log().log_end_offset());
}

// Random appends from a few producers (duplicates and new epochs included), rolls, restarts
// with and without a close: the restored table always equals a replay of the whole log.
TEST_F(snapshot_fixture, RestoredStateEqualsAFullReplayAcrossRandomRestarts) {
  std::mt19937 rng(20261204);
  struct producer {
    int16_t epoch = 0;
    int32_t next = 0;
  };
  std::map<int64_t, producer> producers{{100, {}}, {200, {}}, {300, {}}};
  int restarts = 0;
  for (int step = 0; step < 300; ++step) {
    const auto pid = 100 * static_cast<int64_t>(1 + rng() % 3);
    auto& p = producers[pid];
    const auto roll = rng() % 10;
    if (roll == 0 && p.next > 0) {
      auto dup = append(batch(1, pid, p.epoch, p.next - 1, std::string(rng() % 3000, 'd')));
      (void)dup;  // a duplicate only if it has the same size; either way the table must follow
    } else if (roll == 1) {
      ++p.epoch;
      p.next = 0;
    } else {
      const int n = 1 + static_cast<int>(rng() % 3);
      auto r = append(batch(n, pid, p.epoch, p.next, std::string(rng() % 3000, 'v')));
      ASSERT_EQ(r.error_code, 0) << "step " << step;
      p.next += n;
    }
    if (rng() % 25 == 0) {
      if (rng() % 2 == 0) {
        ASSERT_TRUE(ps->close().ok());
      }
      reopen();
      ++restarts;
      ASSERT_TRUE(ps->producers().same_producers(full_replay())) << "after restart " << restarts;
    }
  }
  EXPECT_GT(restarts, 5);
  EXPECT_GT(ps->log().segment_bases().size(), 10u);
  ASSERT_TRUE(ps->close().ok());
  reopen();
  EXPECT_TRUE(ps->producers().same_producers(full_replay()));
}

// A producer resending two batches that were appended by separate requests (another producer's
// batch between them): both are duplicates, and acks=all waits for the later one too.
TEST_F(fixture, AResentRequestOfDuplicatesWaitsForItsLastBatch) {
  ASSERT_EQ(append(batch(2, 31, 0, 0)).error_code, 0);  // offsets 0-1
  ASSERT_EQ(append(batch(1, 32, 0, 0)).error_code, 0);  // offset 2
  ASSERT_EQ(append(batch(3, 31, 0, 2)).error_code, 0);  // offsets 3-5
  if (auto job = ps->start_flush_if_due(0)) ps->finish_flush(*job, job->run());
  ASSERT_EQ(append(batch(1, 33, 0, 0)).error_code, 0);  // offset 6, not flushed
  auto both = batch(2, 31, 0, 0);
  auto second = batch(3, 31, 0, 2);
  both.insert(both.end(), second.begin(), second.end());
  auto out = ps->append(both, -1, 0);
  EXPECT_EQ(out.reply.error_code, 0);
  EXPECT_EQ(out.reply.base_offset, 0);
  EXPECT_EQ(out.reply.last_offset, 5);
  EXPECT_EQ(ps->log().log_end_offset(), 7) << "nothing appended again";
}
