// offset_snapshots: framed files named by offset beside a partition log; the newest readable
// one at or below an offset is found, damaged ones are skipped and removed, truncation and
// retention remove the right ones.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "storage/offset_snapshots.hpp"

using namespace fluxo::storage;
namespace fs = std::filesystem;

namespace {

struct snapshot_dir : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("fluxo-snap-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  static std::vector<char> bytes(const std::string& s) { return {s.begin(), s.end()}; }
};

}  // namespace

TEST_F(snapshot_dir, TheNewestSnapshotAtOrBelowAnOffsetIsFound) {
  offset_snapshots snaps(dir.string());
  EXPECT_FALSE(snaps.latest_at_or_below(100).has_value());
  ASSERT_TRUE(snaps.write(10, bytes("ten")).ok());
  ASSERT_TRUE(snaps.write(50, bytes("fifty")).ok());
  ASSERT_TRUE(snaps.write(7, bytes("")).ok());
  EXPECT_EQ(snaps.offsets(), (std::vector<int64_t>{7, 10, 50}));
  EXPECT_TRUE(fs::exists(dir / "00000000000000000050.snapshot"));
  auto at49 = snaps.latest_at_or_below(49);
  ASSERT_TRUE(at49.has_value());
  EXPECT_EQ(at49->offset, 10);
  EXPECT_EQ(at49->payload, bytes("ten"));
  EXPECT_EQ(snaps.latest_at_or_below(50)->payload, bytes("fifty"));
  EXPECT_EQ(snaps.latest_at_or_below(7)->payload.size(), 0u);
  EXPECT_FALSE(snaps.latest_at_or_below(6).has_value());
  // Rewriting one offset replaces it.
  ASSERT_TRUE(snaps.write(10, bytes("TEN")).ok());
  EXPECT_EQ(snaps.latest_at_or_below(10)->payload, bytes("TEN"));
}

TEST_F(snapshot_dir, DamagedSnapshotsAreSkippedAndRemoved) {
  offset_snapshots snaps(dir.string());
  ASSERT_TRUE(snaps.write(10, bytes("good")).ok());
  ASSERT_TRUE(snaps.write(20, bytes("flipped")).ok());
  ASSERT_TRUE(snaps.write(30, bytes("torn")).ok());
  {  // one bit of the payload flipped
    std::fstream f(snaps.path_of(20), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(17);
    f.put('X');
  }
  fs::resize_file(snaps.path_of(30), 18);  // cut short
  auto got = snaps.latest_at_or_below(100);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->offset, 10);
  EXPECT_EQ(got->payload, bytes("good"));
  EXPECT_EQ(snaps.offsets(), (std::vector<int64_t>{10}));
  // Unrelated files are not snapshots.
  std::ofstream(dir / "00000000000000000000.log") << "x";
  std::ofstream(dir / "0000000000000000abcd.snapshot") << "x";
  EXPECT_EQ(snaps.offsets(), (std::vector<int64_t>{10}));
}

TEST_F(snapshot_dir, FramingRejectsWhatItDidNotWrite) {
  auto framed = frame_snapshot(bytes("payload"));
  std::string why;
  ASSERT_TRUE(unframe_snapshot(framed, &why).has_value()) << why;
  EXPECT_FALSE(unframe_snapshot(std::span<const char>(framed).first(15), &why).has_value());
  EXPECT_EQ(why, "shorter than its header");
  auto other = framed;
  other[0] = 'Z';
  EXPECT_FALSE(unframe_snapshot(other, &why).has_value());
  other = framed;
  other[7] = 2;  // version
  EXPECT_FALSE(unframe_snapshot(other, &why).has_value());
  EXPECT_EQ(why, "unknown format version");
  other = framed;
  other.push_back('!');
  EXPECT_FALSE(unframe_snapshot(other, &why).has_value());
  other = framed;
  other.back() ^= 1;
  EXPECT_FALSE(unframe_snapshot(other, &why).has_value());
  EXPECT_EQ(why, "CRC mismatch");
}

TEST_F(snapshot_dir, TruncationAndRetentionRemoveTheRightSnapshots) {
  offset_snapshots snaps(dir.string());
  for (int64_t o : {0, 10, 20, 30, 40}) ASSERT_TRUE(snaps.write(o, bytes("s")).ok());
  ASSERT_TRUE(snaps.remove_above(25).ok());
  EXPECT_EQ(snaps.offsets(), (std::vector<int64_t>{0, 10, 20}));
  snaps.remove_below(10);
  EXPECT_EQ(snaps.offsets(), (std::vector<int64_t>{10, 20}));
  ASSERT_TRUE(snaps.remove_above(-1).ok());
  EXPECT_TRUE(snaps.offsets().empty());
  // A directory that is gone has no snapshots and no error.
  offset_snapshots none((dir / "missing").string());
  EXPECT_TRUE(none.offsets().empty());
  EXPECT_FALSE(none.latest_at_or_below(5).has_value());
}
