#include "storage/partition_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "storage/log_checkpoint.hpp"
#include "storage/log_compaction.hpp"
#include "storage/record_batch.hpp"
#include "storage/logger.hpp"

namespace fluxo::storage {
namespace fs = std::filesystem;

result<void> flush_job::run() {
  for (const auto& p : paths_) {
    auto f = file::open(p, O_RDONLY);
    if (!f) {
      if (f.err().sys_errno == ENOENT) continue;  // deleted meanwhile: nothing left to flush
      return std::move(f).take_error();
    }
    if (auto s = f->datasync("segment.sync"); !s) return s;
  }
  if (sync_dir_) return fsync_directory(dir_);
  return success();
}

partition_log::partition_log(std::string dir, log_config config)
    : dir_(std::move(dir)), config_(std::move(config)) {}

partition_log::~partition_log() {
  if (!closed_) {
    if (auto r = close(); !r) {
      logger().error("[{}] close failed: {}", dir_, r.err().to_string());
    }
  }
}

result<std::unique_ptr<partition_log>> partition_log::open(const std::string& dir, log_config config) {
  if (config.segment_bytes < batch_header_size || config.segment_bytes > INT32_MAX) {
    return error{errc::invalid_argument, "segment_bytes must be between 61 and 2^31-1", 0};
  }
  if (config.max_batch_bytes > config.segment_bytes) config.max_batch_bytes = static_cast<uint32_t>(config.segment_bytes);
  if (config.max_open_segments == 0) config.max_open_segments = 1;
  if (!config.clock) config.clock = system_now_ms;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return sys_error("create directory " + dir, ec.value());
  std::unique_ptr<partition_log> log(new partition_log(dir, std::move(config)));
  if (auto r = log->load(); !r) {
    log->closed_ = true;
    return std::move(r).take_error();
  }
  return log;
}

result<void> partition_log::load() {
  std::vector<int64_t> bases;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    const auto ext = entry.path().extension().string();
    if (name == ".cleaning") {
      fs::remove_all(entry.path(), ec);  // output of an interrupted compaction
      continue;
    }
    if (ext == ".cleaned" || ext == ".tmp") {
      fs::remove(entry.path(), ec);  // leftovers of an interrupted compaction or checkpoint
      continue;
    }
    if (ext != ".log" || name.size() != 24) continue;
    try {
      bases.push_back(std::stoll(name.substr(0, 20)));
    } catch (...) {
      logger().warn("[{}] ignoring unexpected file {}", dir_, name);
    }
  }
  if (ec) return sys_error("list directory " + dir_, ec.value());
  std::sort(bases.begin(), bases.end());

  auto checkpoint = read_log_checkpoint(dir_);
  log_start_ = checkpoint.log_start_offset;
  auto clean = load_clean(bases);
  if (!clean) return std::move(clean).take_error();
  if (!*clean && !bases.empty()) {
    if (auto r = load_unclean(bases, checkpoint.recovery_point); !r) return r;
  }
  const bool fresh = segments_.empty();
  if (fresh) {
    if (auto r = create_active(log_start_); !r) return r;
  }
  active_ = segments_.rbegin()->second.get();
  active_->set_created_ms(now());
  if (auto r = active_->open_handles(); !r) return r;
  log_start_ = std::max(log_start_, segments_.begin()->first);
  log_start_ = std::min(log_start_, active_->next_offset());
  if (auto r = load_epochs(fresh); !r) return r;
  if (!*clean) {
    // Make what recovery kept durable, so the recovery point can move to the end.
    for (auto& [base, seg] : segments_) {
      if (seg.get() != active_ && seg->metadata_known()) dirty_sealed_.push_back(base);
    }
    dir_dirty_ = true;
    if (auto r = flush(); !r) return r;
  }
  return success();
}

