// The processor graph behind the DSL (internal to fluxo::streams).
//
// A topology is a blueprint: typed `node<K, V>`s, each a list of factories for the
// processors attached to it. make_task instantiates the blueprint once per partition
// (`builder`), so every task has its own processors (copies of the user's functions) and its
// own stores. Records flow depth-first: a processor calls its children before returning.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "actors/streams/global_tables.hpp"
#include "actors/streams/records.hpp"
#include "actors/streams/serde.hpp"
#include "actors/streams/stores.hpp"

namespace fluxo::streams::detail {

// What processors see while one input record is processed.
struct context {
  const input_record* in = nullptr;
  std::vector<output_record>* outputs = nullptr;
  write_context write;
  task_stats* stats = nullptr;
  bool replayed = false;  // a store skipped this record (already applied before a restart)
  // For records of a repartition topic: (upstream partition, upstream offset), see records.hpp.
  std::optional<std::pair<int32_t, upstream_position>> upstream;
};

template <class K, class V>
struct processor {
  virtual ~processor() = default;
  virtual void process(const K& key, const V& value, context& c) = 0;
};

template <class K, class V, class F>
struct fn_processor final : processor<K, V> {
  explicit fn_processor(F fn) : f(std::move(fn)) {}
  void process(const K& key, const V& value, context& c) override { f(key, value, c); }
  F f;
};

template <class K, class V, class F>
std::unique_ptr<processor<K, V>> make_processor(F f) {
  return std::make_unique<fn_processor<K, V, F>>(std::move(f));
}

// The processors attached to one node, in the order they were attached.
template <class K, class V>
class downstream {
 public:
  void add(std::unique_ptr<processor<K, V>> p) { children_.push_back(std::move(p)); }
  void emit(const K& key, const V& value, context& c) const {
    for (const auto& p : children_) p->process(key, value, c);
  }

 private:
  std::vector<std::unique_ptr<processor<K, V>>> children_;
};

// Instantiation of one task: its partition, its stores, its tables.
struct builder {
  int32_t partition = 0;
  std::map<std::string, std::unique_ptr<state_store>>* stores = nullptr;
  global_tables* tables = nullptr;

  template <class S>
  S& make_store(const std::string& name) {
    auto s = std::make_unique<S>(name);
    S& ref = *s;
    stores->emplace(name, std::move(s));
    return ref;
  }
};

template <class K, class V>
struct node {
  std::vector<std::function<std::unique_ptr<processor<K, V>>(builder&)>> children;

  downstream<K, V> instantiate(builder& b) const {
    downstream<K, V> d;
    for (const auto& f : children) d.add(f(b));
    return d;
  }
};

// Decodes input records of one source topic and feeds them to the graph.
struct source_processor {
  virtual ~source_processor() = default;
  virtual void process(const input_record& r, context& c) = 0;
};

struct graph {
  explicit graph(std::string app) : application_id(std::move(app)) {}

  std::string application_id;
  // Source topic -> factories of its source processors (several streams may read one topic).
  std::map<std::string, std::vector<std::function<std::unique_ptr<source_processor>(builder&)>>> sources;
  std::map<std::string, std::function<std::unique_ptr<table_base>()>> tables;
  std::vector<std::string> stores;               // in declaration order
  std::vector<std::string> repartition_topics;   // internal topics (also in `sources`)
  std::vector<std::string> sink_topics;          // topics `to` writes

  void add_store(const std::string& name) {
    if (name.empty()) throw std::invalid_argument("streams: a store needs a name");
    for (const auto& s : stores)
      if (s == name) throw std::invalid_argument("streams: store '" + name + "' declared twice");
    stores.push_back(name);
  }
  std::string repartition_topic(const std::string& store) const {
    return application_id + "-" + store + "-repartition";
  }
  std::string changelog_topic(const std::string& store) const {
    return application_id + "-" + store + "-changelog";
  }
};

// A source: decodes key and value (std::optional types take nulls, see serde.hpp) and emits.
template <class K, class V>
struct typed_source final : source_processor {
  typed_source(codec<inner_t<K>> k, codec<inner_t<V>> v, downstream<K, V> d)
      : keys(std::move(k)), values(std::move(v)), out(std::move(d)) {}

  void process(const input_record& r, context& c) override {
    auto [key_status, key] = decode_field<K>(keys, r.key);
    auto [value_status, value] = decode_field<V>(values, r.value);
    if (key_status == decode_status::undecodable || value_status == decode_status::undecodable) {
      ++c.stats->undecodable;
    } else if (key_status == decode_status::null || value_status == decode_status::null) {
      ++c.stats->skipped_null;
    } else {
      out.emit(*key, *value, c);
    }
  }

  codec<inner_t<K>> keys;
  codec<inner_t<V>> values;
  downstream<K, V> out;
};

// A sink: encodes and appends an output record (timestamp and headers of the input record).
template <class K, class V>
std::unique_ptr<processor<K, V>> make_sink(std::string topic, codec<inner_t<K>> keys, codec<inner_t<V>> values) {
  return make_processor<K, V>([topic = std::move(topic), keys = std::move(keys), values = std::move(values)](
                                  const K& key, const V& value, context& c) {
    c.outputs->push_back(
        {topic, encode_field<K>(keys, key), encode_field<V>(values, value), c.in->timestamp, c.in->headers});
  });
}

}  // namespace fluxo::streams::detail
