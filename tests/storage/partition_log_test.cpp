// partition_log: append/read/offsets, timestamps, truncation, rolling, retention, flush
// policies and group commit, clean reopen, fd cap, ENOSPC and compaction.
#include "storage/partition_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <thread>
#include <unordered_map>

#include "storage/byte_order.hpp"
#include "storage/fault_injection.hpp"
#include "storage/log_checkpoint.hpp"
#include "storage/log_compaction.hpp"
#include "tests/utils/log_test_utils.hpp"

namespace fluxo::storage {
namespace {

namespace fs = std::filesystem;
using test::append_batch;
using test::batch_generator;
using test::gen_options;
using test::generated_batch;
using test::manual_clock;
using test::read_all;
using test::read_log;
using test::temp_dir;

class PartitionLogTest : public ::testing::Test {
 protected:
  void TearDown() override { fault::disarm_all(); }

  // External flush keeps rolls from fsyncing: most tests are not about durability, and fsyncs
  // dominate their run time. Tests about flushing turn it off.
  log_config base_config() const {
    log_config c;
    c.clock = clock.fn();
    c.retention_ms = -1;
    c.external_flush = true;
    return c;
  }
  log_config flushing_config() const {
    auto c = base_config();
    c.external_flush = false;
    return c;
  }
  std::string dir() const { return tmp.sub("topic-0"); }
  std::unique_ptr<partition_log> open(const log_config& c) { return test::open_log(dir(), c); }

  // Appends `n` random batches with timestamps from the clock; returns their append infos.
  std::vector<append_info> fill(partition_log& log, batch_generator& gen, int n,
                                std::vector<record>& expected) {
    std::vector<append_info> infos;
    for (int i = 0; i < n; ++i) {
      auto info = append_batch(log, gen.next(clock.now()), &expected);
      if (!info) break;
      infos.push_back(*info);
    }
    return infos;
  }

  uint64_t dir_log_bytes() const {
    uint64_t total = 0;
    for (const auto& name : test::files_with_extension(dir(), ".log")) {
      total += test::file_size(dir() + "/" + name);
    }
    return total;
  }

  temp_dir tmp{"fluxo-plog"};
  manual_clock clock;
};

std::vector<record> records_from(const std::vector<record>& all, int64_t from) {
  std::vector<record> out;
  for (const auto& r : all) {
    if (r.offset >= from) out.push_back(r);
  }
  return out;
}

std::vector<record> records_below(const std::vector<record>& all, int64_t below) {
  std::vector<record> out;
  for (const auto& r : all) {
    if (r.offset < below) out.push_back(r);
  }
  return out;
}

// prefix + number. (Appended piecewise: GCC 12 warns falsely about `"x" + std::string` at -O3.)
std::string cat(std::string prefix, int n) {
  prefix.append(std::to_string(n));
  return prefix;
}

// Number of open file descriptors of this process.
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// ---------------------------------------------------------------------------
// Append, read, offsets

TEST_F(PartitionLogTest, EmptyLog) {
  auto log = open(base_config());
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->log_end_offset(), 0);
  auto r = log->read(0, 1024);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->bytes.empty());
  EXPECT_EQ(r->next_offset, 0);
  auto ts = log->offset_for_timestamp(0);
  ASSERT_TRUE(ts);
  EXPECT_FALSE(ts->has_value());
  EXPECT_EQ(log->segment_bases(), std::vector<int64_t>{0});
  EXPECT_TRUE(fs::exists(dir() + "/00000000000000000000.log"));
}

TEST_F(PartitionLogTest, AppendAssignsOffsetsAndReadsBack) {
  auto log = open(base_config());
  ASSERT_TRUE(log);
  gen_options opts;
  opts.codecs = {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd};
  batch_generator gen(1, opts);
  std::vector<record> expected;
  int64_t leo = 0;
  for (int i = 0; i < 20; ++i) {
    auto b = gen.next(clock.now() + i);
    auto info = append_batch(*log, b, &expected);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->base_offset, leo);
    EXPECT_EQ(info->last_offset, leo + static_cast<int64_t>(b.records.size()) - 1);
    EXPECT_EQ(info->records, b.records.size());
    EXPECT_EQ(info->batches, 1u);
    EXPECT_EQ(info->bytes, b.bytes.size());
    EXPECT_EQ(info->log_append_time, -1);
    leo = info->last_offset + 1;
    EXPECT_EQ(log->log_end_offset(), leo);
  }

  // Several concatenated batches in one call.
  std::vector<char> many;
  std::vector<generated_batch> parts;
  for (int i = 0; i < 5; ++i) {
    parts.push_back(gen.next(clock.now()));
    many.insert(many.end(), parts.back().bytes.begin(), parts.back().bytes.end());
  }
  auto info = log->append(many);
  ASSERT_TRUE(info) << info.err().to_string();
  EXPECT_EQ(info->base_offset, leo);
  EXPECT_EQ(info->batches, 5u);
  int64_t next = leo;
  for (const auto& p : parts) {
    auto recs = p.with_base(next);
    expected.insert(expected.end(), recs.begin(), recs.end());
    next += static_cast<int64_t>(p.records.size());
  }
  EXPECT_EQ(info->last_offset, next - 1);
  EXPECT_EQ(log->log_end_offset(), next);

  EXPECT_EQ(read_all(*log), expected);
  // One batch per read when max_bytes is tiny: still everything, 25 reads.
  auto one_by_one = read_log(*log, 1);
  ASSERT_FALSE(one_by_one.failure);
  EXPECT_EQ(one_by_one.records, expected);
  EXPECT_EQ(one_by_one.batches, 25u);
  EXPECT_EQ(one_by_one.reads, 25u);
}

TEST_F(PartitionLogTest, AppendRewritesBaseOffsetInPlaceKeepingTheCrcValid) {
  auto log = open(base_config());
  ASSERT_TRUE(log);
  batch_generator gen(2);
  std::vector<record> expected;
  fill(*log, gen, 3, expected);
  auto b = gen.next(clock.now());
  auto bytes = b.bytes;
  auto info = log->append(bytes);
  ASSERT_TRUE(info);
  EXPECT_EQ(load_be<int64_t>(bytes.data()), info->base_offset);
  auto h = validate_batch(bytes);
  ASSERT_TRUE(h) << h.err().to_string();
  EXPECT_EQ(h->crc, load_be<uint32_t>(b.bytes.data() + batch_crc_offset));
  auto r = log->read(info->base_offset, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes, bytes);  // stored bytes are exactly the rewritten input
}

TEST_F(PartitionLogTest, AppendIsAllOrNothingOnBadInput) {
  auto c = base_config();
  c.max_batch_bytes = 5000;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(3);
  std::vector<record> expected;
  fill(*log, gen, 2, expected);
  const int64_t leo = log->log_end_offset();

  auto good = gen.next(clock.now()).bytes;
  auto bad = gen.next(clock.now()).bytes;
  bad[40] = static_cast<char>(bad[40] ^ 0x10);
  std::vector<char> both = good;
  both.insert(both.end(), bad.begin(), bad.end());
  auto r = log->append(both);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::invalid_batch);

  std::vector<char> truncated(good.begin(), good.end() - 1);
  auto t = log->append(truncated);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.err().code, errc::invalid_batch);

  std::vector<char> nothing;
  auto e = log->append(nothing);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.err().code, errc::invalid_batch);

  std::vector<char> garbage(100, 'x');
  EXPECT_FALSE(log->append(garbage));

  record big;
  big.timestamp = clock.now();
  big.value = std::string(6000, 'b');
  auto huge = batch_generator::make({big}).bytes;
  auto m = log->append(huge);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.err().code, errc::message_too_large);

  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(read_all(*log), expected);
}

