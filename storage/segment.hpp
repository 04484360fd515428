// One segment of a partition log: `<base>.log` holding whole RecordBatch v2 batches back to
// back, with its sparse `<base>.index` and `<base>.timeindex` (see segment_index.hpp).
// File names are the 20-digit zero-padded base offset, as in Kafka.
//
// Invariants:
//  - every batch in the file has baseOffset >= base_offset() and offsets strictly increase;
//    (lastOffset - base_offset) fits in 31 bits, sizes in 31 bits;
//  - size() is the end of the last whole batch: a torn tail is cut by recover();
//  - index entries only point at batch starts below size().
//
// A segment's file descriptor and indexes are "handles": the log opens them lazily and
// closes them for inactive segments (LRU) so thousands of segments cost no open files.
// Index files are written when the segment is sealed (rolled) or closed cleanly; the active
// segment's index lives in memory and is rebuilt by recovery after an unclean stop.
// Single owner; not thread safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/file.hpp"
#include "storage/record_batch.hpp"
#include "storage/result.hpp"
#include "storage/segment_index.hpp"

namespace fluxo::storage {

// Bytes of whole batches read from a segment, starting at `file_position`.
struct segment_read {
  std::vector<char> bytes;
  uint64_t file_position = 0;
  int64_t first_offset = -1;   // base offset of the first batch, -1 if none
  int64_t next_offset = -1;    // next offset after the last batch returned
};

// Outcome of scanning a segment during recovery.
struct segment_scan {
  uint64_t valid_bytes = 0;
  int64_t next_offset = 0;       // base_offset if the segment is empty
  std::size_t batches = 0;
  bool truncated = false;        // a torn or corrupt tail was cut away
  std::string problem;           // what was wrong where, when truncated
  int64_t problem_offset = -1;   // offset expected at the bad batch
};

class segment {
 public:
  segment(std::string dir, int64_t base_offset, uint32_t index_interval_bytes);

  static std::string file_name(int64_t base_offset, const char* extension);
  int64_t base_offset() const { return base_; }
  std::string log_path() const;
  std::string index_path() const;
  std::string time_index_path() const;

  // Creates empty files for a brand-new segment (truncating leftovers).
  result<void> create();
  // Opens the log fd and loads the indexes from disk, rebuilding them by a scan if the
  // index files are missing or damaged. No-op if already open.
  result<void> open_handles();
  // Closes the fd and drops index memory. Only for sealed segments.
  void release_handles();
  bool handles_open() const { return log_.is_open(); }

  // Metadata. size() comes from stat at load, then tracked. next_offset()/max_timestamp()
  // are exact once scanned or loaded; see known_* for whether they are.
  uint64_t size() const { return size_; }
  int64_t next_offset() const { return next_offset_; }
  int64_t max_timestamp() const { return max_timestamp_; }
  bool metadata_known() const { return metadata_known_; }
  bool empty() const { return size_ == 0; }
  int64_t created_ms() const { return created_ms_; }
  void set_created_ms(int64_t ms) { created_ms_ = ms; }
  // Sets metadata from a trusted source (clean-shutdown marker).
  void set_metadata(uint64_t size, int64_t next_offset, int64_t max_timestamp);
  void set_size_only(uint64_t size) { size_ = size; }
  // Learns next_offset/max_timestamp of an unscanned sealed segment from its indexes:
  // scans from the last offset-index entry to the end (a few KiB at most).
  result<void> load_metadata();

  // Appends whole batches whose offsets are already assigned; `headers` describe them in
  // order. On failure the file is cut back to its previous size (nothing half-written stays).
  result<void> append(std::span<const char> batches, std::span<const batch_header> headers);
  // Reads whole batches, starting with the batch containing `offset`, up to max_bytes
  // (at least one batch). Empty result if offset >= next_offset. CRCs are verified; a bad
  // batch ends the read there, or fails it with corrupt_batch if it is the first.
  result<segment_read> read(int64_t offset, std::size_t max_bytes);
  // First offset whose record timestamp is >= ts, or nullopt if none in this segment.
  result<std::optional<int64_t>> offset_for_timestamp(int64_t ts);
  // Removes every batch whose lastOffset >= offset; returns the new next offset.
  result<int64_t> truncate_to(int64_t offset);
  // Scans the whole file: checks every batch (CRC, offsets), rebuilds the indexes, and cuts
  // a torn or corrupt tail. `expected_start` is the first offset allowed.
  result<segment_scan> recover();

  // Writes the index files in full (segment sealed or log closing).
  result<void> write_indexes();
  result<void> sync();  // fdatasync of the log file
  // A duplicate fd of the log file for flushing on another thread.
  result<file> duplicate_fd();
  result<void> remove_files();

  const offset_index& offsets() const { return offset_index_; }
  const time_index& times() const { return time_index_; }

 private:
  void index_batch(const batch_header& h, uint64_t position);
  result<std::optional<batch_header>> read_header_at(uint64_t position);
  // Position of the first batch whose lastOffset >= offset (size() if none).
  result<uint64_t> find_position(int64_t offset);

  std::string dir_;
  int64_t base_;
  uint32_t index_interval_;
  file log_;
  offset_index offset_index_;
  time_index time_index_;
  uint64_t size_ = 0;
  uint64_t bytes_since_index_ = 0;
  int64_t next_offset_;
  int64_t max_timestamp_ = no_timestamp;
  int64_t created_ms_ = 0;
  bool metadata_known_ = false;
};

}  // namespace fluxo::storage
