// Internal to the message .cpp files: each message's layout is written once, as a template
//
//   template <class IO, class M> void foo_request_layout(IO& io, int16_t v, M& m)
//
// that visits the fields of version v in wire order. Instantiated with `decoder` (M non-const)
// it fills a struct from a reader; with `encoder` (M const) it writes the struct. Encoding and
// decoding therefore cannot disagree about a layout; the golden-byte tests pin the layouts
// themselves to the spec.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/api.hpp"
#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka::detail {

struct decoder {
  reader& r;

  void i8(int8_t& x) { x = r.int8(); }
  void i16(int16_t& x) { x = r.int16(); }
  void i32(int32_t& x) { x = r.int32(); }
  void i64(int64_t& x) { x = r.int64(); }
  void boolean(bool& x) { x = r.boolean(); }
  void str(std::string& x) { x = r.string(); }
  void nstr(std::optional<std::string>& x) { x = r.nullable_string(); }
  void bytes(std::vector<char>& x) { x = r.bytes(); }
  void nbytes(std::optional<std::vector<char>>& x) { x = r.nullable_bytes(); }

  // Elements are appended one by one (no resize to the claimed count) and the loop stops at
  // the first failure, so memory stays proportional to what was actually parsed.
  template <class T, class F>
  void array(std::vector<T>& v, F&& each, std::size_t min_size = 1) {
    v.clear();
    read_elements(v, r.array_length(false, min_size), each);
  }
  // Nullable array: -1 decodes to nullopt.
  template <class T, class F>
  void nullable_array(std::optional<std::vector<T>>& v, F&& each, std::size_t min_size = 1) {
    int32_t n = r.array_length(true, min_size);
    if (n < 0) {
      v.reset();
      return;
    }
    read_elements(v.emplace(), n, each);
  }
  // A field that is nullable in later versions but not in this one: decodes to an engaged
  // optional (-1 is an error).
  template <class T, class F>
  void nonnull_array(std::optional<std::vector<T>>& v, F&& each, std::size_t min_size = 1) {
    read_elements(v.emplace(), r.array_length(false, min_size), each);
  }

  void i32_array(std::vector<int32_t>& v) {
    array(
        v, [this](int32_t& x) { i32(x); }, 4);
  }
  void str_array(std::vector<std::string>& v) {
    array(
        v, [this](std::string& x) { str(x); }, 2);
  }
  void nullable_str_array(std::optional<std::vector<std::string>>& v) {
    nullable_array(
        v, [this](std::string& x) { str(x); }, 2);
  }

 private:
  template <class T, class F>
  void read_elements(std::vector<T>& v, int32_t n, F& each) {
    for (int32_t i = 0; i < n && r.ok(); ++i) each(v.emplace_back());
  }
};

struct encoder {
  writer& w;

  void i8(int8_t x) { w.int8(x); }
  void i16(int16_t x) { w.int16(x); }
  void i32(int32_t x) { w.int32(x); }
  void i64(int64_t x) { w.int64(x); }
  void boolean(bool x) { w.boolean(x); }
  void str(const std::string& x) { w.string(x); }
  void nstr(const std::optional<std::string>& x) { w.nullable_string(x); }
  void bytes(const std::vector<char>& x) { w.bytes(x); }
  void nbytes(const std::optional<std::vector<char>>& x) { w.nullable_bytes(x); }

  template <class T, class F>
  void array(const std::vector<T>& v, F&& each, std::size_t = 1) {
    w.array_length(v.size());
    for (const auto& e : v) each(e);
  }
  template <class T, class F>
  void nullable_array(const std::optional<std::vector<T>>& v, F&& each, std::size_t = 1) {
    if (!v) {
      w.null_array();
      return;
    }
    array(*v, each);
  }
  // Not nullable in this version: null is written as an empty array.
  template <class T, class F>
  void nonnull_array(const std::optional<std::vector<T>>& v, F&& each, std::size_t = 1) {
    if (!v) {
      w.array_length(0);
      return;
    }
    array(*v, each);
  }

  void i32_array(const std::vector<int32_t>& v) {
    array(v, [this](int32_t x) { i32(x); });
  }
  void str_array(const std::vector<std::string>& v) {
    array(v, [this](const std::string& x) { str(x); });
  }
  void nullable_str_array(const std::optional<std::vector<std::string>>& v) {
    nullable_array(v, [this](const std::string& x) { str(x); });
  }
};

// Decodes M from r at version v, checking v against supported_apis for `key`.
template <class M, class Layout>
std::optional<M> decode_message(reader& r, int16_t v, api_key key, const char* name,
                                Layout layout) {
  if (!is_supported(key, v)) {
    r.fail("unsupported version " + std::to_string(v));
  } else {
    M m{};
    decoder io{r};
    layout(io, v, m);
    if (r.ok()) return m;
  }
  r.add_context(std::string(name) + " v" + std::to_string(v));
  return std::nullopt;
}

}  // namespace fluxo::kafka::detail

// Defines decode_<msg>(reader&, int16_t) and encode_<msg>(writer&, int16_t, const msg&) from
// <msg>_layout. Used once per message in the family .cpp files.
#define FLUXO_KAFKA_CODEC(msg, key)                                                         \
  std::optional<msg> decode_##msg(reader& r, int16_t v) {                                   \
    return detail::decode_message<msg>(                                                     \
        r, v, key, #msg, [](auto& io, int16_t ver, auto& m) { msg##_layout(io, ver, m); }); \
  }                                                                                         \
  void encode_##msg(writer& w, int16_t v, const msg& m) {                                   \
    detail::encoder io{w};                                                                  \
    msg##_layout(io, v, m);                                                                 \
  }
