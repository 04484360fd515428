#include "runtime/kafka/wire.hpp"

#include <limits>
#include <type_traits>

namespace fluxo::kafka {

namespace {

template <class T>
T from_big_endian(const char* p) {
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    u = static_cast<U>((u << 8) | static_cast<uint8_t>(p[i]));
  }
  return static_cast<T>(u);
}

template <class T>
void append_big_endian(std::vector<char>& out, T v) {
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(v);
  for (std::size_t i = sizeof(T); i-- > 0;) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(u >> (8 * i))));
  }
}

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// reader

void reader::fail(std::string message) {
  if (!ok_) return;
  ok_ = false;
  error_ = std::move(message);
}

void reader::add_context(std::string_view context) {
  if (ok_) return;
  error_ = std::string(context) + ": " + error_;
}

bool reader::need(std::size_t n, const char* what) {
  if (!ok_) return false;
  if (remaining() >= n) return true;
  fail("truncated " + std::string(what) + " at byte " + std::to_string(pos_) + " (needs " +
       std::to_string(n) + ", " + std::to_string(remaining()) + " left)");
  return false;
}

template <class T>
T reader::fixed(const char* what) {
  if (!need(sizeof(T), what)) return T{};
  T v = from_big_endian<T>(data_.data() + pos_);
  pos_ += sizeof(T);
  return v;
}

int8_t reader::int8() { return fixed<int8_t>("int8"); }
int16_t reader::int16() { return fixed<int16_t>("int16"); }
int32_t reader::int32() { return fixed<int32_t>("int32"); }
int64_t reader::int64() { return fixed<int64_t>("int64"); }
bool reader::boolean() { return fixed<int8_t>("boolean") != 0; }

uint32_t reader::uvarint() {
  uint64_t u = 0;
  std::size_t start = pos_;
  for (int i = 0; i < 5; ++i) {
    if (!need(1, "uvarint")) return 0;
    auto b = static_cast<uint8_t>(data_[pos_++]);
    u |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      if (u > std::numeric_limits<uint32_t>::max()) break;
      return static_cast<uint32_t>(u);
    }
  }
  fail("invalid uvarint at byte " + std::to_string(start));
  return 0;
}

int64_t reader::varlong() {
  uint64_t u = 0;
  std::size_t start = pos_;
  for (int i = 0; i < 10; ++i) {
    if (!need(1, "varlong")) return 0;
    auto b = static_cast<uint8_t>(data_[pos_++]);
    u |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return unzigzag(u);
  }
  fail("invalid varlong at byte " + std::to_string(start));
  return 0;
}

int32_t reader::varint() {
  uint64_t u = 0;
  std::size_t start = pos_;
  for (int i = 0; i < 5; ++i) {
    if (!need(1, "varint")) return 0;
    auto b = static_cast<uint8_t>(data_[pos_++]);
    u |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      int64_t v = unzigzag(u);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        break;
      }
      return static_cast<int32_t>(v);
    }
  }
  fail("invalid varint at byte " + std::to_string(start));
  return 0;
}

std::span<const char> reader::raw(std::size_t n) {
  if (!need(n, "raw bytes")) return {};
  auto s = data_.subspan(pos_, n);
  pos_ += n;
  return s;
}

std::optional<std::string> reader::nullable_string() {
  std::size_t start = pos_;
  int16_t len = int16();
  if (!ok_) return std::nullopt;
  if (len == -1) return std::nullopt;
  if (len < 0) {
    fail("invalid string length " + std::to_string(len) + " at byte " + std::to_string(start));
    return std::nullopt;
  }
  auto s = raw(static_cast<std::size_t>(len));
  if (!ok_) return std::nullopt;
  return std::string(s.begin(), s.end());
}

std::string reader::string() {
  std::size_t start = pos_;
  auto s = nullable_string();
  if (ok_ && !s) fail("null string at byte " + std::to_string(start) + " where not nullable");
  return s ? std::move(*s) : std::string{};
}

