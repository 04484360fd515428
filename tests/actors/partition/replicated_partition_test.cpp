// Three partition_state replicas on real logs, wired by hand (no actors, no network): the
// leader serves the followers' fetches, acks=all waits for every in-sync replica's fsync,
// consumers see only what is below the high watermark, min.insync.replicas refuses or fails
// writes, a lagging follower leaves the ISR, and after a leader change the old leader's
// uncommitted tail is truncated while committed records and idempotent producers survive.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "actors/partition/partition_state.hpp"
#include "storage/record_batch.hpp"

using namespace fluxo::actors;
using namespace fluxo::storage;

namespace {

struct replica {
  std::filesystem::path dir;
  std::unique_ptr<partition_state> ps;
  int32_t id;
};

std::vector<char> batch(int records, int64_t pid = -1, int32_t seq = 0) {
  batch_options o;
  o.producer_id = pid;
  o.producer_epoch = pid >= 0 ? 0 : -1;
  o.base_sequence = pid >= 0 ? seq : -1;
  batch_builder b(o);
  for (int i = 0; i < records; ++i) b.append(1000 + i, "k", "value-" + std::to_string(i));
  return *b.build();
}

struct cluster_fixture : ::testing::Test {
  std::vector<replica> r;
  int64_t now = 1000;
  topic_config cfg;

  void SetUp() override {
    static int n = 0;
    for (int32_t id = 1; id <= 3; ++id) {
      auto dir = std::filesystem::temp_directory_path() /
                 ("fluxo-rp-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
      std::filesystem::remove_all(dir);
      auto log = partition_log::open(dir.string(), make_log_config(cfg));
      ASSERT_TRUE(log.ok());
      replica rep{dir, std::make_unique<partition_state>(partition_id{"t", 0}, std::move(*log), cfg), id};
      rep.ps->set_replica_lag_max_ms(1000);
      r.push_back(std::move(rep));
    }
    lead(1, 1, {1, 2, 3}, 1);
  }
  void TearDown() override {
    for (auto& rep : r) {
      rep.ps.reset();
      std::filesystem::remove_all(rep.dir);
    }
  }
  partition_state& at(int32_t id) { return *r[static_cast<size_t>(id - 1)].ps; }

  // Every replica learns its role for leader `leader`, epoch `epoch`, ISR `isr`.
  void lead(int32_t leader, int32_t epoch, std::vector<int32_t> isr, int64_t version, int32_t min_isr = 2) {
    for (auto& rep : r) {
      partition_role role{rep.id, leader, epoch, {1, 2, 3}, isr, version, min_isr};
      rep.ps->set_role(role, now);
    }
  }

  // One follower fetch round trip; returns the step the follower took.
  partition_state::follower_step fetch(int32_t follower, int32_t leader, bool flush = true) {
    auto req = at(follower).next_replica_fetch(1 << 20, 0);
    auto reply = at(leader).replica_fetch(req, now);
    EXPECT_TRUE(reply.has_value());
    auto step = at(follower).apply_replica_fetch(*reply);
    if (flush) flush_all(follower);
    return step;
  }
  void flush_all(int32_t id) {
    if (auto job = at(id).start_flush_if_due(now)) at(id).finish_flush(*job, job->run());
  }
  fetch_reply consume(int32_t id, int64_t offset) { return at(id).read(fetch_request{offset, 1 << 20, 0, 1}); }
};

TEST_F(cluster_fixture, AcksAllCompletesOnceEveryInSyncReplicaFsynced) {
  auto b = batch(3);
  auto out = at(1).append(b, -1, now);
  ASSERT_EQ(out.reply.error_code, 0);
  ASSERT_TRUE(out.wait_for_ack);
  at(1).await_ack(7, out.reply.last_offset, now + 30000);
  flush_all(1);
  EXPECT_TRUE(at(1).take_acks(now).empty()) << "followers have nothing yet";
  EXPECT_EQ(consume(1, 0).records.size(), 0u) << "nothing committed: consumers see nothing";
  // Follower 2 fetches the data; it is asked to flush because a producer waits.
  auto step = fetch(2, 1, false);
  EXPECT_TRUE(step.progressed);
  EXPECT_TRUE(step.flush_wanted);
  fetch(3, 1);
  flush_all(2);
  EXPECT_EQ(at(1).high_watermark(), 0) << "the leader learns their LEOs on their next fetch";
  fetch(2, 1);
  fetch(3, 1);
  EXPECT_EQ(at(1).high_watermark(), 3);
  auto done = at(1).take_acks(now);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].token, 7u);
  EXPECT_EQ(done[0].error, kafka_error::none);
  auto got = consume(1, 0);
  EXPECT_GT(got.records.size(), 0u);
  EXPECT_EQ(got.next_offset, 3);
  EXPECT_EQ(got.high_watermark, 3);
  // Followers refuse producers and consumers.
  auto b2 = batch(1);
  EXPECT_EQ(at(2).append(b2, 1, now).reply.error_code, code(kafka_error::not_leader_or_follower));
  EXPECT_EQ(consume(2, 0).error_code, code(kafka_error::not_leader_or_follower));
  // Byte-identical logs.
  for (int32_t id : {2, 3}) {
    auto a = at(1).log().read(0, 1 << 20);
    auto c = at(id).log().read(0, 1 << 20);
    ASSERT_TRUE(a && c);
    EXPECT_EQ(a->bytes, c->bytes);
  }
}

