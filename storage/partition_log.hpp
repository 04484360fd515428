// The durable, append-only log of one partition: `<data-dir>/<topic>-<partition>/`.
//
// Directory contents:
//   00000000000000000000.log / .index / .timeindex   segments (see segment.hpp), named by base
//   fluxo.checkpoint     recovery point (everything below it was fsynced) and log start offset
//   leader-epoch-checkpoint   epoch -> first offset (see leader_epoch_cache.hpp)
//   .clean-shutdown      written by close(): a summary of every segment, so reopening needs no
//                        scan. Removed when the log is opened, so a crash leaves none behind.
//   *.cleaned            compaction output not yet swapped in (deleted at open)
//   *.snapshot           not the log's: the partition's producer snapshots (offset_snapshots.hpp)
//
// Offsets: log start offset <= every readable offset < log end offset (LEO). The log assigns
// offsets on append by rewriting each batch's baseOffset (outside the CRC). Flushed offset
// (recovery point) <= LEO: everything below it has been fsynced and survives power loss.
//
// Recovery after an unclean stop: segments wholly below the recovery point are trusted (their
// index files were written and synced when they were sealed); from the segment holding the
// recovery point onward every batch is checked (CRC, offsets), indexes are rebuilt, and the log
// is cut at the first torn or corrupt batch, logged loudly with its offset. The result is
// always a prefix of what was written that includes everything flushed.
//
// Threading: a partition_log has a single owner and is not thread safe. Two kinds of work can
// leave the owner's thread without locks: fsync (prepare_flush -> flush_job::run on any thread
// -> complete_flush), and compaction (prepare_compaction -> compaction_job::run ->
// finish_compaction). Appends continue meanwhile.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/leader_epoch_cache.hpp"
#include "storage/log_config.hpp"
#include "storage/result.hpp"
#include "storage/segment.hpp"

namespace fluxo::storage {

class compaction_job;
struct compaction_stats;

struct append_info {
  int64_t base_offset = -1;      // offset of the first record appended
  int64_t last_offset = -1;      // offset of the last record appended
  int64_t log_append_time = -1;  // broker time for LogAppendTime logs, else -1
  std::size_t batches = 0;
  std::size_t bytes = 0;
  uint64_t records = 0;
};

struct read_info {
  std::vector<char> bytes;      // whole batches, CRC-checked
  int64_t next_offset = -1;     // offset after the last batch returned (LEO if none)
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
};

struct log_stats {
  std::size_t segments = 0;
  std::size_t open_segments = 0;  // segments with an open fd (active included)
  uint64_t size_bytes = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t flushed_offset = 0;
  uint64_t fsyncs = 0;             // fdatasync calls made by flushes
  uint64_t unflushed_records = 0;
  bool recovered_cleanly = false;  // opened through the clean-shutdown marker
  std::size_t recovery_scanned_segments = 0;
};

// A batch of fsyncs to run on any thread; covers every append made before prepare_flush().
class flush_job {
 public:
  result<void> run();
  int64_t target_offset() const { return target_; }
  std::size_t file_count() const { return paths_.size(); }

 private:
  friend class partition_log;
  std::vector<std::string> paths_;  // files to fdatasync (opened by path: any fd syncs the inode)
  std::string dir_;                 // fsynced too when segments were created or deleted
  bool sync_dir_ = false;
  int64_t target_ = 0;
  uint64_t records_ = 0;
  uint64_t truncations_ = 0;  // log's truncation count when prepared
  std::vector<int64_t> dirty_sealed_;
};

class partition_log {
 public:
  // Opens (creating if needed) the log in `dir`, recovering as described above.
  static result<std::unique_ptr<partition_log>> open(const std::string& dir, log_config config);
  ~partition_log();
  partition_log(const partition_log&) = delete;
  partition_log& operator=(const partition_log&) = delete;

  // Appends one or more concatenated RecordBatch v2 batches (validated: magic, lengths, CRC).
  // Offsets are assigned in place, so `batches` holds the stored bytes afterwards.
  // All or nothing: on error no batch of this call is in the log.
  result<append_info> append(std::span<char> batches);
  // A follower's append: the batches keep the offsets, epochs and timestamps the leader gave
  // them, and the first must start at the log end offset (then each continues the previous).
  result<append_info> append_replicated(std::span<char> batches);

  // Leader epochs (see leader_epoch_cache.hpp): kept in step with appends, truncation and
  // retention. A new leader records its epoch at the log end before its first append, and
  // stamps the epoch into the batches it appends.
  const leader_epoch_cache& epochs() const { return epochs_; }
  result<void> begin_epoch(int32_t epoch);
  void set_append_epoch(int32_t epoch) { config_.leader_epoch = epoch; }

