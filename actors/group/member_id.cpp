#include "actors/group/member_id.hpp"

#include <array>

namespace fluxo::group {

uint64_t member_id_generator::next64() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string member_id_generator::next(std::string_view client_id) {
  std::array<uint8_t, 16> b{};
  const uint64_t hi = next64();
  const uint64_t lo = next64();
  for (int i = 0; i < 8; ++i) {
    b[static_cast<size_t>(i)] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    b[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(client_id);
  out += '-';
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[b[i] >> 4];
    out += hex[b[i] & 0x0f];
  }
  return out;
}

}  // namespace fluxo::group