TEST_F(cluster_fixture, ConsumersNeverReadAboveTheHighWatermark) {
  auto b = batch(2);
  at(1).append(b, 1, now);
  fetch(2, 1);
  fetch(3, 1);
  fetch(2, 1);
  fetch(3, 1);
  ASSERT_EQ(at(1).high_watermark(), 2);
  auto more = batch(5);
  at(1).append(more, 1, now);
  auto got = consume(1, 0);
  EXPECT_EQ(got.next_offset, 2) << "the second batch is not committed yet";
  EXPECT_EQ(consume(1, 2).records.size(), 0u);
  EXPECT_EQ(consume(1, 2).error_code, 0) << "an offset below the log end is not out of range";
  EXPECT_EQ(at(1).list_offsets(-1).offset, 2) << "latest = the high watermark";
}

TEST_F(cluster_fixture, MinInsyncReplicasRefusesOrFailsAcksAll) {
  // The ISR shrinks to the leader alone once the followers stop fetching.
  auto b = batch(1);
  at(1).append(b, 1, now);
  now += 2000;
  auto proposal = at(1).wanted_isr(now);
  ASSERT_TRUE(proposal);
  EXPECT_EQ(proposal->isr, (std::vector<int32_t>{1}));
  at(1).isr_result({true, proposal->expected_version + 1, proposal->isr}, now);
  EXPECT_EQ(at(1).high_watermark(), 1) << "the leader alone commits";
  auto b2 = batch(1);
  auto refused = at(1).append(b2, -1, now);
  EXPECT_EQ(refused.reply.error_code, code(kafka_error::not_enough_replicas));
  EXPECT_EQ(at(1).log().log_end_offset(), 1) << "nothing was appended";
  EXPECT_EQ(at(1).append(b2, 1, now).reply.error_code, 0) << "acks=1 still works";
  // Follower 2 catches up and is proposed back.
  fetch(2, 1);
  fetch(2, 1);
  auto back = at(1).wanted_isr(now);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->isr, (std::vector<int32_t>{1, 2}));
  at(1).isr_result({true, back->expected_version + 1, back->isr}, now);
  auto b3 = batch(1);
  auto out = at(1).append(b3, -1, now);
  ASSERT_EQ(out.reply.error_code, 0);
  at(1).await_ack(1, out.reply.last_offset, now + 30000);
  // Before follower 2 confirms, the ISR shrinks again: the ack fails after the append.
  now += 2000;
  auto again = at(1).wanted_isr(now);
  ASSERT_TRUE(again);
  at(1).isr_result({true, again->expected_version + 1, again->isr}, now);
  flush_all(1);
  auto done = at(1).take_acks(now);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].error, kafka_error::not_enough_replicas_after_append);
}

