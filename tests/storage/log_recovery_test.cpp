// Recovery of a partition log after an unclean stop: torn tails, corruption anywhere, damaged
// or missing indexes, leftovers of interrupted work, and a metamorphic check that segment
// layout never changes what is read.
//
// A "crash" is simulated by copying the directory of an open log (there is no clean-shutdown
// marker while it is open) and opening the copy.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "storage/byte_order.hpp"
#include "storage/log_checkpoint.hpp"
#include "storage/partition_log.hpp"
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

class RecoveryTest : public ::testing::Test {
 protected:
  log_config base_config() const {
    log_config c;
    c.clock = clock.fn();
    c.retention_ms = -1;
    c.segment_bytes = 1500;
    c.index_interval_bytes = 256;
    c.flush_messages = 1;
    return c;
  }
  std::string dir() const { return tmp.sub("log"); }

  // Writes `n` random batches; remembers the records and each batch's base offset.
  void write(partition_log& log, batch_generator& gen, int n) {
    for (int i = 0; i < n; ++i) {
      auto info = append_batch(log, gen.next(clock.now()), &expected);
      ASSERT_TRUE(info);
      batch_bases.push_back(info->base_offset);
      clock.advance(3);
    }
  }
  std::string last_segment(const std::string& d) const {
    auto names = test::files_with_extension(d, ".log");
    return d + "/" + names.back();
  }

  temp_dir tmp{"fluxo-recovery"};
  manual_clock clock;
  std::vector<record> expected;
  std::vector<int64_t> batch_bases;
};

std::vector<record> records_below(const std::vector<record>& all, int64_t below) {
  std::vector<record> out;
  for (const auto& r : all) {
    if (r.offset < below) out.push_back(r);
  }
  return out;
}

gen_options small_batches() {
  gen_options o;
  o.max_records = 4;
  o.max_value_bytes = 50;
  o.max_headers = 1;
  o.codecs = {codec::none, codec::none, codec::lz4, codec::zstd};
  return o;
}

// ---------------------------------------------------------------------------
// Torn tails

TEST_F(RecoveryTest, TornFinalBatchAtEveryByte) {
  auto c = base_config();
  auto log = test::open_log(dir(), c);
  ASSERT_TRUE(log);
  batch_generator gen(100, small_batches());
  write(*log, gen, 25);
  const int64_t flushed_before_final = log->log_end_offset();
  const auto prefix = expected;
  // The final batch: small, so the byte-by-byte loop stays cheap.
  auto final_batch = test::single_record_batch(clock.now(), std::string("f"), std::string("final"));
  ASSERT_TRUE(append_batch(*log, final_batch, &expected));
  ASSERT_GT(log->segment_bases().size(), 3u);
  ASSERT_EQ(log->stats().flushed_offset, log->log_end_offset());
  const int64_t leo = log->log_end_offset();
  test::copy_dir(dir(), tmp.sub("snapshot"));

  const auto work = tmp.sub("work");
  const auto name = fs::path(last_segment(tmp.sub("snapshot"))).filename().string();
  const auto stored = test::batches_in_file(tmp.sub("snapshot") + "/" + name);
  ASSERT_FALSE(stored.empty());
  ASSERT_EQ(stored.back().header.base_offset, flushed_before_final);
  const uint64_t start = stored.back().position;
  const uint64_t end = test::file_size(tmp.sub("snapshot") + "/" + name);
  ASSERT_EQ(end - start, final_batch.bytes.size());

  test::quiet_logs quiet;
  for (uint64_t cut = start; cut <= end; ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    test::copy_dir(tmp.sub("snapshot"), work);
    test::truncate_file(work + "/" + name, cut);
    auto recovered = test::open_log(work, c);
    ASSERT_TRUE(recovered);
    auto s = recovered->stats();
    EXPECT_FALSE(s.recovered_cleanly);
    EXPECT_EQ(s.recovery_scanned_segments, 1u);  // only the unflushed tail: the active segment
    if (cut == end) {
      EXPECT_EQ(recovered->log_end_offset(), leo);
      ASSERT_EQ(read_all(*recovered), expected);
    } else {
      EXPECT_EQ(recovered->log_end_offset(), flushed_before_final);
      EXPECT_EQ(test::file_size(work + "/" + name), start);  // the torn bytes are gone
      ASSERT_EQ(read_all(*recovered), prefix);
    }
    // Appends after recovery work and land right after what survived (checked on some cuts
    // only: each append costs an fsync).
    if (cut != start && cut != end && (cut - start) % 8 != 0) continue;
    const int64_t at = recovered->log_end_offset();
    auto info = append_batch(*recovered, final_batch);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->base_offset, at);
    auto r = recovered->read(at, 1);
    ASSERT_TRUE(r);
    auto recs = decode_records(r->bytes);
    ASSERT_TRUE(recs);
    EXPECT_EQ(recs->at(0).key, "f");
  }
}

