#include "storage/segment_index.hpp"

#include <algorithm>

#include "storage/byte_order.hpp"

namespace fluxo::storage {

bool offset_index::append(offset_index_entry e) {
  if (!entries_.empty()) {
    const auto& last = entries_.back();
    if (e.relative_offset <= last.relative_offset || e.position <= last.position) return false;
  }
  entries_.push_back(e);
  return true;
}

std::optional<offset_index_entry> offset_index::floor(uint32_t rel) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), rel,
                             [](uint32_t r, const offset_index_entry& e) { return r < e.relative_offset; });
  if (it == entries_.begin()) return std::nullopt;
  return *std::prev(it);
}

void offset_index::truncate_to_position(uint32_t pos) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), pos,
                             [](const offset_index_entry& e, uint32_t p) { return e.position < p; });
  entries_.erase(it, entries_.end());
}

std::vector<char> offset_index::serialize(std::size_t from_entry) const {
  std::vector<char> out;
  if (from_entry >= entries_.size()) return out;
  out.resize((entries_.size() - from_entry) * offset_index_entry_size);
  char* p = out.data();
  for (std::size_t i = from_entry; i < entries_.size(); ++i, p += offset_index_entry_size) {
    store_be<uint32_t>(p, entries_[i].relative_offset);
    store_be<uint32_t>(p + 4, entries_[i].position);
  }
  return out;
}

std::optional<offset_index> offset_index::parse(std::span<const char> bytes, uint64_t log_size) {
  if (bytes.size() % offset_index_entry_size != 0) return std::nullopt;
  offset_index idx;
  idx.entries_.reserve(bytes.size() / offset_index_entry_size);
  for (std::size_t at = 0; at < bytes.size(); at += offset_index_entry_size) {
    offset_index_entry e{load_be<uint32_t>(bytes.data() + at), load_be<uint32_t>(bytes.data() + at + 4)};
    if (e.position >= log_size || !idx.append(e)) return std::nullopt;
  }
  return idx;
}

bool time_index::append(time_index_entry e) {
  if (!entries_.empty()) {
    const auto& last = entries_.back();
    if (e.timestamp <= last.timestamp || e.relative_offset < last.relative_offset) return false;
  }
  entries_.push_back(e);
  return true;
}

std::optional<time_index_entry> time_index::last_before(int64_t ts) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), ts,
                             [](const time_index_entry& e, int64_t t) { return e.timestamp < t; });
  if (it == entries_.begin()) return std::nullopt;
  return *std::prev(it);
}

void time_index::truncate_to_offset(uint32_t rel) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), rel,
                             [](const time_index_entry& e, uint32_t r) { return e.relative_offset < r; });
  entries_.erase(it, entries_.end());
}

std::vector<char> time_index::serialize(std::size_t from_entry) const {
  std::vector<char> out;
  if (from_entry >= entries_.size()) return out;
  out.resize((entries_.size() - from_entry) * time_index_entry_size);
  char* p = out.data();
  for (std::size_t i = from_entry; i < entries_.size(); ++i, p += time_index_entry_size) {
    store_be<int64_t>(p, entries_[i].timestamp);
    store_be<uint32_t>(p + 8, entries_[i].relative_offset);
  }
  return out;
}

std::optional<time_index> time_index::parse(std::span<const char> bytes) {
  if (bytes.size() % time_index_entry_size != 0) return std::nullopt;
  time_index idx;
  idx.entries_.reserve(bytes.size() / time_index_entry_size);
  for (std::size_t at = 0; at < bytes.size(); at += time_index_entry_size) {
    time_index_entry e{load_be<int64_t>(bytes.data() + at), load_be<uint32_t>(bytes.data() + at + 8)};
    if (!idx.append(e)) return std::nullopt;
  }
  return idx;
}

}  // namespace fluxo::storage