std::optional<std::vector<char>> reader::nullable_bytes() {
  std::size_t start = pos_;
  int32_t len = int32();
  if (!ok_) return std::nullopt;
  if (len == -1) return std::nullopt;
  if (len < 0) {
    fail("invalid bytes length " + std::to_string(len) + " at byte " + std::to_string(start));
    return std::nullopt;
  }
  auto s = raw(static_cast<std::size_t>(len));
  if (!ok_) return std::nullopt;
  return std::vector<char>(s.begin(), s.end());
}

std::vector<char> reader::bytes() {
  std::size_t start = pos_;
  auto b = nullable_bytes();
  if (ok_ && !b) fail("null bytes at byte " + std::to_string(start) + " where not nullable");
  return b ? std::move(*b) : std::vector<char>{};
}

int32_t reader::array_length(bool nullable, std::size_t min_element_size) {
  std::size_t start = pos_;
  int32_t n = int32();
  if (!ok_) return 0;
  if (n == -1 && nullable) return -1;
  if (n < 0) {
    fail((n == -1 ? std::string("null array") : "invalid array length " + std::to_string(n)) +
         " at byte " + std::to_string(start));
    return 0;
  }
  if (min_element_size > 0 && static_cast<std::size_t>(n) > remaining() / min_element_size) {
    fail("array length " + std::to_string(n) + " at byte " + std::to_string(start) +
         " exceeds the " + std::to_string(remaining()) + " bytes left");
    return 0;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// writer

void writer::fail(std::string message) {
  if (!ok_) return;
  ok_ = false;
  error_ = std::move(message);
}

void writer::int8(int8_t v) { out_->push_back(static_cast<char>(v)); }
void writer::int16(int16_t v) { append_big_endian(*out_, v); }
void writer::int32(int32_t v) { append_big_endian(*out_, v); }
void writer::int64(int64_t v) { append_big_endian(*out_, v); }

void writer::uvarint(uint32_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void writer::varlong(int64_t v) {
  uint64_t u = zigzag(v);
  while (u >= 0x80) {
    out_->push_back(static_cast<char>((u & 0x7F) | 0x80));
    u >>= 7;
  }
  out_->push_back(static_cast<char>(u));
}

void writer::varint(int32_t v) { varlong(v); }

void writer::string(std::string_view s) {
  constexpr std::size_t max = std::numeric_limits<int16_t>::max();
  if (s.size() > max) {
    fail("string of " + std::to_string(s.size()) + " bytes exceeds 32767");
    s = s.substr(0, max);
  }
  int16(static_cast<int16_t>(s.size()));
  out_->insert(out_->end(), s.begin(), s.end());
}

void writer::nullable_string(const std::optional<std::string>& s) {
  if (s) {
    string(*s);
  } else {
    int16(-1);
  }
}

void writer::bytes(std::span<const char> b) {
  constexpr std::size_t max = std::numeric_limits<int32_t>::max();
  if (b.size() > max) {
    fail("bytes of " + std::to_string(b.size()) + " exceed INT32_MAX");
    b = b.first(max);
  }
  int32(static_cast<int32_t>(b.size()));
  raw(b);
}

void writer::nullable_bytes(const std::optional<std::vector<char>>& b) {
  if (b) {
    bytes(*b);
  } else {
    int32(-1);
  }
}

void writer::raw(std::span<const char> b) { out_->insert(out_->end(), b.begin(), b.end()); }

void writer::array_length(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int32_t>::max())) {
    fail("array of " + std::to_string(n) + " elements exceeds INT32_MAX");
    n = std::numeric_limits<int32_t>::max();
  }
  int32(static_cast<int32_t>(n));
}

void writer::patch_int32(std::size_t pos, int32_t v) {
  if (pos + 4 > out_->size()) {
    fail("patch_int32 past the end");
    return;
  }
  auto u = static_cast<uint32_t>(v);
  for (std::size_t i = 0; i < 4; ++i) {
    (*out_)[pos + i] = static_cast<char>(static_cast<uint8_t>(u >> (8 * (3 - i))));
  }
}

}  // namespace fluxo::kafka
