#include "actors/cluster/topic_rules.hpp"

#include <cstdint>

namespace fluxo::actors {
namespace {

// Kafka topic configs that are accepted, validated, stored and reported, but not acted on:
// name, Kafka's default, and what a value must be.
enum class kind { integer, ratio, boolean, text, compression };
struct stored_config {
  const char* name;
  const char* kafka_default;
  kind k;
  int64_t min = 0;  // integers: the smallest value allowed
};
const stored_config stored_configs[] = {
    {"compression.type", "producer", kind::compression},
    {"file.delete.delay.ms", "60000", kind::integer},
    {"follower.replication.throttled.replicas", "", kind::text},
    {"index.interval.bytes", "4096", kind::integer},
    {"leader.replication.throttled.replicas", "", kind::text},
    {"local.retention.bytes", "-2", kind::integer, -2},
    {"local.retention.ms", "-2", kind::integer, -2},
    {"max.compaction.lag.ms", "9223372036854775807", kind::integer, 1},
    {"message.downconversion.enable", "true", kind::boolean},
    {"message.format.version", "3.0-IV1", kind::text},
    {"message.timestamp.after.max.ms", "9223372036854775807", kind::integer},
    {"message.timestamp.before.max.ms", "9223372036854775807", kind::integer},
    {"message.timestamp.difference.max.ms", "9223372036854775807", kind::integer},
    {"min.cleanable.dirty.ratio", "0.5", kind::ratio},
    {"min.compaction.lag.ms", "0", kind::integer},
    {"preallocate", "false", kind::boolean},
    {"remote.storage.enable", "false", kind::boolean},
    {"segment.index.bytes", "10485760", kind::integer, 4},
    {"segment.jitter.ms", "0", kind::integer},
};

const stored_config* find_stored(const std::string& name) {
  for (const auto& c : stored_configs)
    if (name == c.name) return &c;
  return nullptr;
}

// "" when `value` is acceptable for `c`, else why not.
std::string check_stored(const stored_config& c, const std::string& value) {
  const std::string name = c.name;
  switch (c.k) {
    case kind::text: return {};
    case kind::boolean:
      return value == "true" || value == "false" ? std::string{} : name + " must be true or false";
    case kind::compression:
      for (const char* ok : {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"})
        if (value == ok) return {};
      return name + " must be one of uncompressed, zstd, lz4, snappy, gzip, producer";
    case kind::ratio: {
      std::size_t used = 0;
      double d = std::stod(value, &used);
      if (used != value.size() || d < 0 || d > 1) return name + " must be a number between 0 and 1";
      return {};
    }
    case kind::integer: {
      std::size_t used = 0;
      long long v = std::stoll(value, &used);
      if (used != value.size() || v < c.min) return name + " must be an integer of at least " + std::to_string(c.min);
      return {};
    }
  }
  return {};
}

}  // namespace

std::optional<std::string> invalid_topic_name(const std::string& name) {
  if (name.empty()) return "topic name is empty";
  if (name.size() > 249) return "topic name is longer than 249 characters";
  if (name == "." || name == "..") return "topic name cannot be '.' or '..'";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return "topic name '" + name + "' has characters other than [a-zA-Z0-9._-]";
  }
  return std::nullopt;
}

std::optional<std::string> invalid_topic_config(const topic_config& c) {
  if (c.partitions < 1 || c.partitions > 10000) return "partitions must be between 1 and 10000";
  if (c.replication_factor == 0 || c.replication_factor < -1) return "replication factor must be 1 or more (or -1 for the default)";
  if (c.min_insync_replicas == 0 || c.min_insync_replicas < -1) return "min.insync.replicas must be 1 or more";
  if (c.cleanup_policy != "delete" && c.cleanup_policy != "compact") return "cleanup.policy must be delete or compact";
  if (c.timestamp_type != "CreateTime" && c.timestamp_type != "LogAppendTime") {
    return "message.timestamp.type must be CreateTime or LogAppendTime";
  }
  if (c.segment_bytes < 14 * 1024 || c.segment_bytes > INT32_MAX) return "segment.bytes must be between 14 KiB and 2 GiB";
  if (c.segment_ms < 1) return "segment.ms must be positive";
  if (c.max_message_bytes < 64 || c.max_message_bytes > 64 * 1024 * 1024) return "max.message.bytes must be between 64 B and 64 MiB";
  if (c.retention_ms < -1 || c.retention_bytes < -1) return "retention.ms / retention.bytes must be -1 or more";
  if (c.flush_messages < 0 || c.flush_ms < 0) return "flush.messages / flush.ms must be 0 or more";
  return std::nullopt;
}

std::map<std::string, std::string> to_config_map(const topic_config& c) {
  std::map<std::string, std::string> out{
      {"cleanup.policy", c.cleanup_policy},
      {"message.timestamp.type", c.timestamp_type},
      {"retention.ms", std::to_string(c.retention_ms)},
      {"retention.bytes", std::to_string(c.retention_bytes)},
      {"segment.bytes", std::to_string(c.segment_bytes)},
      {"segment.ms", std::to_string(c.segment_ms)},
      {"delete.retention.ms", std::to_string(c.delete_retention_ms)},
      {"max.message.bytes", std::to_string(c.max_message_bytes)},
      {"flush.messages", std::to_string(c.flush_messages)},
      {"flush.ms", std::to_string(c.flush_ms)},
      {"min.insync.replicas", std::to_string(c.min_insync_replicas)},
      {"unclean.leader.election.enable", c.unclean_leader_election ? "true" : "false"},
  };
  for (const auto& sc : stored_configs) {
    auto it = c.stored.find(sc.name);
    out.emplace(sc.name, it != c.stored.end() ? it->second : sc.kafka_default);
  }
  return out;
}

std::optional<std::string> apply_config_map(topic_config& c, const std::map<std::string, std::string>& entries) {
  for (const auto& [key, value] : entries) {
    try {
      if (key == "cleanup.policy") c.cleanup_policy = value;
      else if (key == "message.timestamp.type") c.timestamp_type = value;
      else if (key == "retention.ms") c.retention_ms = std::stoll(value);
      else if (key == "retention.bytes") c.retention_bytes = std::stoll(value);
      else if (key == "segment.bytes") c.segment_bytes = std::stoll(value);
      else if (key == "segment.ms") c.segment_ms = std::stoll(value);
      else if (key == "delete.retention.ms") c.delete_retention_ms = std::stoll(value);
      else if (key == "max.message.bytes") c.max_message_bytes = static_cast<int32_t>(std::stol(value));
      else if (key == "flush.messages") c.flush_messages = std::stoll(value);
      else if (key == "flush.ms") c.flush_ms = std::stoll(value);
      else if (key == "min.insync.replicas") c.min_insync_replicas = static_cast<int32_t>(std::stol(value));
      else if (key == "unclean.leader.election.enable") {
        if (value != "true" && value != "false") return "unclean.leader.election.enable must be true or false";
        c.unclean_leader_election = value == "true";
      }
      else if (auto* sc = find_stored(key)) {
        if (auto why = check_stored(*sc, value); !why.empty()) return why + " (got '" + value + "')";
        // Kafka's default is what an unset config reports: keep only values that differ, so a
        // config read back from its map compares equal to the original.
        if (value == sc->kafka_default) c.stored.erase(key);
        else c.stored[key] = value;
      }
      else return "unknown topic config '" + key + "'";
    } catch (const std::exception&) {
      return "config '" + key + "' has an invalid value '" + value + "'";
    }
  }
  return invalid_topic_config(c);
}

}  // namespace fluxo::actors