result<void> partition_log::load_epochs(bool fresh_log) {
  bool missing = false;
  auto loaded = leader_epoch_cache::load(dir_, &missing);
  if (!loaded) return std::move(loaded).take_error();
  epochs_ = std::move(*loaded);
  bool changed = missing;  // a missing checkpoint is written, so this happens once
  if (missing && !fresh_log) {
    // A log written before epochs were tracked: learn them from the batch headers, once.
    int64_t offset = log_start_;
    while (offset < log_end_offset()) {
      auto r = read(offset, 4 << 20);
      if (!r || r->bytes.empty()) break;
      batch_cursor cursor(r->bytes);
      while (auto b = cursor.next()) {
        if (b->first.partition_leader_epoch > epochs_.latest_epoch()) {
          changed |= epochs_.assign(b->first.partition_leader_epoch, b->first.base_offset);
        }
      }
      offset = r->next_offset;
    }
  }
  // Recovery may have cut the tail, and retention may have moved the start.
  if (!epochs_.entries().empty() && epochs_.entries().back().start_offset > log_end_offset()) {
    changed |= epochs_.truncate_from_end(log_end_offset() + 1);
  }
  changed |= epochs_.truncate_from_start(log_start_);
  if (changed) return epochs_.save(dir_);
  return success();
}

result<bool> partition_log::load_clean(const std::vector<int64_t>& bases) {
  auto marker = read_clean_shutdown_marker(dir_);
  if (!marker) return false;
  if (auto r = remove_clean_shutdown_marker(dir_); !r) return std::move(r).take_error();
  if (marker->segments.size() != bases.size()) {
    logger().warn("[{}] clean-shutdown marker lists {} segments but {} exist: recovering", dir_,
                  marker->segments.size(), bases.size());
    return false;
  }
  for (std::size_t i = 0; i < bases.size(); ++i) {
    const auto& s = marker->segments[i];
    struct stat st{};
    auto seg = std::make_unique<segment>(dir_, s.base_offset, config_.index_interval_bytes);
    if (s.base_offset != bases[i] || ::stat(seg->log_path().c_str(), &st) != 0 ||
        static_cast<uint64_t>(st.st_size) != s.size_bytes) {
      logger().warn("[{}] clean-shutdown marker does not match segment {}: recovering", dir_, bases[i]);
      segments_.clear();
      return false;
    }
    seg->set_metadata(s.size_bytes, s.next_offset, s.max_timestamp);
    segments_.emplace(s.base_offset, std::move(seg));
  }
  log_start_ = marker->log_start_offset;
  flushed_offset_ = marker->segments.empty() ? log_start_ : marker->segments.back().next_offset;
  checkpointed_offset_ = flushed_offset_;
  recovered_cleanly_ = true;
  return true;
}

result<void> partition_log::load_unclean(const std::vector<int64_t>& bases, int64_t recovery_point) {
  // Segments wholly below the one holding the recovery point were synced when sealed.
  std::size_t first_scan = 0;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    if (bases[i] <= recovery_point) first_scan = i;
  }
  logger().info("[{}] unclean shutdown: recovering from offset {} ({} of {} segments to scan)", dir_,
                recovery_point, bases.size() - first_scan, bases.size());
  int64_t expected = -1;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    auto seg = std::make_unique<segment>(dir_, bases[i], config_.index_interval_bytes);
    if (i < first_scan) {
      struct stat st{};
      if (::stat(seg->log_path().c_str(), &st) != 0) return sys_error("stat " + seg->log_path(), errno);
      seg->set_size_only(static_cast<uint64_t>(st.st_size));
      segments_.emplace(bases[i], std::move(seg));
      continue;
    }
    if (expected >= 0 && bases[i] < expected) {
      logger().error("[{}] CORRUPTION: segment {} starts below the end of the previous one ({}); "
                     "cutting the log at offset {}", dir_, bases[i], expected, expected);
      for (std::size_t j = i; j < bases.size(); ++j) {
        segment doomed(dir_, bases[j], config_.index_interval_bytes);
        if (auto r = doomed.remove_files(); !r) return r;
      }
      break;
    }
    auto scan = seg->recover();
    if (!scan) return std::move(scan).take_error();
    ++scanned_segments_;
    expected = scan->next_offset;
    segments_.emplace(bases[i], std::move(seg));
    if (scan->truncated) {
      bool last = (i + 1 == bases.size());
      if (last && scan->problem.find("torn") != std::string::npos) {
        logger().warn("[{}] cut a torn last batch at offset {} ({})", dir_, scan->problem_offset, scan->problem);
      } else {
        logger().error("[{}] CORRUPTION in segment {} at offset {}: {}; log cut back to the last "
                       "valid batch (offset {})", dir_, bases[i], scan->problem_offset, scan->problem,
                       scan->next_offset - 1);
      }
      for (std::size_t j = i + 1; j < bases.size(); ++j) {
        logger().error("[{}] deleting segment {} that followed the corruption", dir_, bases[j]);
        segment doomed(dir_, bases[j], config_.index_interval_bytes);
        if (auto r = doomed.remove_files(); !r) return r;
      }
      break;
    }
  }
  // Sealed segments that were scanned get fresh index files; the last one becomes the active
  // segment and keeps its rebuilt index in memory.
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    auto& seg = *it->second;
    if (std::next(it) == segments_.end() || !seg.handles_open()) continue;
    if (auto r = seg.write_indexes(); !r) return r;
    seg.release_handles();
  }
  return success();
}

