#include "tests/utils/log_test_utils.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/logger.hpp"

namespace fluxo::storage {

void PrintTo(const record& r, std::ostream* os) { *os << test::describe(r); }

}  // namespace fluxo::storage

namespace fluxo::storage::test {
namespace fs = std::filesystem;

temp_dir::temp_dir(std::string_view tag) {
  std::string tmpl = "/tmp/" + std::string(tag) + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << tmpl;
    path_ = tmpl;
    return;
  }
  path_ = buf.data();
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string temp_dir::sub(std::string_view name) const { return path_ + "/" + std::string(name); }

manual_clock::manual_clock(int64_t start_ms) : now_(std::make_shared<std::atomic<int64_t>>(start_ms)) {}

clock_fn manual_clock::fn() const {
  auto state = now_;
  return [state] { return state->load(); };
}

std::vector<record> generated_batch::with_base(int64_t base_offset) const {
  auto out = records;
  for (auto& r : out) r.offset += base_offset;
  return out;
}

batch_generator::batch_generator(uint64_t seed, gen_options options)
    : options_(std::move(options)), rng_(seed) {}

std::string batch_generator::random_string(std::size_t max_len) {
  std::uniform_int_distribution<std::size_t> len_dist(0, max_len);
  std::uniform_int_distribution<int> byte_dist(0, 255);
  // Mix compressible (repeated letters) and random bytes so codecs have work to do.
  std::string s(len_dist(rng_), '\0');
  bool repetitive = (rng_() & 1) != 0;
  char letter = static_cast<char>('a' + rng_() % 26);
  for (auto& ch : s) ch = repetitive ? letter : static_cast<char>(byte_dist(rng_));
  return s;
}

generated_batch batch_generator::next(int64_t timestamp) {
  std::uniform_int_distribution<int> count_dist(options_.min_records, options_.max_records);
  std::uniform_real_distribution<double> p(0.0, 1.0);
  std::uniform_int_distribution<int> header_dist(0, options_.max_headers);
  const int n = count_dist(rng_);
  std::vector<record> records;
  for (int i = 0; i < n; ++i) {
    record r;
    r.offset = i;
    r.timestamp = timestamp + i * options_.timestamp_step_ms;
    if (p(rng_) >= options_.null_key_probability) {
      if (options_.key_space > 0) {
        r.key = "key-" + std::to_string(rng_() % options_.key_space);
      } else {
        r.key = random_string(options_.max_key_bytes);
      }
    }
    if (p(rng_) >= options_.null_value_probability) r.value = random_string(options_.max_value_bytes);
    const int headers = header_dist(rng_);
    for (int h = 0; h < headers; ++h) {
      record_header hdr;
      // (Appended piecewise: GCC 12 warns falsely about `"h" + std::string` at -O3.)
      hdr.key = std::to_string(h);
      hdr.key.append(random_string(4));
      if (p(rng_) >= 0.2) hdr.value = random_string(16);
      r.headers.push_back(std::move(hdr));
    }
    records.push_back(std::move(r));
  }
  const codec c = options_.codecs[rng_() % options_.codecs.size()];
  return make(records, c);
}

generated_batch batch_generator::make(const std::vector<record>& records, codec c) {
  batch_options opts;
  opts.compression = c;
  batch_builder builder(opts);
  generated_batch out;
  out.compression = c;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    std::vector<header_view> hv;
    for (const auto& h : r.headers) {
      header_view v;
      v.key = h.key;
      if (h.value) v.value = std::string_view(*h.value);
      hv.push_back(v);
    }
    std::optional<std::string_view> key;
    std::optional<std::string_view> value;
    if (r.key) key = std::string_view(*r.key);
    if (r.value) value = std::string_view(*r.value);
    builder.append(r.timestamp, key, value, hv);
    record copy = r;
    copy.offset = static_cast<int64_t>(i);
    out.records.push_back(std::move(copy));
  }
  auto built = builder.build();
  if (!built) {
    ADD_FAILURE() << "batch_builder::build failed: " << built.err().to_string();
    return out;
  }
  out.bytes = std::move(*built);
  return out;
}