TEST_F(RecoveryTest, TruncationAtRandomPointsOfTheLastSegmentKeepsAPrefix) {
  auto c = base_config();
  c.segment_bytes = 4000;
  auto log = test::open_log(dir(), c);
  ASSERT_TRUE(log);
  batch_generator gen(101, small_batches());
  write(*log, gen, 40);
  test::copy_dir(dir(), tmp.sub("snapshot"));
  const auto name = fs::path(last_segment(tmp.sub("snapshot"))).filename().string();
  const auto stored = test::batches_in_file(tmp.sub("snapshot") + "/" + name);
  ASSERT_GT(stored.size(), 3u);
  const uint64_t size = test::file_size(tmp.sub("snapshot") + "/" + name);

  std::mt19937_64 rng(102);
  test::quiet_logs quiet;
  for (int trial = 0; trial < 25; ++trial) {
    const uint64_t cut = rng() % (size + 1);
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    // What survives: every batch wholly below the cut.
    int64_t survive_end = stored.front().header.base_offset;
    for (const auto& b : stored) {
      if (b.position + b.header.size_bytes() <= cut) survive_end = b.header.next_offset();
    }
    const auto work = tmp.sub("work");
    test::copy_dir(tmp.sub("snapshot"), work);
    test::truncate_file(work + "/" + name, cut);
    auto recovered = test::open_log(work, c);
    ASSERT_TRUE(recovered);
    EXPECT_EQ(recovered->log_end_offset(), survive_end);
    ASSERT_EQ(read_all(*recovered), records_below(expected, survive_end));
    auto info = append_batch(*recovered, gen.next(clock.now()));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->base_offset, survive_end);
  }
}

TEST_F(RecoveryTest, OnlyTheUnflushedTailIsScanned) {
  auto c = base_config();
  {
    auto log = test::open_log(dir(), c);
    ASSERT_TRUE(log);
    batch_generator gen(103, small_batches());
    write(*log, gen, 60);
    ASSERT_GT(log->segment_bases().size(), 5u);
    test::copy_dir(dir(), tmp.sub("crash"));
  }
  auto recovered = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(recovered);
  EXPECT_FALSE(recovered->stats().recovered_cleanly);
  EXPECT_EQ(recovered->stats().recovery_scanned_segments, 1u);
  EXPECT_EQ(read_all(*recovered), expected);
  // After recovery the log is durable up to its end.
  EXPECT_EQ(recovered->stats().flushed_offset, recovered->log_end_offset());
}

// ---------------------------------------------------------------------------
// Corruption

// Positions inside batches that the CRC (or magic/length checks) cover: everything but the
// baseOffset and partitionLeaderEpoch fields, which Kafka's format leaves outside the CRC.
std::vector<std::pair<std::string, uint64_t>> checked_positions(const std::string& d) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& name : test::files_with_extension(d, ".log")) {
    for (const auto& b : test::batches_in_file(d + "/" + name)) {
      for (uint64_t rel = 8; rel < b.header.size_bytes(); ++rel) {
        if (rel >= 12 && rel < 16) continue;
        out.emplace_back(name, b.position + rel);
      }
    }
  }
  return out;
}