TEST_F(PartitionLogTest, ReadReturnsWholeBatchesAndAtLeastOne) {
  auto log = open(base_config());
  ASSERT_TRUE(log);
  std::vector<record> expected;
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 10; ++i) {
    std::vector<record> recs(4);
    for (int j = 0; j < 4; ++j) {
      recs[static_cast<std::size_t>(j)].timestamp = clock.now() + j;
      recs[static_cast<std::size_t>(j)].key = cat("k", i * 4 + j);
      recs[static_cast<std::size_t>(j)].value = std::string(100, static_cast<char>('a' + i));
    }
    auto b = batch_generator::make(recs);
    sizes.push_back(b.bytes.size());
    ASSERT_TRUE(append_batch(*log, b, &expected));
  }
  ASSERT_EQ(log->log_end_offset(), 40);

  // Mid-batch offset: the whole batch containing it.
  auto r = log->read(13, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes.size(), sizes[3]);
  EXPECT_EQ(r->next_offset, 16);
  EXPECT_EQ(r->log_start_offset, 0);
  EXPECT_EQ(r->log_end_offset, 40);
  auto recs = decode_records(r->bytes);
  ASSERT_TRUE(recs);
  EXPECT_EQ(recs->front().offset, 12);

  // max_bytes 0 still gives one batch.
  auto z = log->read(0, 0);
  ASSERT_TRUE(z);
  EXPECT_EQ(z->bytes.size(), sizes[0]);
  EXPECT_EQ(z->next_offset, 4);

  // max_bytes covering 2.5 batches gives exactly 2 (whole batches only).
  auto two = log->read(8, sizes[2] + sizes[3] + sizes[4] / 2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->bytes.size(), sizes[2] + sizes[3]);
  EXPECT_EQ(two->next_offset, 16);

  // Everything.
  auto all = log->read(0, 1 << 20);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->bytes.size(), std::accumulate(sizes.begin(), sizes.end(), std::size_t{0}));
  EXPECT_EQ(all->next_offset, 40);

  // At LEO: empty; beyond or below: offset_out_of_range.
  auto at_end = log->read(40, 100);
  ASSERT_TRUE(at_end);
  EXPECT_TRUE(at_end->bytes.empty());
  EXPECT_EQ(at_end->next_offset, 40);
  auto past = log->read(41, 100);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.err().code, errc::offset_out_of_range);
  auto negative = log->read(-1, 100);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.err().code, errc::offset_out_of_range);

  // Below the log start.
  ASSERT_TRUE(log->advance_log_start(9));
  EXPECT_EQ(log->log_start_offset(), 9);
  auto below = log->read(8, 100);
  ASSERT_FALSE(below);
  EXPECT_EQ(below.err().code, errc::offset_out_of_range);
  auto from_start = log->read(9, 1);
  ASSERT_TRUE(from_start);
  EXPECT_EQ(from_start->next_offset, 12);
  EXPECT_EQ(read_all(*log), records_from(expected, 9));
  EXPECT_FALSE(log->advance_log_start(41));
}

TEST_F(PartitionLogTest, ReadsAcrossSegments) {
  auto c = base_config();
  c.segment_bytes = 1500;
  c.index_interval_bytes = 200;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(4);
  std::vector<record> expected;
  fill(*log, gen, 60, expected);
  ASSERT_GT(log->segment_bases().size(), 5u);
  EXPECT_EQ(read_all(*log), expected);
  for (std::size_t max : {std::size_t{1}, std::size_t{700}, std::size_t{5000}}) {
    auto got = read_log(*log, max);
    ASSERT_FALSE(got.failure);
    EXPECT_EQ(got.records, expected) << max;
  }
  // Reads starting at every offset return the batch holding it.
  for (int64_t o = 0; o < log->log_end_offset(); ++o) {
    auto r = log->read(o, 1);
    ASSERT_TRUE(r) << o;
    auto recs = decode_records(r->bytes);
    ASSERT_TRUE(recs) << o;
    ASSERT_FALSE(recs->empty());
    EXPECT_LE(recs->front().offset, o);
    EXPECT_GE(recs->back().offset, o);
    EXPECT_EQ(r->next_offset, recs->back().offset + 1);
  }
}

TEST_F(PartitionLogTest, LogAppendTimeAndLeaderEpoch) {
  auto c = base_config();
  c.timestamps = timestamp_type::log_append_time;
  c.leader_epoch = 7;
  auto log = open(c);
  ASSERT_TRUE(log);
  clock.set(5'000'000);
  auto b = test::single_record_batch(12345, std::string("k"), std::string("v"));
  auto bytes = b.bytes;
  auto info = log->append(bytes);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->log_append_time, 5'000'000);
  auto r = log->read(0, 1);
  ASSERT_TRUE(r);
  auto h = validate_batch(r->bytes);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->log_append_time());
  EXPECT_EQ(h->partition_leader_epoch, 7);
  EXPECT_EQ(h->max_timestamp, 5'000'000);
  auto recs = decode_records(r->bytes);
  ASSERT_TRUE(recs);
  EXPECT_EQ(recs->at(0).timestamp, 5'000'000);
}

// ---------------------------------------------------------------------------
// Timestamps

TEST_F(PartitionLogTest, OffsetForTimestampMatchesBruteForce) {
  for (bool monotonic : {true, false}) {
    SCOPED_TRACE(monotonic ? "monotonic" : "shuffled");
    temp_dir local("fluxo-ts");
    auto c = base_config();
    c.segment_bytes = 2000;
    c.index_interval_bytes = 150;
    auto log = test::open_log(local.sub("log"), c);
    ASSERT_TRUE(log);
    std::mt19937_64 rng(monotonic ? 11 : 12);
    gen_options opts;
    opts.timestamp_step_ms = 3;
    opts.codecs = {codec::none, codec::lz4};
    batch_generator gen(13, opts);
    std::vector<record> expected;
    int64_t ts = 10'000;
    for (int i = 0; i < 80; ++i) {
      int64_t batch_ts = monotonic ? ts : ts + static_cast<int64_t>(rng() % 2000) - 1000;
      ASSERT_TRUE(append_batch(*log, gen.next(batch_ts), &expected));
      ts += 50;
    }
    ASSERT_GT(log->segment_bases().size(), 3u);
    int64_t max_ts = 0;
    for (const auto& r : expected) max_ts = std::max(max_ts, r.timestamp);
    std::vector<int64_t> queries = {0, 8'000, 10'000, 10'001, max_ts, max_ts + 1, 1LL << 50};
    for (int i = 0; i < 300; ++i) queries.push_back(8'000 + static_cast<int64_t>(rng() % 7000));
    for (const auto& r : expected) {
      if (rng() % 8 == 0) queries.push_back(r.timestamp);
    }
    for (int64_t q : queries) {
      std::optional<int64_t> want;
      for (const auto& r : expected) {
        if (r.timestamp >= q) {
          want = r.offset;
          break;
        }
      }
      auto got = log->offset_for_timestamp(q);
      ASSERT_TRUE(got) << got.err().to_string();
      EXPECT_EQ(*got, want) << "ts " << q;
    }
  }
}

// ---------------------------------------------------------------------------
// Truncation

TEST_F(PartitionLogTest, TruncateMidBatchRemovesTheWholeBatch) {
  auto c = base_config();
  c.segment_bytes = 1200;
  auto log = open(c);
  ASSERT_TRUE(log);
  std::vector<record> expected;
  for (int i = 0; i < 30; ++i) {
    std::vector<record> recs(5);
    for (auto& r : recs) {
      r.timestamp = clock.now();
      r.key = cat("key", i);
      r.value = std::string(40, 'v');
    }
    ASSERT_TRUE(append_batch(*log, batch_generator::make(recs), &expected));
  }
  ASSERT_EQ(log->log_end_offset(), 150);
  auto bases = log->segment_bases();
  ASSERT_GT(bases.size(), 4u);

  // No-ops.
  ASSERT_TRUE(log->truncate_to(150));
  ASSERT_TRUE(log->truncate_to(1000));
  EXPECT_EQ(log->log_end_offset(), 150);

  // Mid batch of an older segment: later segments go, the batch holding 73 goes.
  ASSERT_TRUE(log->truncate_to(73));
  EXPECT_EQ(log->log_end_offset(), 70);
  for (auto b : log->segment_bases()) EXPECT_LE(b, 70);
  EXPECT_EQ(read_all(*log), records_below(expected, 70));
  EXPECT_EQ(test::files_with_extension(dir(), ".log").size(), log->segment_bases().size());
  auto ts = log->offset_for_timestamp(0);
  ASSERT_TRUE(ts);
  EXPECT_EQ(*ts, std::optional<int64_t>(0));

  // Appends continue from the new end; the next segment gets the right base.
  expected = records_below(expected, 70);
  batch_generator gen(5);
  auto info = append_batch(*log, gen.next(clock.now()), &expected);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, 70);
  fill(*log, gen, 20, expected);
  EXPECT_EQ(read_all(*log), expected);

  // Survives a crash (copy while open) and a clean reopen.
  ASSERT_TRUE(log->flush());
  test::copy_dir(dir(), tmp.sub("crash"));
  auto crashed = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(crashed);
  EXPECT_FALSE(crashed->stats().recovered_cleanly);
  EXPECT_EQ(read_all(*crashed), expected);
  ASSERT_TRUE(log->close());
  log.reset();
  log = open(c);
  ASSERT_TRUE(log);
  EXPECT_TRUE(log->stats().recovered_cleanly);
  EXPECT_EQ(read_all(*log), expected);

  // Truncating at a segment's base leaves that segment empty and active.
  auto bases_now = log->segment_bases();
  ASSERT_GE(bases_now.size(), 2u);
  const int64_t at = bases_now[1];
  ASSERT_TRUE(log->truncate_to(at));
  EXPECT_EQ(log->log_end_offset(), at);
  EXPECT_EQ(log->segment_bases().back(), at);
  EXPECT_EQ(read_all(*log), records_below(expected, at));

  // Truncating to the start empties the log.
  ASSERT_TRUE(log->truncate_to(0));
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_TRUE(read_all(*log).empty());
  EXPECT_EQ(test::files_with_extension(dir(), ".log").size(), 1u);
}

TEST_F(PartitionLogTest, TruncateFullyRestartsAtAnOffset) {
  auto log = open(base_config());
  ASSERT_TRUE(log);
  batch_generator gen(6);
  std::vector<record> expected;
  fill(*log, gen, 5, expected);
  ASSERT_TRUE(log->truncate_fully(1000));
  EXPECT_EQ(log->log_start_offset(), 1000);
  EXPECT_EQ(log->log_end_offset(), 1000);
  EXPECT_EQ(log->segment_bases(), std::vector<int64_t>{1000});
  auto info = append_batch(*log, gen.next(clock.now()));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, 1000);
  ASSERT_TRUE(log->close());
  log = open(base_config());
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_start_offset(), 1000);
  EXPECT_EQ(log->log_end_offset(), info->last_offset + 1);
}

