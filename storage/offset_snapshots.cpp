#include "storage/offset_snapshots.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "storage/byte_order.hpp"
#include "storage/crc32c.hpp"
#include "storage/file.hpp"
#include "storage/logger.hpp"

namespace fluxo::storage {

namespace fs = std::filesystem;

namespace {
constexpr char magic[4] = {'F', 'X', 'S', 'N'};
constexpr uint32_t format_version = 1;
constexpr std::size_t header_size = 16;
}  // namespace

std::vector<char> frame_snapshot(std::span<const char> payload) {
  std::vector<char> out(header_size + payload.size());
  std::memcpy(out.data(), magic, 4);
  store_be<uint32_t>(out.data() + 4, format_version);
  store_be<uint32_t>(out.data() + 8, static_cast<uint32_t>(payload.size()));
  store_be<uint32_t>(out.data() + 12, crc32c(payload));
  if (!payload.empty()) std::memcpy(out.data() + header_size, payload.data(), payload.size());
  return out;
}

std::optional<std::vector<char>> unframe_snapshot(std::span<const char> bytes, std::string* why) {
  auto fail = [&](const char* reason) -> std::optional<std::vector<char>> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (bytes.size() < header_size) return fail("shorter than its header");
  if (std::memcmp(bytes.data(), magic, 4) != 0) return fail("not a fluxo snapshot (magic)");
  if (load_be<uint32_t>(bytes.data() + 4) != format_version) return fail("unknown format version");
  const auto length = load_be<uint32_t>(bytes.data() + 8);
  if (bytes.size() - header_size != length) return fail("length does not match the file size");
  auto payload = bytes.subspan(header_size);
  if (crc32c(payload) != load_be<uint32_t>(bytes.data() + 12)) return fail("CRC mismatch");
  return std::vector<char>(payload.begin(), payload.end());
}

std::string offset_snapshots::path_of(int64_t offset) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020" PRId64 "%s", offset, suffix);
  return dir_ + "/" + name;
}

std::vector<int64_t> offset_snapshots::offsets() const {
  std::vector<int64_t> out;
  std::error_code ec;
  const std::string ext = suffix;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (name.size() != 20 + ext.size() || entry.path().extension().string() != ext) continue;
    if (!std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) continue;
    out.push_back(std::stoll(name.substr(0, 20)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

result<void> offset_snapshots::write(int64_t offset, std::span<const char> payload) {
  return write_file_atomically(path_of(offset), frame_snapshot(payload));
}

std::optional<offset_snapshot> offset_snapshots::latest_at_or_below(int64_t offset) const {
  auto all = offsets();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (*it > offset) continue;
    const auto path = path_of(*it);
    auto bytes = read_file(path);
    std::string why;
    if (bytes) {
      if (auto payload = unframe_snapshot(*bytes, &why)) return offset_snapshot{*it, std::move(*payload)};
    } else {
      why = bytes.err().to_string();
    }
    logger().warn("[{}] ignoring damaged snapshot {}: {}", dir_, path, why);
    std::error_code ec;
    fs::remove(path, ec);
  }
  return std::nullopt;
}

result<void> offset_snapshots::remove_above(int64_t offset) const {
  bool removed = false;
  for (auto o : offsets()) {
    if (o <= offset) continue;
    std::error_code ec;
    if (!fs::remove(path_of(o), ec) && ec) return sys_error("remove " + path_of(o), ec.value());
    removed = true;
  }
  // Durable before the log grows past `offset` again: a stale snapshot that came back after a
  // crash would describe batches that are no longer there.
  return removed ? fsync_directory(dir_) : result<void>{};
}

void offset_snapshots::remove_below(int64_t offset) const {
  for (auto o : offsets()) {
    std::error_code ec;
    if (o < offset) fs::remove(path_of(o), ec);
  }
}

}  // namespace fluxo::storage
