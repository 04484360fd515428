// The CAF <-> msgpack bridge (actors/broker/msgpack_inspect.hpp): messages that cross a node
// boundary survive the trip field for field, record bytes included, and bytes that are not the
// struct's map are refused rather than half-decoded.
#include <gtest/gtest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/broker/msgpack_inspect.hpp"

using namespace fluxo::actors;

namespace {

std::vector<char> pattern(std::size_t n) {
  std::vector<char> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<char>(i * 131 + 7);
  return v;
}

replica_fetch_reply sample_reply(std::size_t record_bytes) {
  replica_fetch_reply r;
  r.error_code = 0;
  r.leader_epoch = 7;
  r.records = pattern(record_bytes);
  r.high_watermark = 1234;
  r.log_start_offset = 5;
  r.log_end_offset = 2000;
  r.diverging_epoch = 3;
  r.diverging_end_offset = 99;
  r.flush_wanted = true;
  return r;
}

void expect_same(const replica_fetch_reply& a, const replica_fetch_reply& b) {
  EXPECT_EQ(a.error_code, b.error_code);
  EXPECT_EQ(a.leader_epoch, b.leader_epoch);
  EXPECT_EQ(a.records, b.records);
  EXPECT_EQ(a.high_watermark, b.high_watermark);
  EXPECT_EQ(a.log_start_offset, b.log_start_offset);
  EXPECT_EQ(a.log_end_offset, b.log_end_offset);
  EXPECT_EQ(a.diverging_epoch, b.diverging_epoch);
  EXPECT_EQ(a.diverging_end_offset, b.diverging_end_offset);
  EXPECT_EQ(a.flush_wanted, b.flush_wanted);
}

}  // namespace

TEST(WireMessages, ReplicaFetchReplyRoundTripsThroughMsgpack) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4096}, std::size_t{1} << 20}) {
    auto sent = sample_reply(n);
    auto bytes = fluxo::wire::encode(sent);
    EXPECT_GE(bytes.size(), n);
    replica_fetch_reply got;
    ASSERT_TRUE(fluxo::wire::decode(bytes, got)) << n;
    expect_same(sent, got);
  }
}

TEST(WireMessages, DecodedRecordsOutliveTheReceivedBytes) {
  // Payloads are referenced in place while converting: the struct must own its copy.
  auto sent = sample_reply(64 * 1024);
  replica_fetch_reply got;
  {
    auto bytes = fluxo::wire::encode(sent);
    ASSERT_TRUE(fluxo::wire::decode(bytes, got));
    std::fill(bytes.begin(), bytes.end(), '\0');
  }
  EXPECT_EQ(got.records, sent.records);
}

TEST(WireMessages, StringsAndNestedFieldsRoundTrip) {
  produce_reply sent;
  sent.error_code = 6;
  sent.error_message = "NOT_LEADER_OR_FOLLOWER for t-3";
  sent.base_offset = 42;
  sent.log_append_time = 1700000000000;
  produce_reply got;
  ASSERT_TRUE(fluxo::wire::decode(fluxo::wire::encode(sent), got));
  EXPECT_EQ(got.error_code, 6);
  EXPECT_EQ(got.error_message, sent.error_message);
  EXPECT_EQ(got.base_offset, 42);
  EXPECT_EQ(got.log_append_time, sent.log_append_time);

  partition_role role;
  role.self = 2;
  role.leader = 3;
  role.replicas = {1, 2, 3};
  role.isr = {3, 1};
  partition_role back;
  ASSERT_TRUE(fluxo::wire::decode(fluxo::wire::encode(role), back));
  EXPECT_EQ(back, role);
}

TEST(WireMessages, BytesThatAreNotTheStructsMapAreRefused) {
  replica_fetch_reply got;
  EXPECT_FALSE(fluxo::wire::decode(std::vector<char>{}, got));
  auto bytes = fluxo::wire::encode(sample_reply(100));
  bytes.resize(bytes.size() / 2);  // cut inside the records
  EXPECT_FALSE(fluxo::wire::decode(bytes, got));
  auto text = fluxo::wire::encode(std::string("not a map"));
  EXPECT_FALSE(fluxo::wire::decode(text, got));
}

TEST(WireMessages, CafSerializationCarriesTheMsgpackMap) {
  auto sent = sample_reply(10000);
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto err = inspect(sink, sent);
  ASSERT_FALSE(err);
  replica_fetch_reply got;
  caf::binary_deserializer source{nullptr, buf};
  ASSERT_FALSE(inspect(source, got));
  expect_same(sent, got);

  buf.resize(buf.size() - 1);  // a message cut short on the way
  replica_fetch_reply damaged;
  caf::binary_deserializer short_source{nullptr, buf};
  EXPECT_TRUE(static_cast<bool>(inspect(short_source, damaged)));
}