TEST_F(PartitionLogTest, FailedTruncateFullyLeavesTheLogUsable) {
  auto log = open(base_config());
  ASSERT_TRUE(log);
  batch_generator gen(23);
  std::vector<record> expected;
  fill(*log, gen, 5, expected);
  ASSERT_TRUE(log->roll());
  fill(*log, gen, 5, expected);
  const int64_t leo = log->log_end_offset();
  // Out of file descriptors when the new segment file is created.
  fault::arm("file.open", EMFILE);
  auto r = log->truncate_fully(1000);
  fault::disarm_all();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().sys_errno, EMFILE);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(read_all(*log), expected);
  ASSERT_TRUE(append_batch(*log, gen.next(clock.now()), &expected));
  EXPECT_EQ(read_all(*log), expected);
  // Then it works, also onto an offset that is an existing segment's base.
  const int64_t second_base = log->segment_bases()[1];
  ASSERT_TRUE(log->truncate_fully(second_base));
  EXPECT_EQ(log->segment_bases(), std::vector<int64_t>{second_base});
  EXPECT_EQ(log->log_start_offset(), second_base);
  EXPECT_EQ(log->log_end_offset(), second_base);
  EXPECT_TRUE(read_all(*log).empty());
  auto info = append_batch(*log, gen.next(clock.now()));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, second_base);
  EXPECT_EQ(test::files_with_extension(dir(), ".log").size(), 1u);
  ASSERT_TRUE(log->close());
  log = open(base_config());
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_start_offset(), second_base);
  EXPECT_EQ(log->log_end_offset(), info->last_offset + 1);
}

// ---------------------------------------------------------------------------
// Rolling

TEST_F(PartitionLogTest, RollsBySize) {
  auto c = base_config();
  c.segment_bytes = 1024;
  auto log = open(c);
  ASSERT_TRUE(log);
  gen_options opts;
  opts.max_value_bytes = 150;
  batch_generator gen(7, opts);
  std::vector<record> expected;
  auto infos = fill(*log, gen, 50, expected);
  ASSERT_EQ(infos.size(), 50u);

  // One big append spanning several segments.
  std::vector<char> many;
  std::vector<generated_batch> parts;
  for (int i = 0; i < 12; ++i) {
    parts.push_back(gen.next(clock.now()));
    many.insert(many.end(), parts.back().bytes.begin(), parts.back().bytes.end());
  }
  ASSERT_GT(many.size(), 2 * c.segment_bytes);
  auto info = log->append(many);
  ASSERT_TRUE(info) << info.err().to_string();
  int64_t next = info->base_offset;
  for (const auto& p : parts) {
    auto recs = p.with_base(next);
    expected.insert(expected.end(), recs.begin(), recs.end());
    next += static_cast<int64_t>(p.records.size());
  }

  auto bases = log->segment_bases();
  ASSERT_GT(bases.size(), 10u);
  auto names = test::files_with_extension(dir(), ".log");
  ASSERT_EQ(names.size(), bases.size());
  for (std::size_t i = 0; i < bases.size(); ++i) {
    EXPECT_EQ(names[i], segment::file_name(bases[i], ".log"));
    const auto path = dir() + "/" + names[i];
    EXPECT_LE(test::file_size(path), c.segment_bytes) << names[i];
    auto stored = test::batches_in_file(path);
    ASSERT_FALSE(stored.empty()) << names[i];
    EXPECT_EQ(stored.front().header.base_offset, bases[i]);  // named by its first offset
    if (i + 1 < bases.size()) {
      EXPECT_EQ(stored.back().header.next_offset(), bases[i + 1]);
      EXPECT_TRUE(fs::exists(dir() + "/" + segment::file_name(bases[i], ".index")));
      EXPECT_TRUE(fs::exists(dir() + "/" + segment::file_name(bases[i], ".timeindex")));
    }
  }
  EXPECT_EQ(read_all(*log), expected);
  EXPECT_EQ(log->stats().segments, bases.size());
  EXPECT_EQ(log->stats().size_bytes, dir_log_bytes());

  // Explicit roll: new empty active; rolling an empty active is a no-op.
  const auto count = log->segment_bases().size();
  ASSERT_TRUE(log->roll());
  EXPECT_EQ(log->segment_bases().size(), count + 1);
  EXPECT_EQ(log->segment_bases().back(), log->log_end_offset());
  ASSERT_TRUE(log->roll());
  EXPECT_EQ(log->segment_bases().size(), count + 1);
}

TEST_F(PartitionLogTest, RollsByAge) {
  auto c = base_config();
  c.segment_ms = 1000;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(8);
  std::vector<record> expected;
  fill(*log, gen, 1, expected);
  clock.advance(999);
  fill(*log, gen, 1, expected);
  EXPECT_EQ(log->segment_bases().size(), 1u);
  ASSERT_TRUE(log->tick());
  EXPECT_EQ(log->segment_bases().size(), 1u);
  clock.advance(1);
  const int64_t leo = log->log_end_offset();
  fill(*log, gen, 1, expected);  // the append itself rolls
  EXPECT_EQ(log->segment_bases(), (std::vector<int64_t>{0, leo}));

  // tick() rolls an old, non-empty active segment...
  clock.advance(1000);
  ASSERT_TRUE(log->tick());
  EXPECT_EQ(log->segment_bases().size(), 3u);
  EXPECT_EQ(log->segment_bases().back(), log->log_end_offset());
  // ...but never an empty one.
  clock.advance(5000);
  ASSERT_TRUE(log->tick());
  EXPECT_EQ(log->segment_bases().size(), 3u);
  EXPECT_EQ(read_all(*log), expected);
}

