// `fluxo log inspect <dir>`: a read-only view of a partition log directory. It never runs
// recovery and never writes, so it is safe on a live or damaged log.
//
// Default output: one line per segment, one indented line per batch (offsets, timestamps,
// size, codec, CRC ok/BAD). `--records` prints every record instead, as JSON lines:
//   {"key": "123", "value": "Hello, World!", "timestamp": 1633036800000, "offset": 0}
// (plus "headers" when a record has any). Exit code 1 when any batch is damaged.
#include <fcntl.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/subcommands.hpp"
#include "storage/file.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::cli {
namespace {

namespace fs = std::filesystem;
using namespace fluxo::storage;

int exit_code_value = 0;

struct inspect_options {
  std::string dir;
  bool records = false;
};

std::string printable(std::string_view s) {
  // nlohmann::json needs valid UTF-8; replace invalid bytes rather than fail.
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string printable_or_null(const std::optional<std::string_view>& s) {
  return s ? printable(*s) : std::string("null");
}

// Returns false when damage was found.
bool inspect_segment(const fs::path& path, const inspect_options& opt) {
  auto data = read_file(path.string());
  if (!data) {
    std::cerr << "error: " << data.err().to_string() << "\n";
    return false;
  }
  const auto& bytes = *data;
  if (!opt.records) {
    std::cout << "segment " << path.filename().string() << "  size " << bytes.size() << " bytes\n";
  }
  bool healthy = true;
  std::size_t pos = 0;
  std::size_t batches = 0;
  while (pos < bytes.size()) {
    auto rest = std::span<const char>(bytes).subspan(pos);
    auto h = parse_batch_header(rest);
    if (!h || h->magic != batch_magic_v2 || h->batch_length < 49 || h->size_bytes() > rest.size()) {
      std::cout << "  position " << pos << ": unreadable batch header or torn batch ("
                << rest.size() << " bytes left); the rest of the segment is skipped\n";
      healthy = false;
      break;
    }
    auto valid = validate_batch(rest);
    ++batches;
    if (opt.records) {
      if (!valid) {
        std::cerr << "skipping damaged batch at offset " << h->base_offset << ": " << valid.err().message << "\n";
        healthy = false;
      } else {
        auto status = for_each_record(rest.first(h->size_bytes()), [&](const record_view& r) {
          // Field order as users know it from kcat-style tools: key, value, timestamp, offset.
          std::string line = "{\"key\": " + printable_or_null(r.key) + ", \"value\": " +
                             printable_or_null(r.value) + ", \"timestamp\": " + std::to_string(r.timestamp) +
                             ", \"offset\": " + std::to_string(r.offset);
          if (r.header_count > 0) {
            if (auto hs = decode_headers(r)) {
              line += ", \"headers\": {";
              for (std::size_t i = 0; i < hs->size(); ++i) {
                const auto& hd = (*hs)[i];
                line += (i ? ", " : "") + printable(hd.key) + ": " +
                        printable_or_null(hd.value ? std::optional<std::string_view>(*hd.value) : std::nullopt);
              }
              line += "}";
            }
          }
          std::cout << line << "}\n";
          return true;
        });
        if (!status) {
          std::cerr << "damaged records in batch at offset " << h->base_offset << ": " << status.err().message << "\n";
          healthy = false;
        }
      }
    } else {
      std::printf("  batch offsets %lld..%lld  records %d  position %zu  size %zu  base_ts %lld  max_ts %lld  codec %s%s  crc %s\n",
                  static_cast<long long>(h->base_offset), static_cast<long long>(h->last_offset()),
                  h->records_count, pos, h->size_bytes(), static_cast<long long>(h->base_timestamp),
                  static_cast<long long>(h->max_timestamp), std::string(to_string(h->compression())).c_str(),
                  h->log_append_time() ? "  log-append-time" : "", valid ? "ok" : "BAD");
      if (!valid) healthy = false;
    }
    pos += h->size_bytes();
  }
  if (!opt.records) std::cout << "  " << batches << " batches\n";
  return healthy;
}

int run_inspect(const inspect_options& opt) {
  std::error_code ec;
  if (!fs::is_directory(opt.dir, ec)) {
    std::cerr << "error: " << opt.dir << " is not a directory (expected a partition log directory such as data/orders-0)\n";
    return 2;
  }
  std::vector<fs::path> segments;
  for (const auto& e : fs::directory_iterator(opt.dir, ec)) {
    if (e.path().extension() == ".log") segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  if (segments.empty()) {
    std::cerr << "no segments (*.log) in " << opt.dir << "\n";
    return 1;
  }
  if (!opt.records && fs::exists(fs::path(opt.dir) / ".clean-shutdown")) {
    std::cout << "clean-shutdown marker present\n";
  }
  bool healthy = true;
  for (const auto& s : segments) healthy = inspect_segment(s, opt) && healthy;
  std::cout.flush();
  return healthy ? 0 : 1;
}

}  // namespace

void set_exit_code(int code) { exit_code_value = code; }
int exit_code() { return exit_code_value; }

void add_log_inspect(CLI::App& parent) {
  auto opt = std::make_shared<inspect_options>();
  auto* cmd = parent.add_subcommand("inspect", "Print the segments and batches of a partition log directory (read-only)");
  cmd->add_option("dir", opt->dir, "Partition log directory, e.g. fluxo-data/orders-0")->required();
  cmd->add_flag("--records", opt->records, "Print every record as a JSON line instead of batch summaries");
  cmd->callback([opt] { set_exit_code(run_inspect(*opt)); });
}

}  // namespace fluxo::cli
