// partition_state without an actor system: appends, idempotent producers, long-poll
// bookkeeping, acks=all durability and error mapping.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "actors/partition/partition_state.hpp"
#include "actors/common/partitioner.hpp"
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