// ---------------------------------------------------------------------------
// Retention

TEST_F(PartitionLogTest, RetentionByTime) {
  auto c = base_config();
  c.segment_bytes = 1000;
  c.retention_ms = 10'000;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(9);
  std::vector<record> expected;
  // Three "generations" of data, 5 s apart, each in its own segments.
  std::vector<int64_t> generation_start;
  for (int g = 0; g < 3; ++g) {
    ASSERT_TRUE(log->roll());
    generation_start.push_back(log->log_end_offset());
    fill(*log, gen, 12, expected);
    clock.advance(5'000);
  }
  ASSERT_TRUE(log->roll());
  fill(*log, gen, 1, expected);  // active segment, newest data
  // now = start + 15 s: generation 0 (t0) is older than 10 s; generation 1 (t0 + 5 s) is not.
  auto deleted = log->enforce_retention();
  ASSERT_TRUE(deleted) << deleted.err().to_string();
  EXPECT_GT(*deleted, 0u);
  EXPECT_EQ(log->log_start_offset(), generation_start[1]);
  EXPECT_EQ(log->segment_bases().front(), generation_start[1]);
  auto below = log->read(generation_start[1] - 1, 100);
  ASSERT_FALSE(below);
  EXPECT_EQ(below.err().code, errc::offset_out_of_range);
  EXPECT_EQ(read_all(*log), records_from(expected, generation_start[1]));
  auto again = log->enforce_retention();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);

  // Far in the future: every sealed segment goes, the active one stays.
  clock.advance(1'000'000);
  const int64_t leo = log->log_end_offset();
  const int64_t active_base = log->segment_bases().back();
  ASSERT_TRUE(log->tick());
  EXPECT_EQ(log->segment_bases(), std::vector<int64_t>{active_base});
  EXPECT_EQ(log->log_start_offset(), active_base);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(read_all(*log), records_from(expected, active_base));
  EXPECT_EQ(test::files_with_extension(dir(), ".log").size(), 1u);
  EXPECT_EQ(test::files_with_extension(dir(), ".index").size(), 0u);

  // The log start survives a clean reopen and a crash.
  ASSERT_TRUE(log->flush());
  test::copy_dir(dir(), tmp.sub("crash"));
  ASSERT_TRUE(log->close());
  for (const auto& d : {dir(), tmp.sub("crash")}) {
    auto reopened = test::open_log(d, c);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->log_start_offset(), active_base) << d;
    EXPECT_EQ(reopened->log_end_offset(), leo) << d;
    EXPECT_EQ(read_all(*reopened), records_from(expected, active_base)) << d;
  }
}

TEST_F(PartitionLogTest, RetentionByBytes) {
  auto c = base_config();
  c.segment_bytes = 1000;
  c.retention_bytes = 3500;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(10);
  std::vector<record> expected;
  fill(*log, gen, 60, expected);
  const auto before = log->segment_bases().size();
  const int64_t leo = log->log_end_offset();
  auto deleted = log->enforce_retention();
  ASSERT_TRUE(deleted);
  EXPECT_GT(*deleted, 0u);
  EXPECT_EQ(log->segment_bases().size(), before - *deleted);
  // Kafka's rule: delete the oldest segment while what remains without it is still at least
  // retention.bytes; so the remaining total minus the oldest is below the limit.
  uint64_t total = dir_log_bytes();
  auto oldest = log->segment_bases().front();
  uint64_t oldest_size = test::file_size(dir() + "/" + segment::file_name(oldest, ".log"));
  EXPECT_LT(total - oldest_size, static_cast<uint64_t>(c.retention_bytes));
  EXPECT_GE(total, static_cast<uint64_t>(c.retention_bytes));
  EXPECT_EQ(log->log_start_offset(), oldest);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(read_all(*log), records_from(expected, oldest));

  // retention.bytes 0: all sealed segments go, never the active one.
  c.retention_bytes = 0;
  log->update_config(c);
  ASSERT_TRUE(log->enforce_retention());
  EXPECT_EQ(log->segment_bases().size(), 1u);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(log->log_start_offset(), log->segment_bases().front());
  auto info = append_batch(*log, gen.next(clock.now()), &expected);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, leo);
}

TEST_F(PartitionLogTest, AdvancedLogStartDeletesWholeSegmentsBelowIt) {
  auto c = base_config();
  c.segment_bytes = 1000;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(11);
  std::vector<record> expected;
  fill(*log, gen, 40, expected);
  auto bases = log->segment_bases();
  ASSERT_GT(bases.size(), 4u);
  const int64_t start = bases[2] + 1;  // inside the third segment
  ASSERT_TRUE(log->advance_log_start(start));
  EXPECT_EQ(read_all(*log), records_from(expected, start));
  auto deleted = log->enforce_retention();
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 2u);
  EXPECT_EQ(log->segment_bases().front(), bases[2]);
  EXPECT_EQ(log->log_start_offset(), start);  // does not move back to the segment base
  ASSERT_TRUE(log->close());
  log = open(c);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_start_offset(), start);
  EXPECT_EQ(read_all(*log), records_from(expected, start));
}

// ---------------------------------------------------------------------------
// Flush policies and group commit

TEST_F(PartitionLogTest, FlushPolicyNone) {
  auto log = open(flushing_config());
  ASSERT_TRUE(log);
  batch_generator gen(12);
  std::vector<record> expected;
  // Opening a new log syncs its directory once (the first segment file); nothing after that.
  const auto at_open = log->stats().fsyncs;
  EXPECT_LE(at_open, 1u);
  fill(*log, gen, 10, expected);
  auto s = log->stats();
  EXPECT_EQ(s.fsyncs, at_open);
  EXPECT_EQ(s.flushed_offset, 0);
  EXPECT_EQ(s.unflushed_records, expected.size());
  EXPECT_TRUE(log->has_unflushed_data());
  clock.advance(1'000'000);
  ASSERT_TRUE(log->tick());
  EXPECT_EQ(log->stats().fsyncs, at_open);
  ASSERT_TRUE(log->flush());
  s = log->stats();
  EXPECT_EQ(s.fsyncs, at_open + 1);
  EXPECT_EQ(s.flushed_offset, log->log_end_offset());
  EXPECT_EQ(s.unflushed_records, 0u);
  EXPECT_FALSE(log->has_unflushed_data());
}

TEST_F(PartitionLogTest, FlushAfterEveryAppendIsOneFsyncPerCall) {
  auto c = flushing_config();
  c.flush_messages = 1;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(13);
  std::vector<record> expected;
  fill(*log, gen, 1, expected);  // the first flush also syncs the new directory entry
  EXPECT_EQ(log->stats().flushed_offset, log->log_end_offset());
  for (int i = 0; i < 5; ++i) {
    const auto before = log->stats().fsyncs;
    fill(*log, gen, 1, expected);
    EXPECT_EQ(log->stats().fsyncs, before + 1);
    EXPECT_EQ(log->stats().flushed_offset, log->log_end_offset());
    EXPECT_FALSE(log->has_unflushed_data());
  }
  // Twenty batches in one call: one fsync round, one fsync.
  std::vector<char> many;
  for (int i = 0; i < 20; ++i) {
    auto b = gen.next(clock.now());
    many.insert(many.end(), b.bytes.begin(), b.bytes.end());
  }
  const auto before = log->stats().fsyncs;
  ASSERT_TRUE(log->append(many));
  EXPECT_EQ(log->stats().fsyncs, before + 1);
  EXPECT_EQ(log->stats().flushed_offset, log->log_end_offset());
}

