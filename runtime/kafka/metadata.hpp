// ApiVersions (18) and Metadata (3): what a client asks first.
//
// Layouts (non-flexible, fields in wire order):
//   ApiVersionsRequest  v0-2: empty body
//   ApiVersionsResponse v0:   error i16, api_keys[key i16, min i16, max i16]
//                       v1-2: + throttle_time_ms i32 at the end
//   An ApiVersions request above v2 (librdkafka starts with v3, whose body is flexible) gets
//   a v0-layout response with error 35 UNSUPPORTED_VERSION and the full table; the client
//   then retries with a version from it. See api_versions_reply().
//
//   MetadataRequest  v0:   topics[name string]        (empty = all topics)
//                    v1-3: topics n[name string]      (null = all, empty = none)
//                    v4-5: + allow_auto_topic_creation bool
//   MetadataResponse v0:   brokers[node_id i32, host string, port i32],
//                          topics[error i16, name, partitions[error i16, index i32,
//                          leader i32, replicas[i32], isr[i32]]]
//                    v1:   brokers + rack nstring; controller_id i32 after brokers;
//                          topics + is_internal bool after name
//                    v2:   + cluster_id nstring between brokers and controller_id
//                    v3-4: + throttle_time_ms i32 first
//                    v5:   partitions + offline_replicas[i32] at the end
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

// ---- ApiVersions ----------------------------------------------------------------------------

struct api_versions_request {
  bool operator==(const api_versions_request&) const = default;
};

struct api_versions_response {
  struct api {
    int16_t key = 0;
    int16_t min_version = 0;
    int16_t max_version = 0;
    bool operator==(const api&) const = default;
  };
  int16_t error_code = 0;
  std::vector<api> api_keys;
  int32_t throttle_time_ms = 0;  // v1+
  bool operator==(const api_versions_response&) const = default;
};

std::optional<api_versions_request> decode_api_versions_request(reader& r, int16_t version);
void encode_api_versions_request(writer& w, int16_t version, const api_versions_request& m);
std::optional<api_versions_response> decode_api_versions_response(reader& r, int16_t version);
void encode_api_versions_response(writer& w, int16_t version, const api_versions_response& m);

// The answer to an ApiVersions request of `request_version`: the supported_apis table, encoded
// at that version when supported, else at v0 with error 35 (UNSUPPORTED_VERSION).
struct api_versions_reply {
  int16_t version = 0;  // encode the response at this version
  api_versions_response response;
};
api_versions_reply make_api_versions_reply(int16_t request_version);

// ---- Metadata -------------------------------------------------------------------------------

struct metadata_request {
  // nullopt = all topics. At v0 an empty array means all topics too and null is encoded as
  // empty, so decoding v0 yields an engaged (possibly empty) vector; use wants_all_topics().
  std::optional<std::vector<std::string>> topics;
  bool allow_auto_topic_creation = true;  // v4+
  bool operator==(const metadata_request&) const = default;

  bool wants_all_topics(int16_t version) const {
    return !topics || (version == 0 && topics->empty());
  }
};

struct metadata_response {
  struct broker {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;  // v1+
    bool operator==(const broker&) const = default;
  };
  struct partition {
    int16_t error_code = 0;
    int32_t index = 0;
    int32_t leader_id = -1;
    std::vector<int32_t> replica_nodes;
    std::vector<int32_t> isr_nodes;
    std::vector<int32_t> offline_replicas;  // v5
    bool operator==(const partition&) const = default;
  };
  struct topic {
    int16_t error_code = 0;
    std::string name;
    bool is_internal = false;  // v1+
    std::vector<partition> partitions;
    bool operator==(const topic&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v3+
  std::vector<broker> brokers;
  std::optional<std::string> cluster_id;  // v2+
  int32_t controller_id = -1;             // v1+; admin clients send admin requests here
  std::vector<topic> topics;
  bool operator==(const metadata_response&) const = default;
};

std::optional<metadata_request> decode_metadata_request(reader& r, int16_t version);
void encode_metadata_request(writer& w, int16_t version, const metadata_request& m);
std::optional<metadata_response> decode_metadata_response(reader& r, int16_t version);
void encode_metadata_response(writer& w, int16_t version, const metadata_response& m);

}  // namespace fluxo::kafka
