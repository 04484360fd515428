// Requests as real clients put them on the wire, written byte by byte from the protocol spec,
// decoded with the fluxo codec (and re-encoded to the same bytes).
#include <gtest/gtest.h>

#include "runtime/kafka/messages.hpp"
#include "tests/kafka/test_bytes.hpp"

namespace fluxo::kafka {
namespace {

using test::bytes_builder;
using test::encoded;
using test::same_bytes;

// ---- version table and header ---------------------------------------------------------------

TEST(KafkaApi, VersionTableIsSortedAndNonFlexible) {
  // First flexible version per API (Kafka's *.json "flexibleVersions").
  auto first_flexible = [](api_key k) -> int16_t {
    switch (k) {
      case api_key::produce: return 9;
      case api_key::fetch: return 12;
      case api_key::list_offsets: return 6;
      case api_key::metadata: return 9;
      case api_key::offset_commit: return 8;
      case api_key::offset_fetch: return 6;
      case api_key::find_coordinator: return 3;
      case api_key::join_group: return 6;
      case api_key::heartbeat: return 4;
      case api_key::leave_group: return 4;
      case api_key::sync_group: return 4;
      case api_key::describe_groups: return 5;
      case api_key::list_groups: return 3;
      case api_key::sasl_handshake: return 100;  // never flexible
      case api_key::api_versions: return 3;
      case api_key::create_topics: return 5;
      case api_key::delete_topics: return 4;
      case api_key::init_producer_id: return 2;
      case api_key::describe_acls: return 2;
      case api_key::create_acls: return 2;
      case api_key::delete_acls: return 2;
      case api_key::describe_configs: return 4;
      case api_key::alter_configs: return 2;
      case api_key::sasl_authenticate: return 2;
      case api_key::create_partitions: return 2;
      case api_key::delete_groups: return 2;
    }
    return 0;
  };
  int16_t prev = -1;
  for (const auto& r : supported_apis) {
    auto key = static_cast<int16_t>(r.key);
    EXPECT_GT(key, prev);
    prev = key;
    EXPECT_LE(r.min, r.max);
    EXPECT_LT(r.max, first_flexible(r.key)) << api_name(r.key);
    EXPECT_NE(api_name(r.key), "Unknown");
  }
  EXPECT_TRUE(is_supported(api_key::produce, 3));
  EXPECT_FALSE(is_supported(api_key::produce, 2));  // old MessageSet format
  EXPECT_FALSE(is_supported(api_key::api_versions, 3));
  EXPECT_TRUE(is_supported(int16_t{17}, 1));  // SaslHandshake
  EXPECT_FALSE(is_supported(int16_t{17}, 2));
  EXPECT_EQ(find_api(99), nullptr);
  EXPECT_EQ(api_name(int16_t{99}), "Unknown");
}

TEST(KafkaGolden, ApiVersionsV0RequestHeader) {
  // kafka-python: ApiVersions v0, correlation 1, client "kafka-python", empty body.
  std::vector<char> in = bytes_builder{}.i16(18).i16(0).i32(1).str("kafka-python");
  reader r(in);
  auto h = decode_request_header(r);
  ASSERT_TRUE(h) << r.error();
  EXPECT_EQ(*h, (request_header{18, 0, 1, "kafka-python"}));
  EXPECT_EQ(r.remaining(), 0u);
  auto body = decode_api_versions_request(r, h->version);
  EXPECT_TRUE(body);
  EXPECT_TRUE(same_bytes(
      [&] {
        std::vector<char> out;
        writer w(out);
        encode_request_header(w, *h);
        return out;
      }(),
      in));
}

TEST(KafkaGolden, ApiVersionsV3RequestHeaderFromLibrdkafka) {
  // librdkafka 2.x: ApiVersions v3 uses request header v2 (flexible): header v1 fields, then
  // tagged fields (uvarint 0); the body is compact strings client_software_name/version
  // (uvarint length + 1) and its own tagged fields.
  std::vector<char> in = bytes_builder{}
                             .i16(18)
                             .i16(3)
                             .i32(1)
                             .str("rdkafka")
                             .u8s({0x00})  // header tagged fields
                             .u8s({11})
                             .raw("librdkafka")
                             .u8s({6})
                             .raw("2.0.2")
                             .u8s({0x00});  // body tagged fields
  reader r(in);
  auto h = decode_request_header(r);
  ASSERT_TRUE(h) << r.error();
  EXPECT_EQ(h->key, 18);
  EXPECT_EQ(h->version, 3);
  EXPECT_EQ(h->correlation_id, 1);
  EXPECT_EQ(h->client_id, "rdkafka");
  EXPECT_EQ(r.remaining(), 19u);  // flexible remainder, left to the caller
  EXPECT_FALSE(is_supported(h->key, h->version));
  EXPECT_FALSE(decode_api_versions_request(r, h->version));
  EXPECT_NE(r.error().find("unsupported version 3"), std::string::npos) << r.error();
}

TEST(KafkaGolden, RequestHeaderNullClientIdAndTruncation) {
  std::vector<char> in = bytes_builder{}.i16(3).i16(1).i32(-7).null_str();
  reader r(in);
  auto h = decode_request_header(r);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->client_id, std::nullopt);
  EXPECT_EQ(h->correlation_id, -7);
  for (std::size_t n = 0; n < in.size(); ++n) {
    std::vector<char> prefix(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
    reader rp(prefix);
    EXPECT_FALSE(decode_request_header(rp));
    EXPECT_EQ(rp.error().rfind("request header: truncated", 0), 0u) << rp.error();
  }
}

// ---- Metadata -------------------------------------------------------------------------------

TEST(KafkaGolden, MetadataTopicsNullEmptyAndV0) {
  std::vector<char> null_topics = bytes_builder{}.array(-1);
  std::vector<char> empty_topics = bytes_builder{}.array(0);
  std::vector<char> one_topic = bytes_builder{}.array(1).str("foo");
  {
    reader r(null_topics);
    auto m = decode_metadata_request(r, 1);
    ASSERT_TRUE(m) << r.error();
    EXPECT_FALSE(m->topics.has_value());
    EXPECT_TRUE(m->wants_all_topics(1));
  }
  {
    reader r(empty_topics);
    auto m = decode_metadata_request(r, 1);
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->topics.has_value());
    EXPECT_TRUE(m->topics->empty());
    EXPECT_FALSE(m->wants_all_topics(1));  // v1+: empty = no topics
  }
  {
    reader r(empty_topics);
    auto m = decode_metadata_request(r, 0);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->wants_all_topics(0));  // v0: empty = all topics
  }
  {
    reader r(null_topics);
    EXPECT_FALSE(decode_metadata_request(r, 0));  // null is not valid at v0
  }
  {
    reader r(one_topic);
    auto m = decode_metadata_request(r, 1);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->topics, (std::vector<std::string>{"foo"}));
    EXPECT_FALSE(m->wants_all_topics(1));
  }
  // Encoding: null at v0 becomes the empty ("all") array; v1 keeps null; v4 adds the flag.
  metadata_request all;
  EXPECT_TRUE(same_bytes(encoded(encode_metadata_request, 0, all), empty_topics));
  EXPECT_TRUE(same_bytes(encoded(encode_metadata_request, 1, all), null_topics));
  all.allow_auto_topic_creation = false;
  EXPECT_TRUE(same_bytes(encoded(encode_metadata_request, 4, all),
                         bytes_builder{}.array(-1).boolean(false)));
}

