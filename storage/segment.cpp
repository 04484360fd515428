#include "storage/segment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "storage/logger.hpp"

namespace fluxo::storage {
namespace {

constexpr std::size_t scan_chunk_bytes = 1 << 20;

bool header_is_sane(const batch_header& h) {
  return h.magic == batch_magic_v2 &&
         h.batch_length >= static_cast<int32_t>(batch_header_size - batch_log_overhead) &&
         h.last_offset_delta >= 0;
}

}  // namespace

segment::segment(std::string dir, int64_t base_offset, uint32_t index_interval_bytes)
    : dir_(std::move(dir)), base_(base_offset), index_interval_(index_interval_bytes),
      next_offset_(base_offset) {}

std::string segment::file_name(int64_t base_offset, const char* extension) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld", static_cast<long long>(base_offset));
  return std::string(buf) + extension;
}

std::string segment::log_path() const { return dir_ + "/" + file_name(base_, ".log"); }
std::string segment::index_path() const { return dir_ + "/" + file_name(base_, ".index"); }
std::string segment::time_index_path() const { return dir_ + "/" + file_name(base_, ".timeindex"); }

result<void> segment::create() {
  auto f = file::open(log_path(), O_RDWR | O_CREAT | O_TRUNC);
  if (!f) return std::move(f).take_error();
  log_ = std::move(*f);
  ::unlink(index_path().c_str());
  ::unlink(time_index_path().c_str());
  offset_index_.clear();
  time_index_.clear();
  size_ = 0;
  bytes_since_index_ = 0;
  next_offset_ = base_;
  max_timestamp_ = no_timestamp;
  metadata_known_ = true;
  return success();
}

void segment::set_metadata(uint64_t size, int64_t next_offset, int64_t max_timestamp) {
  size_ = size;
  next_offset_ = next_offset;
  max_timestamp_ = max_timestamp;
  metadata_known_ = true;
}

result<void> segment::open_handles() {
  if (log_.is_open()) return success();
  auto f = file::open(log_path(), O_RDWR);
  if (!f) return std::move(f).take_error();
  log_ = std::move(*f);
  auto sz = log_.size();
  if (!sz) return std::move(sz).take_error();
  if (*sz != size_) {
    // The file changed under us or metadata was stale: trust the file, rescan.
    size_ = *sz;
    auto scan = recover();
    if (!scan) return std::move(scan).take_error();
    return success();
  }
  auto idx_bytes = read_file(index_path());
  auto tidx_bytes = read_file(time_index_path());
  std::optional<offset_index> oi;
  std::optional<time_index> ti;
  if (idx_bytes) oi = offset_index::parse(*idx_bytes, size_);
  if (tidx_bytes) ti = time_index::parse(*tidx_bytes);
  // The first batch of a segment always gets an entry in both indexes: an empty index file
  // for a non-empty segment is damage, not a small segment.
  if (oi && ti && (size_ == 0 || (oi->size() > 0 && ti->size() > 0))) {
    offset_index_ = std::move(*oi);
    time_index_ = std::move(*ti);
    return success();
  }
  logger().warn("segment {}: index files missing or damaged, rebuilding by a scan", log_path());
  auto scan = recover();
  if (!scan) return std::move(scan).take_error();
  if (scan->truncated) return success();
  return write_indexes();
}

void segment::release_handles() {
  log_.close();
  offset_index_ = offset_index{};
  time_index_ = time_index{};
}

result<void> segment::load_metadata() {
  if (auto r = open_handles(); !r) return r;
  if (metadata_known_) return success();
  uint64_t pos = 0;
  if (auto last = offset_index_.entries(); !last.empty()) pos = last.back().position;
  int64_t next = base_;
  int64_t max_ts = time_index_.last() ? time_index_.last()->timestamp : no_timestamp;
  while (pos < size_) {
    auto h = read_header_at(pos);
    if (!h) return std::move(h).take_error();
    if (!*h) break;
    next = (*h)->next_offset();
    max_ts = std::max(max_ts, (*h)->max_timestamp);
    pos += (*h)->size_bytes();
  }
  next_offset_ = next;
  max_timestamp_ = max_ts;
  metadata_known_ = true;
  return success();
}

void segment::index_batch(const batch_header& h, uint64_t position) {
  bytes_since_index_ += h.size_bytes();
  max_timestamp_ = std::max(max_timestamp_, h.max_timestamp);
  next_offset_ = h.next_offset();
  if (bytes_since_index_ >= index_interval_ || offset_index_.size() == 0) {
    auto rel = static_cast<uint32_t>(h.last_offset() - base_);
    if (offset_index_.append({rel, static_cast<uint32_t>(position)})) {
      bytes_since_index_ = 0;
      // Whenever the max timestamp so far grew since the last time entry (whichever batch
      // raised it), not only when this batch did: load_metadata() relies on the last time
      // entry covering every batch up to the last offset entry.
      auto last = time_index_.last();
      if (!last || max_timestamp_ > last->timestamp) time_index_.append({max_timestamp_, rel});
    }
  }
}

