// Helpers for storage tests: temporary directories, a manual clock, a seeded random batch
// generator, and readers that turn a whole partition log back into records.
//
// Everything here is deterministic: random data comes from std::mt19937_64 with an explicit
// seed, and time only moves when a test says so.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "storage/compression.hpp"
#include "storage/log_config.hpp"
#include "storage/partition_log.hpp"
#include "storage/record_batch.hpp"
#include "storage/result.hpp"

namespace fluxo::storage {
// Lets gtest print records in failure messages.
void PrintTo(const record& r, std::ostream* os);
}  // namespace fluxo::storage

namespace fluxo::storage::test {

// A fresh directory under /tmp, removed with everything in it when the object dies.
class temp_dir {
 public:
  explicit temp_dir(std::string_view tag = "fluxo-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name (not created).
  std::string sub(std::string_view name) const;

 private:
  std::string path_;
};

// Time that moves only when told to. Copies share the same time, so the clock_fn handed to a
// log_config follows advance() calls made on the test's instance.
class manual_clock {
 public:
  static constexpr int64_t default_start_ms = 1'700'000'000'000;
  explicit manual_clock(int64_t start_ms = default_start_ms);

  int64_t now() const { return now_->load(); }
  void advance(int64_t ms) { now_->fetch_add(ms); }
  void set(int64_t ms) { now_->store(ms); }
  clock_fn fn() const;

 private:
  std::shared_ptr<std::atomic<int64_t>> now_;
};

// What the random batch generator produces.
struct gen_options {
  int min_records = 1;
  int max_records = 8;
  std::size_t max_key_bytes = 12;
  std::size_t max_value_bytes = 120;
  double null_key_probability = 0.1;
  double null_value_probability = 0.05;
  int max_headers = 2;
  // Codec of each batch, picked uniformly from this list.
  std::vector<codec> codecs = {codec::none};
  // 0: random keys. Otherwise keys are "key-<n>" with n < key_space (for compaction tests).
  std::size_t key_space = 0;
  // Milliseconds between the timestamps of consecutive records of a batch.
  int64_t timestamp_step_ms = 1;
};

// One built batch plus the records it holds. Record offsets are offset deltas (the log
// assigns the real offsets); use with_base() after appending.
struct generated_batch {
  std::vector<char> bytes;
  std::vector<record> records;
  codec compression = codec::none;

  std::vector<record> with_base(int64_t base_offset) const;
};

class batch_generator {
 public:
  explicit batch_generator(uint64_t seed, gen_options options = {});

  // A random batch whose first record has timestamp `timestamp`.
  generated_batch next(int64_t timestamp);
  // A batch with exactly these records (offset deltas 0..n-1, timestamps as given).
  static generated_batch make(const std::vector<record>& records, codec c = codec::none);

  std::mt19937_64& rng() { return rng_; }
  std::string random_string(std::size_t max_len);

 private:
  gen_options options_;
  std::mt19937_64 rng_;
};

// A one-record batch (handy for small tests).
generated_batch single_record_batch(int64_t timestamp, std::optional<std::string> key,
                                    std::optional<std::string> value);

// Appends `batch` (a copy of its bytes) and records the expected contents in `expected`.
// Fails the current test (gtest ADD_FAILURE) if the append fails.
result<append_info> append_batch(partition_log& log, const generated_batch& batch,
                                 std::vector<record>* expected = nullptr);

// Reads the log from `from` (log start when -1) to the end with read() + decode_records.
// Records below `from` in the first batch are skipped. Stops at the first error, keeping what
// was read before it.
struct log_contents {
  std::vector<record> records;
  std::optional<error> failure;
  std::size_t reads = 0;
  std::size_t batches = 0;
};
log_contents read_log(partition_log& log, std::size_t max_bytes = 64 * 1024, int64_t from = -1);

// read_log() that fails the current test on any error.
std::vector<record> read_all(partition_log& log, std::size_t max_bytes = 64 * 1024);

// Opens a log, failing the test (and returning null) on error.
std::unique_ptr<partition_log> open_log(const std::string& dir, const log_config& config);

// Copies a directory's regular files into `to` (created; emptied first if it exists).
void copy_dir(const std::string& from, const std::string& to);
std::vector<char> read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::vector<char>& bytes);
uint64_t file_size(const std::string& path);
void truncate_file(const std::string& path, uint64_t size);
// Names (not paths) of the files in `dir` with this extension, sorted.
std::vector<std::string> files_with_extension(const std::string& dir, std::string_view ext);

// Positions and headers of the batches stored in a segment file.
struct stored_batch {
  uint64_t position = 0;
  batch_header header;
};
std::vector<stored_batch> batches_in_file(const std::string& path);

// Lowers the storage logger's level while alive (for loops that provoke many error logs).
class quiet_logs {
 public:
  quiet_logs();
  ~quiet_logs();
  quiet_logs(const quiet_logs&) = delete;
  quiet_logs& operator=(const quiet_logs&) = delete;

 private:
  int previous_;
};

// Human-readable description of a record for failure messages.
std::string describe(const record& r);

}  // namespace fluxo::storage::test
