// Kafka RecordBatch v2 (magic 2): the one codec that builds and reads batches for every
// layer of fluxo. Bytes on disk and on the wire are identical.
//
// Batch layout (big-endian; offsets in bytes from the batch start):
//    0 baseOffset           i64   \ outside the CRC: the broker rewrites these in place
//    8 batchLength          i32    | (bytes after this field, i.e. total size - 12)
//   12 partitionLeaderEpoch i32   /
//   16 magic                i8    = 2
//   17 crc                  u32   CRC-32C of bytes 21 .. end
//   21 attributes           i16   bits 0-2 codec, 3 timestamp type (1 = LogAppendTime),
//                                 4 transactional, 5 control
//   23 lastOffsetDelta      i32
//   27 baseTimestamp        i64
//   35 maxTimestamp         i64
//   43 producerId           i64
//   51 producerEpoch        i16
//   53 baseSequence         i32
//   57 recordsCount         i32
//   61 records (compressed as a whole when the codec is not none)
//
// Record: length varint, attributes i8 (unused, 0), timestampDelta varlong, offsetDelta
// varint, keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
// headerCount varint, headers (keyLength varint, key, valueLength varint, value).
//
// Invariants checked by validate_batch(): magic 2, batchLength covers at least the header
// and fits in the given bytes, CRC matches, lastOffsetDelta >= 0, recordsCount >= 0 and
// (for uncompressed batches) recordsCount equals what the records section holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/compression.hpp"
#include "storage/result.hpp"

namespace fluxo::storage {

constexpr std::size_t batch_header_size = 61;
constexpr std::size_t batch_length_offset = 8;   // where batchLength lives
constexpr std::size_t batch_log_overhead = 12;   // baseOffset + batchLength
constexpr std::size_t batch_crc_offset = 17;
constexpr std::size_t batch_attributes_offset = 21;
constexpr int8_t batch_magic_v2 = 2;
constexpr int64_t no_timestamp = -1;
constexpr int64_t no_producer_id = -1;

constexpr int16_t attr_codec_mask = 0x07;
constexpr int16_t attr_log_append_time = 0x08;
constexpr int16_t attr_transactional = 0x10;
constexpr int16_t attr_control = 0x20;

// The fixed 61-byte header of a batch, decoded.
struct batch_header {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = batch_magic_v2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = no_timestamp;
  int64_t max_timestamp = no_timestamp;
  int64_t producer_id = no_producer_id;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  codec compression() const { return static_cast<codec>(attributes & attr_codec_mask); }
  bool log_append_time() const { return (attributes & attr_log_append_time) != 0; }
  bool transactional() const { return (attributes & attr_transactional) != 0; }
  bool control() const { return (attributes & attr_control) != 0; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int64_t next_offset() const { return last_offset() + 1; }
  std::size_t size_bytes() const { return static_cast<std::size_t>(batch_length) + batch_log_overhead; }
};

// A record header as stored (value may be null).
struct record_header {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const record_header&) const = default;
};

// A decoded record with its absolute offset and timestamp.
struct record {
  int64_t offset = 0;
  int64_t timestamp = no_timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<record_header> headers;
  bool operator==(const record&) const = default;
};

// Non-owning view of a record, valid while the bytes it was decoded from live.
struct record_view {
  int64_t offset = 0;
  int64_t timestamp = no_timestamp;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::span<const char> headers_bytes;  // encoded headers (count already consumed)
  int32_t header_count = 0;
};

// Decodes the fixed header. Needs at least batch_header_size bytes; checks nothing else.
result<batch_header> parse_batch_header(std::span<const char> bytes);

// Parses and validates a whole batch: `bytes` must start at the batch and hold at least
// header.size_bytes() bytes (more is fine). Checks magic, lengths and CRC.
result<batch_header> validate_batch(std::span<const char> bytes);

// CRC-32C over attributes..end of a complete batch.
uint32_t compute_batch_crc(std::span<const char> batch);

// In-place rewrites outside the CRC.
void set_base_offset(std::span<char> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<char> batch, int32_t epoch);
// Marks the batch LogAppendTime with `timestamp` as maxTimestamp and recomputes the CRC.
void set_log_append_time(std::span<char> batch, int64_t timestamp);

// Calls `fn` for every record of a validated batch, decompressing when needed.
// Offsets/timestamps are absolute (for LogAppendTime batches every record gets maxTimestamp).
// Stops early if fn returns false. Errors on malformed records.
result<void> for_each_record(std::span<const char> batch,
                             const std::function<bool(const record_view&)>& fn);

// Decodes all records of a validated batch into owning structs.
result<std::vector<record>> decode_records(std::span<const char> batch);

// Decodes the headers of a record_view.
result<std::vector<record_header>> decode_headers(const record_view& r);

// Options for a batch being built. base_offset is usually 0: the log assigns offsets.
struct batch_options {
  codec compression = codec::none;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int64_t producer_id = no_producer_id;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool log_append_time = false;
  bool transactional = false;
  bool control = false;
};

struct header_view {
  std::string_view key;
  std::optional<std::string_view> value;
};

// Builds one RecordBatch v2. Usage: append records, then build() once.
// Records are encoded straight into one buffer; build() fills in the header, compresses
// the records section when a codec is set, and computes the CRC.
class batch_builder {
 public:
  explicit batch_builder(batch_options options = {});

