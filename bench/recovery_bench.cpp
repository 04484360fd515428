// What idempotent-producer state costs a partition when it restarts or truncates, with and
// without the producer snapshots kept beside the log (actors/partition/producer_state.hpp).
// "without" is the broker before snapshots: the producer table rebuilt from the whole log.
//
// Two identical logs (FLUXO_RECOVERY_BENCH_MB, default 256 MiB, of 16 KiB idempotent batches
// from 8 producers, 64 MiB segments) are built once under $TMPDIR; the second has its
// snapshots deleted before every measurement.
//   BM_CleanRestart      open the log and the partition after a clean close
//   BM_RestartAfterCrash the partition never wrote its close snapshot (last roll snapshot + tail)
//   BM_FollowerTruncation a follower cuts its last batch (a diverging leader) and fetches it again
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "actors/partition/partition_state.hpp"
#include "storage/logger.hpp"
#include "storage/offset_snapshots.hpp"
#include "storage/record_batch.hpp"

using namespace fluxo::actors;
using namespace fluxo::storage;
namespace fs = std::filesystem;

namespace {

topic_config bench_config() {
  topic_config cfg;
  cfg.segment_bytes = 64 << 20;
  return cfg;
}

fs::path root() {
  static fs::path p = fs::temp_directory_path() / ("fluxo-recovery-bench-" + std::to_string(::getpid()));
  return p;
}

std::unique_ptr<partition_state> open_state(const fs::path& dir) {
  auto log = partition_log::open(dir.string(), make_log_config(bench_config()));
  if (!log) std::abort();
  return std::make_unique<partition_state>(partition_id{"bench", 0}, std::move(*log), bench_config());
}

void drop_snapshots(const fs::path& dir) {
  offset_snapshots snaps(dir.string());
  for (auto o : snaps.offsets()) fs::remove(snaps.path_of(o));
}

fs::path dir_for(bool snapshots) { return root() / (snapshots ? "with" : "without"); }

// Builds both logs once: the same appends, closed cleanly.
void build_logs() {
  static bool built = false;
  if (built) return;
  built = true;
  const char* mb_env = std::getenv("FLUXO_RECOVERY_BENCH_MB");
  const int64_t total = (mb_env ? std::atoll(mb_env) : 256) << 20;
  fs::remove_all(root());
  for (bool snapshots : {true, false}) {
    auto ps = open_state(dir_for(snapshots));
    std::vector<int32_t> next(8, 0);
    const std::string value(1000, 'v');
    for (int64_t bytes = 0, i = 0; bytes < total; ++i) {
      const auto pid = static_cast<int>(i % 8);
      batch_options o;
      o.producer_id = 1000 + pid;
      o.producer_epoch = 0;
      o.base_sequence = next[static_cast<size_t>(pid)];
      batch_builder b(o);
      for (int r = 0; r < 16; ++r) b.append(1000 + i, "key", value);
      auto bytes_v = *b.build();
      bytes += static_cast<int64_t>(bytes_v.size());
      if (ps->append(bytes_v, 1, 0).reply.error_code != 0) std::abort();
      next[static_cast<size_t>(pid)] += 16;
    }
    if (!ps->close().ok()) std::abort();
  }
}

// Opens the partition (timed) and closes it again (not timed).
void timed_open(benchmark::State& state, const fs::path& dir) {
  auto ps = open_state(dir);
  benchmark::DoNotOptimize(ps->producers().size());
  state.counters["replayed_MiB"] = static_cast<double>(ps->last_producer_restore().replayed_bytes) / (1 << 20);
  state.PauseTiming();
  if (!ps->close().ok()) std::abort();
  ps.reset();
  state.ResumeTiming();
}

void BM_CleanRestart(benchmark::State& state) {
  build_logs();
  const bool snapshots = state.range(0) != 0;
  for (auto _ : state) {
    if (!snapshots) drop_snapshots(dir_for(false));
    timed_open(state, dir_for(snapshots));
  }
}

void BM_RestartAfterCrash(benchmark::State& state) {
  build_logs();
  const bool snapshots = state.range(0) != 0;
  const auto dir = dir_for(snapshots);
  for (auto _ : state) {
    state.PauseTiming();
    // The close snapshot gone: the partition stopped without writing it.
    offset_snapshots snaps(dir.string());
    if (!snapshots) {
      drop_snapshots(dir);
    } else {
      std::unique_ptr<partition_state> probe = open_state(dir);
      const auto leo = probe->log().log_end_offset();
      probe.reset();  // the log closes cleanly; the partition writes no snapshot
      if (!snaps.remove_above(leo - 1).ok()) std::abort();
    }
    state.ResumeTiming();
    timed_open(state, dir);
  }
}

void BM_FollowerTruncation(benchmark::State& state) {
  build_logs();
  const bool snapshots = state.range(0) != 0;
  const auto dir = dir_for(snapshots);
  if (!snapshots) drop_snapshots(dir);
  auto ps = open_state(dir);
  partition_role role{1, 2, 1, {1, 2}, {1, 2}, 1, 1, 0};
  ps->set_role(role, 0);
  const auto leo = ps->log().log_end_offset();
  const auto last = leo - 16;
  auto tail = ps->log().read(last, 1 << 20);
  if (!tail) std::abort();
  for (auto _ : state) {
    if (!snapshots) {
      state.PauseTiming();
      drop_snapshots(dir);  // the roll snapshots a re-append may have written
      state.ResumeTiming();
    }
    replica_fetch_reply cut;
    cut.leader_epoch = 1;
    cut.diverging_epoch = 0;
    cut.diverging_end_offset = last;
    cut.high_watermark = last;
    cut.log_end_offset = leo;
    if (ps->apply_replica_fetch(cut).error != kafka_error::none || ps->log().log_end_offset() != last) std::abort();
    state.counters["replayed_MiB"] = static_cast<double>(ps->last_producer_restore().replayed_bytes) / (1 << 20);
    replica_fetch_reply again;
    again.leader_epoch = 1;
    again.records = tail->bytes;
    again.high_watermark = leo;
    again.log_end_offset = leo;
    if (ps->apply_replica_fetch(again).error != kafka_error::none || ps->log().log_end_offset() != leo) std::abort();
  }
  if (!ps->close().ok()) std::abort();
}

}  // namespace

BENCHMARK(BM_CleanRestart)->ArgName("snapshots")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RestartAfterCrash)->ArgName("snapshots")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FollowerTruncation)->ArgName("snapshots")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::err);  // every truncation is logged
  fluxo::storage::logger().set_level(spdlog::level::err);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove_all(root());
  return 0;
}