// ---- Produce --------------------------------------------------------------------------------

TEST(KafkaGolden, ProduceV3OneTopicOnePartition) {
  // Opaque to the codec: base offset 0 then arbitrary bytes (embedded NULs on purpose).
  const std::string batch("\x00\x00\x00\x00\x00\x00\x00\x00RECORDS", 15);
  std::vector<char> in = bytes_builder{}
                             .null_str()     // transactional_id
                             .i16(-1)        // acks = all
                             .i32(30000)     // timeout_ms
                             .array(1)       // topics
                             .str("t")       //   name
                             .array(1)       //   partitions
                             .i32(0)         //     index
                             .bytes(batch);  //     records
  reader r(in);
  auto m = decode_produce_request(r, 3);
  ASSERT_TRUE(m) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(m->transactional_id, std::nullopt);
  EXPECT_EQ(m->acks, -1);
  EXPECT_EQ(m->timeout_ms, 30000);
  ASSERT_EQ(m->topics.size(), 1u);
  EXPECT_EQ(m->topics[0].name, "t");
  ASSERT_EQ(m->topics[0].partitions.size(), 1u);
  EXPECT_EQ(m->topics[0].partitions[0].index, 0);
  ASSERT_TRUE(m->topics[0].partitions[0].records);
  EXPECT_EQ(m->topics[0].partitions[0].records->size(), 15u);
  EXPECT_EQ(m->topics[0].partitions[0].records, std::vector<char>(batch.begin(), batch.end()));
  EXPECT_TRUE(same_bytes(encoded(encode_produce_request, 3, *m), in));
}

