// Kafka API keys, the versions fluxo supports, and the request header.
//
// `supported_apis` is the single source of truth: ApiVersions advertises it and the dispatcher
// (and every decode_* function) rejects versions outside it. All maxima are below each API's
// first flexible version, so every request uses header v1 and every response header v0:
//
//   request header v1:  api_key int16, api_version int16, correlation_id int32,
//                       client_id nullable_string
//   response header v0: correlation_id int32
//
// The ranges match the shape of a Kafka 2.3-era broker (the newest non-flexible versions):
// kafka-python infers the broker version from them and librdkafka/kafkajs pick their versions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

enum class api_key : int16_t {
  produce = 0,
  fetch = 1,
  list_offsets = 2,
  metadata = 3,
  offset_commit = 8,
  offset_fetch = 9,
  find_coordinator = 10,
  join_group = 11,
  heartbeat = 12,
  leave_group = 13,
  sync_group = 14,
  describe_groups = 15,
  list_groups = 16,
  sasl_handshake = 17,
  api_versions = 18,
  create_topics = 19,
  delete_topics = 20,
  init_producer_id = 22,
  describe_acls = 29,
  create_acls = 30,
  delete_acls = 31,
  describe_configs = 32,
  alter_configs = 33,
  sasl_authenticate = 36,
  create_partitions = 37,
  delete_groups = 42,
};

struct version_range {
  api_key key;
  int16_t min;
  int16_t max;
};

// Sorted by key, as ApiVersions lists them.
inline constexpr std::array<version_range, 26> supported_apis{{
    {api_key::produce, 3, 7},          {api_key::fetch, 4, 11},
    {api_key::list_offsets, 1, 3},     {api_key::metadata, 0, 5},
    {api_key::offset_commit, 0, 7},    {api_key::offset_fetch, 1, 5},
    {api_key::find_coordinator, 0, 2}, {api_key::join_group, 0, 5},
    {api_key::heartbeat, 0, 3},        {api_key::leave_group, 0, 3},
    {api_key::sync_group, 0, 3},       {api_key::describe_groups, 0, 4},
    {api_key::list_groups, 0, 2},      {api_key::sasl_handshake, 0, 1},
    {api_key::api_versions, 0, 2},
    {api_key::create_topics, 0, 4},    {api_key::delete_topics, 0, 3},
    {api_key::init_producer_id, 0, 1}, {api_key::describe_acls, 0, 1},
    {api_key::create_acls, 0, 1},      {api_key::delete_acls, 0, 1},
    {api_key::describe_configs, 0, 2},
    {api_key::alter_configs, 0, 1},    {api_key::sasl_authenticate, 0, 1},
    {api_key::create_partitions, 0, 1},
    {api_key::delete_groups, 0, 1},
}};

// The range for a raw key, or nullptr when fluxo does not implement that API.
constexpr const version_range* find_api(int16_t key) {
  for (const auto& r : supported_apis) {
    if (static_cast<int16_t>(r.key) == key) return &r;
  }
  return nullptr;
}

constexpr bool is_supported(int16_t key, int16_t version) {
  const auto* r = find_api(key);
  return r != nullptr && version >= r->min && version <= r->max;
}
constexpr bool is_supported(api_key key, int16_t version) {
  return is_supported(static_cast<int16_t>(key), version);
}

// "Produce", "Fetch", ... as Kafka names them; "Unknown" for keys outside the table.
std::string_view api_name(int16_t key);
inline std::string_view api_name(api_key key) { return api_name(static_cast<int16_t>(key)); }

struct request_header {
  int16_t key = 0;  // raw, so unknown keys can still be answered/logged
  int16_t version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;

  bool operator==(const request_header&) const = default;
};

// Header v1. Also reads the fixed part of header v2 (flexible requests such as librdkafka's
// ApiVersions v3): the tagged fields that follow client_id are left in the reader, as part of
// a body fluxo does not decode.
std::optional<request_header> decode_request_header(reader& r);
void encode_request_header(writer& w, const request_header& h);

}  // namespace fluxo::kafka