TEST_F(RecoveryTest, RandomByteFlipsAreDetectedNeverServed) {
  auto c = base_config();
  c.segment_bytes = 1200;
  auto log = test::open_log(dir(), c);
  ASSERT_TRUE(log);
  gen_options opts = small_batches();
  opts.codecs = {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd};
  batch_generator gen(104, opts);
  write(*log, gen, 40);
  ASSERT_GT(log->segment_bases().size(), 4u);
  test::copy_dir(dir(), tmp.sub("snapshot"));
  const auto positions = checked_positions(tmp.sub("snapshot"));
  ASSERT_GT(positions.size(), 1000u);

  std::mt19937_64 rng(105);
  test::quiet_logs quiet;
  const auto work = tmp.sub("work");
  int detected_by_recovery = 0;
  int detected_by_read = 0;
  // Few trials: every one costs a recovery and a clean close (about ten fsyncs).
  for (int trial = 0; trial < 60; ++trial) {
    const auto& [name, pos] = positions[rng() % positions.size()];
    const bool full_scan = trial % 4 == 1;  // without a checkpoint every segment is scanned
    SCOPED_TRACE(name + " byte " + std::to_string(pos) + (full_scan ? " (full scan)" : ""));
    test::copy_dir(tmp.sub("snapshot"), work);
    if (full_scan) fs::remove(work + "/fluxo.checkpoint");
    auto bytes = test::read_bytes(work + "/" + name);
    bytes[pos] = static_cast<char>(bytes[pos] ^ static_cast<char>(1 + rng() % 255));
    test::write_bytes(work + "/" + name, bytes);

    auto recovered = test::open_log(work, c);
    ASSERT_TRUE(recovered);  // corruption is never a reason to fail to open
    auto got = read_log(*recovered, 1 + rng() % 3000);
    // Whatever is served is exactly what was written, and the damage is noticed.
    ASSERT_LE(got.records.size(), expected.size());
    for (std::size_t i = 0; i < got.records.size(); ++i) {
      ASSERT_EQ(got.records[i], expected[i]) << "record " << i;
    }
    EXPECT_TRUE(got.failure.has_value() || got.records.size() < expected.size());
    if (got.failure) {
      EXPECT_EQ(got.failure->code, errc::corrupt_batch) << got.failure->to_string();
      ++detected_by_read;
    } else {
      ++detected_by_recovery;
      EXPECT_EQ(static_cast<std::size_t>(recovered->log_end_offset()), got.records.size());
    }
    // The active segment is always sound after recovery: appends work.
    if (trial % 3 != 0) continue;
    const int64_t at = recovered->log_end_offset();
    auto info = append_batch(*recovered, gen.next(clock.now()));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->base_offset, at);
  }
  EXPECT_GT(detected_by_read, 0);
  EXPECT_GT(detected_by_recovery, 0);
}

TEST_F(RecoveryTest, CorruptMiddleBatchOfTheLastSegmentIsCut) {
  auto c = base_config();
  c.segment_bytes = 3000;
  auto log = test::open_log(dir(), c);
  ASSERT_TRUE(log);
  batch_generator gen(106, small_batches());
  write(*log, gen, 30);
  test::copy_dir(dir(), tmp.sub("crash"));
  const auto path = last_segment(tmp.sub("crash"));
  const auto stored = test::batches_in_file(path);
  ASSERT_GE(stored.size(), 4u);
  const auto& victim = stored[stored.size() / 2];
  auto bytes = test::read_bytes(path);
  bytes[victim.position + 70] = static_cast<char>(bytes[victim.position + 70] ^ 0x5A);
  test::write_bytes(path, bytes);

  auto recovered = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->log_end_offset(), victim.header.base_offset);
  EXPECT_EQ(test::file_size(path), victim.position);
  EXPECT_EQ(read_all(*recovered), records_below(expected, victim.header.base_offset));
  auto info = append_batch(*recovered, gen.next(clock.now()));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, victim.header.base_offset);
  ASSERT_TRUE(recovered->close());
  recovered = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(recovered);
  EXPECT_TRUE(recovered->stats().recovered_cleanly);
  EXPECT_EQ(recovered->log_end_offset(), info->last_offset + 1);
}