result<void> segment::append(std::span<const char> batches, std::span<const batch_header> headers) {
  if (auto r = open_handles(); !r) return r;
  if (auto w = log_.pwrite_all(batches, size_, "segment.write"); !w) {
    auto err = std::move(w).take_error();
    // Leave no partial batch behind: cut the file back to where this append started.
    if (auto t = log_.truncate(size_); !t) {
      logger().error("segment {}: could not cut a failed append back to {} bytes: {}", log_path(),
                 size_, t.err().to_string());
    }
    err.message = "append to " + log_path() + ": " + err.message;
    return err;
  }
  uint64_t pos = size_;
  for (const auto& h : headers) {
    index_batch(h, pos);
    pos += h.size_bytes();
  }
  size_ = pos;
  return success();
}

result<std::optional<batch_header>> segment::read_header_at(uint64_t position) {
  if (position + batch_header_size > size_) return std::optional<batch_header>{};
  char buf[batch_header_size];
  auto n = log_.pread_up_to(buf, position);
  if (!n) return std::move(n).take_error();
  if (*n < batch_header_size) return std::optional<batch_header>{};
  auto h = parse_batch_header(std::span<const char>(buf, batch_header_size));
  if (!h || !header_is_sane(*h) || position + h->size_bytes() > size_) {
    return error{errc::corrupt_batch,
                 "impossible batch header at position " + std::to_string(position) + " of " +
                     log_path(),
                 0};
  }
  return std::optional<batch_header>(*h);
}

result<uint64_t> segment::find_position(int64_t offset) {
  uint64_t pos = 0;
  if (offset > base_) {
    auto rel = static_cast<uint64_t>(offset - base_);
    if (rel > UINT32_MAX) rel = UINT32_MAX;
    // An entry's offset is the last offset of the batch at its position: a batch starting at
    // or before the target begins there or later, so the floor of (target - 1) is safe.
    if (auto e = offset_index_.floor(static_cast<uint32_t>(rel - 1))) pos = e->position;
  }
  while (pos < size_) {
    auto h = read_header_at(pos);
    if (!h) return std::move(h).take_error();
    if (!*h) break;
    if ((*h)->last_offset() >= offset) return pos;
    pos += (*h)->size_bytes();
  }
  return size_;
}

result<segment_read> segment::read(int64_t offset, std::size_t max_bytes) {
  if (auto r = open_handles(); !r) return std::move(r).take_error();
  segment_read out;
  auto start = find_position(offset);
  if (!start) return std::move(start).take_error();
  if (*start >= size_) return out;
  auto first = read_header_at(*start);
  if (!first) return std::move(first).take_error();
  if (!*first) return out;
  std::size_t want = std::max<std::size_t>(max_bytes, (*first)->size_bytes());
  want = static_cast<std::size_t>(std::min<uint64_t>(want, size_ - *start));
  out.bytes.resize(want);
  auto n = log_.pread_up_to(out.bytes, *start);
  if (!n) return std::move(n).take_error();
  out.bytes.resize(*n);
  out.file_position = *start;

  // Keep whole, valid batches only.
  std::size_t keep = 0;
  int64_t prev_last = (*first)->base_offset - 1;
  while (keep + batch_header_size <= out.bytes.size()) {
    auto rest = std::span<const char>(out.bytes).subspan(keep);
    auto h = parse_batch_header(rest);
    if (!h || h->size_bytes() > rest.size()) break;  // partial batch at the end of the read
    auto valid = validate_batch(rest);
    // baseOffset is outside the CRC: check it against what the segment holds.
    bool offsets_ok = h->base_offset > prev_last && h->base_offset >= base_ &&
                      (!metadata_known_ || h->last_offset() < next_offset_);
    if (!valid || !offsets_ok) {
      std::string why = valid ? "offsets out of place (damaged baseOffset?)" : valid.err().message;
      logger().error("CORRUPTION in {} at position {} (offset {}): {}; not serving it", log_path(),
                 *start + keep, prev_last + 1, why);
      if (keep == 0) {
        return error{errc::corrupt_batch,
                     "corrupt batch in " + log_path() + " at position " +
                         std::to_string(*start + keep) + " near offset " +
                         std::to_string(prev_last + 1) + ": " + why,
                     0};
      }
      break;
    }
    if (out.first_offset < 0) out.first_offset = h->base_offset;
    prev_last = h->last_offset();
    out.next_offset = h->next_offset();
    keep += h->size_bytes();
  }
  out.bytes.resize(keep);
  return out;
}

