// Helpers for fluxo::streams tests: build input records, run a task, look at what came out.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/streams/task.hpp"
#include "actors/streams/topology.hpp"

namespace fluxo::streams::testing {

inline input_record rec(std::string topic, int64_t offset, int64_t ts, std::optional<std::string> key,
                        std::optional<std::string> value, int32_t partition = 0) {
  input_record r;
  r.topic = std::move(topic);
  r.partition = partition;
  r.offset = offset;
  r.timestamp = ts;
  r.key = std::move(key);
  r.value = std::move(value);
  return r;
}

// A task plus everything it produced so far.
struct runner {
  std::unique_ptr<task> t;
  std::vector<output_record> outputs;
  std::vector<changelog_record> changelog;

  explicit runner(std::unique_ptr<task> task_) : t(std::move(task_)) {}

  // Outputs of this one record.
  std::vector<output_record> process(const input_record& r) {
    std::vector<output_record> out;
    t->process(r, out, changelog);
    outputs.insert(outputs.end(), out.begin(), out.end());
    return out;
  }
  void restore(const std::vector<changelog_record>& log) {
    for (const auto& r : log) t->restore(r);
  }
  // Outputs to `topic` as (key, value), nulls as "<null>".
  std::vector<std::pair<std::string, std::string>> kv(const std::string& topic) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& o : outputs)
      if (o.topic == topic) out.emplace_back(o.key.value_or("<null>"), o.value.value_or("<null>"));
    return out;
  }
  // The last output value per key of `topic` ("<null>" for a tombstone).
  std::map<std::string, std::string> last(const std::string& topic) const {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : kv(topic)) out[k] = v;
    return out;
  }
};

inline std::vector<std::pair<std::string, std::string>> pairs(const std::vector<output_record>& outs) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& o : outs) out.emplace_back(o.key.value_or("<null>"), o.value.value_or("<null>"));
  return out;
}

// What a compacted changelog keeps: the last record per (store, key), tombstones dropped.
inline std::vector<changelog_record> compact(const std::vector<changelog_record>& log) {
  std::map<std::pair<std::string, std::string>, std::size_t> last;
  for (std::size_t i = 0; i < log.size(); ++i) last[{log[i].store, log[i].key}] = i;
  std::vector<changelog_record> out;
  for (std::size_t i = 0; i < log.size(); ++i)
    if (last[{log[i].store, log[i].key}] == i && log[i].value) out.push_back(log[i]);
  return out;
}

}  // namespace fluxo::streams::testing
