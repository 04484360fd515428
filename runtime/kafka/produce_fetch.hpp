// Produce (0), Fetch (1), ListOffsets (2), InitProducerId (22): the data path.
//
// Structs hold the union of the fields of all supported versions; a field's comment names the
// versions that carry it (others ignore it on encode and leave the default on decode).
// Record batches stay opaque: nullable bytes holding RecordBatch v2 (magic 2) batches.
//
// Layouts (non-flexible, fields in wire order):
//   ProduceRequest  v3-7: transactional_id nstring, acks i16, timeout_ms i32,
//                         topics[name, partitions[index i32, records nbytes]]
//   ProduceResponse v3-4: responses[name, partitions[index i32, error i16, base_offset i64,
//                         log_append_time_ms i64]], throttle_time_ms i32
//                   v5-7: + log_start_offset i64 after log_append_time_ms
//   FetchRequest    v4:   replica_id i32, max_wait_ms i32, min_bytes i32, max_bytes i32,
//                         isolation_level i8, topics[name, partitions[partition i32,
//                         fetch_offset i64, partition_max_bytes i32]]
//                   v5+:  + log_start_offset i64 after fetch_offset
//                   v7+:  + session_id i32, session_epoch i32 after isolation_level;
//                         + forgotten_topics[name, partitions[i32]] after topics
//                   v9+:  + current_leader_epoch i32 before fetch_offset
//                   v11:  + rack_id string at the end
//   FetchResponse   v4:   throttle_time_ms i32, responses[topic, partitions[index i32,
//                         error i16, high_watermark i64, last_stable_offset i64,
//                         aborted_transactions n[producer_id i64, first_offset i64],
//                         records nbytes]]
//                   v5+:  + log_start_offset i64 after last_stable_offset
//                   v7+:  + error_code i16, session_id i32 after throttle_time_ms
//                   v11:  + preferred_read_replica i32 before records
//   ListOffsetsRequest  v1: replica_id i32, topics[name, partitions[index i32, timestamp i64]]
//                       v2+: + isolation_level i8 after replica_id
//   ListOffsetsResponse v1: topics[name, partitions[index i32, error i16, timestamp i64,
//                           offset i64]];  v2+: throttle_time_ms i32 first
//   InitProducerIdRequest  v0-1: transactional_id nstring, transaction_timeout_ms i32
//   InitProducerIdResponse v0-1: throttle_time_ms i32, error i16, producer_id i64,
//                                producer_epoch i16
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

// ---- Produce --------------------------------------------------------------------------------

