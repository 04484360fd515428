// The node's durable list of topics and their configs (the single-node metadata), and the
// durable producer-id allocation. File I/O; no CAF.
//
// File <data-dir>/topics.json, replaced atomically on every change:
//   {"version": 1, "topics": [{"name": "orders", "config": {"partitions": 3, ...}}, ...]}
// Config keys are Kafka's topic config names (see config_map below).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/broker/broker_messages.hpp"
#include "actors/cluster/topic_rules.hpp"
#include "storage/result.hpp"

namespace fluxo::actors {

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
