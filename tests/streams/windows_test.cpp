#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "actors/streams/windows.hpp"

using namespace fluxo::streams;
using namespace std::chrono_literals;

TEST(streams_windows, TumblingWindowContainsItsRecords) {
  auto w = tumbling(10s);
  EXPECT_EQ(windows_for(w, 0), (std::vector<window>{{0, 10000}}));
  EXPECT_EQ(windows_for(w, 9999), (std::vector<window>{{0, 10000}}));
  EXPECT_EQ(windows_for(w, 10000), (std::vector<window>{{10000, 20000}}));
  EXPECT_EQ(windows_for(w, -1), (std::vector<window>{{-10000, 0}}));
}

TEST(streams_windows, HoppingRecordBelongsToEveryWindowContainingIt) {
  auto w = hopping(10s, 5s);
  EXPECT_EQ(windows_for(w, 7000), (std::vector<window>{{0, 10000}, {5000, 15000}}));
  EXPECT_EQ(windows_for(w, 5000), (std::vector<window>{{0, 10000}, {5000, 15000}}));
  EXPECT_EQ(windows_for(w, 4999), (std::vector<window>{{-5000, 5000}, {0, 10000}}));
  auto three = hopping(30ms, 10ms);
  EXPECT_EQ(windows_for(three, 25), (std::vector<window>{{0, 30}, {10, 40}, {20, 50}}));
  // advance that does not divide size
  auto odd = hopping(10ms, 4ms);
  EXPECT_EQ(windows_for(odd, 9), (std::vector<window>{{0, 10}, {4, 14}, {8, 18}}));
}

TEST(streams_windows, ClosingFollowsEndPlusGrace) {
  auto w = tumbling(10ms).grace(5ms);
  EXPECT_FALSE(is_closed(w, {0, 10}, no_time));
  EXPECT_FALSE(is_closed(w, {0, 10}, 14));
  EXPECT_TRUE(is_closed(w, {0, 10}, 15));
  EXPECT_EQ(closed_through(w, 15), 10);
  EXPECT_EQ(closed_through(w, no_time), std::nullopt);
}

TEST(streams_windows, SessionReachLatenessAndExpiry) {
  auto s = session(10ms).grace(2ms);
  EXPECT_TRUE(reaches(s, {100, 120}, 90));
  EXPECT_TRUE(reaches(s, {100, 120}, 130));
  EXPECT_FALSE(reaches(s, {100, 120}, 89));
  EXPECT_FALSE(reaches(s, {100, 120}, 131));
  EXPECT_FALSE(is_late(s, 100, no_time));
  EXPECT_FALSE(is_late(s, 100, 111));
  EXPECT_TRUE(is_late(s, 100, 112));
  // a session is kept while a record that is not late could still reach it
  EXPECT_FALSE(is_expired(s, {100, 120}, 141));
  EXPECT_TRUE(is_expired(s, {100, 120}, 142));
  EXPECT_EQ(expired_through(s, 142), 120);
}

TEST(streams_windows, RejectsNonsense) {
  EXPECT_THROW(tumbling(0ms), std::invalid_argument);
  EXPECT_THROW(hopping(10ms, 11ms), std::invalid_argument);
  EXPECT_THROW(hopping(10ms, 0ms), std::invalid_argument);
  EXPECT_THROW(session(0ms), std::invalid_argument);
  EXPECT_THROW(tumbling(10ms).grace(-1ms), std::invalid_argument);
}

TEST(streams_windows, WindowKeyEncodingRoundTrips) {
  EXPECT_EQ(encode_window_key(10000, 20000, "page-a"), "10000:20000:page-a");
  auto d = decode_window_key("-5:7:a:b");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->start, -5);
  EXPECT_EQ(d->end, 7);
  EXPECT_EQ(d->key, "a:b");
  EXPECT_TRUE(decode_window_key("1:2:"));
  EXPECT_FALSE(decode_window_key("1:2"));
  EXPECT_FALSE(decode_window_key("x:2:k"));
  EXPECT_FALSE(decode_window_key(":2:k"));
}