TEST_F(cluster_fixture, ANewLeaderTruncatesTheOldLeadersUncommittedTail) {
  // Committed: 2 records on all three, by an idempotent producer.
  auto b = batch(2, 42, 0);
  at(1).append(b, 1, now);
  for (int i = 0; i < 2; ++i) {
    fetch(2, 1);
    fetch(3, 1);
  }
  ASSERT_EQ(at(1).high_watermark(), 2);
  // The leader appends 3 more that nobody fetches, then loses leadership (epoch 2, node 2).
  auto tail = batch(3);
  at(1).append(tail, 1, now);
  ASSERT_EQ(at(1).log().log_end_offset(), 5);
  lead(2, 2, {2, 3}, 2);
  EXPECT_EQ(at(1).role(), replica_role::follower);
  ASSERT_EQ(at(2).role(), replica_role::leader);
  auto fresh = batch(1);
  ASSERT_EQ(at(2).append(fresh, 1, now).reply.base_offset, 2);
  // Node 1 fetches from node 2: its epoch-1 records at 2..4 diverge and are cut.
  auto step = fetch(1, 2);
  EXPECT_TRUE(step.progressed);
  EXPECT_EQ(at(1).log().log_end_offset(), 2);
  fetch(1, 2);
  EXPECT_EQ(at(1).log().log_end_offset(), 3);
  auto a = at(1).log().read(0, 1 << 20);
  auto c = at(2).log().read(0, 1 << 20);
  ASSERT_TRUE(a && c);
  EXPECT_EQ(a->bytes, c->bytes);
  // The producer's retry of its committed batch is still recognised by the new leader.
  auto retry = batch(2, 42, 0);
  auto dup = at(2).append(retry, 1, now);
  EXPECT_EQ(dup.reply.error_code, 0);
  EXPECT_EQ(dup.reply.base_offset, 0);
  EXPECT_EQ(at(2).log().log_end_offset(), 3);
  // A fetch with the old epoch is fenced; one from the future is unknown.
  auto old = at(3).next_replica_fetch(1 << 20, 0);
  old.leader_epoch = 1;
  EXPECT_EQ(at(2).replica_fetch(old, now)->error_code, code(kafka_error::fenced_leader_epoch));
  old.leader_epoch = 3;
  EXPECT_EQ(at(2).replica_fetch(old, now)->error_code, code(kafka_error::unknown_leader_epoch));
}

TEST_F(cluster_fixture, LosingLeadershipFailsWaitingAcks) {
  auto b = batch(1);
  auto out = at(1).append(b, -1, now);
  at(1).await_ack(9, out.reply.last_offset, now + 30000);
  lead(2, 2, {2, 3}, 2);
  auto done = at(1).take_acks(now);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].error, kafka_error::not_leader_or_follower);
}

}  // namespace