result<void> partition_log::create_active(int64_t base) {
  auto seg = std::make_unique<segment>(dir_, base, config_.index_interval_bytes);
  if (auto r = seg->create(); !r) return r;
  seg->set_created_ms(now());
  active_ = seg.get();
  segments_[base] = std::move(seg);
  dir_dirty_ = true;
  return success();
}

bool partition_log::should_roll(std::size_t incoming_bytes, int64_t last_offset) const {
  if (active_->empty()) return false;
  if (active_->size() + incoming_bytes > config_.segment_bytes) return true;
  if (now() - active_->created_ms() >= config_.segment_ms) return true;
  return last_offset - active_->base_offset() > INT32_MAX;
}

result<void> partition_log::roll() {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  if (active_->empty()) return success();
  auto old_base = active_->base_offset();
  if (auto r = active_->write_indexes(); !r) return r;
  dirty_sealed_.push_back(old_base);
  if (auto r = create_active(active_->next_offset()); !r) return r;
  lru_.push_front(old_base);
  lru_pos_[old_base] = lru_.begin();
  while (lru_.size() > config_.max_open_segments) {
    auto victim = lru_.back();
    lru_.pop_back();
    lru_pos_.erase(victim);
    segments_.at(victim)->release_handles();
  }
  // Kafka flushes a segment when it is rolled; so do we, unless flushes are external.
  if (!config_.external_flush) return flush();
  return success();
}

result<append_info> partition_log::append(std::span<char> batches) { return append_batches(batches, false); }

result<append_info> partition_log::append_replicated(std::span<char> batches) {
  return append_batches(batches, true);
}

