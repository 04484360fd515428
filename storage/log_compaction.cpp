#include "storage/log_compaction.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <functional>
#include <unordered_map>

#include "storage/file.hpp"
#include "storage/logger.hpp"
#include "storage/partition_log.hpp"

namespace fluxo::storage {
namespace {

// Calls fn for every validated batch in the first `size` bytes of the file at `path`.
result<void> for_each_batch_in_file(
    const std::string& path, uint64_t size,
    const std::function<result<void>(const batch_header&, std::span<const char>)>& fn) {
  auto f = file::open(path, O_RDONLY);
  if (!f) return std::move(f).take_error();
  std::vector<char> buf;
  uint64_t pos = 0;
  while (pos < size) {
    char hdr[batch_header_size];
    auto n = f->pread_up_to(hdr, pos);
    if (!n) return std::move(n).take_error();
    if (*n < batch_header_size) break;
    auto h = parse_batch_header(std::span<const char>(hdr, batch_header_size));
    if (!h || h->batch_length < 49 || pos + h->size_bytes() > size) {
      return error{errc::corrupt_batch, "compaction: bad batch header in " + path + " at position " +
                                            std::to_string(pos), 0};
    }
    buf.resize(h->size_bytes());
    auto m = f->pread_up_to(buf, pos);
    if (!m) return std::move(m).take_error();
    auto valid = validate_batch(std::span<const char>(buf.data(), *m));
    if (!valid) {
      return error{errc::corrupt_batch, "compaction: " + path + ": " + valid.err().message, 0};
    }
    if (auto r = fn(*valid, buf); !r) return r;
    pos += h->size_bytes();
  }
  return success();
}

}  // namespace

result<void> compaction_job::run() {
  // 1. Latest offset per key over the whole snapshot.
  std::unordered_map<std::string, int64_t> latest;
  auto collect = [&](const batch_header& h, std::span<const char> batch) -> result<void> {
    if (h.control()) return success();
    return for_each_record(batch, [&](const record_view& r) {
      if (r.key) latest[std::string(*r.key)] = r.offset;
      return true;
    });
  };
  for (const auto& s : sources_) {
    if (auto r = for_each_batch_in_file(s.log_path, s.size, collect); !r) return r;
  }
  if (head_.size > 0) {
    if (auto r = for_each_batch_in_file(head_.log_path, head_.size, collect); !r) return r;
  }

  // 2. Rewrite each sealed segment into work_dir_.
  std::error_code ec;
  std::filesystem::create_directories(work_dir_, ec);
  if (ec) return sys_error("create " + work_dir_, ec.value());
  for (const auto& s : sources_) {
    segment out(work_dir_, s.base, index_interval_);
    if (auto r = out.create(); !r) return r;
    stats_.bytes_before += s.size;
    auto rewrite = [&](const batch_header& h, std::span<const char> batch) -> result<void> {
      stats_.records_before += static_cast<uint64_t>(h.records_count);
      if (h.control() || h.transactional()) {
        stats_.records_after += static_cast<uint64_t>(h.records_count);
        return out.append(batch, std::span<const batch_header>(&h, 1));
      }
      batch_options opts;
      opts.compression = h.compression();
      opts.base_offset = h.base_offset;
      opts.partition_leader_epoch = h.partition_leader_epoch;
      opts.producer_id = h.producer_id;
      opts.producer_epoch = h.producer_epoch;
      opts.base_sequence = h.base_sequence;
      opts.log_append_time = h.log_append_time();
      batch_builder builder(opts);
      std::size_t kept = 0;
      std::size_t total = 0;
      auto status = for_each_record(batch, [&](const record_view& r) {
        ++total;
        bool keep = true;
        if (r.key) {
          keep = latest[std::string(*r.key)] == r.offset;
          if (keep && !r.value && now_ms_ - r.timestamp > delete_retention_ms_) {
            keep = false;
            ++stats_.tombstones_dropped;
          }
        }
        if (keep) {
          builder.append_raw_headers(r.offset_delta, r.timestamp, r.key, r.value, r.header_count,
                                     r.headers_bytes);
          ++kept;
        }
        return true;
      });
      if (!status) return status;
      stats_.records_after += kept;
      if (kept == 0) return success();
      if (kept == total) return out.append(batch, std::span<const batch_header>(&h, 1));
      builder.set_last_offset_delta(h.last_offset_delta);
      auto built = builder.build();
      if (!built) return std::move(built).take_error();
      auto nh = parse_batch_header(*built);
      if (!nh) return std::move(nh).take_error();
      return out.append(*built, std::span<const batch_header>(&*nh, 1));
    };
    if (auto r = for_each_batch_in_file(s.log_path, s.size, rewrite); !r) return r;
    if (auto r = out.write_indexes(); !r) return r;
    if (auto r = out.sync(); !r) return r;
    outputs_.push_back({s.base, out.size(), s.next_offset, out.max_timestamp()});
    stats_.bytes_after += out.size();
    ++stats_.segments_cleaned;
    out.release_handles();
  }
  return fsync_directory(work_dir_);
}

std::optional<compaction_job> partition_log::prepare_compaction() {
  if (closed_ || config_.cleanup != cleanup_policy::compact || segments_.size() < 2) return std::nullopt;
  compaction_job job;
  job.dir_ = dir_;
  job.work_dir_ = dir_ + "/.cleaning";
  job.now_ms_ = now();
  job.delete_retention_ms_ = config_.delete_retention_ms;
  job.index_interval_ = config_.index_interval_bytes;
  job.generation_ = generation_;
  for (auto& [base, seg] : segments_) {
    if (seg.get() == active_) continue;
    auto s = touch(base);
    if (!s) {
      logger().error("[{}] compaction skipped: {}", dir_, s.err().to_string());
      return std::nullopt;
    }
    job.sources_.push_back({base, seg->log_path(), seg->size(), seg->next_offset()});
  }
  job.head_ = {active_->base_offset(), active_->log_path(), active_->size(), active_->next_offset()};
  return job;
}

result<compaction_stats> partition_log::finish_compaction(compaction_job& job) {
  std::error_code ec;
  auto stats = job.stats_;
  if (closed_ || job.generation_ != generation_) {
    std::filesystem::remove_all(job.work_dir_, ec);
    stats.discarded = true;
    logger().info("[{}] compaction result discarded: the log changed while it ran", dir_);
    return stats;
  }
  for (const auto& o : job.outputs_) {
    auto it = segments_.find(o.base);
    if (it == segments_.end()) continue;
    auto& seg = *it->second;
    forget_lru(o.base);
    seg.release_handles();
    segment cleaned(job.work_dir_, o.base, config_.index_interval_bytes);
    ::unlink(seg.index_path().c_str());
    ::unlink(seg.time_index_path().c_str());
    if (::rename(cleaned.log_path().c_str(), seg.log_path().c_str()) != 0) {
      return sys_error("rename " + cleaned.log_path(), errno);
    }
    if (::rename(cleaned.index_path().c_str(), seg.index_path().c_str()) != 0 ||
        ::rename(cleaned.time_index_path().c_str(), seg.time_index_path().c_str()) != 0) {
      logger().warn("[{}] could not move the cleaned index of segment {}; it will be rebuilt", dir_, o.base);
    }
    seg.set_metadata(o.size, o.next_offset, o.max_timestamp);
  }
  ++generation_;
  std::filesystem::remove_all(job.work_dir_, ec);
  if (auto r = fsync_directory(dir_); !r) return std::move(r).take_error();
  logger().info("[{}] compacted {} segments: {} -> {} bytes, {} -> {} records, {} tombstones dropped",
                dir_, stats.segments_cleaned, stats.bytes_before, stats.bytes_after,
                stats.records_before, stats.records_after, stats.tombstones_dropped);
  return stats;
}

}  // namespace fluxo::storage
