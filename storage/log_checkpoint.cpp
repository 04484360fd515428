#include "storage/log_checkpoint.hpp"

#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "storage/crc32c.hpp"
#include "storage/file.hpp"

namespace fluxo::storage {
namespace {

const char* checkpoint_name = "/fluxo.checkpoint";
const char* marker_name = "/.clean-shutdown";

}  // namespace

log_checkpoint read_log_checkpoint(const std::string& dir) {
  log_checkpoint cp;
  auto bytes = read_file(dir + checkpoint_name);
  if (!bytes) return cp;
  std::istringstream in(std::string(bytes->begin(), bytes->end()));
  std::string magic, key1, key2;
  int version = 0;
  log_checkpoint parsed;
  if (in >> magic >> version >> key1 >> parsed.recovery_point >> key2 >> parsed.log_start_offset &&
      magic == "fluxo-log-checkpoint" && version == 1 && key1 == "recovery_point" &&
      key2 == "log_start_offset") {
    return parsed;
  }
  return cp;
}

result<void> write_log_checkpoint(const std::string& dir, const log_checkpoint& cp) {
  char buf[128];
  int n = std::snprintf(buf, sizeof(buf), "fluxo-log-checkpoint 1\nrecovery_point %" PRId64
                        "\nlog_start_offset %" PRId64 "\n", cp.recovery_point, cp.log_start_offset);
  return write_file_atomically(dir + checkpoint_name, std::span<const char>(buf, static_cast<std::size_t>(n)));
}

std::optional<clean_shutdown_marker> read_clean_shutdown_marker(const std::string& dir) {
  auto bytes = read_file(dir + marker_name);
  if (!bytes) return std::nullopt;
  std::string text(bytes->begin(), bytes->end());
  auto crc_at = text.rfind("crc ");
  if (crc_at == std::string::npos) return std::nullopt;
  uint32_t stored = 0;
  if (std::sscanf(text.c_str() + crc_at, "crc %" SCNu32, &stored) != 1) return std::nullopt;
  if (crc32c(std::span<const char>(text.data(), crc_at)) != stored) return std::nullopt;
  std::istringstream in(text.substr(0, crc_at));
  std::string magic, key;
  int version = 0;
  clean_shutdown_marker m;
  if (!(in >> magic >> version >> key >> m.log_start_offset) || magic != "fluxo-clean-shutdown" ||
      version != 1 || key != "log_start_offset") {
    return std::nullopt;
  }
  while (in >> key) {
    if (key != "segment") return std::nullopt;
    segment_summary s;
    if (!(in >> s.base_offset >> s.size_bytes >> s.next_offset >> s.max_timestamp)) return std::nullopt;
    m.segments.push_back(s);
  }
  return m;
}

result<void> write_clean_shutdown_marker(const std::string& dir, const clean_shutdown_marker& m) {
  std::ostringstream out;
  out << "fluxo-clean-shutdown 1\nlog_start_offset " << m.log_start_offset << "\n";
  for (const auto& s : m.segments) {
    out << "segment " << s.base_offset << ' ' << s.size_bytes << ' ' << s.next_offset << ' '
        << s.max_timestamp << "\n";
  }
  std::string text = out.str();
  text += "crc " + std::to_string(crc32c(text)) + "\n";
  return write_file_atomically(dir + marker_name, text);
}

result<void> remove_clean_shutdown_marker(const std::string& dir) {
  auto path = dir + marker_name;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return sys_error("unlink " + path, errno);
  return fsync_directory(dir);
}

}  // namespace fluxo::storage
