// durable_log: what fluxo's storage promises, shown with a process that gets killed.
//
//   durable_log write <dir> <count>   appends records "order-<n>" one per append with
//                                     fsync after every append (flush.messages=1), printing
//                                     "acked <offset>" once each append is durable
//   durable_log read <dir>            opens the log (recovering it if the writer died),
//                                     checks every record is "order-<offset>" in order, and
//                                     prints "recovered <count> records, last offset <n>"
//
// scripts/demo.sh runs the writer, kills it with SIGKILL mid-stream, and checks that the
// reader gets back every acknowledged record and nothing corrupt.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "storage/partition_log.hpp"

using namespace fluxo::storage;

static int write_records(const std::string& dir, long count) {
  log_config cfg;
  cfg.flush_messages = 1;          // durable before acknowledging
  cfg.segment_bytes = 64 * 1024;   // small segments, so the demo rolls a few
  auto log = partition_log::open(dir, cfg);
  if (!log) {
    std::fprintf(stderr, "open failed: %s\n", log.err().to_string().c_str());
    return 1;
  }
  for (long i = (*log)->log_end_offset(); i < count; ++i) {
    batch_builder b;
    std::string key = "customer-" + std::to_string(i % 7);
    std::string value = "order-" + std::to_string(i);
    b.append(system_now_ms(), key, value);
    auto batch = b.build();
    auto r = (*log)->append(*batch);
    if (!r) {
      std::fprintf(stderr, "append failed: %s\n", r.err().to_string().c_str());
      return 1;
    }
    std::printf("acked %lld\n", static_cast<long long>(r->last_offset));
    std::fflush(stdout);
  }
  return 0;
}

static int read_records(const std::string& dir) {
  auto log = partition_log::open(dir, log_config{});
  if (!log) {
    std::fprintf(stderr, "open failed: %s\n", log.err().to_string().c_str());
    return 1;
  }
  auto stats = (*log)->stats();
  std::printf("opened %s: %s, %zu segments, log end offset %lld\n", dir.c_str(),
              stats.recovered_cleanly ? "clean shutdown" : "recovered after a crash", stats.segments,
              static_cast<long long>(stats.log_end_offset));
  int64_t offset = (*log)->log_start_offset();
  long count = 0;
  while (offset < (*log)->log_end_offset()) {
    auto r = (*log)->read(offset, 1 << 20);
    if (!r) {
      std::fprintf(stderr, "read failed: %s\n", r.err().to_string().c_str());
      return 1;
    }
    for (std::size_t pos = 0; pos < r->bytes.size();) {
      auto span = std::span<const char>(r->bytes).subspan(pos);
      auto h = parse_batch_header(span);
      auto records = decode_records(span.first(h->size_bytes()));
      if (!records) {
        std::fprintf(stderr, "decode failed: %s\n", records.err().to_string().c_str());
        return 1;
      }
      for (const auto& rec : *records) {
        std::string expected = "order-" + std::to_string(rec.offset);
        if (rec.value != expected) {
          std::fprintf(stderr, "record %lld holds %s, expected %s\n", static_cast<long long>(rec.offset),
                       rec.value ? rec.value->c_str() : "null", expected.c_str());
          return 1;
        }
        ++count;
      }
      pos += h->size_bytes();
    }
    offset = r->next_offset;
  }
  std::printf("recovered %ld records, last offset %lld\n", count, static_cast<long long>(offset - 1));
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 4 && std::strcmp(argv[1], "write") == 0) return write_records(argv[2], std::atol(argv[3]));
  if (argc >= 3 && std::strcmp(argv[1], "read") == 0) return read_records(argv[2]);
  std::fprintf(stderr, "usage: durable_log write <dir> <count> | durable_log read <dir>\n");
  return 2;
}
