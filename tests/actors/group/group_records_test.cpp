// Encoding of group records for __consumer_offsets.
#include "actors/group/group_records.hpp"

#include <gtest/gtest.h>

namespace fluxo::group {
namespace {

bytes b(const std::string& s) { return bytes(s.begin(), s.end()); }

group_record round_trip(const group_record& r) {
  const encoded_record e = encode_record(r);
  auto d = decode_record(e.key, e.value);
  EXPECT_TRUE(d.has_value());
  return d.value_or(group_record{});
}

TEST(GroupRecords, OffsetCommitRoundTrip) {
  const offset_commit_record r{"g", "orders", 7, false, 123456789012LL, 3, "meta", 1700000000000};
  EXPECT_EQ(std::get<offset_commit_record>(round_trip(r)), r);
}

TEST(GroupRecords, GroupMetadataRoundTrip) {
  group_metadata_record r;
  r.group = "g";
  r.protocol_type = "consumer";
  r.generation_id = 42;
  r.protocol_name = "range";
  r.leader_id = "c-1";
  r.state_timestamp_ms = 99;
  r.members.push_back({"c-1", std::nullopt, "client", "/10.0.0.1", 10000, 30000, b("sub\0x"),
                       b("assign")});
  r.members.push_back({"c-2", std::string("instance-2"), "client2", "/10.0.0.2", 45000, 300000,
                       {}, {}});
  EXPECT_EQ(std::get<group_metadata_record>(round_trip(r)), r);
}

TEST(GroupRecords, TombstonesHaveNoValue) {
  offset_commit_record o{"g", "t", 1, true};
  const encoded_record eo = encode_record(o);
  EXPECT_FALSE(eo.value.has_value());
  EXPECT_EQ(std::get<offset_commit_record>(round_trip(o)), o);
  group_metadata_record g;
  g.group = "g";
  g.tombstone = true;
  EXPECT_FALSE(encode_record(g).value.has_value());
  EXPECT_EQ(std::get<group_metadata_record>(round_trip(g)), g);
}

TEST(GroupRecords, KeysIdentifyWhatCompactionKeeps) {
  // Same identity -> same key bytes, whatever the value; different identity -> different key.
  const auto k1 = encode_record(offset_commit_record{"g", "t", 1, false, 5}).key;
  const auto k1b = encode_record(offset_commit_record{"g", "t", 1, false, 9, 2, "x", 77}).key;
  const auto k1t = encode_record(offset_commit_record{"g", "t", 1, true}).key;
  const auto k2 = encode_record(offset_commit_record{"g", "t", 2, false, 5}).key;
  const auto k3 = encode_record(offset_commit_record{"h", "t", 1, false, 5}).key;
  EXPECT_EQ(k1, k1b);
  EXPECT_EQ(k1, k1t);
  EXPECT_NE(k1, k2);
  EXPECT_NE(k1, k3);
  group_metadata_record g1, g2;
  g1.group = g2.group = "g";
  g2.generation_id = 8;
  EXPECT_EQ(encode_record(g1).key, encode_record(g2).key);
  EXPECT_NE(encode_record(g1).key, k1);
}

TEST(GroupRecords, GarbageIsRejected) {
  EXPECT_FALSE(decode_record(b("not msgpack at all"), std::nullopt).has_value());
  EXPECT_FALSE(decode_record({}, std::nullopt).has_value());
  const auto key = encode_record(offset_commit_record{"g", "t", 1, false, 5}).key;
  EXPECT_FALSE(decode_record(key, b("\xc1")).has_value());
  bytes wrong_kind = key;
  wrong_kind[1] = 9;  // [kind=9, ...]
  EXPECT_FALSE(decode_record(wrong_kind, std::nullopt).has_value());
}

TEST(GroupRecords, RecordGroupNamesTheGroup) {
  EXPECT_EQ(record_group(offset_commit_record{"a", "t", 1}), "a");
  group_metadata_record g;
  g.group = "b";
  EXPECT_EQ(record_group(g), "b");
}

}  // namespace
}  // namespace fluxo::group