result<append_info> partition_log::append_batches(std::span<char> batches, bool replicated) {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  // Validate everything first: all or nothing.
  std::vector<batch_header> headers;
  std::size_t pos = 0;
  while (pos < batches.size()) {
    auto rest = std::span<const char>(batches).subspan(pos);
    auto h = validate_batch(rest);
    if (!h) {
      auto e = std::move(h).take_error();
      e.message = "append rejected: " + e.message;
      return e;
    }
    if (h->size_bytes() > config_.max_batch_bytes) {
      return error{errc::message_too_large,
                   "batch of " + std::to_string(h->size_bytes()) + " bytes exceeds the limit of " +
                       std::to_string(config_.max_batch_bytes),
                   0};
    }
    if (replicated) {
      // A follower stores the leader's bytes as they are: offsets must continue the log.
      const int64_t expected = headers.empty() ? log_end_offset() : headers.back().next_offset();
      if (h->base_offset != expected) {
        return error{errc::invalid_batch,
                     "replicated batch at offset " + std::to_string(h->base_offset) + " does not continue the log at " +
                         std::to_string(expected),
                     0};
      }
    }
    headers.push_back(*h);
    pos += h->size_bytes();
  }
  if (headers.empty()) return error{errc::invalid_batch, "append of no batches", 0};

  append_info info;
  const int64_t ts = now();
  const bool log_append_time = !replicated && config_.timestamps == timestamp_type::log_append_time;
  if (log_append_time) info.log_append_time = ts;
  info.base_offset = active_->next_offset();
  // A failure after earlier runs of this call reached the log (the call spanned a roll) must
  // not leave them behind: cut the log back to where this append started.
  auto fail = [&](result<void> r) -> error {
    auto err = std::move(r).take_error();
    if (log_end_offset() > info.base_offset) {
      if (auto t = truncate_to(info.base_offset); !t) {
        logger().error("[{}] could not remove the partial append at offset {}: {}", dir_,
                       info.base_offset, t.err().to_string());
      }
    }
    return err;
  };
  // Assign offsets and write runs of batches that fit in the active segment.
  std::size_t run_start = 0;
  std::size_t run_bytes = 0;
  std::vector<batch_header> run_headers;
  int64_t next = active_->next_offset();
  pos = 0;
  for (auto& h : headers) {
    if (run_headers.empty() ? should_roll(h.size_bytes(), next + h.last_offset_delta)
                            : active_->size() + run_bytes + h.size_bytes() > config_.segment_bytes) {
      if (!run_headers.empty()) {
        if (auto r = append_run(batches.subspan(run_start, run_bytes), run_headers); !r) return fail(std::move(r));
        run_headers.clear();
      }
      if (auto r = roll(); !r) return fail(std::move(r));
      run_start = pos;
      run_bytes = 0;
    }
    auto batch = batches.subspan(pos, h.size_bytes());
    set_base_offset(batch, next);
    h.base_offset = next;
    if (config_.leader_epoch >= 0 && !replicated) {
      set_partition_leader_epoch(batch, config_.leader_epoch);
      h.partition_leader_epoch = config_.leader_epoch;
    }
    if (log_append_time) {
      set_log_append_time(batch, ts);
      h.max_timestamp = ts;
      h.attributes |= attr_log_append_time;
    }
    next = h.next_offset();
    run_bytes += h.size_bytes();
    run_headers.push_back(h);
    pos += h.size_bytes();
    info.records += static_cast<uint64_t>(h.last_offset_delta) + 1;
  }
  if (auto r = append_run(batches.subspan(run_start, run_bytes), run_headers); !r) return fail(std::move(r));
  info.last_offset = next - 1;
  bool epochs_changed = false;
  for (const auto& h : headers) {
    if (h.partition_leader_epoch > epochs_.latest_epoch()) epochs_changed |= epochs_.assign(h.partition_leader_epoch, h.base_offset);
  }
  if (epochs_changed) {
    if (auto r = epochs_.save(dir_); !r) return fail(std::move(r));
  }
  info.batches = headers.size();
  info.bytes = batches.size();
  if (unflushed_records_ == 0) first_unflushed_ms_ = ts;
  unflushed_records_ += info.records;
  if (auto r = maybe_flush(); !r) return std::move(r).take_error();
  return info;
}

result<void> partition_log::append_run(std::span<char> run, const std::vector<batch_header>& headers) {
  return active_->append(run, headers);
}

result<void> partition_log::maybe_flush() {
  if (config_.external_flush || unflushed_records_ == 0) return success();
  bool due = (config_.flush_messages > 0 && unflushed_records_ >= config_.flush_messages) ||
             (config_.flush_ms > 0 && now() - first_unflushed_ms_ >= config_.flush_ms);
  return due ? flush() : success();
}

bool partition_log::has_unflushed_data() const {
  return flushed_offset_ < log_end_offset() || !dirty_sealed_.empty() || dir_dirty_;
}

flush_job partition_log::prepare_flush() {
  flush_job job;
  job.dir_ = dir_;
  job.target_ = log_end_offset();
  job.records_ = unflushed_records_;
  job.truncations_ = truncations_;
  for (auto base : dirty_sealed_) {
    auto it = segments_.find(base);
    if (it == segments_.end()) continue;
    job.paths_.push_back(it->second->log_path());
    job.paths_.push_back(it->second->index_path());
    job.paths_.push_back(it->second->time_index_path());
  }
  job.dirty_sealed_ = std::move(dirty_sealed_);
  dirty_sealed_.clear();
  if (flushed_offset_ < job.target_) job.paths_.push_back(active_->log_path());
  job.sync_dir_ = dir_dirty_;
  dir_dirty_ = false;
  return job;
}