// ---- Fetch ----------------------------------------------------------------------------------

TEST(KafkaGolden, FetchV4) {
  std::vector<char> in = bytes_builder{}
                             .i32(-1)        // replica_id
                             .i32(500)       // max_wait_ms
                             .i32(1)         // min_bytes
                             .i32(52428800)  // max_bytes
                             .i8(1)          // isolation_level = read_committed
                             .array(1)       // topics
                             .str("t")
                             .array(1)       // partitions
                             .i32(0)         //   partition
                             .i64(42)        //   fetch_offset
                             .i32(1048576);  //   partition_max_bytes
  reader r(in);
  auto m = decode_fetch_request(r, 4);
  ASSERT_TRUE(m) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(m->replica_id, -1);
  EXPECT_EQ(m->max_wait_ms, 500);
  EXPECT_EQ(m->min_bytes, 1);
  EXPECT_EQ(m->max_bytes, 52428800);
  EXPECT_EQ(m->isolation_level, 1);
  ASSERT_EQ(m->topics.size(), 1u);
  ASSERT_EQ(m->topics[0].partitions.size(), 1u);
  const auto& p = m->topics[0].partitions[0];
  EXPECT_EQ(p.index, 0);
  EXPECT_EQ(p.fetch_offset, 42);
  EXPECT_EQ(p.partition_max_bytes, 1048576);
  EXPECT_EQ(p.log_start_offset, -1);      // not in v4
  EXPECT_EQ(p.current_leader_epoch, -1);  // not in v4
  EXPECT_TRUE(same_bytes(encoded(encode_fetch_request, 4, *m), in));
}

TEST(KafkaGolden, FetchV11) {
  std::vector<char> in = bytes_builder{}
                             .i32(-1)        // replica_id
                             .i32(500)       // max_wait_ms
                             .i32(1)         // min_bytes
                             .i32(52428800)  // max_bytes
                             .i8(0)          // isolation_level
                             .i32(0)         // session_id
                             .i32(-1)        // session_epoch
                             .array(1)       // topics
                             .str("t")
                             .array(1)  // partitions
                             .i32(2)    //   partition
                             .i32(5)    //   current_leader_epoch
                             .i64(42)   //   fetch_offset
                             .i64(-1)   //   log_start_offset
                             .i32(1048576)
                             .array(1)  // forgotten_topics_data
                             .str("old")
                             .i32s({3, 4})
                             .str("rack-a");  // rack_id
  reader r(in);
  auto m = decode_fetch_request(r, 11);
  ASSERT_TRUE(m) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(m->session_id, 0);
  EXPECT_EQ(m->session_epoch, -1);
  const auto& p = m->topics.at(0).partitions.at(0);
  EXPECT_EQ(p.index, 2);
  EXPECT_EQ(p.current_leader_epoch, 5);
  EXPECT_EQ(p.fetch_offset, 42);
  EXPECT_EQ(p.log_start_offset, -1);
  ASSERT_EQ(m->forgotten_topics.size(), 1u);
  EXPECT_EQ(m->forgotten_topics[0].name, "old");
  EXPECT_EQ(m->forgotten_topics[0].partitions, (std::vector<int32_t>{3, 4}));
  EXPECT_EQ(m->rack_id, "rack-a");
  EXPECT_TRUE(same_bytes(encoded(encode_fetch_request, 11, *m), in));
}

// ---- JoinGroup / OffsetCommit ---------------------------------------------------------------

