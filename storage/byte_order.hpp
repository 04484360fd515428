// Big-endian (network order) loads and stores, as Kafka's wire and disk formats use.
// All functions work on unaligned memory.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace fluxo::storage {

template <class T>
inline T byte_swap(T v) {
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(v);
  if constexpr (sizeof(T) == 2) u = __builtin_bswap16(u);
  if constexpr (sizeof(T) == 4) u = __builtin_bswap32(u);
  if constexpr (sizeof(T) == 8) u = __builtin_bswap64(u);
  return static_cast<T>(u);
}

template <class T>
inline T load_be(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    v = byte_swap(v);
  }
  return v;
}

template <class T>
inline void store_be(void* p, T v) {
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    v = byte_swap(v);
  }
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace fluxo::storage