result<void> partition_log::complete_flush(const flush_job& job, result<void> outcome) {
  if (!outcome) {
    // Nothing was made durable: put the work back so the next flush retries it.
    dirty_sealed_.insert(dirty_sealed_.end(), job.dirty_sealed_.begin(), job.dirty_sealed_.end());
    dir_dirty_ = dir_dirty_ || job.sync_dir_;
    return outcome;
  }
  fsyncs_ += job.paths_.size() + (job.sync_dir_ ? 1 : 0);
  // A truncation while the job ran may have replaced the offsets it covered with new,
  // unsynced data: then the job proves nothing about the active segment.
  if (job.truncations_ == truncations_) {
    flushed_offset_ = std::max(flushed_offset_, std::min(job.target_, log_end_offset()));
  }
  unflushed_records_ -= std::min(unflushed_records_, job.records_);
  if (unflushed_records_ > 0) first_unflushed_ms_ = now();
  // Persist the recovery point when it moved into a newer segment (cheap: once per roll),
  // so recovery scans at most the segments written since.
  if (checkpointed_offset_ < 0 || !job.dirty_sealed_.empty()) return write_checkpoint();
  return success();
}

result<void> partition_log::flush() {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  auto job = prepare_flush();
  auto outcome = job.run();
  return complete_flush(job, std::move(outcome));
}

result<void> partition_log::write_checkpoint() {
  log_checkpoint cp;
  cp.recovery_point = flushed_offset_;
  cp.log_start_offset = log_start_;
  if (auto r = write_log_checkpoint(dir_, cp); !r) return r;
  checkpointed_offset_ = flushed_offset_;
  return success();
}

result<segment*> partition_log::touch(int64_t base) {
  auto& seg = segments_.at(base);
  if (seg.get() == active_) return seg.get();
  auto it = lru_pos_.find(base);
  if (it != lru_pos_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
  } else {
    if (auto r = seg->open_handles(); !r) return std::move(r).take_error();
    lru_.push_front(base);
    lru_pos_[base] = lru_.begin();
  }
  if (!seg->metadata_known()) {
    if (auto r = seg->load_metadata(); !r) return std::move(r).take_error();
  }
  while (lru_.size() > config_.max_open_segments) {
    auto victim = lru_.back();
    lru_.pop_back();
    lru_pos_.erase(victim);
    segments_.at(victim)->release_handles();
  }
  return seg.get();
}

void partition_log::forget_lru(int64_t base) {
  auto it = lru_pos_.find(base);
  if (it == lru_pos_.end()) return;
  lru_.erase(it->second);
  lru_pos_.erase(it);
}

result<read_info> partition_log::read(int64_t offset, std::size_t max_bytes) {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  read_info out;
  out.log_start_offset = log_start_;
  out.log_end_offset = log_end_offset();
  out.next_offset = out.log_end_offset;
  if (offset < log_start_ || offset > out.log_end_offset) {
    return error{errc::offset_out_of_range,
                 "offset " + std::to_string(offset) + " is outside [" + std::to_string(log_start_) +
                     ", " + std::to_string(out.log_end_offset) + "]",
                 0};
  }
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  for (; it != segments_.end(); ++it) {
    auto seg = touch(it->first);
    if (!seg) return std::move(seg).take_error();
    auto got = (*seg)->read(std::max(offset, it->first), max_bytes);
    if (!got) return std::move(got).take_error();
    if (!got->bytes.empty()) {
      out.bytes = std::move(got->bytes);
      out.next_offset = got->next_offset;
      return out;
    }
  }
  return out;
}

result<std::optional<int64_t>> partition_log::offset_for_timestamp(int64_t ts) {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  for (auto& [base, known] : segments_) {
    // Skip segments known to be older without opening them (thousands may be closed).
    if (known->metadata_known() && known->max_timestamp() < ts) continue;
    auto seg = touch(base);
    if (!seg) return std::move(seg).take_error();
    if ((*seg)->max_timestamp() < ts) continue;
    auto found = (*seg)->offset_for_timestamp(ts);
    if (!found) return found;
    if (*found) return std::optional<int64_t>(std::max(**found, log_start_));
  }
  return std::optional<int64_t>{};
}