TEST_F(RecoveryTest, CorruptionInAnEarlierSegmentCutsTheLogAndDeletesLaterSegments) {
  auto c = base_config();
  c.external_flush = true;  // nothing flushed since open: recovery scans everything
  c.flush_messages = 0;
  auto log = test::open_log(dir(), c);
  ASSERT_TRUE(log);
  batch_generator gen(107, small_batches());
  write(*log, gen, 50);
  const auto bases = log->segment_bases();
  ASSERT_GT(bases.size(), 5u);
  test::copy_dir(dir(), tmp.sub("crash"));
  ASSERT_EQ(read_log_checkpoint(tmp.sub("crash")).recovery_point, 0);
  const auto path = tmp.sub("crash") + "/" + segment::file_name(bases[1], ".log");
  const auto stored = test::batches_in_file(path);
  ASSERT_GE(stored.size(), 2u);
  const auto& victim = stored[1];
  auto bytes = test::read_bytes(path);
  bytes[victim.position + 62] = static_cast<char>(bytes[victim.position + 62] ^ 0x01);
  test::write_bytes(path, bytes);

  test::quiet_logs quiet;
  auto recovered = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->stats().recovery_scanned_segments, 2u);
  EXPECT_EQ(recovered->log_end_offset(), victim.header.base_offset);
  EXPECT_EQ(recovered->segment_bases(), (std::vector<int64_t>{bases[0], bases[1]}));
  for (std::size_t i = 2; i < bases.size(); ++i) {
    EXPECT_FALSE(fs::exists(tmp.sub("crash") + "/" + segment::file_name(bases[i], ".log")));
    EXPECT_FALSE(fs::exists(tmp.sub("crash") + "/" + segment::file_name(bases[i], ".index")));
  }
  EXPECT_EQ(read_all(*recovered), records_below(expected, victim.header.base_offset));
  auto info = append_batch(*recovered, gen.next(clock.now()));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->base_offset, victim.header.base_offset);
}

TEST_F(RecoveryTest, SegmentOverlappingItsPredecessorIsDropped) {
  auto c = base_config();
  c.external_flush = true;
  c.flush_messages = 0;
  auto log = test::open_log(dir(), c);
  ASSERT_TRUE(log);
  batch_generator gen(108, small_batches());
  write(*log, gen, 30);
  const auto bases = log->segment_bases();
  ASSERT_GT(bases.size(), 3u);
  test::copy_dir(dir(), tmp.sub("crash"));
  // A stray segment whose base lies inside segment 1's offsets.
  const auto crash = tmp.sub("crash");
  fs::copy_file(crash + "/" + segment::file_name(bases[2], ".log"),
                crash + "/" + segment::file_name(bases[1] + 1, ".log"));
  test::quiet_logs quiet;
  auto recovered = test::open_log(crash, c);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->segment_bases(), (std::vector<int64_t>{bases[0], bases[1]}));
  EXPECT_EQ(recovered->log_end_offset(), bases[2]);
  EXPECT_EQ(read_all(*recovered), records_below(expected, bases[2]));
  EXPECT_FALSE(fs::exists(crash + "/" + segment::file_name(bases[1] + 1, ".log")));
}

TEST_F(RecoveryTest, DamagedCleanShutdownMarkerFallsBackToRecovery) {
  auto c = base_config();
  batch_generator gen(109, small_batches());
  {
    auto log = test::open_log(dir(), c);
    ASSERT_TRUE(log);
    write(*log, gen, 30);
  }
  // 1. Marker bytes damaged: its CRC fails.
  test::copy_dir(dir(), tmp.sub("bad-marker"));
  {
    auto path = tmp.sub("bad-marker") + "/.clean-shutdown";
    auto bytes = test::read_bytes(path);
    ASSERT_GT(bytes.size(), 40u);
    bytes[30] = static_cast<char>(bytes[30] ^ 0x04);
    test::write_bytes(path, bytes);
    auto log = test::open_log(tmp.sub("bad-marker"), c);
    ASSERT_TRUE(log);
    EXPECT_FALSE(log->stats().recovered_cleanly);
    EXPECT_EQ(read_all(*log), expected);
  }
  // 2. The last segment changed after the marker was written (garbage appended).
  test::copy_dir(dir(), tmp.sub("grown"));
  {
    auto path = last_segment(tmp.sub("grown"));
    auto bytes = test::read_bytes(path);
    const auto size = bytes.size();
    bytes.resize(size + 100, 'g');
    test::write_bytes(path, bytes);
    test::quiet_logs quiet;
    auto log = test::open_log(tmp.sub("grown"), c);
    ASSERT_TRUE(log);
    EXPECT_FALSE(log->stats().recovered_cleanly);
    EXPECT_EQ(test::file_size(path), size);
    EXPECT_EQ(read_all(*log), expected);
  }
  // 3. A segment disappeared: the marker no longer matches the directory.
  test::copy_dir(dir(), tmp.sub("missing"));
  {
    auto path = last_segment(tmp.sub("missing"));
    const auto base = std::stoll(fs::path(path).stem().string());
    fs::remove(path);
    auto log = test::open_log(tmp.sub("missing"), c);
    ASSERT_TRUE(log);
    EXPECT_FALSE(log->stats().recovered_cleanly);
    EXPECT_EQ(log->log_end_offset(), base);
    EXPECT_EQ(read_all(*log), records_below(expected, base));
  }
}