TEST_F(PartitionLogTest, FlushEveryNMessages) {
  auto c = flushing_config();
  c.flush_messages = 10;
  auto log = open(c);
  ASSERT_TRUE(log);
  const auto at_open = log->stats().fsyncs;
  auto three = [&] {
    std::vector<record> recs(3);
    for (auto& r : recs) r.timestamp = clock.now();
    return batch_generator::make(recs);
  };
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(append_batch(*log, three()));
    EXPECT_EQ(log->stats().flushed_offset, 0) << i;
    EXPECT_EQ(log->stats().fsyncs, at_open);
    EXPECT_EQ(log->stats().unflushed_records, static_cast<uint64_t>(3 * i));
  }
  ASSERT_TRUE(append_batch(*log, three()));  // 12 >= 10
  EXPECT_EQ(log->stats().flushed_offset, 12);
  EXPECT_EQ(log->stats().unflushed_records, 0u);
  const auto fsyncs = log->stats().fsyncs;
  EXPECT_EQ(fsyncs, at_open + 1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(append_batch(*log, three()));
  EXPECT_EQ(log->stats().flushed_offset, 12);
  ASSERT_TRUE(append_batch(*log, three()));
  EXPECT_EQ(log->stats().flushed_offset, 24);
  EXPECT_EQ(log->stats().fsyncs, fsyncs + 1);
}

TEST_F(PartitionLogTest, FlushEveryTMilliseconds) {
  auto c = flushing_config();
  c.flush_ms = 500;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(14);
  std::vector<record> expected;
  const auto at_open = log->stats().fsyncs;
  fill(*log, gen, 1, expected);
  EXPECT_EQ(log->stats().fsyncs, at_open);
  clock.advance(300);
  fill(*log, gen, 1, expected);
  clock.advance(199);
  ASSERT_TRUE(log->tick());
  EXPECT_EQ(log->stats().fsyncs, at_open);
  EXPECT_EQ(log->stats().flushed_offset, 0);
  clock.advance(1);  // 500 ms after the oldest unflushed append
  ASSERT_TRUE(log->tick());
  EXPECT_EQ(log->stats().fsyncs, at_open + 1);
  EXPECT_EQ(log->stats().flushed_offset, log->log_end_offset());
  // Nothing unflushed: ticks do not fsync.
  const auto fsyncs = log->stats().fsyncs;
  clock.advance(10'000);
  ASSERT_TRUE(log->tick());
  EXPECT_EQ(log->stats().fsyncs, fsyncs);
  // An append arriving when the interval has passed flushes by itself.
  fill(*log, gen, 1, expected);
  clock.advance(600);
  fill(*log, gen, 1, expected);
  EXPECT_EQ(log->stats().fsyncs, fsyncs + 1);
  EXPECT_EQ(log->stats().flushed_offset, log->log_end_offset());
}

TEST_F(PartitionLogTest, GroupCommitCoversAppendsMadeBeforePrepare) {
  auto c = base_config();
  c.external_flush = true;
  c.flush_messages = 1;  // ignored: the owner flushes
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(15);
  std::vector<record> expected;
  const auto at_open = log->stats().fsyncs;
  fill(*log, gen, 3, expected);
  EXPECT_EQ(log->stats().fsyncs, at_open);
  EXPECT_TRUE(log->has_unflushed_data());

  auto job = log->prepare_flush();
  const int64_t target = log->log_end_offset();
  EXPECT_EQ(job.target_offset(), target);
  EXPECT_GE(job.file_count(), 1u);
  const auto unflushed_at_prepare = log->stats().unflushed_records;
  // Appends between prepare and complete are not covered by this job.
  auto later = fill(*log, gen, 2, expected);
  uint64_t later_records = 0;
  for (const auto& i : later) later_records += i.records;
  result<void> outcome;
  std::thread flusher([&] { outcome = job.run(); });
  flusher.join();
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(log->complete_flush(job, outcome));
  auto s = log->stats();
  EXPECT_EQ(s.flushed_offset, target);
  EXPECT_LT(s.flushed_offset, log->log_end_offset());
  EXPECT_EQ(s.unflushed_records, later_records);
  EXPECT_EQ(s.fsyncs, at_open + job.file_count());  // the directory was synced at open
  EXPECT_TRUE(log->has_unflushed_data());
  EXPECT_GT(unflushed_at_prepare, 0u);

  // Many appends, one job, one fsync of the active segment.
  fill(*log, gen, 5, expected);
  auto job2 = log->prepare_flush();
  EXPECT_EQ(job2.file_count(), 1u);
  ASSERT_TRUE(log->complete_flush(job2, job2.run()));
  EXPECT_EQ(log->stats().fsyncs, s.fsyncs + 1);
  EXPECT_EQ(log->stats().flushed_offset, log->log_end_offset());
  EXPECT_FALSE(log->has_unflushed_data());
  EXPECT_EQ(log->stats().unflushed_records, 0u);

  // Rolled segments are synced by the next job (log + both indexes), with the directory.
  c.segment_bytes = 2000;
  log->update_config(c);
  const auto segments = log->segment_bases().size();
  auto rolled = fill(*log, gen, 30, expected);
  const auto new_segments = log->segment_bases().size() - segments;
  ASSERT_GT(new_segments, 0u);
  auto job3 = log->prepare_flush();
  EXPECT_EQ(job3.file_count(), 3 * new_segments + 1);
  // A failed flush changes nothing; the next job retries all of it.
  const auto flushed_before = log->stats().flushed_offset;
  auto failed = log->complete_flush(job3, error{errc::io_error, "simulated", EIO});
  EXPECT_FALSE(failed);
  EXPECT_EQ(log->stats().flushed_offset, flushed_before);
  auto job4 = log->prepare_flush();
  EXPECT_EQ(job4.file_count(), 3 * new_segments + 1);
  const auto before4 = log->stats().fsyncs;
  ASSERT_TRUE(log->complete_flush(job4, job4.run()));
  EXPECT_EQ(log->stats().fsyncs, before4 + job4.file_count() + 1);  // + the directory
  EXPECT_EQ(log->stats().flushed_offset, log->log_end_offset());
  EXPECT_FALSE(log->has_unflushed_data());
  EXPECT_EQ(read_all(*log), expected);
}

TEST_F(PartitionLogTest, GroupCommitJobFailsWhenFsyncFails) {
  auto c = base_config();
  c.external_flush = true;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(16);
  std::vector<record> expected;
  fill(*log, gen, 3, expected);
  fault::arm("segment.sync", EIO);
  auto job = log->prepare_flush();
  auto outcome = job.run();
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.err().code, errc::io_error);
  EXPECT_FALSE(log->complete_flush(job, outcome));
  EXPECT_EQ(log->stats().flushed_offset, 0);
  fault::disarm_all();
  ASSERT_TRUE(log->flush());
  EXPECT_EQ(log->stats().flushed_offset, log->log_end_offset());
}

// ---------------------------------------------------------------------------
// Reopening

TEST_F(PartitionLogTest, ReopenAfterCleanCloseNeedsNoScan) {
  auto c = base_config();
  c.segment_bytes = 1500;
  c.index_interval_bytes = 256;
  gen_options opts;
  opts.codecs = {codec::none, codec::zstd, codec::snappy};
  batch_generator gen(17, opts);
  std::vector<record> expected;
  std::vector<int64_t> bases;
  std::vector<std::optional<int64_t>> ts_answers;
  const std::vector<int64_t> ts_queries = {0, clock.now() + 50, clock.now() + 400, 1LL << 50};
  {
    auto log = open(c);
    ASSERT_TRUE(log);
    for (int i = 0; i < 60; ++i) {
      ASSERT_TRUE(append_batch(*log, gen.next(clock.now()), &expected));
      clock.advance(10);
    }
    ASSERT_TRUE(log->advance_log_start(3));
    bases = log->segment_bases();
    for (auto q : ts_queries) ts_answers.push_back(*log->offset_for_timestamp(q));
    ASSERT_TRUE(log->close());
    ASSERT_TRUE(log->close());  // idempotent
    auto r = log->read(0, 10);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::closed);
    auto late = gen.next(clock.now()).bytes;
    auto a = log->append(late);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.err().code, errc::closed);
  }
  EXPECT_TRUE(fs::exists(dir() + "/.clean-shutdown"));
  auto log = open(c);
  ASSERT_TRUE(log);
  EXPECT_FALSE(fs::exists(dir() + "/.clean-shutdown"));  // a crash from now on leaves none
  auto s = log->stats();
  EXPECT_TRUE(s.recovered_cleanly);
  EXPECT_EQ(s.recovery_scanned_segments, 0u);
  EXPECT_EQ(s.open_segments, 1u);  // only the active segment: the rest open lazily
  EXPECT_EQ(s.flushed_offset, log->log_end_offset());
  EXPECT_EQ(log->segment_bases(), bases);
  EXPECT_EQ(log->log_start_offset(), 3);
  EXPECT_EQ(log->log_end_offset(), expected.back().offset + 1);
  EXPECT_EQ(read_all(*log), records_from(expected, 3));
  for (std::size_t i = 0; i < ts_queries.size(); ++i) {
    EXPECT_EQ(*log->offset_for_timestamp(ts_queries[i]), ts_answers[i]) << ts_queries[i];
  }
  const int64_t leo = log->log_end_offset();
  auto info = append_batch(*log, gen.next(clock.now()), &expected);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, leo);
  EXPECT_EQ(read_all(*log), records_from(expected, 3));
}