result<std::optional<int64_t>> segment::offset_for_timestamp(int64_t ts) {
  if (auto r = open_handles(); !r) return std::move(r).take_error();
  uint64_t pos = 0;
  if (auto e = time_index_.last_before(ts)) {
    auto p = find_position(base_ + e->relative_offset);
    if (!p) return std::move(p).take_error();
    pos = *p;
  }
  while (pos < size_) {
    auto h = read_header_at(pos);
    if (!h) return std::move(h).take_error();
    if (!*h) break;
    const auto& hdr = **h;
    if (hdr.max_timestamp >= ts) {
      std::vector<char> batch(hdr.size_bytes());
      auto n = log_.pread_up_to(batch, pos);
      if (!n) return std::move(n).take_error();
      auto valid = validate_batch(std::span<const char>(batch.data(), *n));
      if (!valid) {
        return error{errc::corrupt_batch, log_path() + ": " + valid.err().message, 0};
      }
      std::optional<int64_t> found;
      auto status = for_each_record(batch, [&](const record_view& r) {
        if (r.timestamp >= ts) {
          found = r.offset;
          return false;
        }
        return true;
      });
      if (!status) return std::move(status).take_error();
      if (found) return found;
    }
    pos += hdr.size_bytes();
  }
  return std::optional<int64_t>{};
}

result<int64_t> segment::truncate_to(int64_t offset) {
  if (auto r = open_handles(); !r) return std::move(r).take_error();
  auto pos = find_position(offset);
  if (!pos) return std::move(pos).take_error();
  if (auto t = log_.truncate(*pos); !t) return std::move(t).take_error();
  size_ = *pos;
  auto scan = recover();  // recomputes indexes, next offset and max timestamp exactly
  if (!scan) return std::move(scan).take_error();
  return next_offset_;
}

result<segment_scan> segment::recover() {
  if (!log_.is_open()) {
    auto f = file::open(log_path(), O_RDWR);
    if (!f) return std::move(f).take_error();
    log_ = std::move(*f);
  }
  auto file_size = log_.size();
  if (!file_size) return std::move(file_size).take_error();
  offset_index_.clear();
  time_index_.clear();
  bytes_since_index_ = 0;
  max_timestamp_ = no_timestamp;
  next_offset_ = base_;
  size_ = *file_size;

  segment_scan scan;
  scan.next_offset = base_;
  std::vector<char> buf;
  uint64_t pos = 0;
  int64_t prev_last = base_ - 1;
  std::size_t want = scan_chunk_bytes;
  while (pos < *file_size) {
    // Read a chunk that holds at least the next whole batch.
    buf.resize(static_cast<std::size_t>(std::min<uint64_t>(want, *file_size - pos)));
    auto n = log_.pread_up_to(buf, pos);
    if (!n) return std::move(n).take_error();
    buf.resize(*n);
    std::size_t at = 0;
    bool need_more = false;
    while (at < buf.size()) {
      auto rest = std::span<const char>(buf).subspan(at);
      if (rest.size() < batch_header_size) {
        need_more = pos + at + rest.size() < *file_size;
        if (!need_more) scan.problem = "torn batch header at the end";
        break;
      }
      auto h = parse_batch_header(rest);
      if (!h || !header_is_sane(*h)) {
        scan.problem = "impossible batch header";
        break;
      }
      if (h->size_bytes() > rest.size()) {
        if (pos + at + h->size_bytes() <= *file_size) {
          if (at == 0) want = h->size_bytes();  // batch bigger than the chunk: read it whole
          need_more = true;
        } else {
          scan.problem = "torn batch at the end (" + std::to_string(h->size_bytes()) +
                         " bytes announced, " + std::to_string(*file_size - pos - at) + " present)";
        }
        break;
      }
      auto valid = validate_batch(rest);
      if (!valid) {
        scan.problem = valid.err().message;
        break;
      }
      if (h->base_offset <= prev_last || h->last_offset() - base_ > INT32_MAX) {
        scan.problem = "offset " + std::to_string(h->base_offset) + " out of order";
        break;
      }
      index_batch(*h, pos + at);
      prev_last = h->last_offset();
      at += h->size_bytes();
      ++scan.batches;
    }
    if (at == 0 && need_more) continue;  // re-read with a buffer that fits the batch
    want = scan_chunk_bytes;
    pos += at;
    if (!need_more) break;
  }
  scan.valid_bytes = pos;
  scan.next_offset = next_offset_;
  if (pos < *file_size) {
    scan.truncated = true;
    scan.problem_offset = next_offset_;
    if (auto t = log_.truncate(pos); !t) return std::move(t).take_error();
  }
  size_ = pos;
  metadata_known_ = true;
  return scan;
}

result<void> segment::write_indexes() {
  auto write_one = [](const std::string& path, const std::vector<char>& bytes) -> result<void> {
    auto f = file::open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!f) return std::move(f).take_error();
    if (auto w = f->pwrite_all(bytes, 0, "index.write"); !w) return w;
    return f->datasync("index.sync");
  };
  if (auto r = write_one(index_path(), offset_index_.serialize()); !r) return r;
  return write_one(time_index_path(), time_index_.serialize());
}

result<void> segment::sync() {
  if (!log_.is_open()) return success();
  return log_.datasync("segment.sync");
}

result<file> segment::duplicate_fd() {
  if (auto r = open_handles(); !r) return std::move(r).take_error();
  return log_.duplicate();
}

result<void> segment::remove_files() {
  release_handles();
  for (const auto& p : {log_path(), index_path(), time_index_path()}) {
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) return sys_error("unlink " + p, errno);
  }
  return success();
}

}  // namespace fluxo::storage
