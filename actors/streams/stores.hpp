// State stores of one task: in-memory, single-owner, byte-valued, and logged.
//
// Every write appends a changelog_record (store name, changelog key, value or tombstone, the
// offset of the input record being processed, the store's stream time). Replaying a store's
// changelog in log order through restore() rebuilds exactly the same contents, stream time
// and "already applied" offset, also from a compacted log (see task.hpp for why).
//
// Changelog keys:
//   kv_store      the key's bytes (its serde)
//   window_store  encode_window_key(start, end, key bytes) = "<start>:<end>:<key bytes>"
// Changelog values: the aggregate's bytes (its serde; counts are decimal text).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "actors/streams/records.hpp"
#include "actors/streams/windows.hpp"

namespace fluxo::streams {

// Where writes go while one input record is processed.
struct write_context {
  std::vector<changelog_record>* changelog = nullptr;
  int64_t input_offset = -1;
};

class state_store {
 public:
  explicit state_store(std::string name) : name_(std::move(name)) {}
  virtual ~state_store() = default;
  state_store(const state_store&) = delete;
  state_store& operator=(const state_store&) = delete;

  const std::string& name() const { return name_; }

  // Applies one changelog record of this store (in log order). False if its key is malformed.
  bool restore(const changelog_record& r);
  // Highest input offset restored (-1: none): records at or below it were applied before.
  int64_t restored_offset() const { return restored_offset_; }
  bool already_applied(int64_t input_offset) const { return input_offset <= restored_offset_; }

  // Repartitioned input: has the store applied upstream (partition, offset) already?
  bool upstream_applied(int32_t partition, const upstream_position& pos) const {
    auto it = upstream_.find(partition);
    return it != upstream_.end() && pos <= it->second;
  }
  void note_upstream(int32_t partition, const upstream_position& pos) {
    auto& at = upstream_[partition];
    at = std::max(at, pos);
  }

  int64_t stream_time() const { return stream_time_; }
  void observe(int64_t ts) {
    if (ts > stream_time_) stream_time_ = ts;
  }

  // Changelog key -> value bytes: what a restore from the compacted changelog would hold.
  virtual std::map<std::string, std::string> contents() const = 0;

 protected:
  void log(write_context& w, std::string key, std::optional<std::string> value);
  virtual bool restore_entry(const std::string& key, const std::optional<std::string>& value) = 0;

 private:
  std::string name_;
  int64_t restored_offset_ = -1;
  int64_t stream_time_ = no_time;
  std::map<int32_t, upstream_position> upstream_;  // logged whole with every write (see records.hpp)
};

// Key bytes -> value bytes.
class kv_store final : public state_store {
 public:
  using state_store::state_store;
  const std::string* get(const std::string& key) const;
  void put(write_context& w, const std::string& key, std::string value);
  std::map<std::string, std::string> contents() const override { return data_; }

 private:
  bool restore_entry(const std::string& key, const std::optional<std::string>& value) override;
  std::map<std::string, std::string> data_;
};

// (key bytes, window) -> value bytes, for time windows and sessions. Indexed by key then
// window (lookups, session scans) and by window end (expiry).
class window_store final : public state_store {
 public:
  using state_store::state_store;
  const std::string* get(const std::string& key, const window& w) const;
  void put(write_context& w, const std::string& key, const window& win, std::string value);
  void remove(write_context& w, const std::string& key, const window& win);
  // Windows of `key` with start <= hi and end >= lo, by ascending start.
  std::vector<std::pair<window, std::string>> overlapping(const std::string& key, int64_t lo,
                                                          int64_t hi) const;
  // Deletes every window whose end <= max_end (tombstones in the changelog).
  void remove_ending_through(write_context& w, int64_t max_end);
  std::size_t size() const { return data_.size(); }
  std::map<std::string, std::string> contents() const override;

 private:
  using primary_key = std::tuple<std::string, int64_t, int64_t>;  // key, start, end
  using end_key = std::tuple<int64_t, std::string, int64_t>;      // end, key, start
  bool restore_entry(const std::string& key, const std::optional<std::string>& value) override;
  void set(const std::string& key, const window& win, std::optional<std::string> value);
  std::map<primary_key, std::string> data_;
  std::set<end_key> by_end_;
};

}  // namespace fluxo::streams