TEST_F(PartitionLogTest, DestructorClosesCleanly) {
  batch_generator gen(18);
  std::vector<record> expected;
  {
    auto log = open(base_config());
    ASSERT_TRUE(log);
    fill(*log, gen, 10, expected);
  }
  auto log = open(base_config());
  ASSERT_TRUE(log);
  EXPECT_TRUE(log->stats().recovered_cleanly);
  EXPECT_EQ(read_all(*log), expected);
}

// Reads the whole log one batch per read(), checking the fd cap after every read.
void read_one_batch_at_a_time(partition_log& log, const std::vector<record>& expected, std::size_t cap) {
  int64_t offset = log.log_start_offset();
  std::vector<record> got;
  while (offset < log.log_end_offset()) {
    auto r = log.read(offset, 1);
    ASSERT_TRUE(r) << r.err().to_string();
    auto recs = decode_records(r->bytes);
    ASSERT_TRUE(recs);
    got.insert(got.end(), recs->begin(), recs->end());
    offset = r->next_offset;
    ASSERT_LE(log.stats().open_segments, cap + 1);
  }
  EXPECT_EQ(got, expected);
}

TEST_F(PartitionLogTest, ThousandSegmentsReopenCleanlyWithCappedFds) {
  // The 1000 one-batch segments are written straight through the segment class, with the
  // index files and clean-shutdown marker a clean close leaves: producing them through the log
  // would cost ~5000 fsyncs (index files at every roll, every segment at close). The log then
  // closes and reopens them itself.
  auto c = base_config();
  c.max_open_segments = 8;
  constexpr int kSegments = 1000;
  std::vector<record> expected;
  fs::create_directories(dir());
  clean_shutdown_marker marker;
  for (int i = 0; i < kSegments; ++i) {
    auto b = test::single_record_batch(clock.now() + i, cat("k", i % 10), cat("value-", i));
    set_base_offset(b.bytes, i);
    auto h = validate_batch(b.bytes);
    ASSERT_TRUE(h);
    segment seg(dir(), i, c.index_interval_bytes);
    ASSERT_TRUE(seg.create());
    ASSERT_TRUE(seg.append(b.bytes, std::span<const batch_header>(&*h, 1)));
    test::write_bytes(seg.index_path(), seg.offsets().serialize());
    test::write_bytes(seg.time_index_path(), seg.times().serialize());
    marker.segments.push_back({i, seg.size(), seg.next_offset(), seg.max_timestamp()});
    auto recs = b.with_base(i);
    expected.insert(expected.end(), recs.begin(), recs.end());
  }
  ASSERT_TRUE(write_log_checkpoint(dir(), {kSegments, 0}));
  ASSERT_TRUE(write_clean_shutdown_marker(dir(), marker));
  ASSERT_TRUE(leader_epoch_cache{}.save(dir()));  // (without it the first open learns epochs by a scan)

  const std::size_t fds_before = open_fds();
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "prepared directory" : "after the log's own clean close");
    auto log = open(c);
    ASSERT_TRUE(log);
    auto s = log->stats();
    EXPECT_TRUE(s.recovered_cleanly);
    EXPECT_EQ(s.recovery_scanned_segments, 0u);
    EXPECT_EQ(s.segments, static_cast<std::size_t>(kSegments));
    EXPECT_EQ(s.open_segments, 1u);  // only the active segment; the rest open lazily
    EXPECT_EQ(log->log_end_offset(), kSegments);
    read_one_batch_at_a_time(*log, expected, c.max_open_segments);
    EXPECT_LE(open_fds(), fds_before + c.max_open_segments + 1);
    EXPECT_EQ(read_all(*log), expected);
    auto found = log->offset_for_timestamp(clock.now() + 999);
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, std::optional<int64_t>(999));
    EXPECT_LE(log->stats().open_segments, c.max_open_segments + 1);
    ASSERT_TRUE(log->close());
    EXPECT_EQ(log->stats().open_segments, 0u);
  }
  EXPECT_EQ(open_fds(), fds_before);
}

TEST_F(PartitionLogTest, OpenFileDescriptorsAreCapped) {
  auto c = base_config();
  c.max_open_segments = 4;
  auto probe = test::single_record_batch(clock.now(), std::string("key"), std::string("value0"));
  c.segment_bytes = probe.bytes.size() * 2;  // two batches per segment
  constexpr int kSegments = 120;
  std::vector<record> expected;
  const std::size_t fds_before = open_fds();
  {
    auto log = open(c);
    ASSERT_TRUE(log);
    for (int i = 0; i < 2 * kSegments; ++i) {
      auto b = test::single_record_batch(clock.now() + i, std::string("key"), cat("value", i % 10));
      ASSERT_TRUE(append_batch(*log, b, &expected));
      ASSERT_LE(log->stats().open_segments, c.max_open_segments + 1);
    }
    ASSERT_EQ(log->segment_bases().size(), static_cast<std::size_t>(kSegments));
    EXPECT_LE(open_fds(), fds_before + c.max_open_segments + 1);

    read_one_batch_at_a_time(*log, expected, c.max_open_segments);
    EXPECT_LE(open_fds(), fds_before + c.max_open_segments + 1);

    // Random-order reads, timestamp lookups and retention passes all respect the cap.
    std::mt19937_64 rng(19);
    for (int i = 0; i < 500; ++i) {
      int64_t o = static_cast<int64_t>(rng() % static_cast<uint64_t>(log->log_end_offset()));
      auto r = log->read(o, 1 + rng() % 200);
      ASSERT_TRUE(r);
      auto recs = decode_records(r->bytes);
      ASSERT_TRUE(recs);
      EXPECT_EQ(recs->front(), expected[static_cast<std::size_t>(o)]);
      ASSERT_LE(log->stats().open_segments, c.max_open_segments + 1);
    }
    for (int i = 0; i < 20; ++i) {
      const int64_t target = static_cast<int64_t>(rng() % (2 * kSegments));
      auto found = log->offset_for_timestamp(clock.now() + target);
      ASSERT_TRUE(found);
      EXPECT_EQ(*found, std::optional<int64_t>(target));
      ASSERT_LE(log->stats().open_segments, c.max_open_segments + 1);
    }
    ASSERT_TRUE(log->enforce_retention());
    EXPECT_LE(log->stats().open_segments, c.max_open_segments + 1);
    EXPECT_LE(open_fds(), fds_before + c.max_open_segments + 1);
  }
  EXPECT_EQ(open_fds(), fds_before);
}

// ---------------------------------------------------------------------------
// Disk full

TEST_F(PartitionLogTest, NoSpaceFailsTheAppendAndLeavesTheLogConsistent) {
  auto c = flushing_config();
  c.flush_messages = 1;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(20);
  std::vector<record> expected;
  fill(*log, gen, 5, expected);
  const int64_t leo = log->log_end_offset();
  const auto path = dir() + "/" + segment::file_name(0, ".log");
  const auto size = test::file_size(path);

  fault::arm("segment.write", ENOSPC);
  auto b = gen.next(clock.now());
  auto bytes = b.bytes;
  auto r = log->append(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::no_space);
  EXPECT_EQ(r.err().sys_errno, ENOSPC);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(test::file_size(path), size);  // the half-written batch was cut away
  EXPECT_EQ(read_all(*log), expected);
  fault::disarm_all();

  auto info = append_batch(*log, b, &expected);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, leo);
  EXPECT_EQ(read_all(*log), expected);

  test::copy_dir(dir(), tmp.sub("crash"));
  auto crashed = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(crashed);
  EXPECT_EQ(read_all(*crashed), expected);
  ASSERT_TRUE(log->close());
  log = open(c);
  ASSERT_TRUE(log);
  EXPECT_TRUE(log->stats().recovered_cleanly);
  EXPECT_EQ(read_all(*log), expected);
}