// ---------------------------------------------------------------------------
// Indexes

TEST_F(RecoveryTest, MissingOrGarbageIndexFilesAreRebuilt) {
  auto c = base_config();
  c.index_interval_bytes = 100;  // many entries
  std::vector<std::pair<int64_t, std::optional<int64_t>>> ts_answers;
  {
    auto log = test::open_log(dir(), c);
    ASSERT_TRUE(log);
    batch_generator gen(110, small_batches());
    write(*log, gen, 50);
    for (int64_t q = clock.now() - 200; q < clock.now() + 10; q += 7) {
      ts_answers.emplace_back(q, *log->offset_for_timestamp(q));
    }
  }
  std::map<std::string, std::vector<char>> originals;
  for (const auto* ext : {".index", ".timeindex"}) {
    for (const auto& name : test::files_with_extension(dir(), ext)) {
      originals[name] = test::read_bytes(dir() + "/" + name);
    }
  }
  ASSERT_GT(originals.size(), 6u);
  std::mt19937_64 rng(111);

  auto damage = [&](const std::string& d, int how) {
    int n = 0;
    for (const auto& [name, bytes] : originals) {
      const auto path = d + "/" + name;
      if (how >= 4) {  // only the time indexes: the offset indexes are intact
        if (fs::path(name).extension() != ".timeindex") continue;
        if (how == 4) {
          test::write_bytes(path, {});
        } else {
          fs::remove(path);
        }
        continue;
      }
      switch ((how + n++) % 4) {
        case 0:
          fs::remove(path);
          break;
        case 1: {  // not a whole number of entries
          std::vector<char> junk(bytes.size() + 3);
          for (auto& ch : junk) ch = static_cast<char>(rng());
          test::write_bytes(path, junk);
          break;
        }
        case 2: {  // well-sized but out of order / pointing past the log
          std::vector<char> junk(std::max<std::size_t>(bytes.size(), 24));
          for (auto& ch : junk) ch = static_cast<char>(0xEE);
          test::write_bytes(path, junk);
          break;
        }
        default:  // emptied
          test::write_bytes(path, {});
          break;
      }
    }
  };

  for (int how = 0; how < 6; ++how) {
    for (bool crash : {false, true}) {
      SCOPED_TRACE("damage " + std::to_string(how) + (crash ? " after a crash" : " after a clean close"));
      const auto work = tmp.sub("work");
      test::copy_dir(dir(), work);
      if (crash) fs::remove(work + "/.clean-shutdown");
      damage(work, how);
      test::quiet_logs quiet;
      auto log = test::open_log(work, c);
      ASSERT_TRUE(log);
      EXPECT_EQ(log->stats().recovered_cleanly, !crash);
      EXPECT_EQ(read_all(*log), expected);
      EXPECT_EQ(read_all(*log, 1), expected);
      for (const auto& [q, want] : ts_answers) {
        auto got = log->offset_for_timestamp(q);
        ASSERT_TRUE(got);
        EXPECT_EQ(*got, want) << "ts " << q;
      }
      ASSERT_TRUE(log->close());
      // Rebuilt index files are the ones the log wrote originally. (The active segment's
      // index files are written by close().)
      for (const auto& [name, bytes] : originals) {
        ASSERT_TRUE(fs::exists(work + "/" + name)) << name;
        EXPECT_EQ(test::read_bytes(work + "/" + name), bytes) << name;
      }
    }
  }
}

