#include "storage/record_batch.hpp"

#include <algorithm>
#include <cstring>

#include "storage/byte_order.hpp"
#include "storage/crc32c.hpp"
#include "storage/varint.hpp"

namespace fluxo::storage {
namespace {

error invalid(std::string msg) { return error{errc::invalid_batch, std::move(msg), 0}; }

// Writes a length-prefixed byte string (length -1 = null) at p; returns the end.
char* write_bytes(char* p, std::optional<std::string_view> s) {
  if (!s) return p + write_varlong(p, -1);
  p += write_varlong(p, static_cast<int64_t>(s->size()));
  if (!s->empty()) std::memcpy(p, s->data(), s->size());
  return p + s->size();
}

std::size_t bytes_size(std::optional<std::string_view> s) {
  if (!s) return varlong_size(-1);
  return varlong_size(static_cast<int64_t>(s->size())) + s->size();
}

// Reads a length-prefixed byte string (length -1 = null) from [p, end).
bool read_bytes(const char*& p, const char* end, std::optional<std::string_view>& out) {
  auto len = read_varint(p, end);
  if (!len || *len < -1) return false;
  if (*len == -1) {
    out.reset();
    return true;
  }
  if (end - p < *len) return false;
  out = std::string_view(p, static_cast<std::size_t>(*len));
  p += *len;
  return true;
}

}  // namespace

result<batch_header> parse_batch_header(std::span<const char> bytes) {
  if (bytes.size() < batch_header_size) {
    return invalid("batch header needs 61 bytes, got " + std::to_string(bytes.size()));
  }
  const char* p = bytes.data();
  batch_header h;
  h.base_offset = load_be<int64_t>(p + 0);
  h.batch_length = load_be<int32_t>(p + 8);
  h.partition_leader_epoch = load_be<int32_t>(p + 12);
  h.magic = static_cast<int8_t>(p[16]);
  h.crc = load_be<uint32_t>(p + 17);
  h.attributes = load_be<int16_t>(p + 21);
  h.last_offset_delta = load_be<int32_t>(p + 23);
  h.base_timestamp = load_be<int64_t>(p + 27);
  h.max_timestamp = load_be<int64_t>(p + 35);
  h.producer_id = load_be<int64_t>(p + 43);
  h.producer_epoch = load_be<int16_t>(p + 51);
  h.base_sequence = load_be<int32_t>(p + 53);
  h.records_count = load_be<int32_t>(p + 57);
  return h;
}

uint32_t compute_batch_crc(std::span<const char> batch) {
  return crc32c(batch.subspan(batch_attributes_offset));
}

result<batch_header> validate_batch(std::span<const char> bytes) {
  auto parsed = parse_batch_header(bytes);
  if (!parsed) return parsed;
  const auto& h = *parsed;
  auto at = [&] { return " (batch at offset " + std::to_string(h.base_offset) + ")"; };
  if (h.magic != batch_magic_v2) {
    return invalid("unsupported magic " + std::to_string(h.magic) + ", only v2" + at());
  }
  if (h.batch_length < static_cast<int32_t>(batch_header_size - batch_log_overhead)) {
    return invalid("batchLength " + std::to_string(h.batch_length) + " is below the header size" + at());
  }
  if (h.size_bytes() > bytes.size()) {
    return invalid("batchLength " + std::to_string(h.batch_length) + " exceeds the " +
                   std::to_string(bytes.size()) + " bytes available" + at());
  }
  if (h.last_offset_delta < 0 || h.records_count < 0) {
    return invalid("negative lastOffsetDelta or recordsCount" + at());
  }
  if (static_cast<int>(h.compression()) > static_cast<int>(codec::zstd)) {
    return error{errc::unsupported_codec,
                 "compression codec id " + std::to_string(h.attributes & attr_codec_mask) + at(), 0};
  }
  auto crc = compute_batch_crc(bytes.first(h.size_bytes()));
  if (crc != h.crc) {
    return invalid("CRC mismatch: stored " + std::to_string(h.crc) + ", computed " +
                   std::to_string(crc) + at());
  }
  return h;
}

void set_base_offset(std::span<char> batch, int64_t base_offset) {
  store_be<int64_t>(batch.data(), base_offset);
}

void set_partition_leader_epoch(std::span<char> batch, int32_t epoch) {
  store_be<int32_t>(batch.data() + 12, epoch);
}

void set_log_append_time(std::span<char> batch, int64_t timestamp) {
  auto attrs = load_be<int16_t>(batch.data() + batch_attributes_offset);
  store_be<int16_t>(batch.data() + batch_attributes_offset,
                    static_cast<int16_t>(attrs | attr_log_append_time));
  store_be<int64_t>(batch.data() + 35, timestamp);
  store_be<uint32_t>(batch.data() + batch_crc_offset, compute_batch_crc(batch));
}

result<void> for_each_record(std::span<const char> batch,
                             const std::function<bool(const record_view&)>& fn) {
  auto parsed = parse_batch_header(batch);
  if (!parsed) return std::move(parsed).take_error();
  const auto h = *parsed;
  if (h.batch_length < static_cast<int32_t>(batch_header_size - batch_log_overhead)) {
    return invalid("batchLength " + std::to_string(h.batch_length) + " is below the header size");
  }
  if (h.size_bytes() > batch.size()) return invalid("batch is truncated");
  auto section = batch.subspan(batch_header_size, h.size_bytes() - batch_header_size);
  std::vector<char> decompressed;
  if (h.compression() != codec::none) {
    auto out = decompress(h.compression(), section);
    if (!out) return std::move(out).take_error();
    decompressed = std::move(*out);
    section = decompressed;
  }
  const char* p = section.data();
  const char* end = p + section.size();
  auto bad = [&](const char* what) {
    return invalid(std::string("malformed record: ") + what + " (batch at offset " +
                   std::to_string(h.base_offset) + ")");
  };
  for (int32_t i = 0; i < h.records_count; ++i) {
    auto len = read_varint(p, end);
    if (!len || *len < 0 || end - p < *len) return bad("length");
    const char* rend = p + *len;
    if (p == rend) return bad("attributes");
    ++p;  // record attributes: unused
    auto ts_delta = read_varlong(p, rend);
    auto off_delta = read_varint(p, rend);
    if (!ts_delta || !off_delta) return bad("timestamp/offset delta");
    record_view r;
    r.offset_delta = *off_delta;
    r.offset = h.base_offset + *off_delta;
    r.timestamp = h.log_append_time() ? h.max_timestamp : h.base_timestamp + *ts_delta;
    if (!read_bytes(p, rend, r.key) || !read_bytes(p, rend, r.value)) return bad("key/value");
    auto hcount = read_varint(p, rend);
    if (!hcount || *hcount < 0) return bad("header count");
    r.header_count = *hcount;
    r.headers_bytes = std::span<const char>(p, static_cast<std::size_t>(rend - p));
    p = rend;
    if (!fn(r)) return success();
  }
  return success();
}

result<std::vector<record_header>> decode_headers(const record_view& r) {
  std::vector<record_header> out;
  const char* p = r.headers_bytes.data();
  const char* end = p + r.headers_bytes.size();
  out.reserve(static_cast<std::size_t>(r.header_count));
  for (int32_t i = 0; i < r.header_count; ++i) {
    std::optional<std::string_view> k;
    std::optional<std::string_view> v;
    if (!read_bytes(p, end, k) || !k || !read_bytes(p, end, v)) {
      return invalid("malformed record header at offset " + std::to_string(r.offset));
    }
    record_header hdr;
    hdr.key = std::string(*k);
    if (v) hdr.value = std::string(*v);
    out.push_back(std::move(hdr));
  }
  return out;
}

result<std::vector<record>> decode_records(std::span<const char> batch) {
  std::vector<record> out;
  std::optional<error> failure;
  auto status = for_each_record(batch, [&](const record_view& v) {
    auto headers = decode_headers(v);
    if (!headers) {
      failure = headers.err();
      return false;
    }
    record r;
    r.offset = v.offset;
    r.timestamp = v.timestamp;
    if (v.key) r.key = std::string(*v.key);
    if (v.value) r.value = std::string(*v.value);
    r.headers = std::move(*headers);
    out.push_back(std::move(r));
    return true;
  });
  if (!status) return std::move(status).take_error();
  if (failure) return *failure;
  return out;
}

batch_builder::batch_builder(batch_options options) : options_(options) {
  buf_.resize(batch_header_size);
}

void batch_builder::append(int64_t timestamp, std::optional<std::string_view> key,
                           std::optional<std::string_view> value,
                           std::span<const header_view> headers) {
  append_encoded(last_delta_ + 1, timestamp, key, value, -1, {}, headers);
}

void batch_builder::append_with_delta(int32_t offset_delta, int64_t timestamp,
                                      std::optional<std::string_view> key,
                                      std::optional<std::string_view> value,
                                      std::span<const header_view> headers) {
  append_encoded(offset_delta, timestamp, key, value, -1, {}, headers);
}

void batch_builder::append_raw_headers(int32_t offset_delta, int64_t timestamp,
                                       std::optional<std::string_view> key,
                                       std::optional<std::string_view> value, int32_t header_count,
                                       std::span<const char> headers_bytes) {
  append_encoded(offset_delta, timestamp, key, value, header_count, headers_bytes, {});
}

void batch_builder::append_encoded(int32_t offset_delta, int64_t timestamp,
                                   std::optional<std::string_view> key,
                                   std::optional<std::string_view> value, int32_t header_count,
                                   std::span<const char> headers_bytes,
                                   std::span<const header_view> headers) {
  if (count_ == 0) first_timestamp_ = timestamp;
  max_timestamp_ = std::max(max_timestamp_, timestamp);
  const int64_t ts_delta = timestamp - first_timestamp_;
  std::size_t body = 1 + varlong_size(ts_delta) + varlong_size(offset_delta) + bytes_size(key) +
                     bytes_size(value);
  if (header_count >= 0) {
    body += varlong_size(header_count) + headers_bytes.size();
  } else {
    body += varlong_size(static_cast<int64_t>(headers.size()));
    for (const auto& hv : headers) body += bytes_size(hv.key) + bytes_size(hv.value);
  }
  // Grow geometrically, then encode straight into the buffer.
  const std::size_t at = buf_.size();
  const std::size_t total = varlong_size(static_cast<int64_t>(body)) + body;
  if (buf_.capacity() < at + total) buf_.reserve(std::max(at + total, buf_.capacity() * 2));
  buf_.resize(at + total);
  char* p = buf_.data() + at;
  p += write_varlong(p, static_cast<int64_t>(body));
  *p++ = 0;  // attributes
  p += write_varlong(p, ts_delta);
  p += write_varlong(p, offset_delta);
  p = write_bytes(p, key);
  p = write_bytes(p, value);
  if (header_count >= 0) {
    p += write_varlong(p, header_count);
    if (!headers_bytes.empty()) std::memcpy(p, headers_bytes.data(), headers_bytes.size());
    p += headers_bytes.size();
  } else {
    p += write_varlong(p, static_cast<int64_t>(headers.size()));
    for (const auto& hv : headers) {
      p = write_bytes(p, hv.key);
      p = write_bytes(p, hv.value);
    }
  }
  ++count_;
  last_delta_ = offset_delta;
}

result<std::vector<char>> batch_builder::build() {
  std::vector<char> out;
  if (options_.compression == codec::none) {
    out = std::move(buf_);
  } else {
    auto section = std::span<const char>(buf_).subspan(batch_header_size);
    auto compressed = compress(options_.compression, section);
    if (!compressed) return std::move(compressed).take_error();
    out.reserve(batch_header_size + compressed->size());
    out.resize(batch_header_size);
    out.insert(out.end(), compressed->begin(), compressed->end());
  }
  int16_t attrs = static_cast<int16_t>(options_.compression);
  if (options_.log_append_time) attrs |= attr_log_append_time;
  if (options_.transactional) attrs |= attr_transactional;
  if (options_.control) attrs |= attr_control;
  char* p = out.data();
  store_be<int64_t>(p + 0, options_.base_offset);
  store_be<int32_t>(p + 8, static_cast<int32_t>(out.size() - batch_log_overhead));
  store_be<int32_t>(p + 12, options_.partition_leader_epoch);
  p[16] = batch_magic_v2;
  store_be<int16_t>(p + 21, attrs);
  store_be<int32_t>(p + 23, forced_last_delta_.value_or(std::max(last_delta_, 0)));
  store_be<int64_t>(p + 27, first_timestamp_);
  store_be<int64_t>(p + 35, max_timestamp_);
  store_be<int64_t>(p + 43, options_.producer_id);
  store_be<int16_t>(p + 51, options_.producer_epoch);
  store_be<int32_t>(p + 53, options_.base_sequence);
  store_be<int32_t>(p + 57, static_cast<int32_t>(count_));
  store_be<uint32_t>(p + 17, compute_batch_crc(out));
  // Reset for reuse.
  buf_.clear();
  buf_.resize(batch_header_size);
  count_ = 0;
  last_delta_ = -1;
  forced_last_delta_.reset();
  first_timestamp_ = no_timestamp;
  max_timestamp_ = no_timestamp;
  return out;
}

std::optional<std::pair<batch_header, std::span<const char>>> batch_cursor::next() {
  auto rest = bytes_.subspan(pos_);
  if (rest.size() < batch_header_size) return std::nullopt;
  auto h = parse_batch_header(rest);
  if (!h || h->batch_length < static_cast<int32_t>(batch_header_size - batch_log_overhead) ||
      h->size_bytes() > rest.size()) {
    return std::nullopt;
  }
  auto batch = rest.first(h->size_bytes());
  pos_ += h->size_bytes();
  return std::make_pair(*h, batch);
}

}  // namespace fluxo::storage