TEST_F(PartitionLogTest, NoSpaceInAnAppendSpanningARollIsAllOrNothing) {
  auto c = base_config();
  c.segment_bytes = 1200;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(21);
  std::vector<record> expected;
  fill(*log, gen, 3, expected);
  const int64_t leo = log->log_end_offset();
  std::vector<char> many;
  for (int i = 0; i < 12; ++i) {
    auto b = gen.next(clock.now());
    many.insert(many.end(), b.bytes.begin(), b.bytes.end());
  }
  ASSERT_GT(many.size(), 2 * c.segment_bytes);
  // The first run (into the current segment) is written, the one after the roll fails.
  fault::arm("segment.write", ENOSPC, /*skip=*/1);
  auto r = log->append(many);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::no_space);
  fault::disarm_all();
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(read_all(*log), expected);
  auto info = append_batch(*log, gen.next(clock.now()), &expected);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, leo);
  EXPECT_EQ(read_all(*log), expected);
  ASSERT_TRUE(log->close());
  log = open(c);
  ASSERT_TRUE(log);
  EXPECT_EQ(read_all(*log), expected);
}

TEST_F(PartitionLogTest, NoSpaceWhileRollingFailsTheAppendCleanly) {
  auto c = base_config();
  c.segment_bytes = 1000;
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(22);
  std::vector<record> expected;
  // Fill until the next batch needs a roll.
  while (log->segment_bases().size() < 2) fill(*log, gen, 1, expected);
  while (true) {
    auto b = gen.next(clock.now());
    const auto active = log->segment_bases().back();
    const auto size = test::file_size(dir() + "/" + segment::file_name(active, ".log"));
    if (size + b.bytes.size() > c.segment_bytes) {
      const int64_t leo = log->log_end_offset();
      const auto segments = log->segment_bases().size();
      fault::arm("index.write", ENOSPC);
      auto bytes = b.bytes;
      auto r = log->append(bytes);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.err().code, errc::no_space);
      fault::disarm_all();
      EXPECT_EQ(log->log_end_offset(), leo);
      EXPECT_EQ(log->segment_bases().size(), segments);
      EXPECT_EQ(read_all(*log), expected);
      ASSERT_TRUE(append_batch(*log, b, &expected));
      EXPECT_EQ(log->segment_bases().size(), segments + 1);
      break;
    }
    ASSERT_TRUE(append_batch(*log, b, &expected));
  }
  EXPECT_EQ(read_all(*log), expected);
  ASSERT_TRUE(log->close());
  log = open(c);
  ASSERT_TRUE(log);
  EXPECT_EQ(read_all(*log), expected);
}

// ---------------------------------------------------------------------------
// Compaction

// What compaction must produce: `all` with the rules of log_compaction.hpp applied to records
// below `sealed_end`, using the keys of records below `snapshot_end`.
std::vector<record> compacted(const std::vector<record>& all, int64_t sealed_end, int64_t snapshot_end,
                              int64_t now, int64_t delete_retention_ms) {
  std::unordered_map<std::string, int64_t> latest;
  for (const auto& r : all) {
    if (r.offset < snapshot_end && r.key) latest[*r.key] = r.offset;
  }
  std::vector<record> out;
  for (const auto& r : all) {
    bool keep = true;
    if (r.offset < sealed_end && r.key) {
      keep = latest[*r.key] == r.offset;
      if (keep && !r.value && now - r.timestamp > delete_retention_ms) keep = false;
    }
    if (keep) out.push_back(r);
  }
  return out;
}

class CompactionTest : public PartitionLogTest {
 protected:
  log_config compact_config() const {
    auto c = base_config();
    c.cleanup = cleanup_policy::compact;
    c.segment_bytes = 2000;
    c.index_interval_bytes = 300;
    c.delete_retention_ms = 1'000'000;
    return c;
  }
  gen_options compact_options() const {
    gen_options o;
    o.key_space = 12;
    o.null_key_probability = 0.1;
    o.null_value_probability = 0.15;
    o.max_value_bytes = 60;
    o.codecs = {codec::none, codec::gzip, codec::lz4, codec::zstd, codec::snappy};
    return o;
  }
  // Base offset -> (codec, lastOffsetDelta) of every batch appended.
  std::map<int64_t, std::pair<codec, int32_t>> batch_shapes;

  void append_tracked(partition_log& log, batch_generator& gen, int n, std::vector<record>& expected) {
    for (int i = 0; i < n; ++i) {
      auto b = gen.next(clock.now());
      auto info = append_batch(log, b, &expected);
      ASSERT_TRUE(info);
      batch_shapes[info->base_offset] = {b.compression,
                                         static_cast<int32_t>(info->last_offset - info->base_offset)};
      clock.advance(1);
    }
  }

  // Every stored batch keeps the base offset, codec and offset span it was appended with.
  void expect_batch_shapes_kept(partition_log& log) {
    int64_t offset = log.log_start_offset();
    while (offset < log.log_end_offset()) {
      auto r = log.read(offset, 1 << 20);
      ASSERT_TRUE(r) << r.err().to_string();
      if (r->bytes.empty()) break;
      batch_cursor cursor(r->bytes);
      while (auto b = cursor.next()) {
        auto it = batch_shapes.find(b->first.base_offset);
        ASSERT_NE(it, batch_shapes.end()) << "batch at unexpected base " << b->first.base_offset;
        EXPECT_EQ(b->first.compression(), it->second.first) << b->first.base_offset;
        EXPECT_EQ(b->first.last_offset_delta, it->second.second) << b->first.base_offset;
        EXPECT_TRUE(validate_batch(b->second));
      }
      offset = r->next_offset;
    }
  }
};

TEST_F(CompactionTest, NothingToDoUnlessCompactedAndSealed) {
  auto c = compact_config();
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(30, compact_options());
  std::vector<record> expected;
  append_tracked(*log, gen, 3, expected);
  EXPECT_FALSE(log->prepare_compaction().has_value());  // one (active) segment only
  ASSERT_TRUE(log->roll());
  EXPECT_TRUE(log->prepare_compaction().has_value());
  c.cleanup = cleanup_policy::remove;
  log->update_config(c);
  EXPECT_FALSE(log->prepare_compaction().has_value());
}