generated_batch single_record_batch(int64_t timestamp, std::optional<std::string> key,
                                    std::optional<std::string> value) {
  record r;
  r.timestamp = timestamp;
  r.key = std::move(key);
  r.value = std::move(value);
  return batch_generator::make({r});
}

result<append_info> append_batch(partition_log& log, const generated_batch& batch,
                                 std::vector<record>* expected) {
  auto bytes = batch.bytes;
  auto info = log.append(bytes);
  if (!info) {
    ADD_FAILURE() << "append failed: " << info.err().to_string();
    return info;
  }
  if (expected) {
    auto recs = batch.with_base(info->base_offset);
    expected->insert(expected->end(), recs.begin(), recs.end());
  }
  return info;
}

log_contents read_log(partition_log& log, std::size_t max_bytes, int64_t from) {
  log_contents out;
  int64_t offset = from < 0 ? log.log_start_offset() : from;
  while (offset < log.log_end_offset()) {
    auto got = log.read(offset, max_bytes);
    ++out.reads;
    if (!got) {
      out.failure = got.err();
      return out;
    }
    if (got->bytes.empty()) break;
    batch_cursor cursor(got->bytes);
    std::size_t consumed = 0;
    while (auto b = cursor.next()) {
      ++out.batches;
      auto recs = decode_records(b->second);
      if (!recs) {
        out.failure = recs.err();
        return out;
      }
      for (auto& r : *recs) {
        if (r.offset >= offset) out.records.push_back(std::move(r));
      }
      consumed = cursor.position();
    }
    if (consumed != got->bytes.size()) {
      out.failure = error{errc::corrupt_batch, "read() returned a partial batch", 0};
      return out;
    }
    if (got->next_offset <= offset) {
      out.failure = error{errc::corrupt_batch, "read() did not advance", 0};
      return out;
    }
    offset = got->next_offset;
  }
  return out;
}

std::vector<record> read_all(partition_log& log, std::size_t max_bytes) {
  auto c = read_log(log, max_bytes);
  if (c.failure) ADD_FAILURE() << "reading " << log.dir() << " failed: " << c.failure->to_string();
  return std::move(c.records);
}

std::unique_ptr<partition_log> open_log(const std::string& dir, const log_config& config) {
  auto log = partition_log::open(dir, config);
  if (!log) {
    ADD_FAILURE() << "open " << dir << " failed: " << log.err().to_string();
    return nullptr;
  }
  return std::move(*log);
}

void copy_dir(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove_all(to, ec);
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

uint64_t file_size(const std::string& path) { return fs::file_size(path); }

void truncate_file(const std::string& path, uint64_t size) { fs::resize_file(path, size); }

std::vector<std::string> files_with_extension(const std::string& dir, std::string_view ext) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<stored_batch> batches_in_file(const std::string& path) {
  auto bytes = read_bytes(path);
  std::vector<stored_batch> out;
  batch_cursor cursor(bytes);
  std::size_t pos = 0;
  while (auto b = cursor.next()) {
    out.push_back({pos, b->first});
    pos = cursor.position();
  }
  return out;
}

quiet_logs::quiet_logs() : previous_(static_cast<int>(logger().level())) {
  logger().set_level(spdlog::level::off);
}

quiet_logs::~quiet_logs() { logger().set_level(static_cast<spdlog::level::level_enum>(previous_)); }

std::string describe(const record& r) {
  std::ostringstream os;
  auto show = [&](const std::optional<std::string>& s) {
    if (!s) {
      os << "null";
      return;
    }
    os << '"';
    for (std::size_t i = 0; i < std::min<std::size_t>(s->size(), 16); ++i) {
      auto ch = static_cast<unsigned char>((*s)[i]);
      if (ch >= 32 && ch < 127) {
        os << static_cast<char>(ch);
      } else {
        os << "\\x" << std::hex << static_cast<int>(ch) << std::dec;
      }
    }
    if (s->size() > 16) os << "...(" << s->size() << " bytes)";
    os << '"';
  };
  os << "{offset " << r.offset << ", ts " << r.timestamp << ", key ";
  show(r.key);
  os << ", value ";
  show(r.value);
  os << ", " << r.headers.size() << " headers}";
  return os.str();
}

}  // namespace fluxo::storage::test
