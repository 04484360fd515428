// Admin APIs: CreateTopics (19), DeleteTopics (20), DescribeConfigs (32), AlterConfigs (33),
// CreatePartitions (37). Clients send these to the controller named in Metadata.
//
// Layouts (non-flexible, fields in wire order):
//   CreateTopicsRequest  v0: topics[name, num_partitions i32, replication_factor i16,
//                            assignments[index i32, broker_ids[i32]],
//                            configs[name, value nstring]], timeout_ms i32
//                        v1-4: + validate_only bool at the end
//                        (v4: num_partitions / replication_factor may be -1 = broker default)
//   CreateTopicsResponse v0: topics[name, error i16];  v1: + error_message nstring
//                        v2-4: throttle_time_ms i32 first
//   DeleteTopicsRequest  v0-3: topic_names[string], timeout_ms i32
//   DeleteTopicsResponse v0: responses[name, error i16];  v1-3: throttle_time_ms i32 first
//   DescribeConfigsRequest  v0: resources[resource_type i8, resource_name,
//                               configuration_keys n[string]]
//                           v1-2: + include_synonyms bool at the end
//   DescribeConfigsResponse v0: throttle_time_ms i32, results[error i16, error_message nstring,
//                               resource_type i8, resource_name, configs[name, value nstring,
//                               read_only bool, is_default bool, is_sensitive bool]]
//                           v1-2: configs: is_default replaced by config_source i8;
//                               + synonyms[name, value nstring, source i8] after is_sensitive
//   AlterConfigsRequest  v0-1: resources[resource_type i8, resource_name,
//                              configs[name, value nstring]], validate_only bool
//   AlterConfigsResponse v0-1: throttle_time_ms i32, responses[error i16,
//                              error_message nstring, resource_type i8, resource_name]
//   CreatePartitionsRequest  v0-1: topics[name, count i32, assignments n[broker_ids[i32]]],
//                                  timeout_ms i32, validate_only bool
//   CreatePartitionsResponse v0-1: throttle_time_ms i32, results[name, error i16,
//                                  error_message nstring]
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

// Resource types in DescribeConfigs / AlterConfigs.
inline constexpr int8_t resource_type_topic = 2;
inline constexpr int8_t resource_type_broker = 4;

// Config sources (DescribeConfigs v1+).
enum class config_source : int8_t {
  unknown = 0,
  dynamic_topic_config = 1,
  dynamic_broker_config = 2,
  dynamic_default_broker_config = 3,
  static_broker_config = 4,
  default_config = 5,
};

// ---- CreateTopics ---------------------------------------------------------------------------

struct create_topics_request {
  struct assignment {
    int32_t index = 0;
    std::vector<int32_t> broker_ids;
    bool operator==(const assignment&) const = default;
  };
  struct config {
    std::string name;
    std::optional<std::string> value;
    bool operator==(const config&) const = default;
  };
  struct topic {
    std::string name;
    int32_t num_partitions = -1;      // -1: default (or given by assignments)
    int16_t replication_factor = -1;  // -1: default (or given by assignments)
    std::vector<assignment> assignments;
    std::vector<config> configs;
    bool operator==(const topic&) const = default;
  };
  std::vector<topic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;  // v1+
  bool operator==(const create_topics_request&) const = default;
};

