// send_window without an actor system: pipelined requests, answers out of order taken in order,
// retries voiding what is in flight, and the 5-batch limit of idempotent producers.
#include <gtest/gtest.h>

#include "actors/client/send_window.hpp"

using fluxo::actors::produce_reply;
using fluxo::client::send_window;

namespace {
produce_reply ok_at(int64_t base) {
  produce_reply r;
  r.base_offset = base;
  return r;
}
produce_reply failed(int16_t code) {
  produce_reply r;
  r.error_code = code;
  return r;
}
}  // namespace

TEST(send_window, RequestsArePipelinedUpToTheBatchLimit) {
  send_window w(5, send_window::idempotent_max_batches);
  EXPECT_EQ(w.room(0), 0u);
  EXPECT_EQ(w.room(3), 3u);
  w.open(2);
  EXPECT_EQ(w.sent(), 2u);
  EXPECT_EQ(w.room(3), 1u) << "one queued batch is not sent yet";
  w.open(1);
  EXPECT_EQ(w.room(10), 2u) << "5 batches in flight at most";
  w.open(2);
  EXPECT_EQ(w.room(10), 0u);
  EXPECT_EQ(w.sent(), 5u);
}

TEST(send_window, RequestCountIsLimitedToo) {
  send_window w(2, 100);
  w.open(1);
  w.open(1);
  EXPECT_EQ(w.room(10), 0u);
  ASSERT_TRUE(w.answer(1, ok_at(0)));
  EXPECT_EQ(w.take_done().size(), 1u);
  EXPECT_EQ(w.room(10), 9u);
}

TEST(send_window, AnswersAreTakenInRequestOrder) {
  send_window w(5, 5);
  const auto a = w.open(1);
  const auto b = w.open(2);
  const auto c = w.open(1);
  ASSERT_TRUE(w.answer(c, ok_at(30)));
  ASSERT_TRUE(w.answer(b, ok_at(10)));
  EXPECT_TRUE(w.take_done().empty()) << "the first request is not answered yet";
  EXPECT_EQ(w.sent(), 4u);
  ASSERT_TRUE(w.answer(a, ok_at(0)));
  auto done = w.take_done();
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].first, 1u);
  EXPECT_EQ(done[0].second.base_offset, 0);
  EXPECT_EQ(done[1].first, 2u);
  EXPECT_EQ(done[1].second.base_offset, 10);
  EXPECT_EQ(done[2].second.base_offset, 30);
  EXPECT_TRUE(w.idle());
  EXPECT_EQ(w.sent(), 0u);
}

TEST(send_window, VoidingForgetsWhatIsInFlightAndIgnoresLateAnswers) {
  send_window w(5, 5);
  const auto a = w.open(2);
  const auto b = w.open(2);
  ASSERT_TRUE(w.answer(b, ok_at(2)));  // appended, but behind a failure: sent again
  ASSERT_TRUE(w.answer(a, failed(6)));
  w.void_all();
  EXPECT_TRUE(w.idle());
  EXPECT_EQ(w.sent(), 0u);
  EXPECT_EQ(w.room(4), 4u) << "every batch goes again";
  EXPECT_FALSE(w.answer(a, ok_at(0))) << "an answer to a voided request is not taken";
  const auto again = w.open(4);
  EXPECT_NE(again, a);
  EXPECT_NE(again, b);
  ASSERT_TRUE(w.answer(again, ok_at(0)));
  auto done = w.take_done();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].first, 4u);
}

TEST(send_window, WithoutSequencesOneRequestAtATime) {
  send_window w(1, SIZE_MAX);
  EXPECT_EQ(w.room(40), 40u);
  w.open(40);
  EXPECT_EQ(w.room(50), 0u);
}
