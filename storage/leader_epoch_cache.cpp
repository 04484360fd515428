#include "storage/leader_epoch_cache.hpp"

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "storage/file.hpp"

namespace fluxo::storage {

bool leader_epoch_cache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0) return false;
  if (!entries_.empty() && entries_.back().epoch == epoch && entries_.back().start_offset <= start_offset) {
    return false;  // already known: the epoch started earlier
  }
  std::erase_if(entries_, [&](const epoch_entry& e) { return e.epoch >= epoch || e.start_offset >= start_offset; });
  entries_.push_back({epoch, start_offset});
  return true;
}

bool leader_epoch_cache::truncate_from_end(int64_t offset) {
  auto n = std::erase_if(entries_, [&](const epoch_entry& e) { return e.start_offset >= offset; });
  return n > 0;
}

bool leader_epoch_cache::truncate_from_start(int64_t offset) {
  bool changed = false;
  // Keep the last entry that starts at or below `offset`, moved up to it; drop the ones before.
  std::size_t keep_from = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].start_offset <= offset) keep_from = i;
  }
  if (keep_from > 0) {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(keep_from));
    changed = true;
  }
  if (!entries_.empty() && entries_.front().start_offset < offset) {
    entries_.front().start_offset = offset;
    changed = true;
  }
  return changed;
}

epoch_end leader_epoch_cache::end_offset_for(int32_t epoch, int64_t log_end_offset) const {
  if (entries_.empty() || epoch < entries_.front().epoch) return {};
  if (epoch >= entries_.back().epoch) return {entries_.back().epoch, log_end_offset};
  // The first entry with a larger epoch ends the floor entry before it.
  auto next = std::upper_bound(entries_.begin(), entries_.end(), epoch,
                               [](int32_t e, const epoch_entry& x) { return e < x.epoch; });
  return {std::prev(next)->epoch, next->start_offset};
}

int32_t leader_epoch_cache::epoch_at(int64_t offset) const {
  int32_t found = -1;
  for (const auto& e : entries_) {
    if (e.start_offset <= offset) found = e.epoch;
  }
  return found;
}

result<leader_epoch_cache> leader_epoch_cache::load(const std::string& dir, bool* missing) {
  if (missing) *missing = false;
  auto bytes = read_file(dir + "/" + file_name);
  if (!bytes) {
    if (bytes.err().sys_errno == ENOENT) {
      if (missing) *missing = true;
      return leader_epoch_cache{};
    }
    return std::move(bytes).take_error();
  }
  std::istringstream in(std::string(bytes->begin(), bytes->end()));
  int version = -1;
  std::size_t count = 0;
  if (!(in >> version >> count) || version != 0) {
    return error{errc::invalid_argument, dir + "/" + file_name + " has an unknown layout", 0};
  }
  std::vector<epoch_entry> entries;
  for (std::size_t i = 0; i < count; ++i) {
    epoch_entry e;
    if (!(in >> e.epoch >> e.start_offset)) {
      return error{errc::invalid_argument, dir + "/" + file_name + " is truncated", 0};
    }
    if (!entries.empty() && (e.epoch <= entries.back().epoch || e.start_offset < entries.back().start_offset)) {
      return error{errc::invalid_argument, dir + "/" + file_name + " is not in order", 0};
    }
    entries.push_back(e);
  }
  return leader_epoch_cache{std::move(entries)};
}

result<void> leader_epoch_cache::save(const std::string& dir) const {
  std::string text = "0\n" + std::to_string(entries_.size()) + "\n";
  for (const auto& e : entries_) text += std::to_string(e.epoch) + " " + std::to_string(e.start_offset) + "\n";
  return write_file_atomically(dir + "/" + file_name, text);
}

}  // namespace fluxo::storage
