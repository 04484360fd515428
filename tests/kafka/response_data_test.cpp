// Response layouts of the data path and discovery APIs, checked field by field against bytes
// written by hand from the spec: ApiVersions, Metadata, Produce, Fetch, ListOffsets,
// InitProducerId.
#include <gtest/gtest.h>

#include "runtime/kafka/frame.hpp"
#include "runtime/kafka/messages.hpp"
#include "tests/kafka/test_bytes.hpp"

namespace fluxo::kafka {
namespace {

using test::bytes_builder;
using test::encoded;
using test::same_bytes;

// ---- ApiVersions ----------------------------------------------------------------------------

bytes_builder& api_table(bytes_builder& b) {
  b.array(static_cast<int32_t>(supported_apis.size()));
  for (const auto& r : supported_apis) b.i16(static_cast<int16_t>(r.key)).i16(r.min).i16(r.max);
  return b;
}

TEST(KafkaResponse, ApiVersionsV0V1V2) {
  for (int16_t v : {0, 1, 2}) {
    auto reply = make_api_versions_reply(v);
    EXPECT_EQ(reply.version, v);
    EXPECT_EQ(reply.response.error_code, 0);
    reply.response.throttle_time_ms = 9;
    bytes_builder b;
    b.i16(0);  // error_code
    api_table(b);
    if (v >= 1) b.i32(9);  // throttle_time_ms, last
    EXPECT_TRUE(same_bytes(encoded(encode_api_versions_response, v, reply.response), b))
        << "v" << v;
  }
  // Spot-check the table contents clients depend on.
  std::vector<char> v0 =
      encoded(encode_api_versions_response, 0, make_api_versions_reply(0).response);
  reader r(v0);
  r.int16();
  EXPECT_EQ(r.array_length(false), 26);
  EXPECT_EQ(r.int16(), 0);  // Produce 3..7
  EXPECT_EQ(r.int16(), 3);
  EXPECT_EQ(r.int16(), 7);
  EXPECT_EQ(r.int16(), 1);  // Fetch 4..11
  EXPECT_EQ(r.int16(), 4);
  EXPECT_EQ(r.int16(), 11);
}

TEST(KafkaResponse, ApiVersionsV3IsAnsweredWithV0LayoutAndError35) {
  auto reply = make_api_versions_reply(3);
  EXPECT_EQ(reply.version, 0);
  EXPECT_EQ(reply.response.error_code, 35);
  std::vector<char> body = encoded(encode_api_versions_response, reply.version, reply.response);
  bytes_builder expected;
  expected.i16(35);
  api_table(expected);  // no throttle_time_ms: v0 layout
  EXPECT_TRUE(same_bytes(body, expected));
  // Whole frame as librdkafka receives it: size, correlation_id (response header v0), body.
  auto frame = make_response_frame(1, body);
  EXPECT_TRUE(same_bytes(frame, bytes_builder{}
                                    .i32(4 + static_cast<int64_t>(body.size()))
                                    .i32(1)
                                    .raw(std::string_view(body.data(), body.size()))));
  EXPECT_EQ(make_api_versions_reply(-1).response.error_code, 35);
}

// ---- Metadata -------------------------------------------------------------------------------

metadata_response sample_metadata() {
  metadata_response m;
  m.throttle_time_ms = 4;
  m.brokers.push_back({1, "localhost", 9092, std::nullopt});
  m.cluster_id = "fluxo-cluster";
  m.controller_id = 1;
  metadata_response::topic t;
  t.name = "t";
  t.partitions.push_back({0, 0, 1, {1}, {1}, {}});
  t.partitions.push_back({5, 1, -1, {1}, {}, {1}});  // LEADER_NOT_AVAILABLE, offline
  m.topics.push_back(t);
  return m;
}

TEST(KafkaResponse, MetadataV0) {
  auto bytes = encoded(encode_metadata_response, 0, sample_metadata());
  EXPECT_TRUE(same_bytes(bytes, bytes_builder{}
                                    .array(1)  // brokers
                                    .i32(1)
                                    .str("localhost")
                                    .i32(9092)
                                    .array(1)  // topics
                                    .i16(0)
                                    .str("t")
                                    .array(2)  // partitions
                                    .i16(0)
                                    .i32(0)
                                    .i32(1)
                                    .i32s({1})
                                    .i32s({1})
                                    .i16(5)
                                    .i32(1)
                                    .i32(-1)
                                    .i32s({1})
                                    .i32s({})));
}

TEST(KafkaResponse, MetadataV1) {
  auto bytes = encoded(encode_metadata_response, 1, sample_metadata());
  EXPECT_TRUE(same_bytes(bytes, bytes_builder{}
                                    .array(1)  // brokers
                                    .i32(1)
                                    .str("localhost")
                                    .i32(9092)
                                    .null_str()  // rack
                                    .i32(1)      // controller_id
                                    .array(1)    // topics
                                    .i16(0)
                                    .str("t")
                                    .boolean(false)  // is_internal
                                    .array(2)
                                    .i16(0)
                                    .i32(0)
                                    .i32(1)
                                    .i32s({1})
                                    .i32s({1})
                                    .i16(5)
                                    .i32(1)
                                    .i32(-1)
                                    .i32s({1})
                                    .i32s({})));
}

TEST(KafkaResponse, MetadataV5) {
  auto m = sample_metadata();
  m.brokers[0].rack = "r1";
  auto bytes = encoded(encode_metadata_response, 5, m);
  EXPECT_TRUE(same_bytes(bytes, bytes_builder{}
                                    .i32(4)    // throttle_time_ms
                                    .array(1)  // brokers
                                    .i32(1)
                                    .str("localhost")
                                    .i32(9092)
                                    .str("r1")
                                    .str("fluxo-cluster")  // cluster_id
                                    .i32(1)                // controller_id
                                    .array(1)
                                    .i16(0)
                                    .str("t")
                                    .boolean(false)
                                    .array(2)
                                    .i16(0)
                                    .i32(0)
                                    .i32(1)
                                    .i32s({1})
                                    .i32s({1})
                                    .i32s({})  // offline_replicas
                                    .i16(5)
                                    .i32(1)
                                    .i32(-1)
                                    .i32s({1})
                                    .i32s({})
                                    .i32s({1})));
}

// ---- Produce --------------------------------------------------------------------------------

produce_response sample_produce() {
  produce_response m;
  m.responses.push_back({"t", {{0, 0, 10, -1, 3}, {1, 3, -1, -1, -1}}});
  m.throttle_time_ms = 0;
  return m;
}

TEST(KafkaResponse, ProduceV3) {
  EXPECT_TRUE(same_bytes(encoded(encode_produce_response, 3, sample_produce()),
                         bytes_builder{}
                             .array(1)
                             .str("t")
                             .array(2)
                             .i32(0)   // index
                             .i16(0)   // error_code
                             .i64(10)  // base_offset
                             .i64(-1)  // log_append_time_ms
                             .i32(1)
                             .i16(3)
                             .i64(-1)
                             .i64(-1)
                             .i32(0)));  // throttle_time_ms comes last
}

TEST(KafkaResponse, ProduceV7) {
  EXPECT_TRUE(same_bytes(encoded(encode_produce_response, 7, sample_produce()),
                         bytes_builder{}
                             .array(1)
                             .str("t")
                             .array(2)
                             .i32(0)
                             .i16(0)
                             .i64(10)
                             .i64(-1)
                             .i64(3)  // log_start_offset (v5+)
                             .i32(1)
                             .i16(3)
                             .i64(-1)
                             .i64(-1)
                             .i64(-1)
                             .i32(0)));
}

// ---- Fetch ----------------------------------------------------------------------------------

fetch_response sample_fetch() {
  fetch_response m;
  fetch_response::partition p;
  p.index = 0;
  p.high_watermark = 5;
  p.last_stable_offset = 5;
  p.log_start_offset = 0;
  p.records = std::vector<char>{'B', 'A', 'T', 'C', 'H'};
  m.responses.push_back({"t", {p}});
  return m;
}

TEST(KafkaResponse, FetchV4) {
  EXPECT_TRUE(same_bytes(encoded(encode_fetch_response, 4, sample_fetch()),
                         bytes_builder{}
                             .i32(0)    // throttle_time_ms
                             .array(1)  // responses
                             .str("t")
                             .array(1)
                             .i32(0)    // partition
                             .i16(0)    // error_code
                             .i64(5)    // high_watermark
                             .i64(5)    // last_stable_offset
                             .array(0)  // aborted_transactions: empty, not null
                             .bytes("BATCH")));
}

TEST(KafkaResponse, FetchV11) {
  auto m = sample_fetch();
  m.responses[0].partitions.push_back({});  // an error partition: empty records (never null: librdkafka 2.0 fails on -1)
  m.responses[0].partitions[1].index = 1;
  m.responses[0].partitions[1].error_code = 1;  // OFFSET_OUT_OF_RANGE
  EXPECT_TRUE(
      same_bytes(encoded(encode_fetch_response, 11, m), bytes_builder{}
                                                            .i32(0)  // throttle_time_ms
                                                            .i16(0)  // error_code
                                                            .i32(0)  // session_id
                                                            .array(1)
                                                            .str("t")
                                                            .array(2)
                                                            .i32(0)
                                                            .i16(0)
                                                            .i64(5)    // high_watermark
                                                            .i64(5)    // last_stable_offset
                                                            .i64(0)    // log_start_offset
                                                            .array(0)  // aborted_transactions
                                                            .i32(-1)   // preferred_read_replica
                                                            .bytes("BATCH")
                                                            .i32(1)
                                                            .i16(1)
                                                            .i64(0)
                                                            .i64(-1)
                                                            .i64(-1)
                                                            .array(0)
                                                            .i32(-1)
                                                            .i32(0)));
}

TEST(KafkaResponse, FetchAbortedTransactionsNullAndPresent) {
  auto m = sample_fetch();
  m.responses[0].partitions[0].aborted_transactions = std::nullopt;
  auto bytes = encoded(encode_fetch_response, 4, m);
  reader r(bytes);
  auto d = decode_fetch_response(r, 4);
  ASSERT_TRUE(d) << r.error();
  EXPECT_EQ(d->responses[0].partitions[0].aborted_transactions, std::nullopt);
  m.responses[0].partitions[0].aborted_transactions =
      std::vector<fetch_response::aborted_transaction>{{7, 100}};
  bytes = encoded(encode_fetch_response, 4, m);
  EXPECT_TRUE(same_bytes(bytes, bytes_builder{}
                                    .i32(0)
                                    .array(1)
                                    .str("t")
                                    .array(1)
                                    .i32(0)
                                    .i16(0)
                                    .i64(5)
                                    .i64(5)
                                    .array(1)
                                    .i64(7)
                                    .i64(100)
                                    .bytes("BATCH")));
}

// ---- ListOffsets / InitProducerId -----------------------------------------------------------

TEST(KafkaResponse, ListOffsetsV1V2) {
  list_offsets_response m;
  m.throttle_time_ms = 2;
  m.topics.push_back({"t", {{0, 0, -1, 42}}});
  auto body = bytes_builder{}.array(1).str("t").array(1).i32(0).i16(0).i64(-1).i64(42);
  EXPECT_TRUE(same_bytes(encoded(encode_list_offsets_response, 1, m), body));
  EXPECT_TRUE(same_bytes(
      encoded(encode_list_offsets_response, 2, m),
      bytes_builder{}.i32(2).raw(std::string_view(body.data().data(), body.data().size()))));
}

TEST(KafkaResponse, InitProducerIdV0) {
  init_producer_id_response m{0, 0, 1000, 0};
  EXPECT_TRUE(same_bytes(encoded(encode_init_producer_id_response, 0, m),
                         bytes_builder{}.i32(0).i16(0).i64(1000).i16(0)));
  EXPECT_TRUE(same_bytes(encoded(encode_init_producer_id_response, 1, m),
                         encoded(encode_init_producer_id_response, 0, m)));
}

}  // namespace
}  // namespace fluxo::kafka