TEST(KafkaGolden, JoinGroupV5) {
  std::vector<char> in = bytes_builder{}
                             .str("g")     // group_id
                             .i32(45000)   // session_timeout_ms
                             .i32(300000)  // rebalance_timeout_ms
                             .str("")      // member_id (first join)
                             .null_str()   // group_instance_id
                             .str("consumer")
                             .array(2)
                             .str("range")
                             .bytes(std::string("\x00\x01\x02\x03", 4))
                             .str("roundrobin")
                             .bytes("rr");
  reader r(in);
  auto m = decode_join_group_request(r, 5);
  ASSERT_TRUE(m) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(m->group_id, "g");
  EXPECT_EQ(m->session_timeout_ms, 45000);
  EXPECT_EQ(m->rebalance_timeout_ms, 300000);
  EXPECT_EQ(m->member_id, "");
  EXPECT_EQ(m->group_instance_id, std::nullopt);
  EXPECT_EQ(m->protocol_type, "consumer");
  ASSERT_EQ(m->protocols.size(), 2u);
  EXPECT_EQ(m->protocols[0].name, "range");
  EXPECT_EQ(m->protocols[0].metadata, (std::vector<char>{0, 1, 2, 3}));
  EXPECT_EQ(m->protocols[1].name, "roundrobin");
  EXPECT_TRUE(same_bytes(encoded(encode_join_group_request, 5, *m), in));

  // The same bytes are not a valid v0 request (v0 has no rebalance timeout/instance id):
  // they decode to something else or fail, never read out of bounds.
  reader r0(in);
  auto v0 = decode_join_group_request(r0, 0);
  EXPECT_TRUE(!v0 || r0.remaining() != 0 || *v0 != *m);
}

TEST(KafkaGolden, OffsetCommitV2) {
  std::vector<char> in = bytes_builder{}
                             .str("g")    // group_id
                             .i32(3)      // generation_id
                             .str("m-1")  // member_id
                             .i64(-1)     // retention_time_ms
                             .array(1)
                             .str("t")
                             .array(1)
                             .i32(0)    // partition
                             .i64(100)  // offset
                             .str("");  // metadata
  reader r(in);
  auto m = decode_offset_commit_request(r, 2);
  ASSERT_TRUE(m) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(m->group_id, "g");
  EXPECT_EQ(m->generation_id, 3);
  EXPECT_EQ(m->member_id, "m-1");
  EXPECT_EQ(m->retention_time_ms, -1);
  const auto& p = m->topics.at(0).partitions.at(0);
  EXPECT_EQ(p.index, 0);
  EXPECT_EQ(p.committed_offset, 100);
  EXPECT_EQ(p.committed_metadata, std::optional<std::string>(""));
  EXPECT_TRUE(same_bytes(encoded(encode_offset_commit_request, 2, *m), in));
}

TEST(KafkaGolden, DecodeRejectsVersionsOutsideTheTable) {
  std::vector<char> empty;
  reader r(empty);
  EXPECT_FALSE(decode_produce_request(r, 2));
  EXPECT_EQ(r.error(), "produce_request v2: unsupported version 2");
  reader r2(empty);
  EXPECT_FALSE(decode_fetch_request(r2, 12));
}

// ---- SASL ------------------------------------------------------------------------------------

TEST(KafkaRequest, SaslHandshakeAndAuthenticateAsLibrdkafkaSendsThem) {
  for (int16_t v : {0, 1}) {
    bytes_builder b;
    b.str("SCRAM-SHA-256");
    reader r(b.data());
    auto m = decode_sasl_handshake_request(r, v);
    ASSERT_TRUE(m) << r.error();
    EXPECT_EQ(m->mechanism, "SCRAM-SHA-256");
    EXPECT_TRUE(same_bytes(encoded(encode_sasl_handshake_request, v, *m), b));
  }
  bytes_builder token;
  token.i32(5).raw("n,,n=");
  reader r(token.data());
  auto a = decode_sasl_authenticate_request(r, 1);
  ASSERT_TRUE(a) << r.error();
  EXPECT_EQ(std::string(a->auth_bytes.begin(), a->auth_bytes.end()), "n,,n=");
  EXPECT_TRUE(same_bytes(encoded(encode_sasl_authenticate_request, 1, *a), token));
}

TEST(KafkaResponse, SaslHandshakeAndAuthenticateLayouts) {
  sasl_handshake_response h{33, {"SCRAM-SHA-256", "PLAIN"}};
  bytes_builder hb;
  hb.i16(33).i32(2).str("SCRAM-SHA-256").str("PLAIN");
  EXPECT_TRUE(same_bytes(encoded(encode_sasl_handshake_response, 1, h), hb));
  sasl_authenticate_response a{58, std::string("bad"), {'v', '='}, 0};
  for (int16_t v : {0, 1}) {
    bytes_builder ab;
    ab.i16(58).str("bad").i32(2).raw("v=");
    if (v >= 1) ab.i64(0);
    EXPECT_TRUE(same_bytes(encoded(encode_sasl_authenticate_response, v, a), ab)) << "v" << v;
  }
}

}  // namespace
}  // namespace fluxo::kafka