TEST_F(RecoveryTest, TrustedSegmentsKnowTheirRealMaxTimestamp) {
  // Batches of equal size with index_interval = 2 batches - 1: every other batch gets an index
  // entry. The highest timestamp sits in a batch without an entry, so neither index file
  // records it. Segments below the recovery point are not scanned after a crash; their
  // metadata must still come out exact.
  auto c = base_config();
  const auto probe = test::single_record_batch(0, std::string("k"), std::string("v"));
  c.index_interval_bytes = static_cast<uint32_t>(2 * probe.bytes.size() - 1);
  c.retention_ms = -1;
  const int64_t t0 = clock.now();
  auto log = test::open_log(dir(), c);
  ASSERT_TRUE(log);
  for (int64_t ts : {t0 + 1000, t0 + 5000, t0 + 2000, t0 + 2000}) {
    ASSERT_TRUE(append_batch(*log, test::single_record_batch(ts, std::string("k"), std::string("v")),
                             &expected));
  }
  ASSERT_TRUE(log->roll());
  ASSERT_TRUE(append_batch(*log, test::single_record_batch(t0 + 2500, std::string("k"), std::string("v")),
                           &expected));
  ASSERT_EQ(*log->offset_for_timestamp(t0 + 4000), std::optional<int64_t>(1));
  test::copy_dir(dir(), tmp.sub("crash"));

  auto recovered = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->stats().recovery_scanned_segments, 1u);  // segment 0 is trusted
  auto found = recovered->offset_for_timestamp(t0 + 4000);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, std::optional<int64_t>(1));

  // Retention by time must not delete segment 0: it holds a record from t0 + 5000.
  auto cfg = c;
  cfg.retention_ms = 10'000;
  recovered->update_config(cfg);
  clock.set(t0 + 14'000);  // cutoff t0 + 4000: older than segment 0's 2000, newer than 5000
  auto deleted = recovered->enforce_retention();
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 0u);
  EXPECT_EQ(recovered->log_start_offset(), 0);

  // The max timestamp the clean-shutdown marker records is right too.
  ASSERT_TRUE(recovered->close());
  recovered = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(recovered);
  EXPECT_TRUE(recovered->stats().recovered_cleanly);
  EXPECT_EQ(*recovered->offset_for_timestamp(t0 + 4000), std::optional<int64_t>(1));
}

// ---------------------------------------------------------------------------
// Leftovers

TEST_F(RecoveryTest, LeftoversOfInterruptedWorkAreRemoved) {
  auto c = base_config();
  {
    auto log = test::open_log(dir(), c);
    ASSERT_TRUE(log);
    batch_generator gen(112, small_batches());
    write(*log, gen, 20);
  }
  fs::create_directories(dir() + "/.cleaning");
  test::write_bytes(dir() + "/.cleaning/00000000000000000000.log", std::vector<char>(500, 'x'));
  test::write_bytes(dir() + "/.cleaning/00000000000000000000.index", std::vector<char>(16, 'x'));
  test::write_bytes(dir() + "/00000000000000000000.log.cleaned", std::vector<char>(100, 'y'));
  test::write_bytes(dir() + "/fluxo.checkpoint.tmp", std::vector<char>(10, 'z'));
  auto log = test::open_log(dir(), c);
  ASSERT_TRUE(log);
  EXPECT_FALSE(fs::exists(dir() + "/.cleaning"));
  EXPECT_FALSE(fs::exists(dir() + "/00000000000000000000.log.cleaned"));
  EXPECT_FALSE(fs::exists(dir() + "/fluxo.checkpoint.tmp"));
  EXPECT_TRUE(log->stats().recovered_cleanly);
  EXPECT_EQ(read_all(*log), expected);

  // Same after a crash.
  ASSERT_TRUE(log->flush());
  test::copy_dir(dir(), tmp.sub("crash"));
  fs::create_directories(tmp.sub("crash") + "/.cleaning");
  test::write_bytes(tmp.sub("crash") + "/.cleaning/00000000000000000000.log", std::vector<char>(500, 'x'));
  auto crashed = test::open_log(tmp.sub("crash"), c);
  ASSERT_TRUE(crashed);
  EXPECT_FALSE(fs::exists(tmp.sub("crash") + "/.cleaning"));
  EXPECT_EQ(read_all(*crashed), expected);
}

// ---------------------------------------------------------------------------
// Metamorphic: segment layout never changes what is read

