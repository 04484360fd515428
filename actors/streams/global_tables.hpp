// Global tables: topics materialized in full (every partition) for stream-table joins,
// like Kafka Streams' GlobalKTable. Not logged: the topic itself is the changelog.
//
// Per table: canonical key bytes (the key decoded and re-encoded, so "007" and "7" meet for
// an int64_t key) -> decoded value. A record with a null value deletes its key; a null key is
// ignored; an undecodable key or value is counted and leaves the table unchanged.
//
// Single-owner and not thread-safe. One global_tables may be shared by every task of a runner
// thread (topology::make_tables + make_task(partition, tables)); tasks only read it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "actors/streams/records.hpp"
#include "actors/streams/serde.hpp"

namespace fluxo::streams {

namespace detail {

struct table_base {
  virtual ~table_base() = default;
  virtual void update(const input_record& r) = 0;
  virtual std::size_t size() const = 0;
  uint64_t undecodable = 0;
};

template <class K, class V>
struct typed_table final : table_base {
  typed_table(codec<K> k, codec<V> v) : key(std::move(k)), value(std::move(v)) {}

  void update(const input_record& r) override {
    if (!r.key) return;
    auto k = key.decode(*r.key);
    if (!k) {
      ++undecodable;
      return;
    }
    auto canonical = key.encode(*k);
    if (!r.value) {
      rows.erase(canonical);
      return;
    }
    auto v = value.decode(*r.value);
    if (!v) {
      ++undecodable;
      return;
    }
    rows.insert_or_assign(std::move(canonical), std::move(*v));
  }

  const V* find(const K& k) const {
    auto it = rows.find(key.encode(k));
    return it == rows.end() ? nullptr : &it->second;
  }

  std::size_t size() const override { return rows.size(); }

  codec<K> key;
  codec<V> value;
  std::unordered_map<std::string, V> rows;
};

}  // namespace detail

class global_tables {
 public:
  // Applies one record of a table topic (any partition). Throws std::invalid_argument for a
  // topic that is not a table of the topology.
  void update(const input_record& r) { at(r.topic).update(r); }

  std::size_t size(const std::string& topic) const { return at(topic).size(); }
  uint64_t undecodable() const {
    uint64_t n = 0;
    for (const auto& [topic, t] : tables_) n += t->undecodable;
    return n;
  }

  template <class K, class V>
  const detail::typed_table<K, V>& get(const std::string& topic) const {
    return static_cast<const detail::typed_table<K, V>&>(at(topic));
  }

  void add(const std::string& topic, std::unique_ptr<detail::table_base> t) { tables_[topic] = std::move(t); }

 private:
  detail::table_base& at(const std::string& topic) const {
    auto it = tables_.find(topic);
    if (it == tables_.end()) throw std::invalid_argument("streams: '" + topic + "' is not a table topic");
    return *it->second;
  }
  std::map<std::string, std::unique_ptr<detail::table_base>> tables_;
};

}  // namespace fluxo::streams