result<void> partition_log::delete_segment(int64_t base) {
  auto it = segments_.find(base);
  if (it == segments_.end()) return success();
  forget_lru(base);
  dirty_sealed_.erase(std::remove(dirty_sealed_.begin(), dirty_sealed_.end(), base), dirty_sealed_.end());
  auto r = it->second->remove_files();
  segments_.erase(it);
  dir_dirty_ = true;
  ++generation_;
  return r;
}

result<std::size_t> partition_log::enforce_retention() {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  std::size_t deleted = 0;
  uint64_t total = 0;
  for (auto& [b, s] : segments_) total += s->size();
  const int64_t t = now();
  while (segments_.size() > 1) {
    auto oldest = segments_.begin()->first;
    auto seg = touch(oldest);
    if (!seg) return std::move(seg).take_error();
    bool below_start = std::next(segments_.begin())->first <= log_start_;
    bool by_time = config_.cleanup == cleanup_policy::remove && config_.retention_ms >= 0 &&
                   (*seg)->max_timestamp() >= 0 && (*seg)->max_timestamp() < t - config_.retention_ms;
    bool by_size = config_.cleanup == cleanup_policy::remove && config_.retention_bytes >= 0 &&
                   total - (*seg)->size() >= static_cast<uint64_t>(config_.retention_bytes);
    if (!below_start && !by_time && !by_size) break;
    total -= (*seg)->size();
    int64_t next_base = std::next(segments_.begin())->first;
    logger().info("[{}] retention: deleting segment {} ({}; {} bytes)", dir_, oldest,
                  below_start ? "below log start" : by_time ? "older than retention.ms" : "over retention.bytes",
                  (*seg)->size());
    if (auto r = delete_segment(oldest); !r) return std::move(r).take_error();
    log_start_ = std::max(log_start_, next_base);
    ++deleted;
  }
  if (deleted > 0) {
    if (auto r = fsync_directory(dir_); !r) return std::move(r).take_error();
    dir_dirty_ = false;
    if (epochs_.truncate_from_start(log_start_)) {
      if (auto r = epochs_.save(dir_); !r) return std::move(r).take_error();
    }
    if (auto r = write_checkpoint(); !r) return std::move(r).take_error();
  }
  return deleted;
}

result<void> partition_log::begin_epoch(int32_t epoch) {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  config_.leader_epoch = epoch;
  if (epoch <= epochs_.latest_epoch()) return success();
  epochs_.assign(epoch, log_end_offset());
  return epochs_.save(dir_);
}

result<void> partition_log::advance_log_start(int64_t offset) {
  if (offset <= log_start_) return success();
  if (offset > log_end_offset()) {
    return error{errc::offset_out_of_range, "cannot move log start past the end of the log", 0};
  }
  log_start_ = offset;
  if (epochs_.truncate_from_start(log_start_)) {
    if (auto r = epochs_.save(dir_); !r) return r;
  }
  return write_checkpoint();
}

result<void> partition_log::truncate_to(int64_t offset) {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  if (offset >= log_end_offset()) {
    // No record to remove, but epochs that began at or after the offset without writing
    // anything (a leader records its epoch at its log end) are not history any more.
    if (epochs_.truncate_from_end(offset)) return epochs_.save(dir_);
    return success();
  }
  if (offset <= log_start_) return truncate_fully(offset);
  ++generation_;
  ++truncations_;
  auto it = segments_.upper_bound(offset);
  std::vector<int64_t> doomed;
  for (auto j = it; j != segments_.end(); ++j) doomed.push_back(j->first);
  for (auto b : doomed) {
    if (auto r = delete_segment(b); !r) return r;
  }
  auto& last = std::prev(segments_.end())->second;
  forget_lru(last->base_offset());
  active_ = last.get();
  auto leo = active_->truncate_to(offset);
  if (!leo) return std::move(leo).take_error();
  active_->set_created_ms(now());
  dirty_sealed_.erase(std::remove(dirty_sealed_.begin(), dirty_sealed_.end(), active_->base_offset()),
                      dirty_sealed_.end());
  flushed_offset_ = std::min(flushed_offset_, *leo);
  if (epochs_.truncate_from_end(*leo)) {
    if (auto r = epochs_.save(dir_); !r) return r;
  }
  logger().warn("[{}] truncated to offset {} (log end offset now {})", dir_, offset, *leo);
  if (auto r = flush(); !r) return r;
  return write_checkpoint();
}