TEST_F(cluster_fixture, ANewLeadersLatestOffsetWaitsUntilItsHighWatermarkCatchesUp) {
  // KIP-207: the old leader committed 4 records; follower 2 holds them but learned a high
  // watermark of only 2. As leader it must not answer "latest = 2" (a client saw 4 already).
  auto b = batch(2);
  at(1).append(b, 1, now);
  fetch(2, 1);
  fetch(3, 1);
  fetch(2, 1);  // 2 learns HW 2
  auto more = batch(2);
  at(1).append(more, 1, now);
  fetch(2, 1);
  fetch(3, 1);
  fetch(2, 1);  // 2 reports 4 while 3 is still at 2: 2 is told HW 2
  fetch(3, 1);  // now the leader's HW is 4
  ASSERT_EQ(at(1).high_watermark(), 4);
  ASSERT_EQ(at(1).list_offsets(-1).offset, 4);
  ASSERT_EQ(at(2).high_watermark(), 2) << "follower 2 has not fetched since the HW moved";
  lead(2, 2, {2, 3}, 2);
  EXPECT_EQ(at(2).high_watermark(), 2);
  auto lagging = at(2).list_offsets(-1);
  EXPECT_EQ(lagging.error_code, code(kafka_error::offset_not_available));
  EXPECT_EQ(at(2).list_offsets(-2).error_code, 0) << "earliest is always known";
  EXPECT_EQ(at(2).list_offsets(999999).error_code, code(kafka_error::offset_not_available))
      << "a timestamp past the high watermark waits too";
  fetch(3, 2);
  EXPECT_EQ(at(2).high_watermark(), 4);
  auto caught_up = at(2).list_offsets(-1);
  EXPECT_EQ(caught_up.error_code, 0);
  EXPECT_EQ(caught_up.offset, 4);
}

TEST_F(cluster_fixture, RequestsPipelinedBehindOneRefusedBeforeALeaderChangeAreRefusedToo) {
  // librdkafka < 2.3 goes fatal on an OUT_OF_ORDER answer to the first batch it has not seen
  // acknowledged; a follower that refused batch A and then became leader must not take the
  // batch B that was sent behind A (a gap) as out of order: the client resends A first.
  auto a0 = batch(2, 5, 0);
  ASSERT_EQ(at(1).append(a0, 1, now).reply.error_code, 0);
  fetch(2, 1);
  fetch(3, 1);
  auto a = batch(3, 5, 2);
  auto b = batch(4, 5, 5);
  EXPECT_EQ(at(2).append(a, -1, now).reply.error_code, code(kafka_error::not_leader_or_follower));
  lead(2, 2, {2, 3}, 2);
  auto b_out = at(2).append(b, -1, now);
  EXPECT_EQ(b_out.reply.error_code, code(kafka_error::not_leader_or_follower)) << b_out.reply.error_message;
  auto a_again = batch(3, 5, 2);
  EXPECT_EQ(at(2).append(a_again, -1, now).reply.error_code, 0);
  auto b_again = batch(4, 5, 5);
  EXPECT_EQ(at(2).append(b_again, -1, now).reply.error_code, 0);
}

TEST_F(cluster_fixture, ANewLeaderNeverAcceptsAProducersLaterBatchWhileAnEarlierOneIsMissing) {
  // An acknowledged record can only be lost if a leader takes a producer's batch n+1 while
  // batch n is not in its log (librdkafka then counts n as delivered: an "implicit ack").
  auto committed = batch(2, 42, 0);
  ASSERT_EQ(at(1).append(committed, 1, now).reply.error_code, 0);
  for (int i = 0; i < 2; ++i) {
    fetch(2, 1);
    fetch(3, 1);
  }
  ASSERT_EQ(at(1).high_watermark(), 2);
  auto lost = batch(2, 42, 2);  // only on the old leader: cut when it follows again
  ASSERT_EQ(at(1).append(lost, 1, now).reply.error_code, 0);
  lead(2, 2, {2, 3}, 2);
  // The next batch (sequence 4) would leave a gap on the new leader: refused, nothing written.
  auto next = batch(2, 42, 4);
  auto refused = at(2).append(next, 1, now);
  EXPECT_EQ(refused.reply.error_code, code(kafka_error::out_of_order_sequence_number)) << refused.reply.error_message;
  EXPECT_EQ(at(2).log().log_end_offset(), 2);
  // A producer the new leader has never seen may not start in the middle either.
  auto stranger = batch(1, 99, 5);
  EXPECT_NE(at(2).append(stranger, 1, now).reply.error_code, 0);
  EXPECT_EQ(at(2).log().log_end_offset(), 2);
  // The client resends from the first batch it has no acknowledgement for: in order again.
  auto resent = batch(2, 42, 2);
  auto accepted = at(2).append(resent, 1, now);
  ASSERT_EQ(accepted.reply.error_code, 0) << accepted.reply.error_message;
  EXPECT_EQ(accepted.reply.base_offset, 2);
  auto then = batch(2, 42, 4);
  EXPECT_EQ(at(2).append(then, 1, now).reply.base_offset, 4);
  // The old leader follows, cuts its own copy of sequences 2..3 and takes the new leader's; led
  // by it again, its producer state is the log's: sequence 6 goes on, a gap is refused.
  for (int i = 0; i < 3; ++i) fetch(1, 2);
  fetch(3, 2);
  ASSERT_EQ(at(1).log().log_end_offset(), 6);
  for (int i = 0; i < 2; ++i) fetch(1, 2);
  lead(1, 3, {1, 2, 3}, 3);
  auto gap = batch(1, 42, 9);
  EXPECT_EQ(at(1).append(gap, 1, now).reply.error_code, code(kafka_error::out_of_order_sequence_number));
  auto in_order = batch(1, 42, 6);
  auto out = at(1).append(in_order, 1, now);
  EXPECT_EQ(out.reply.error_code, 0) << out.reply.error_message;
  EXPECT_EQ(out.reply.base_offset, 6);
}

