// Kafka ConsumerProtocol payloads (subscription and assignment) and member ids.
#include "actors/group/consumer_protocol.hpp"

#include <gtest/gtest.h>

#include "actors/group/member_id.hpp"

namespace fluxo::group {
namespace {

TEST(ConsumerProtocol, SubscriptionRoundTripAndLayout) {
  const subscription s{{"ab", "c"}, {}};
  const bytes e = encode_subscription(s);
  // version 0 | 2 topics | "ab" | "c" | null user data
  const bytes expect{0, 0, 0, 0, 0, 2, 0, 2, 'a', 'b', 0, 1, 'c',
                     static_cast<char>(0xff), static_cast<char>(0xff), static_cast<char>(0xff),
                     static_cast<char>(0xff)};
  EXPECT_EQ(e, expect);
  EXPECT_EQ(decode_subscription(e), s);
  const subscription with_data{{"t"}, {'x', 'y'}};
  EXPECT_EQ(decode_subscription(encode_subscription(with_data)), with_data);
}

TEST(ConsumerProtocol, SubscriptionOfNewerVersionDecodesTopics) {
  bytes e = encode_subscription({{"t"}, {}});
  e[1] = 1;  // version 1 appends owned partitions: ignored
  e.insert(e.end(), {0, 0, 0, 0});
  EXPECT_EQ(decode_subscription(e)->topics, std::vector<std::string>{"t"});
}

TEST(ConsumerProtocol, AssignmentRoundTripSortsByTopicAndPartition) {
  const partition_list in{{"b", 2}, {"a", 1}, {"b", 0}};
  const auto out = decode_assignment(encode_assignment(in));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, (partition_list{{"a", 1}, {"b", 0}, {"b", 2}}));
  EXPECT_EQ(decode_assignment({}), partition_list{});
}

TEST(ConsumerProtocol, TruncatedInputIsRejected) {
  const bytes s = encode_subscription({{"topic"}, {}});
  const bytes a = encode_assignment({{"topic", 3}});
  for (size_t n = 1; n < s.size(); ++n)
    EXPECT_FALSE(decode_subscription(bytes(s.begin(), s.begin() + static_cast<long>(n))));
  for (size_t n = 1; n + 4 < a.size(); ++n)  // the trailing user data length may be missing
    EXPECT_FALSE(decode_assignment(bytes(a.begin(), a.begin() + static_cast<long>(n))));
  bytes huge{0, 0, 0x7f, 0, 0, 0};
  EXPECT_FALSE(decode_subscription(huge));
}

TEST(MemberId, UuidLikeAndDeterministic) {
  member_id_generator a(1), b(1);
  const std::string id = a.next("cli");
  EXPECT_EQ(id, b.next("cli"));
  ASSERT_EQ(id.size(), 4u + 36u);
  EXPECT_EQ(id.substr(0, 4), "cli-");
  EXPECT_EQ(id[4 + 8], '-');
  EXPECT_EQ(id[4 + 14], '4');  // version nibble
  EXPECT_NE(a.next("cli"), id);
}

}  // namespace
}  // namespace fluxo::group
