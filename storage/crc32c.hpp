// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by Kafka RecordBatch v2.
//
// `crc32c()` picks the SSE4.2 `crc32` instruction when the CPU has it (checked once at
// startup) and a portable slice-by-8 table implementation otherwise. Both entry points are
// public so tests can check each against the known vectors (RFC 3720 B.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fluxo::storage {

// Continues a CRC: pass the previous result as `crc` (0 to start).
uint32_t crc32c_extend(uint32_t crc, const void* data, std::size_t size);
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, std::size_t size);
// Only call when crc32c_hardware_available() is true.
uint32_t crc32c_extend_hardware(uint32_t crc, const void* data, std::size_t size);
bool crc32c_hardware_available();

inline uint32_t crc32c(std::span<const char> bytes) {
  return crc32c_extend(0, bytes.data(), bytes.size());
}

}  // namespace fluxo::storage