namespace {
struct small_segments : cluster_fixture {
  void SetUp() override {
    cfg.segment_bytes = 1 << 14;  // a roll every few 4 KiB batches: producer snapshots on the way
    cluster_fixture::SetUp();
  }
  static std::vector<char> big(int64_t pid, int32_t seq) {
    batch_options o;
    o.producer_id = pid;
    o.producer_epoch = 0;
    o.base_sequence = seq;
    batch_builder b(o);
    b.append(1000, "k", std::string(4000, 'x'));
    return *b.build();
  }
};
}  // namespace

// The old leader's uncommitted batches rolled a segment (so a snapshot of its producer table
// includes them): after the truncation the table is restored from an older snapshot and the
// log, and the new leader's copy of the producer's history is the one that counts.
TEST_F(small_segments, ATruncationForgetsTheProducerBatchesItCutEvenPastASnapshot) {
  for (int32_t seq = 0; seq < 6; ++seq) {
    auto b = big(42, seq);
    ASSERT_EQ(at(1).append(b, 1, now).reply.error_code, 0);
    for (int i = 0; i < 2; ++i) {
      fetch(2, 1);
      fetch(3, 1);
    }
  }
  ASSERT_EQ(at(1).high_watermark(), 6);
  // Uncommitted on node 1: sequences 6..9, across a roll.
  const auto bases = at(1).log().segment_bases().size();
  for (int32_t seq = 6; seq < 10; ++seq) {
    auto b = big(42, seq);
    ASSERT_EQ(at(1).append(b, 1, now).reply.error_code, 0);
  }
  ASSERT_GT(at(1).log().segment_bases().size(), bases);
  lead(2, 2, {2, 3}, 2);
  // The producer resends 6 to the new leader: accepted there (node 1's copy never committed).
  auto resend = big(42, 6);
  ASSERT_EQ(at(2).append(resend, 1, now).reply.error_code, 0);
  for (int i = 0; i < 4; ++i) fetch(1, 2);
  EXPECT_EQ(at(1).log().log_end_offset(), 7);
  EXPECT_GE(at(1).last_producer_restore().snapshot_offset, 0) << "restored from a snapshot, not the whole log";
  EXPECT_TRUE(at(1).producers().same_producers(at(2).producers()));
  // Node 1 leads again: 7 is next, and 6 is a duplicate at the new leader's offset.
  lead(1, 3, {1, 2, 3}, 3);
  auto dup = big(42, 6);
  auto again = at(1).append(dup, 1, now);
  EXPECT_EQ(again.reply.error_code, 0);
  EXPECT_EQ(again.reply.base_offset, 6);
  auto next = big(42, 7);
  EXPECT_EQ(at(1).append(next, 1, now).reply.base_offset, 7);
}
