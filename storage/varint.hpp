// Zigzag varints (protobuf style), as Kafka records use for lengths, deltas and counts.
// varint = 32-bit value in at most 5 bytes; varlong = 64-bit value in at most 10 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace fluxo::storage {

constexpr std::size_t max_varlong_size = 10;

inline uint64_t zigzag_encode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t zigzag_decode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Number of bytes write_varlong(v) produces.
inline std::size_t varlong_size(int64_t v) {
  uint64_t u = zigzag_encode(v);
  std::size_t n = 1;
  while (u >= 0x80) {
    u >>= 7;
    ++n;
  }
  return n;
}

// Writes v at out (room for max_varlong_size bytes needed); returns bytes written.
inline std::size_t write_varlong(char* out, int64_t v) {
  uint64_t u = zigzag_encode(v);
  std::size_t n = 0;
  while (u >= 0x80) {
    out[n++] = static_cast<char>((u & 0x7F) | 0x80);
    u >>= 7;
  }
  out[n++] = static_cast<char>(u);
  return n;
}

// Reads a zigzag varint from [p, end), advancing p. nullopt when truncated or too long
// (more than `max_bytes` bytes), so hostile input cannot overrun the buffer.
inline std::optional<int64_t> read_varlong(const char*& p, const char* end,
                                           std::size_t max_bytes = max_varlong_size) {
  uint64_t u = 0;
  for (std::size_t i = 0; i < max_bytes; ++i) {
    if (p == end) return std::nullopt;
    auto b = static_cast<uint8_t>(*p++);
    u |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return zigzag_decode(u);
  }
  return std::nullopt;
}

// 32-bit varint: at most 5 bytes and the value must fit in int32.
inline std::optional<int32_t> read_varint(const char*& p, const char* end) {
  auto v = read_varlong(p, end, 5);
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(*v);
}

}  // namespace fluxo::storage
