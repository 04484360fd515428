#include "actors/streams/stores.hpp"

#include <limits>

namespace fluxo::streams {

bool state_store::restore(const changelog_record& r) {
  if (!restore_entry(r.key, r.value)) return false;
  if (r.input_offset > restored_offset_) restored_offset_ = r.input_offset;
  for (const auto& [p, o] : r.upstream) note_upstream(p, o);
  observe(r.stream_time);
  return true;
}

void state_store::log(write_context& w, std::string key, std::optional<std::string> value) {
  w.changelog->push_back({name_, std::move(key), std::move(value), w.input_offset, stream_time_, upstream_});
}

const std::string* kv_store::get(const std::string& key) const {
  auto it = data_.find(key);
  return it == data_.end() ? nullptr : &it->second;
}

void kv_store::put(write_context& w, const std::string& key, std::string value) {
  data_.insert_or_assign(key, value);
  log(w, key, std::move(value));
}

bool kv_store::restore_entry(const std::string& key, const std::optional<std::string>& value) {
  if (value) data_.insert_or_assign(key, *value);
  else data_.erase(key);
  return true;
}

const std::string* window_store::get(const std::string& key, const window& w) const {
  auto it = data_.find(primary_key{key, w.start, w.end});
  return it == data_.end() ? nullptr : &it->second;
}

void window_store::set(const std::string& key, const window& win, std::optional<std::string> value) {
  if (value) {
    data_.insert_or_assign(primary_key{key, win.start, win.end}, std::move(*value));
    by_end_.insert(end_key{win.end, key, win.start});
  } else {
    data_.erase(primary_key{key, win.start, win.end});
    by_end_.erase(end_key{win.end, key, win.start});
  }
}

void window_store::put(write_context& w, const std::string& key, const window& win, std::string value) {
  set(key, win, value);
  log(w, encode_window_key(win.start, win.end, key), std::move(value));
}

void window_store::remove(write_context& w, const std::string& key, const window& win) {
  set(key, win, std::nullopt);
  log(w, encode_window_key(win.start, win.end, key), std::nullopt);
}

std::vector<std::pair<window, std::string>> window_store::overlapping(const std::string& key, int64_t lo,
                                                                       int64_t hi) const {
  std::vector<std::pair<window, std::string>> out;
  constexpr auto min = std::numeric_limits<int64_t>::min();
  for (auto it = data_.lower_bound(primary_key{key, min, min}); it != data_.end(); ++it) {
    const auto& [k, start, end] = it->first;
    if (k != key || start > hi) break;
    if (end >= lo) out.push_back({window{start, end}, it->second});
  }
  return out;
}

void window_store::remove_ending_through(write_context& w, int64_t max_end) {
  while (!by_end_.empty() && std::get<0>(*by_end_.begin()) <= max_end) {
    auto [end, key, start] = *by_end_.begin();
    remove(w, key, window{start, end});
  }
}

std::map<std::string, std::string> window_store::contents() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : data_) out.emplace(encode_window_key(std::get<1>(k), std::get<2>(k), std::get<0>(k)), v);
  return out;
}

bool window_store::restore_entry(const std::string& key, const std::optional<std::string>& value) {
  auto d = decode_window_key(key);
  if (!d) return false;
  set(std::string(d->key), window{d->start, d->end}, value);
  return true;
}

}  // namespace fluxo::streams
