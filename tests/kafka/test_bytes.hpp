// Test helpers: build expected wire bytes by hand (independently of kafka::writer) and compare
// them with a readable first-difference message.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka::test {

// Big-endian byte string builder: b.i16(18).i16(0).i32(1).str("client")...
class bytes_builder {
 public:
  bytes_builder& i8(int64_t v) { return be(static_cast<uint64_t>(v), 1); }
  bytes_builder& i16(int64_t v) { return be(static_cast<uint64_t>(v), 2); }
  bytes_builder& i32(int64_t v) { return be(static_cast<uint64_t>(v), 4); }
  bytes_builder& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
  bytes_builder& boolean(bool v) { return i8(v ? 1 : 0); }
  bytes_builder& array(int32_t n) { return i32(n); }  // element count, -1 = null
  bytes_builder& str(std::string_view s) {
    i16(static_cast<int64_t>(s.size()));
    return raw(s);
  }
  bytes_builder& null_str() { return i16(-1); }
  bytes_builder& bytes(std::string_view s) {
    i32(static_cast<int64_t>(s.size()));
    return raw(s);
  }
  bytes_builder& null_bytes() { return i32(-1); }
  bytes_builder& raw(std::string_view s) {
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  bytes_builder& u8s(std::initializer_list<int> bytes) {
    for (int b : bytes) out_.push_back(static_cast<char>(b));
    return *this;
  }
  // int32 array [x, y, ...]
  bytes_builder& i32s(std::initializer_list<int32_t> xs) {
    array(static_cast<int32_t>(xs.size()));
    for (auto x : xs) i32(x);
    return *this;
  }

  const std::vector<char>& data() const { return out_; }
  operator std::vector<char>() const { return out_; }  // NOLINT: convenience

 private:
  bytes_builder& be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  std::vector<char> out_;
};

inline std::string hex(std::span<const char> b, std::size_t from = 0, std::size_t n = 24) {
  std::ostringstream os;
  static const char* digits = "0123456789abcdef";
  for (std::size_t i = from; i < b.size() && i < from + n; ++i) {
    auto u = static_cast<uint8_t>(b[i]);
    os << digits[u >> 4] << digits[u & 15] << ' ';
  }
  return os.str();
}

// Passes when equal; otherwise names the first differing byte and shows both sides there.
inline ::testing::AssertionResult same_bytes(const std::vector<char>& actual,
                                             const std::vector<char>& expected) {
  if (actual == expected) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
  std::size_t from = i >= 8 ? i - 8 : 0;
  return ::testing::AssertionFailure()
         << "sizes " << actual.size() << " vs expected " << expected.size()
         << "; first difference at byte " << i << "\n  actual   @" << from << ": "
         << hex(actual, from) << "\n  expected @" << from << ": " << hex(expected, from);
}

// Runs an encode_* function into a fresh buffer.
template <class Encode, class Msg>
std::vector<char> encoded(Encode encode, int16_t version, const Msg& m) {
  std::vector<char> out;
  writer w(out);
  encode(w, version, m);
  EXPECT_TRUE(w.ok()) << w.error();
  return out;
}

}  // namespace fluxo::kafka::test
