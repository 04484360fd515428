// The node's durable list of topics and their configs, plus the rules topics must follow.
// Pure logic and file I/O; no CAF.
//
// File <data-dir>/topics.json, replaced atomically on every change:
//   {"version": 1, "topics": [{"name": "orders", "config": {"partitions": 3, ...}}, ...]}
// Config keys are Kafka's topic config names (see config_map below).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/kafka_error.hpp"
#include "actors/messages.hpp"
#include "actors/partition_state.hpp"
#include "storage/result.hpp"

namespace fluxo::actors {

// Kafka's rules: 1..249 characters of [a-zA-Z0-9._-], not "." or "..". Returns an error text.
std::optional<std::string> invalid_topic_name(const std::string& name);
// Checks ranges (partitions >= 1, sizes, known policy / timestamp type). Returns an error text.
std::optional<std::string> invalid_topic_config(const topic_config& cfg);

// Kafka config names <-> topic_config ("retention.ms" -> "604800000", ...).
std::map<std::string, std::string> to_config_map(const topic_config& cfg);
// Applies entries onto `cfg`; returns an error text naming the first bad key or value.
std::optional<std::string> apply_config_map(topic_config& cfg, const std::map<std::string, std::string>& entries);

class topic_registry {
 public:
  explicit topic_registry(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  storage::result<void> load();
  storage::result<void> save() const;
  const std::map<std::string, topic_config>& topics() const { return topics_; }
  bool contains(const std::string& name) const { return topics_.count(name) != 0; }
  void put(const std::string& name, const topic_config& cfg) { topics_[name] = cfg; }
  void erase(const std::string& name) { topics_.erase(name); }

 private:
  std::string data_dir_;
  std::map<std::string, topic_config> topics_;
};

// Opens (creating if needed) the logs of partitions [first, last) of a topic.
storage::result<std::vector<std::shared_ptr<partition_state>>> open_partitions(
    const std::string& data_dir, const std::string& topic, const topic_config& cfg, int32_t first,
    int32_t last);

// Persistent producer-id allocation: ids are handed out from blocks reserved on disk
// (<data-dir>/producer-ids) so an id is never reused after a restart.
class producer_id_allocator {
 public:
  explicit producer_id_allocator(std::string data_dir) : path_(std::move(data_dir) + "/producer-ids") {}
  storage::result<int64_t> next();

 private:
  static constexpr int64_t block = 1000;
  std::string path_;
  int64_t next_ = -1;
  int64_t block_end_ = -1;
};

}  // namespace fluxo::actors
