// Kafka wire primitives for the non-flexible protocol versions fluxo speaks.
//
//   int8 / int16 / int32 / int64   two's complement, big-endian
//   boolean                        int8; 0 = false, anything else = true (written as 1)
//   varint / varlong               zigzag LEB128 (records; not used by non-flexible bodies)
//   uvarint                        unsigned LEB128 (compact lengths in flexible versions)
//   string                         int16 length N >= 0, then N bytes
//   nullable_string                int16 length, -1 = null
//   bytes                          int32 length N >= 0, then N bytes
//   nullable_bytes                 int32 length, -1 = null
//   array                          int32 count N, then N elements; -1 = null where nullable
//
// `reader` never throws and never reads past its span: the first problem (truncation, negative
// or oversized length, null where not allowed) is recorded, ok() turns false, and every later
// read returns a zero value without consuming input. Lengths and element counts are checked
// against the bytes that remain before anything is allocated, so a hostile length cannot make
// the decoder allocate more than the input could possibly describe.
//
// `writer` appends to a caller-owned std::vector<char>. Values that cannot be represented
// (a string longer than 32767 bytes, an array over INT32_MAX elements) are written truncated so
// the layout stays consistent, and ok() turns false so the caller can refuse the frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fluxo::kafka {

class reader {
 public:
  explicit reader(std::span<const char> data) : data_(data) {}

  bool ok() const { return ok_; }
  // Empty while ok(); otherwise what failed and where, e.g. "truncated int32 at byte 12
  // (needs 4, 2 left)".
  const std::string& error() const { return error_; }
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }

  int8_t int8();
  int16_t int16();
  int32_t int32();
  int64_t int64();
  bool boolean();
  int32_t varint();
  int64_t varlong();
  uint32_t uvarint();

  std::string string();
  std::optional<std::string> nullable_string();
  std::vector<char> bytes();
  std::optional<std::vector<char>> nullable_bytes();
  // Next n bytes as a view into the input (empty and failed if fewer remain).
  std::span<const char> raw(std::size_t n);

  // Reads an array count. Returns -1 for a null array (a failure unless `nullable`), otherwise
  // the count after checking that count * min_element_size bytes remain.
  int32_t array_length(bool nullable, std::size_t min_element_size = 1);

  // Records a failure (only the first one is kept); later reads return zero values.
  void fail(std::string message);
  // Prefixes the recorded error with context, e.g. the message being decoded.
  void add_context(std::string_view context);

 private:
  bool need(std::size_t n, const char* what);
  template <class T>
  T fixed(const char* what);

  std::span<const char> data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
  std::string error_;
};

class writer {
 public:
  explicit writer(std::vector<char>& out) : out_(&out) {}

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  std::size_t size() const { return out_->size(); }

  void int8(int8_t v);
  void int16(int16_t v);
  void int32(int32_t v);
  void int64(int64_t v);
  void boolean(bool v) { int8(v ? 1 : 0); }
  void varint(int32_t v);
  void varlong(int64_t v);
  void uvarint(uint32_t v);

  void string(std::string_view s);
  void nullable_string(const std::optional<std::string>& s);
  void bytes(std::span<const char> b);
  void nullable_bytes(const std::optional<std::vector<char>>& b);
  void raw(std::span<const char> b);
  void array_length(std::size_t n);
  void null_array() { int32(-1); }

  // Overwrites 4 bytes at `pos` (already written) with v, big-endian.
  void patch_int32(std::size_t pos, int32_t v);

 private:
  void fail(std::string message);

  std::vector<char>* out_;
  bool ok_ = true;
  std::string error_;
};

}  // namespace fluxo::kafka