TEST(KafkaResponse, FetchMaxBytesKeepsPartitionsInOrderAndAlwaysTheFirst) {
  using fluxo::kafka::fetch_response;
  auto part = [](int32_t index, std::size_t bytes) {
    fetch_response::partition p;
    p.index = index;
    p.records = std::vector<char>(bytes, 'x');
    return p;
  };
  fetch_response m;
  m.responses.push_back({"a", {part(0, 0), part(1, 600), part(2, 300)}});
  m.responses.push_back({"b", {part(0, 200), part(1, 100)}});
  // 600 + 300 fit in 1000; b/0 (200) would not and is dropped; b/1 (100) still fits after it.
  EXPECT_EQ(fluxo::kafka::cap_fetch_response(m, 1000), 1000u);
  EXPECT_EQ(m.responses[0].partitions[1].records->size(), 600u);
  EXPECT_EQ(m.responses[0].partitions[2].records->size(), 300u);
  EXPECT_TRUE(m.responses[1].partitions[0].records->empty());
  EXPECT_EQ(m.responses[1].partitions[1].records->size(), 100u);

  // The first partition with records keeps them even above the limit.
  fetch_response big;
  big.responses.push_back({"a", {part(0, 5000), part(1, 10)}});
  EXPECT_EQ(fluxo::kafka::cap_fetch_response(big, 100), 5000u);
  EXPECT_EQ(big.responses[0].partitions[0].records->size(), 5000u);
  EXPECT_TRUE(big.responses[0].partitions[1].records->empty());
}
