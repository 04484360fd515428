// `fluxo bench storage`: builds batches with the RecordBatch codec, appends them to a
// partition log, reads everything back, then closes and reopens the log.
//
// Reported (last line is one JSON object with --json):
//   append_records_per_s, append_mb_per_s   build + append + final flush (durable at the end)
//   read_mb_per_s                            read back from offset 0 (page cache), CRCs checked
//   reopen_ms, segments                      open of the cleanly closed log
//   fsyncs                                   fdatasync calls made
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "runtime/subcommands.hpp"
#include "storage/partition_log.hpp"

namespace fluxo::cli {
namespace {

namespace fs = std::filesystem;
using namespace fluxo::storage;
using bench_clock = std::chrono::steady_clock;

struct bench_options {
  std::string dir;
  std::size_t record_size = 100;
  uint64_t records = 1'000'000;
  std::string flush = "none";
  std::size_t batch_bytes = 64 * 1024;
  uint64_t segment_bytes = uint64_t{1} << 30;
  std::size_t read_bytes = 1 << 20;
  bool keep = false;
  bool json = false;
};

double seconds_since(bench_clock::time_point t0) {
  return std::chrono::duration<double>(bench_clock::now() - t0).count();
}

int fail(const std::string& what, const error& e) {
  std::cerr << "bench storage: " << what << ": " << e.to_string() << "\n";
  return 1;
}

int run_bench(const bench_options& opt) {
  std::string dir = opt.dir.empty() ? (fs::temp_directory_path() / ("fluxo-bench-" + std::to_string(::getpid()))).string()
                                    : opt.dir;
  std::error_code ec;
  fs::remove_all(dir, ec);
  log_config cfg;
  cfg.segment_bytes = opt.segment_bytes;
  cfg.max_batch_bytes = static_cast<uint32_t>(std::min<uint64_t>(opt.segment_bytes, 64u << 20));
  cfg.retention_ms = -1;
  if (opt.flush == "always") {
    cfg.flush_messages = 1;
  } else if (opt.flush == "interval") {
    cfg.flush_ms = 1000;
  } else if (opt.flush != "none") {
    std::cerr << "bench storage: --flush must be none, interval or always\n";
    return 2;
  }

  // Payload: pseudo-random bytes so nothing benefits from zero pages.
  std::string value(opt.record_size, 'x');
  std::mt19937_64 rng(42);
  for (auto& c : value) c = static_cast<char>('a' + rng() % 26);
  const std::size_t per_record = opt.record_size + 16;
  const std::size_t records_per_batch = std::max<std::size_t>(1, opt.batch_bytes / per_record);

  auto opened = partition_log::open(dir, cfg);
  if (!opened) return fail("open", opened.err());
  auto log = std::move(*opened);

  // Append phase.
  auto t0 = bench_clock::now();
  batch_builder builder;
  uint64_t written = 0;
  uint64_t bytes = 0;
  const int64_t ts = system_now_ms();
  while (written < opt.records) {
    std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(records_per_batch, opt.records - written));
    for (std::size_t i = 0; i < n; ++i) builder.append(ts, std::nullopt, value);
    auto batch = builder.build();
    if (!batch) return fail("build", batch.err());
    auto r = log->append(*batch);
    if (!r) return fail("append", r.err());
    written += n;
    bytes += batch->size();
  }
  if (auto f = log->flush(); !f) return fail("flush", f.err());
  double append_s = seconds_since(t0);

  // Read phase.
  t0 = bench_clock::now();
  int64_t offset = log->log_start_offset();
  uint64_t read_bytes = 0;
  while (offset < log->log_end_offset()) {
    auto r = log->read(offset, opt.read_bytes);
    if (!r) return fail("read", r.err());
    if (r->bytes.empty()) break;
    read_bytes += r->bytes.size();
    offset = r->next_offset;
  }
  double read_s = seconds_since(t0);
  if (offset != static_cast<int64_t>(opt.records)) {
    std::cerr << "bench storage: read back " << offset << " records, expected " << opt.records << "\n";
    return 1;
  }
  auto stats = log->stats();

  // Reopen phase.
  if (auto c = log->close(); !c) return fail("close", c.err());
  log.reset();
  t0 = bench_clock::now();
  auto reopened = partition_log::open(dir, cfg);
  double reopen_s = seconds_since(t0);
  if (!reopened) return fail("reopen", reopened.err());
  bool clean = (*reopened)->stats().recovered_cleanly;
  reopened->reset();
  if (!opt.keep) fs::remove_all(dir, ec);

  const double mb = 1e6;
  nlohmann::json out;
  out["bench"] = "storage";
  out["record_size"] = opt.record_size;
  out["records"] = opt.records;
  out["records_per_batch"] = records_per_batch;
  out["flush"] = opt.flush;
  out["append_seconds"] = append_s;
  out["append_records_per_s"] = static_cast<double>(opt.records) / append_s;
  out["append_mb_per_s"] = static_cast<double>(bytes) / mb / append_s;
  out["read_mb_per_s"] = static_cast<double>(read_bytes) / mb / read_s;
  out["reopen_ms"] = reopen_s * 1000;
  out["reopen_clean"] = clean;
  out["segments"] = stats.segments;
  out["fsyncs"] = stats.fsyncs;
  out["log_bytes"] = stats.size_bytes;
  if (!opt.json) {
    std::printf("append: %.0f records/s, %.1f MB/s (%.2f s, flush=%s)\n", static_cast<double>(out["append_records_per_s"]),
                static_cast<double>(out["append_mb_per_s"]), append_s, opt.flush.c_str());
    std::printf("read:   %.1f MB/s\nreopen: %.1f ms for %zu segments (clean=%s)\n", static_cast<double>(out["read_mb_per_s"]),
                reopen_s * 1000, stats.segments, clean ? "yes" : "no");
  }
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace

void add_bench_storage(CLI::App& parent) {
  auto opt = std::make_shared<bench_options>();
  auto* cmd = parent.add_subcommand("storage", "Append, read back and reopen a partition log");
  cmd->add_option("--dir", opt->dir, "Log directory (default: a temporary one, removed afterwards)");
  cmd->add_option("--record-size", opt->record_size, "Value bytes per record")->capture_default_str();
  cmd->add_option("--records", opt->records, "Records to append")->capture_default_str();
  cmd->add_option("--flush", opt->flush, "none | interval (1 s) | always (fsync per append)")->capture_default_str();
  cmd->add_option("--batch-bytes", opt->batch_bytes, "Target bytes per batch")->capture_default_str();
  cmd->add_option("--segment-bytes", opt->segment_bytes, "Segment size")->capture_default_str();
  cmd->add_option("--read-bytes", opt->read_bytes, "max_bytes per read call")->capture_default_str();
  cmd->add_flag("--keep", opt->keep, "Keep the log directory afterwards");
  cmd->add_flag("--json", opt->json, "Print only the JSON result line");
  cmd->callback([opt] { set_exit_code(run_bench(*opt)); });
}

}  // namespace fluxo::cli