struct create_topics_response {
  struct topic {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;  // v1+
    bool operator==(const topic&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v2+
  std::vector<topic> topics;
  bool operator==(const create_topics_response&) const = default;
};

std::optional<create_topics_request> decode_create_topics_request(reader& r, int16_t v);
void encode_create_topics_request(writer& w, int16_t v, const create_topics_request& m);
std::optional<create_topics_response> decode_create_topics_response(reader& r, int16_t v);
void encode_create_topics_response(writer& w, int16_t v, const create_topics_response& m);

// ---- DeleteTopics ---------------------------------------------------------------------------

struct delete_topics_request {
  std::vector<std::string> topic_names;
  int32_t timeout_ms = 0;
  bool operator==(const delete_topics_request&) const = default;
};

struct delete_topics_response {
  struct result {
    std::string name;
    int16_t error_code = 0;
    bool operator==(const result&) const = default;
  };
  int32_t throttle_time_ms = 0;  // v1+
  std::vector<result> responses;
  bool operator==(const delete_topics_response&) const = default;
};

std::optional<delete_topics_request> decode_delete_topics_request(reader& r, int16_t v);
void encode_delete_topics_request(writer& w, int16_t v, const delete_topics_request& m);
std::optional<delete_topics_response> decode_delete_topics_response(reader& r, int16_t v);
void encode_delete_topics_response(writer& w, int16_t v, const delete_topics_response& m);

// ---- DescribeConfigs ------------------------------------------------------------------------

struct describe_configs_request {
  struct resource {
    int8_t resource_type = resource_type_topic;
    std::string resource_name;
    std::optional<std::vector<std::string>> configuration_keys;  // null = all
    bool operator==(const resource&) const = default;
  };
  std::vector<resource> resources;
  bool include_synonyms = false;  // v1+
  bool operator==(const describe_configs_request&) const = default;
};

struct describe_configs_response {
  struct synonym {
    std::string name;
    std::optional<std::string> value;
    int8_t source = 0;
    bool operator==(const synonym&) const = default;
  };
  struct config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    bool is_default = false;    // v0 only
    int8_t config_source = -1;  // v1+ (config_source enum values)
    bool is_sensitive = false;
    std::vector<synonym> synonyms;  // v1+
    bool operator==(const config&) const = default;
  };
  struct result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t resource_type = resource_type_topic;
    std::string resource_name;
    std::vector<config> configs;
    bool operator==(const result&) const = default;
  };
  int32_t throttle_time_ms = 0;
  std::vector<result> results;
  bool operator==(const describe_configs_response&) const = default;
};

std::optional<describe_configs_request> decode_describe_configs_request(reader& r, int16_t v);
void encode_describe_configs_request(writer& w, int16_t v, const describe_configs_request& m);
std::optional<describe_configs_response> decode_describe_configs_response(reader& r, int16_t v);
void encode_describe_configs_response(writer& w, int16_t v, const describe_configs_response& m);

// ---- AlterConfigs ---------------------------------------------------------------------------

struct alter_configs_request {
  struct config {
    std::string name;
    std::optional<std::string> value;
    bool operator==(const config&) const = default;
  };
  struct resource {
    int8_t resource_type = resource_type_topic;
    std::string resource_name;
    std::vector<config> configs;
    bool operator==(const resource&) const = default;
  };
  std::vector<resource> resources;
  bool validate_only = false;
  bool operator==(const alter_configs_request&) const = default;
};

struct alter_configs_response {
  struct result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t resource_type = resource_type_topic;
    std::string resource_name;
    bool operator==(const result&) const = default;
  };
  int32_t throttle_time_ms = 0;
  std::vector<result> responses;
  bool operator==(const alter_configs_response&) const = default;
};

std::optional<alter_configs_request> decode_alter_configs_request(reader& r, int16_t v);
void encode_alter_configs_request(writer& w, int16_t v, const alter_configs_request& m);
std::optional<alter_configs_response> decode_alter_configs_response(reader& r, int16_t v);
void encode_alter_configs_response(writer& w, int16_t v, const alter_configs_response& m);

// ---- CreatePartitions -----------------------------------------------------------------------

struct create_partitions_request {
  struct assignment {
    std::vector<int32_t> broker_ids;
    bool operator==(const assignment&) const = default;
  };
  struct topic {
    std::string name;
    int32_t count = 0;                                   // the new total partition count
    std::optional<std::vector<assignment>> assignments;  // null = broker chooses
    bool operator==(const topic&) const = default;
  };
  std::vector<topic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;
  bool operator==(const create_partitions_request&) const = default;
};

struct create_partitions_response {
  struct result {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const result&) const = default;
  };
  int32_t throttle_time_ms = 0;
  std::vector<result> results;
  bool operator==(const create_partitions_response&) const = default;
};

std::optional<create_partitions_request> decode_create_partitions_request(reader& r, int16_t v);
void encode_create_partitions_request(writer& w, int16_t v, const create_partitions_request& m);
std::optional<create_partitions_response> decode_create_partitions_response(reader& r, int16_t v);
void encode_create_partitions_response(writer& w, int16_t v, const create_partitions_response& m);

}  // namespace fluxo::kafka
