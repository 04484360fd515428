// Size-prefixed framing: splitting received bytes into frames, building response frames.
#include "runtime/kafka/frame.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/kafka/test_bytes.hpp"

namespace fluxo::kafka {
namespace {

using test::bytes_builder;
using test::same_bytes;

std::string as_string(std::span<const char> s) { return std::string(s.begin(), s.end()); }

TEST(KafkaFrame, SplitsSeveralFramesInOneBuffer) {
  std::vector<char> in = bytes_builder{}.i32(3).raw("abc").i32(0).i32(2).raw("xy");
  auto split = split_frames(in, 100);
  EXPECT_FALSE(split.failed());
  ASSERT_EQ(split.frames.size(), 3u);
  EXPECT_EQ(as_string(split.frames[0]), "abc");
  EXPECT_EQ(as_string(split.frames[1]), "");
  EXPECT_EQ(as_string(split.frames[2]), "xy");
  EXPECT_EQ(split.consumed, in.size());
}

TEST(KafkaFrame, LeavesPartialFramesUnconsumed) {
  std::vector<char> in = bytes_builder{}.i32(3).raw("abc").i32(5).raw("xy");
  auto split = split_frames(in, 100);
  ASSERT_EQ(split.frames.size(), 1u);
  EXPECT_EQ(split.consumed, 7u);
  EXPECT_FALSE(split.failed());
  // Every prefix of a single frame yields nothing and no error.
  std::vector<char> one = bytes_builder{}.i32(4).raw("abcd");
  for (std::size_t n = 0; n < one.size(); ++n) {
    auto s = split_frames(std::span<const char>(one).first(n), 100);
    EXPECT_TRUE(s.frames.empty());
    EXPECT_EQ(s.consumed, 0u);
    EXPECT_FALSE(s.failed());
  }
}

TEST(KafkaFrame, OversizedAndNegativeSizesAreErrors) {
  std::vector<char> in = bytes_builder{}.i32(1).raw("a").i32(101).raw("zzz");
  auto split = split_frames(in, 100);
  ASSERT_EQ(split.frames.size(), 1u);  // the good frame before the bad size still comes out
  EXPECT_TRUE(split.failed());
  EXPECT_EQ(split.consumed, 5u);
  EXPECT_NE(split.error.find("frame size 101 at byte 5"), std::string::npos) << split.error;

  std::vector<char> neg = bytes_builder{}.i32(-1);
  EXPECT_TRUE(split_frames(neg, 100).failed());
  // Exactly the maximum is fine.
  std::vector<char> max = bytes_builder{}.i32(4).raw("abcd");
  EXPECT_FALSE(split_frames(max, 4).failed());
  EXPECT_TRUE(split_frames(max, 3).failed());
}

TEST(KafkaFrame, ReaderReassemblesByteByByte) {
  std::vector<char> in = bytes_builder{}.i32(3).raw("abc").i32(2).raw("xy").i32(1);
  frame_reader fr(100);
  std::vector<std::string> got;
  for (char c : in) {
    fr.append(std::span<const char>(&c, 1));
    while (auto f = fr.next()) got.push_back(std::string(f->begin(), f->end()));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"abc", "xy"}));
  EXPECT_EQ(fr.buffered(), 4u);  // the size of the incomplete third frame
  EXPECT_FALSE(fr.failed());
  char z = 'z';
  fr.append(std::span<const char>(&z, 1));
  auto last = fr.next();
  ASSERT_TRUE(last);
  EXPECT_EQ(std::string(last->begin(), last->end()), "z");
  EXPECT_EQ(fr.buffered(), 0u);
}

TEST(KafkaFrame, ReaderReportsOversizedFrame) {
  frame_reader fr(10);
  std::vector<char> in = bytes_builder{}.i32(2).raw("ok").i32(11);
  fr.append(in);
  EXPECT_TRUE(fr.next());
  EXPECT_FALSE(fr.next());
  EXPECT_TRUE(fr.failed());
  EXPECT_NE(fr.error().find("frame size 11"), std::string::npos) << fr.error();
  fr.append(bytes_builder{}.raw("more").data());
  EXPECT_FALSE(fr.next());  // stays failed
}

TEST(KafkaFrame, ResponseFrameIsSizeCorrelationIdBody) {
  std::vector<char> body = bytes_builder{}.i16(0).raw("xyz");
  auto frame = make_response_frame(0x01020304, body);
  EXPECT_TRUE(same_bytes(frame, bytes_builder{}.i32(4 + 5).i32(0x01020304).i16(0).raw("xyz")));

  // begin/end appends to an existing buffer (pipelined responses).
  std::vector<char> out = frame;
  auto start = begin_response_frame(out, 7);
  out.push_back('!');
  end_response_frame(out, start);
  auto split = split_frames(out, 100);
  ASSERT_EQ(split.frames.size(), 2u);
  EXPECT_TRUE(same_bytes(std::vector<char>(split.frames[1].begin(), split.frames[1].end()),
                         bytes_builder{}.i32(7).raw("!")));
}

}  // namespace
}  // namespace fluxo::kafka