TEST_F(RecoveryTest, SegmentLayoutDoesNotChangeWhatIsRead) {
  gen_options opts = small_batches();
  opts.codecs = {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd};
  batch_generator gen(113, opts);
  std::vector<generated_batch> batches;
  std::size_t biggest = 0;
  for (int i = 0; i < 100; ++i) {
    batches.push_back(gen.next(clock.now() + i * 5 - (i % 7) * 11));  // timestamps wobble
    biggest = std::max(biggest, batches.back().bytes.size());
  }
  std::vector<record> reference;
  int64_t next = 0;
  for (const auto& b : batches) {
    auto recs = b.with_base(next);
    reference.insert(reference.end(), recs.begin(), recs.end());
    next += static_cast<int64_t>(b.records.size());
  }
  std::vector<int64_t> ts_queries;
  for (int64_t q = clock.now() - 100; q < clock.now() + 560; q += 11) ts_queries.push_back(q);
  std::vector<std::optional<int64_t>> ts_reference;
  for (auto q : ts_queries) {
    std::optional<int64_t> want;
    for (const auto& r : reference) {
      if (r.timestamp >= q) {
        want = r.offset;
        break;
      }
    }
    ts_reference.push_back(want);
  }

  std::mt19937_64 rng(114);
  struct layout {
    uint64_t segment_bytes;
    double roll_probability;
    uint32_t index_interval;
    int reopen_at;  // -1: never; otherwise reopen (clean, or crash copy on odd runs) there
  };
  std::vector<layout> layouts = {
      {uint64_t{1} << 30, 0.0, 4096, -1},
      {3 * biggest, 0.0, 64, -1},
      {3000, 0.1, 256, 70},
      {1 << 20, 0.3, 1, 40},
  };
  for (int i = 0; i < 4; ++i) {
    layouts.push_back({biggest + rng() % 5000, (rng() % 4) * 0.1,
                       static_cast<uint32_t>(1 + rng() % 2000), static_cast<int>(rng() % 100)});
  }
  test::quiet_logs quiet;
  for (std::size_t li = 0; li < layouts.size(); ++li) {
    const auto& l = layouts[li];
    SCOPED_TRACE("layout " + std::to_string(li) + ": segment_bytes " + std::to_string(l.segment_bytes) +
                 ", roll probability " + std::to_string(l.roll_probability));
    temp_dir local("fluxo-meta");
    auto c = base_config();
    // Only the first layout fsyncs every append; the others leave flushing to the owner so
    // rolls do not fsync (the test is about layout, not durability, and must stay fast).
    c.flush_messages = li == 0 ? 1 : 0;
    c.external_flush = li != 0;
    c.segment_bytes = l.segment_bytes;
    c.index_interval_bytes = l.index_interval;
    std::string d = local.sub("log");
    auto log = test::open_log(d, c);
    ASSERT_TRUE(log);
    std::uniform_real_distribution<double> p(0.0, 1.0);
    for (std::size_t i = 0; i < batches.size(); ++i) {
      if (static_cast<int>(i) == l.reopen_at) {
        ASSERT_TRUE(log->flush());
        if (li % 2 == 1) {
          test::copy_dir(d, local.sub("crash"));
          d = local.sub("crash");
        }
        log.reset();
        log = test::open_log(d, c);
        ASSERT_TRUE(log);
      }
      if (p(rng) < l.roll_probability) {
        ASSERT_TRUE(log->roll());
      }
      auto bytes = batches[i].bytes;
      auto info = log->append(bytes);
      ASSERT_TRUE(info) << info.err().to_string();
    }
    EXPECT_EQ(log->log_end_offset(), next);
    EXPECT_EQ(read_all(*log), reference);
    for (std::size_t max : {std::size_t{1}, std::size_t{777}, std::size_t{1} << 20}) {
      auto got = read_log(*log, max);
      ASSERT_FALSE(got.failure);
      EXPECT_EQ(got.records, reference) << "max_bytes " << max;
    }
    for (std::size_t qi = 0; qi < ts_queries.size(); ++qi) {
      auto got = log->offset_for_timestamp(ts_queries[qi]);
      ASSERT_TRUE(got);
      EXPECT_EQ(*got, ts_reference[qi]) << "ts " << ts_queries[qi];
    }
    // And after a crash copy and a clean reopen.
    ASSERT_TRUE(log->flush());
    test::copy_dir(d, local.sub("crash2"));
    log.reset();
    for (const auto& reopen_dir : {d, local.sub("crash2")}) {
      auto reopened = test::open_log(reopen_dir, c);
      ASSERT_TRUE(reopened);
      EXPECT_EQ(read_all(*reopened, 500), reference) << reopen_dir;
      for (std::size_t qi = 0; qi < ts_queries.size(); qi += 5) {
        EXPECT_EQ(*reopened->offset_for_timestamp(ts_queries[qi]), ts_reference[qi]);
      }
    }
  }
}

}  // namespace
}  // namespace fluxo::storage