  // Whole batches from the one containing `offset`, up to max_bytes (at least one batch).
  // offset == LEO gives no bytes; offsets outside [log start, LEO] give offset_out_of_range.
  result<read_info> read(int64_t offset, std::size_t max_bytes);

  // First offset whose record timestamp is >= ts, or nullopt if every record is older.
  result<std::optional<int64_t>> offset_for_timestamp(int64_t ts);

  int64_t log_start_offset() const { return log_start_; }
  int64_t log_end_offset() const { return active_->next_offset(); }
  int64_t flushed_offset() const { return flushed_offset_; }
  // Base offset of the active segment (changes when the log rolls).
  int64_t active_segment_base() const { return active_->base_offset(); }

  // Removes every batch holding offsets >= offset (whole batches: the new LEO may be lower).
  result<void> truncate_to(int64_t offset);
  // Drops everything and restarts the log empty at `offset` (log start = LEO = offset).
  result<void> truncate_fully(int64_t offset);
  // Advances the log start offset (records below become unreadable; whole segments below it
  // are deleted by the next retention pass).
  result<void> advance_log_start(int64_t offset);

  // Seals the active segment and starts a new one at LEO (no-op if it is empty).
  result<void> roll();

  // Flush: synchronously, or split for another thread (group commit: one job covers every
  // append made so far, however many).
  result<void> flush();
  flush_job prepare_flush();
  result<void> complete_flush(const flush_job& job, result<void> outcome);
  bool has_unflushed_data() const;
  uint64_t unflushed_records() const { return unflushed_records_; }

  // Periodic work driven by the owner: roll by age, flush by interval, retention.
  result<void> tick();
  // Deletes whole inactive segments past retention.ms / retention.bytes; returns how many.
  result<std::size_t> enforce_retention();

  // Compaction (cleanup.policy=compact): nullopt when there is nothing to compact.
  std::optional<compaction_job> prepare_compaction();
  result<compaction_stats> finish_compaction(compaction_job& job);

  // Flushes, writes indexes, checkpoint and the clean-shutdown marker. Idempotent.
  result<void> close();

  log_stats stats() const;
  const std::string& dir() const { return dir_; }
  const log_config& config() const { return config_; }
  // Changes retention / segment / flush settings (the directory and clock stay).
  void update_config(const log_config& config);

  // Segment bases in order (for tools and tests).
  std::vector<int64_t> segment_bases() const;
  // (base offset, size in bytes) of every segment, oldest first.
  std::vector<std::pair<int64_t, uint64_t>> segment_sizes() const;

 private:
  partition_log(std::string dir, log_config config);
  result<void> load();
  result<bool> load_clean(const std::vector<int64_t>& bases);
  result<void> load_unclean(const std::vector<int64_t>& bases, int64_t recovery_point);
  result<void> create_active(int64_t base);
  result<void> load_epochs(bool fresh_log);
  result<append_info> append_batches(std::span<char> batches, bool replicated);
  result<void> append_run(std::span<char> run, const std::vector<batch_header>& headers);
  bool should_roll(std::size_t incoming_bytes, int64_t last_offset) const;
  result<void> maybe_flush();
  result<void> write_checkpoint();
  result<void> delete_segment(int64_t base);
  result<segment*> touch(int64_t base);  // opens handles of an inactive segment, LRU-capped
  void forget_lru(int64_t base);
  int64_t now() const { return config_.clock(); }

  std::string dir_;
  log_config config_;
  std::map<int64_t, std::unique_ptr<segment>> segments_;
  segment* active_ = nullptr;
  int64_t log_start_ = 0;
  int64_t flushed_offset_ = 0;
  int64_t checkpointed_offset_ = -1;
  uint64_t unflushed_records_ = 0;
  int64_t first_unflushed_ms_ = -1;
  std::vector<int64_t> dirty_sealed_;  // sealed segments not yet fsynced
  bool dir_dirty_ = false;
  uint64_t fsyncs_ = 0;
  uint64_t generation_ = 0;  // bumped when existing segments change (truncate, retention, swap)
  uint64_t truncations_ = 0;  // bumped by truncate_to / truncate_fully
  bool closed_ = false;
  bool recovered_cleanly_ = false;
  std::size_t scanned_segments_ = 0;
  leader_epoch_cache epochs_;
  std::list<int64_t> lru_;  // inactive segments with open handles, most recent first
  std::unordered_map<int64_t, std::list<int64_t>::iterator> lru_pos_;
};

}  // namespace fluxo::storage