struct produce_request {
  struct partition {
    int32_t index = 0;
    std::optional<std::vector<char>> records;  // RecordBatch v2 bytes
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  std::optional<std::string> transactional_id;
  int16_t acks = -1;  // 0: no response at all; 1: leader; -1: all in-sync replicas
  int32_t timeout_ms = 0;
  std::vector<topic> topics;
  bool operator==(const produce_request&) const = default;
};

struct produce_response {
  struct partition {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = -1;
    int64_t log_append_time_ms = -1;  // -1 for CreateTime topics
    int64_t log_start_offset = -1;    // v5+
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  std::vector<topic> responses;
  int32_t throttle_time_ms = 0;  // last field
  bool operator==(const produce_response&) const = default;
};

std::optional<produce_request> decode_produce_request(reader& r, int16_t version);
void encode_produce_request(writer& w, int16_t version, const produce_request& m);
std::optional<produce_response> decode_produce_response(reader& r, int16_t version);
void encode_produce_response(writer& w, int16_t version, const produce_response& m);

// ---- Fetch ----------------------------------------------------------------------------------

struct fetch_request {
  struct partition {
    int32_t index = 0;
    int32_t current_leader_epoch = -1;  // v9+
    int64_t fetch_offset = 0;
    int64_t log_start_offset = -1;  // v5+ (followers only)
    int32_t partition_max_bytes = 0;
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  struct forgotten_topic {
    std::string name;
    std::vector<int32_t> partitions;
    bool operator==(const forgotten_topic&) const = default;
  };
  int32_t replica_id = -1;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;  // 0 read_uncommitted, 1 read_committed
  int32_t session_id = 0;      // v7+
  int32_t session_epoch = -1;  // v7+
  std::vector<topic> topics;
  std::vector<forgotten_topic> forgotten_topics;  // v7+
  std::string rack_id;                            // v11
  bool operator==(const fetch_request&) const = default;
};

struct fetch_response {
  struct aborted_transaction {
    int64_t producer_id = 0;
    int64_t first_offset = 0;
    bool operator==(const aborted_transaction&) const = default;
  };
  struct partition {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t high_watermark = 0;
    int64_t last_stable_offset = -1;  // equal to high_watermark without transactions
    int64_t log_start_offset = -1;    // v5+
    // Empty array by default (null is allowed on the wire).
    std::optional<std::vector<aborted_transaction>> aborted_transactions =
        std::vector<aborted_transaction>{};
    int32_t preferred_read_replica = -1;  // v11
    // Whole RecordBatch v2 batches. Empty, not null, by default: Kafka answers an error
    // partition with empty records, and librdkafka 2.0 fails to parse a null (size -1).
    std::optional<std::vector<char>> records = std::vector<char>{};
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;  // v7+
  int32_t session_id = 0;  // v7+ (0: no fetch session)
  std::vector<topic> responses;
  bool operator==(const fetch_response&) const = default;
};

std::optional<fetch_request> decode_fetch_request(reader& r, int16_t version);
void encode_fetch_request(writer& w, int16_t version, const fetch_request& m);
std::optional<fetch_response> decode_fetch_response(reader& r, int16_t version);
void encode_fetch_response(writer& w, int16_t version, const fetch_response& m);

// Applies the request's response-wide max_bytes the way Kafka does: partitions keep their
// records in request order while the total fits; the first partition with records keeps them
// even when they alone exceed the limit (so a consumer always makes progress). Returns the
// bytes kept. Dropped partitions answer with no records and the client fetches them again.
std::size_t cap_fetch_response(fetch_response& m, int32_t max_bytes);

// ---- ListOffsets ----------------------------------------------------------------------------

// Special timestamps in list_offsets_request: -1 latest (high watermark), -2 earliest.
inline constexpr int64_t list_offsets_latest = -1;
inline constexpr int64_t list_offsets_earliest = -2;

struct list_offsets_request {
  struct partition {
    int32_t index = 0;
    int64_t timestamp = list_offsets_latest;
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  int32_t replica_id = -1;
  int8_t isolation_level = 0;  // v2+
  std::vector<topic> topics;
  bool operator==(const list_offsets_request&) const = default;
};

struct list_offsets_response {
  struct partition {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t timestamp = -1;
    int64_t offset = -1;
    bool operator==(const partition&) const = default;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v2+
  std::vector<topic> topics;
  bool operator==(const list_offsets_response&) const = default;
};

std::optional<list_offsets_request> decode_list_offsets_request(reader& r, int16_t version);
void encode_list_offsets_request(writer& w, int16_t version, const list_offsets_request& m);
std::optional<list_offsets_response> decode_list_offsets_response(reader& r, int16_t version);
void encode_list_offsets_response(writer& w, int16_t version, const list_offsets_response& m);

// ---- InitProducerId -------------------------------------------------------------------------

struct init_producer_id_request {
  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;
  bool operator==(const init_producer_id_request&) const = default;
};

struct init_producer_id_response {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool operator==(const init_producer_id_response&) const = default;
};

std::optional<init_producer_id_request> decode_init_producer_id_request(reader& r, int16_t version);
void encode_init_producer_id_request(writer& w, int16_t version, const init_producer_id_request& m);
std::optional<init_producer_id_response> decode_init_producer_id_response(reader& r,
                                                                          int16_t version);
void encode_init_producer_id_response(writer& w, int16_t version,
                                      const init_producer_id_response& m);

}  // namespace fluxo::kafka
