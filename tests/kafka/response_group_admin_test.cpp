// Response layouts of the group and admin APIs, checked field by field against bytes written
// by hand from the spec.
#include <gtest/gtest.h>

#include <limits>

#include "runtime/kafka/messages.hpp"
#include "tests/kafka/test_bytes.hpp"

namespace fluxo::kafka {
namespace {

using test::bytes_builder;
using test::encoded;
using test::same_bytes;

// ---- FindCoordinator ------------------------------------------------------------------------

TEST(KafkaResponse, FindCoordinatorV0V1) {
  find_coordinator_response m{5, 0, std::nullopt, 1, "localhost", 9092};
  EXPECT_TRUE(same_bytes(encoded(encode_find_coordinator_response, 0, m),
                         bytes_builder{}.i16(0).i32(1).str("localhost").i32(9092)));
  EXPECT_TRUE(
      same_bytes(encoded(encode_find_coordinator_response, 1, m), bytes_builder{}
                                                                      .i32(5)  // throttle_time_ms
                                                                      .i16(0)  // error_code
                                                                      .null_str()  // error_message
                                                                      .i32(1)
                                                                      .str("localhost")
                                                                      .i32(9092)));
  m.error_code = 15;
  m.error_message = "not available";
  EXPECT_TRUE(same_bytes(
      encoded(encode_find_coordinator_response, 2, m),
      bytes_builder{}.i32(5).i16(15).str("not available").i32(1).str("localhost").i32(9092)));
}

// ---- JoinGroup / SyncGroup / Heartbeat / LeaveGroup -----------------------------------------

TEST(KafkaResponse, JoinGroupV0AndV5) {
  join_group_response m;
  m.throttle_time_ms = 3;
  m.generation_id = 1;
  m.protocol_name = "range";
  m.leader = "m-1";
  m.member_id = "m-1";
  m.members.push_back({"m-1", "inst", {'x'}});
  EXPECT_TRUE(same_bytes(encoded(encode_join_group_response, 0, m), bytes_builder{}
                                                                        .i16(0)  // error_code
                                                                        .i32(1)  // generation_id
                                                                        .str("range")
                                                                        .str("m-1")  // leader
                                                                        .str("m-1")  // member_id
                                                                        .array(1)
                                                                        .str("m-1")
                                                                        .bytes("x")));
  EXPECT_TRUE(same_bytes(encoded(encode_join_group_response, 5, m),
                         bytes_builder{}
                             .i32(3)  // throttle_time_ms (v2+)
                             .i16(0)
                             .i32(1)
                             .str("range")
                             .str("m-1")
                             .str("m-1")
                             .array(1)
                             .str("m-1")
                             .str("inst")  // group_instance_id (v5)
                             .bytes("x")));
}

TEST(KafkaResponse, SyncGroupV0AndV3) {
  sync_group_response m{7, 0, {'a', 'b'}};
  EXPECT_TRUE(
      same_bytes(encoded(encode_sync_group_response, 0, m), bytes_builder{}.i16(0).bytes("ab")));
  EXPECT_TRUE(same_bytes(encoded(encode_sync_group_response, 3, m),
                         bytes_builder{}.i32(7).i16(0).bytes("ab")));
}

TEST(KafkaResponse, HeartbeatV0AndV3) {
  heartbeat_response m{7, 27};  // REBALANCE_IN_PROGRESS
  EXPECT_TRUE(same_bytes(encoded(encode_heartbeat_response, 0, m), bytes_builder{}.i16(27)));
  EXPECT_TRUE(same_bytes(encoded(encode_heartbeat_response, 3, m), bytes_builder{}.i32(7).i16(27)));
}

TEST(KafkaResponse, LeaveGroupV0AndV3) {
  leave_group_response m;
  m.throttle_time_ms = 1;
  m.members.push_back({"m-1", std::nullopt, 0});
  m.members.push_back({"m-2", "inst-2", 25});
  EXPECT_TRUE(same_bytes(encoded(encode_leave_group_response, 0, m), bytes_builder{}.i16(0)));
  EXPECT_TRUE(
      same_bytes(encoded(encode_leave_group_response, 2, m), bytes_builder{}.i32(1).i16(0)));
  EXPECT_TRUE(same_bytes(encoded(encode_leave_group_response, 3, m), bytes_builder{}
                                                                         .i32(1)
                                                                         .i16(0)
                                                                         .array(2)
                                                                         .str("m-1")
                                                                         .null_str()
                                                                         .i16(0)
                                                                         .str("m-2")
                                                                         .str("inst-2")
                                                                         .i16(25)));
}

TEST(KafkaRequest, LeaveGroupLeavingMembersAcrossVersions) {
  leave_group_request v1{"g", "m-1", {}};
  EXPECT_EQ(v1.leaving(1), (std::vector<leave_group_request::member>{{"m-1", std::nullopt}}));
  leave_group_request v3{"g", "", {{"a", std::nullopt}, {"b", "i"}}};
  EXPECT_EQ(v3.leaving(3).size(), 2u);
  // v3 wire: group_id, members[member_id, group_instance_id]
  EXPECT_TRUE(same_bytes(encoded(encode_leave_group_request, 3, v3),
                         bytes_builder{}.str("g").array(2).str("a").null_str().str("b").str("i")));
  EXPECT_TRUE(
      same_bytes(encoded(encode_leave_group_request, 1, v1), bytes_builder{}.str("g").str("m-1")));
}

// ---- OffsetCommit / OffsetFetch -------------------------------------------------------------

TEST(KafkaResponse, OffsetCommitV0AndV3) {
  offset_commit_response m{6, {{"t", {{0, 0}, {1, 22}}}}};
  auto body = bytes_builder{}.array(1).str("t").array(2).i32(0).i16(0).i32(1).i16(22);
  EXPECT_TRUE(same_bytes(encoded(encode_offset_commit_response, 2, m), body));
  EXPECT_TRUE(same_bytes(
      encoded(encode_offset_commit_response, 3, m),
      bytes_builder{}.i32(6).raw(std::string_view(body.data().data(), body.data().size()))));
}

TEST(KafkaResponse, OffsetFetchV1AndV5) {
  offset_fetch_response m;
  m.throttle_time_ms = 2;
  m.topics.push_back({"t", {{0, 100, 4, "meta", 0}, {1, -1, -1, std::nullopt, 0}}});
  m.error_code = 16;  // NOT_COORDINATOR, group level (v2+)
  EXPECT_TRUE(same_bytes(encoded(encode_offset_fetch_response, 1, m), bytes_builder{}
                                                                          .array(1)
                                                                          .str("t")
                                                                          .array(2)
                                                                          .i32(0)
                                                                          .i64(100)
                                                                          .str("meta")
                                                                          .i16(0)
                                                                          .i32(1)
                                                                          .i64(-1)
                                                                          .null_str()
                                                                          .i16(0)));
  EXPECT_TRUE(same_bytes(encoded(encode_offset_fetch_response, 5, m),
                         bytes_builder{}
                             .i32(2)  // throttle_time_ms (v3+)
                             .array(1)
                             .str("t")
                             .array(2)
                             .i32(0)
                             .i64(100)
                             .i32(4)  // committed_leader_epoch (v5)
                             .str("meta")
                             .i16(0)
                             .i32(1)
                             .i64(-1)
                             .i32(-1)
                             .null_str()
                             .i16(0)
                             .i16(16)));  // error_code (v2+), after topics
}

TEST(KafkaRequest, OffsetFetchNullTopicsMeansAllFromV2) {
  offset_fetch_request all{"g", std::nullopt};
  EXPECT_TRUE(
      same_bytes(encoded(encode_offset_fetch_request, 2, all), bytes_builder{}.str("g").array(-1)));
  EXPECT_TRUE(
      same_bytes(encoded(encode_offset_fetch_request, 1, all), bytes_builder{}.str("g").array(0)));
  std::vector<char> v1_null = bytes_builder{}.str("g").array(-1);
  reader r(v1_null);
  EXPECT_FALSE(decode_offset_fetch_request(r, 1));
}

// ---- DescribeGroups / ListGroups / DeleteGroups ---------------------------------------------

TEST(KafkaResponse, DescribeGroupsV0AndV4) {
  describe_groups_response m;
  m.throttle_time_ms = 1;
  describe_groups_response::group g;
  g.group_id = "g";
  g.group_state = "Stable";
  g.protocol_type = "consumer";
  g.protocol_data = "range";
  g.members.push_back({"m-1", std::nullopt, "client", "/127.0.0.1", {'M'}, {'A'}});
  m.groups.push_back(g);
  EXPECT_TRUE(same_bytes(encoded(encode_describe_groups_response, 0, m), bytes_builder{}
                                                                             .array(1)
                                                                             .i16(0)
                                                                             .str("g")
                                                                             .str("Stable")
                                                                             .str("consumer")
                                                                             .str("range")
                                                                             .array(1)
                                                                             .str("m-1")
                                                                             .str("client")
                                                                             .str("/127.0.0.1")
                                                                             .bytes("M")
                                                                             .bytes("A")));
  EXPECT_TRUE(same_bytes(encoded(encode_describe_groups_response, 4, m),
                         bytes_builder{}
                             .i32(1)  // throttle_time_ms (v1+)
                             .array(1)
                             .i16(0)
                             .str("g")
                             .str("Stable")
                             .str("consumer")
                             .str("range")
                             .array(1)
                             .str("m-1")
                             .null_str()  // group_instance_id (v4)
                             .str("client")
                             .str("/127.0.0.1")
                             .bytes("M")
                             .bytes("A")
                             .i32(std::numeric_limits<int32_t>::min())));  // authorized_ops
}

TEST(KafkaResponse, ListGroupsV0AndV2) {
  list_groups_response m{3, 0, {{"g1", "consumer"}, {"g2", ""}}};
  auto body = bytes_builder{}.i16(0).array(2).str("g1").str("consumer").str("g2").str("");
  EXPECT_TRUE(same_bytes(encoded(encode_list_groups_response, 0, m), body));
  EXPECT_TRUE(same_bytes(
      encoded(encode_list_groups_response, 2, m),
      bytes_builder{}.i32(3).raw(std::string_view(body.data().data(), body.data().size()))));
}

TEST(KafkaResponse, DeleteGroupsV0) {
  delete_groups_response m{0, {{"g1", 0}, {"g2", 68}}};  // NON_EMPTY_GROUP
  EXPECT_TRUE(same_bytes(encoded(encode_delete_groups_response, 0, m),
                         bytes_builder{}.i32(0).array(2).str("g1").i16(0).str("g2").i16(68)));
}

// ---- Admin ----------------------------------------------------------------------------------

TEST(KafkaResponse, CreateTopicsV0AndV4) {
  create_topics_response m{8, {{"t", 36, "exists"}}};  // TOPIC_ALREADY_EXISTS
  EXPECT_TRUE(same_bytes(encoded(encode_create_topics_response, 0, m),
                         bytes_builder{}.array(1).str("t").i16(36)));
  EXPECT_TRUE(same_bytes(encoded(encode_create_topics_response, 1, m),
                         bytes_builder{}.array(1).str("t").i16(36).str("exists")));
  EXPECT_TRUE(same_bytes(encoded(encode_create_topics_response, 4, m),
                         bytes_builder{}.i32(8).array(1).str("t").i16(36).str("exists")));
}

TEST(KafkaResponse, DeleteTopicsV0AndV3) {
  delete_topics_response m{2, {{"t", 0}, {"u", 3}}};
  EXPECT_TRUE(same_bytes(encoded(encode_delete_topics_response, 0, m),
                         bytes_builder{}.array(2).str("t").i16(0).str("u").i16(3)));
  EXPECT_TRUE(same_bytes(encoded(encode_delete_topics_response, 3, m),
                         bytes_builder{}.i32(2).array(2).str("t").i16(0).str("u").i16(3)));
}

describe_configs_response sample_describe_configs() {
  describe_configs_response m;
  describe_configs_response::result res;
  res.resource_type = resource_type_topic;
  res.resource_name = "t";
  describe_configs_response::config c;
  c.name = "retention.ms";
  c.value = "604800000";
  c.read_only = false;
  c.is_default = true;
  c.config_source = static_cast<int8_t>(config_source::default_config);
  c.is_sensitive = false;
  c.synonyms.push_back({"log.retention.ms", "604800000", 4});
  res.configs.push_back(c);
  m.results.push_back(res);
  return m;
}

TEST(KafkaResponse, DescribeConfigsV0) {
  EXPECT_TRUE(same_bytes(encoded(encode_describe_configs_response, 0, sample_describe_configs()),
                         bytes_builder{}
                             .i32(0)  // throttle_time_ms (all versions)
                             .array(1)
                             .i16(0)      // error_code
                             .null_str()  // error_message
                             .i8(2)       // resource_type = topic
                             .str("t")
                             .array(1)
                             .str("retention.ms")
                             .str("604800000")
                             .boolean(false)  // read_only
                             .boolean(true)   // is_default (v0 only)
                             .boolean(false)  // is_sensitive
                         ));
}

TEST(KafkaResponse, DescribeConfigsV1WithSynonyms) {
  auto expected = bytes_builder{}
                      .i32(0)
                      .array(1)
                      .i16(0)
                      .null_str()
                      .i8(2)
                      .str("t")
                      .array(1)
                      .str("retention.ms")
                      .str("604800000")
                      .boolean(false)  // read_only
                      .i8(5)           // config_source = DEFAULT_CONFIG
                      .boolean(false)  // is_sensitive
                      .array(1)        // synonyms
                      .str("log.retention.ms")
                      .str("604800000")
                      .i8(4);  // STATIC_BROKER_CONFIG
  EXPECT_TRUE(same_bytes(encoded(encode_describe_configs_response, 1, sample_describe_configs()),
                         expected));
  EXPECT_TRUE(same_bytes(encoded(encode_describe_configs_response, 2, sample_describe_configs()),
                         expected));
}

TEST(KafkaResponse, AlterConfigsV0) {
  alter_configs_response m{0, {{40, "bad value", resource_type_topic, "t"}}};
  EXPECT_TRUE(same_bytes(encoded(encode_alter_configs_response, 0, m),
                         bytes_builder{}.i32(0).array(1).i16(40).str("bad value").i8(2).str("t")));
}

TEST(KafkaResponse, CreatePartitionsV0) {
  create_partitions_response m{0, {{"t", 0, std::nullopt}, {"u", 37, "too few"}}};
  EXPECT_TRUE(same_bytes(
      encoded(encode_create_partitions_response, 0, m),
      bytes_builder{}.i32(0).array(2).str("t").i16(0).null_str().str("u").i16(37).str("too few")));
}

}  // namespace
}  // namespace fluxo::kafka