  // Appends a record whose offset is the next one (offsetDelta = count so far).
  void append(int64_t timestamp, std::optional<std::string_view> key,
              std::optional<std::string_view> value, std::span<const header_view> headers = {});
  // Appends with an explicit offset delta (must grow), as compaction needs to keep offsets.
  void append_with_delta(int32_t offset_delta, int64_t timestamp,
                         std::optional<std::string_view> key,
                         std::optional<std::string_view> value,
                         std::span<const header_view> headers = {});
  // Appends a record keeping its pre-encoded headers (count + bytes), used by compaction.
  void append_raw_headers(int32_t offset_delta, int64_t timestamp,
                          std::optional<std::string_view> key,
                          std::optional<std::string_view> value, int32_t header_count,
                          std::span<const char> headers_bytes);
  // Forces lastOffsetDelta (compaction keeps the original batch's span of offsets).
  void set_last_offset_delta(int32_t delta) { forced_last_delta_ = delta; }

  std::size_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Size of the batch if built uncompressed now.
  std::size_t size_bytes() const { return buf_.size(); }
  // Room for `bytes` of batch without regrowing (a producer that knows its batch size).
  void reserve(std::size_t bytes) { buf_.reserve(bytes); }

  // Produces the batch bytes. The builder is left empty for reuse with the same options.
  result<std::vector<char>> build();

 private:
  void append_encoded(int32_t offset_delta, int64_t timestamp,
                      std::optional<std::string_view> key, std::optional<std::string_view> value,
                      int32_t header_count, std::span<const char> headers_bytes,
                      std::span<const header_view> headers);

  batch_options options_;
  std::vector<char> buf_;  // header placeholder + encoded records
  std::size_t count_ = 0;
  int32_t last_delta_ = -1;
  std::optional<int32_t> forced_last_delta_;
  int64_t first_timestamp_ = no_timestamp;
  int64_t max_timestamp_ = no_timestamp;
};

// Walks a buffer of concatenated batches (as read from a segment or a fetch response).
// Stops at the first incomplete batch. Header parsing only; use validate_batch for CRCs.
class batch_cursor {
 public:
  explicit batch_cursor(std::span<const char> bytes) : bytes_(bytes) {}
  // Next complete batch, or nullopt at the end / at a partial or malformed header.
  std::optional<std::pair<batch_header, std::span<const char>>> next();
  std::size_t position() const { return pos_; }

 private:
  std::span<const char> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace fluxo::storage