result<void> partition_log::truncate_fully(int64_t offset) {
  if (closed_) return error{errc::closed, "log " + dir_ + " is closed", 0};
  ++truncations_;
  // Create the new active segment before deleting anything: a failure (no space, no file
  // descriptors) then leaves the log as it was, never without an active segment. A segment
  // already based at `offset` is emptied by the create and replaced.
  auto fresh = std::make_unique<segment>(dir_, offset, config_.index_interval_bytes);
  if (auto r = fresh->create(); !r) return r;
  fresh->set_created_ms(now());
  ++generation_;
  std::vector<int64_t> others;
  for (auto& [b, s] : segments_) {
    if (b != offset) others.push_back(b);
  }
  forget_lru(offset);
  dirty_sealed_.erase(std::remove(dirty_sealed_.begin(), dirty_sealed_.end(), offset), dirty_sealed_.end());
  active_ = fresh.get();
  segments_[offset] = std::move(fresh);
  dir_dirty_ = true;
  result<void> deleted;
  for (auto b : others) {
    if (auto r = delete_segment(b); !r && deleted) deleted = std::move(r);
  }
  log_start_ = offset;
  flushed_offset_ = offset;
  unflushed_records_ = 0;
  if (!epochs_.entries().empty()) {
    epochs_.clear();
    if (auto r = epochs_.save(dir_); !r) return r;
  }
  if (!deleted) return deleted;
  logger().warn("[{}] truncated fully; log restarts at offset {}", dir_, offset);
  if (auto r = flush(); !r) return r;
  return write_checkpoint();
}

result<void> partition_log::tick() {
  if (closed_) return success();
  if (!active_->empty() && now() - active_->created_ms() >= config_.segment_ms) {
    if (auto r = roll(); !r) return r;
  }
  if (auto r = maybe_flush(); !r) return r;
  if (auto r = enforce_retention(); !r) return std::move(r).take_error();
  return success();
}

result<void> partition_log::close() {
  if (closed_) return success();
  auto fl = flush();
  if (!fl) {
    closed_ = true;
    return fl;
  }
  if (auto r = active_->write_indexes(); !r) {
    closed_ = true;
    return r;
  }
  if (auto r = write_checkpoint(); !r) {
    closed_ = true;
    return r;
  }
  clean_shutdown_marker marker;
  marker.log_start_offset = log_start_;
  for (auto& [base, seg] : segments_) {
    if (!seg->metadata_known()) {
      if (auto r = seg->load_metadata(); !r) {
        closed_ = true;
        return r;
      }
    }
    marker.segments.push_back({base, seg->size(), seg->next_offset(), seg->max_timestamp()});
    seg->release_handles();
  }
  closed_ = true;
  lru_.clear();
  lru_pos_.clear();
  return write_clean_shutdown_marker(dir_, marker);
}

std::vector<std::pair<int64_t, uint64_t>> partition_log::segment_sizes() const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  out.reserve(segments_.size());
  for (const auto& [base, seg] : segments_) out.emplace_back(base, seg->size());
  return out;
}

log_stats partition_log::stats() const {
  log_stats s;
  s.segments = segments_.size();
  for (auto& [b, seg] : segments_) {
    s.size_bytes += seg->size();
    if (seg->handles_open()) ++s.open_segments;
  }
  s.log_start_offset = log_start_;
  s.log_end_offset = log_end_offset();
  s.flushed_offset = flushed_offset_;
  s.fsyncs = fsyncs_;
  s.unflushed_records = unflushed_records_;
  s.recovered_cleanly = recovered_cleanly_;
  s.recovery_scanned_segments = scanned_segments_;
  return s;
}

void partition_log::update_config(const log_config& config) {
  auto clock = config_.clock;
  auto epoch = config_.leader_epoch;  // owned by begin_epoch / set_append_epoch, not by topic configs
  config_ = config;
  config_.leader_epoch = epoch;
  if (!config_.clock) config_.clock = clock;
}

std::vector<int64_t> partition_log::segment_bases() const {
  std::vector<int64_t> out;
  for (auto& [b, s] : segments_) out.push_back(b);
  return out;
}

}  // namespace fluxo::storage