TEST_F(CompactionTest, LatestValuePerKeyWinsKeepingOffsetsAndOrder) {
  auto c = compact_config();
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(31, compact_options());
  std::vector<record> expected;
  append_tracked(*log, gen, 80, expected);
  ASSERT_GT(log->segment_bases().size(), 4u);
  const int64_t leo = log->log_end_offset();
  const int64_t sealed_end = log->segment_bases().back();
  const auto bytes_before = log->stats().size_bytes;

  auto job = log->prepare_compaction();
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(job->run());
  auto st = log->finish_compaction(*job);
  ASSERT_TRUE(st) << st.err().to_string();
  EXPECT_FALSE(st->discarded);
  EXPECT_EQ(st->segments_cleaned, log->segment_bases().size() - 1);
  EXPECT_LT(st->bytes_after, st->bytes_before);
  EXPECT_LT(log->stats().size_bytes, bytes_before);
  EXPECT_EQ(st->tombstones_dropped, 0u);
  EXPECT_FALSE(fs::exists(dir() + "/.cleaning"));

  auto want = compacted(expected, sealed_end, leo, clock.now(), c.delete_retention_ms);
  ASSERT_LT(want.size(), expected.size());
  EXPECT_EQ(st->records_before - st->records_after, expected.size() - want.size());
  EXPECT_EQ(read_all(*log), want);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(log->log_start_offset(), 0);
  expect_batch_shapes_kept(*log);
  // Each key appears at most once in the sealed part.
  std::map<std::string, int> seen;
  for (const auto& r : want) {
    if (r.offset < sealed_end && r.key) {
      EXPECT_EQ(++seen[*r.key], 1) << *r.key;
    }
  }
  // Reads from every offset still work (offsets that were compacted away lead to the next).
  for (int64_t o = 0; o < leo; ++o) {
    // The first batch reaching o comes back: the one holding o (its records may all be below o
    // when compaction removed the batch's tail, as lastOffsetDelta is kept), or the next one when
    // o's batch is gone. next_offset moves past o either way.
    auto r = log->read(o, 1);
    ASSERT_TRUE(r) << o;
    auto h = validate_batch(r->bytes);
    ASSERT_TRUE(h) << o;
    EXPECT_GE(h->last_offset(), o);
    EXPECT_EQ(r->next_offset, h->next_offset());
    auto recs = decode_records(r->bytes);
    ASSERT_TRUE(recs);
    ASSERT_FALSE(recs->empty()) << o;
  }

  // Compacting again changes nothing.
  auto job2 = log->prepare_compaction();
  ASSERT_TRUE(job2.has_value());
  ASSERT_TRUE(job2->run());
  auto st2 = log->finish_compaction(*job2);
  ASSERT_TRUE(st2);
  EXPECT_EQ(st2->records_after, st2->records_before);
  EXPECT_EQ(read_all(*log), want);

  // Appends go on at the same end.
  auto info = append_batch(*log, gen.next(clock.now()), &want);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, leo);
  EXPECT_EQ(read_all(*log), want);
}

TEST_F(CompactionTest, TombstonesAreKeptUntilDeleteRetentionThenDropped) {
  auto c = compact_config();
  c.delete_retention_ms = 10'000;
  auto log = open(c);
  ASSERT_TRUE(log);
  std::vector<record> expected;
  auto put = [&](std::string key, std::optional<std::string> value) {
    ASSERT_TRUE(append_batch(*log, test::single_record_batch(clock.now(), std::move(key), std::move(value)),
                             &expected));
  };
  put("a", "a1");
  put("b", "b1");
  put("a", std::nullopt);  // tombstone for a
  put("c", "c1");
  put("b", "b2");
  ASSERT_TRUE(log->roll());
  put("d", "d1");  // active segment

  clock.advance(5'000);  // tombstone younger than delete_retention_ms
  auto job = log->prepare_compaction();
  ASSERT_TRUE(job && job->run());
  auto st = log->finish_compaction(*job);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->tombstones_dropped, 0u);
  auto got = read_all(*log);
  std::vector<int64_t> offsets;
  for (const auto& r : got) offsets.push_back(r.offset);
  EXPECT_EQ(offsets, (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_FALSE(got[0].value.has_value());
  EXPECT_EQ(got[0].key, "a");

  clock.advance(5'001);  // now older than delete_retention_ms
  auto job2 = log->prepare_compaction();
  ASSERT_TRUE(job2 && job2->run());
  auto st2 = log->finish_compaction(*job2);
  ASSERT_TRUE(st2);
  EXPECT_EQ(st2->tombstones_dropped, 1u);
  offsets.clear();
  for (const auto& r : read_all(*log)) offsets.push_back(r.offset);
  EXPECT_EQ(offsets, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(log->log_end_offset(), 6);
  auto ts = log->offset_for_timestamp(0);
  ASSERT_TRUE(ts);
  EXPECT_EQ(*ts, std::optional<int64_t>(3));
}

TEST_F(CompactionTest, AppendsContinueWhileTheJobRunsOnAnotherThread) {
  auto c = compact_config();
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(32, compact_options());
  std::vector<record> expected;
  append_tracked(*log, gen, 60, expected);
  const int64_t snapshot_end = log->log_end_offset();
  const int64_t sealed_end = log->segment_bases().back();
  const int64_t now = clock.now();

  auto job = log->prepare_compaction();
  ASSERT_TRUE(job.has_value());
  result<void> outcome;
  std::thread worker([&] { outcome = job->run(); });
  // The owner keeps appending (and rolling, and reading) meanwhile.
  for (int i = 0; i < 60; ++i) {
    auto b = gen.next(clock.now());
    auto info = append_batch(*log, b, &expected);
    if (!info) break;
    batch_shapes[info->base_offset] = {b.compression,
                                       static_cast<int32_t>(info->last_offset - info->base_offset)};
    if (i % 10 == 0) {
      EXPECT_TRUE(log->read(0, 4096));
    }
  }
  worker.join();
  ASSERT_TRUE(outcome) << outcome.err().to_string();
  auto st = log->finish_compaction(*job);
  ASSERT_TRUE(st) << st.err().to_string();
  EXPECT_FALSE(st->discarded);
  auto want = compacted(expected, sealed_end, snapshot_end, now, c.delete_retention_ms);
  EXPECT_EQ(read_all(*log), want);
  expect_batch_shapes_kept(*log);
}

TEST_F(CompactionTest, ResultIsDiscardedIfTheLogWasTruncatedMeanwhile) {
  auto c = compact_config();
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(33, compact_options());
  std::vector<record> expected;
  append_tracked(*log, gen, 60, expected);
  auto job = log->prepare_compaction();
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(job->run());
  const int64_t cut = log->segment_bases()[2] + 1;
  ASSERT_TRUE(log->truncate_to(cut));
  auto st = log->finish_compaction(*job);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->discarded);
  EXPECT_FALSE(fs::exists(dir() + "/.cleaning"));
  const int64_t leo = log->log_end_offset();
  EXPECT_LE(leo, cut);
  EXPECT_EQ(read_all(*log), records_below(expected, leo));
}

TEST_F(CompactionTest, ResultIsDiscardedIfRetentionDeletedSegmentsMeanwhile) {
  auto c = compact_config();
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(34, compact_options());
  std::vector<record> expected;
  append_tracked(*log, gen, 60, expected);
  auto job = log->prepare_compaction();
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(job->run());
  const int64_t start = log->segment_bases()[2];
  ASSERT_TRUE(log->advance_log_start(start));
  auto deleted = log->enforce_retention();
  ASSERT_TRUE(deleted);
  ASSERT_EQ(*deleted, 2u);
  auto st = log->finish_compaction(*job);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->discarded);
  EXPECT_EQ(read_all(*log), records_from(expected, start));
}

TEST_F(CompactionTest, CompactedLogIsReadableAfterReopen) {
  auto c = compact_config();
  auto log = open(c);
  ASSERT_TRUE(log);
  batch_generator gen(35, compact_options());
  std::vector<record> expected;
  append_tracked(*log, gen, 70, expected);
  const int64_t leo = log->log_end_offset();
  const int64_t sealed_end = log->segment_bases().back();
  auto job = log->prepare_compaction();
  ASSERT_TRUE(job && job->run());
  ASSERT_TRUE(log->finish_compaction(*job));
  auto want = compacted(expected, sealed_end, leo, clock.now(), c.delete_retention_ms);
  ASSERT_EQ(read_all(*log), want);
  ASSERT_TRUE(log->flush());

  // Crash copies: one trusting the checkpoint, one without it (every segment is scanned,
  // offset gaps left by compaction included).
  test::copy_dir(dir(), tmp.sub("crash"));
  test::copy_dir(dir(), tmp.sub("crash-full-scan"));
  fs::remove(tmp.sub("crash-full-scan") + "/fluxo.checkpoint");
  ASSERT_TRUE(log->close());
  log.reset();

  for (const auto& d : {dir(), tmp.sub("crash"), tmp.sub("crash-full-scan")}) {
    SCOPED_TRACE(d);
    auto reopened = test::open_log(d, c);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->log_end_offset(), leo);
    EXPECT_EQ(read_all(*reopened), want);
    EXPECT_EQ(read_all(*reopened, 1), want);
    auto info = append_batch(*reopened, gen.next(clock.now()));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->base_offset, leo);
  }
  EXPECT_TRUE(test::open_log(tmp.sub("crash-full-scan"), c)->stats().recovered_cleanly);
}

}  // namespace
}  // namespace fluxo::storage
