// Log compaction for cleanup.policy=compact: the latest value per key wins.
//
// A compaction_job is prepared by the log's owner (a snapshot of the sealed segments plus the
// readable prefix of the active one), runs on any thread without touching the log object, and
// is finished by the owner, which swaps the cleaned segments in. Appends go on meanwhile; if
// the log was truncated or lost segments to retention in between, the result is discarded.
//
// Rules, per record of a sealed segment:
//  - a record with a key is kept only if it is the latest record for that key in the whole
//    snapshot (sealed segments + active prefix);
//  - a tombstone (null value) that is the latest for its key is kept until it is older than
//    delete_retention_ms (by record timestamp), then dropped;
//  - records without a key, control batches and transactional batches are kept as they are.
// Kept records keep their offsets, timestamps and headers; a rewritten batch keeps its base
// offset, lastOffsetDelta, producer fields and codec. Batches with nothing kept disappear.
// Order is preserved. The active segment is never rewritten.
//
// Output is written to `<dir>/.cleaning/` and moved into place by finish_compaction in the
// order: old indexes removed, cleaned log renamed over the old log, new indexes renamed in. A
// crash at any point leaves either the old or the new log, and missing indexes are rebuilt.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/result.hpp"
#include "storage/segment.hpp"

namespace fluxo::storage {

struct compaction_stats {
  std::size_t segments_cleaned = 0;
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
  uint64_t records_before = 0;
  uint64_t records_after = 0;
  uint64_t tombstones_dropped = 0;
  bool discarded = false;  // the log changed while the job ran; nothing was swapped in
};

class compaction_job {
 public:
  // Builds the key map and writes cleaned segments. Safe on any thread.
  result<void> run();
  const compaction_stats& stats() const { return stats_; }

 private:
  friend class partition_log;
  struct source {
    int64_t base = 0;
    std::string log_path;
    uint64_t size = 0;
    int64_t next_offset = 0;
  };
  struct output {
    int64_t base = 0;
    uint64_t size = 0;
    int64_t next_offset = 0;
    int64_t max_timestamp = -1;
  };

  std::string dir_;
  std::string work_dir_;
  std::vector<source> sources_;  // sealed segments, oldest first
  source head_;                  // active segment prefix: read for keys only
  int64_t now_ms_ = 0;
  int64_t delete_retention_ms_ = 0;
  uint32_t index_interval_ = 4096;
  uint64_t generation_ = 0;
  std::vector<output> outputs_;
  compaction_stats stats_;
};

}  // namespace fluxo::storage
