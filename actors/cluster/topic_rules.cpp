#include "actors/cluster/topic_rules.hpp"

#include <cstdint>

namespace fluxo::actors {

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
  return {
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
      else return "unknown topic config '" + key + "'";
    } catch (const std::exception&) {
      return "config '" + key + "' has an invalid value '" + value + "'";
    }
  }
  return invalid_topic_config(c);
}

}  // namespace fluxo::actors
