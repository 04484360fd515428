#include "actors/client/tracing.hpp"

#include <algorithm>
#include <random>

#include "actors/client/client.hpp"

namespace fluxo::client {
namespace {

thread_local std::optional<trace_context> current;

template <std::size_t N>
void fill_random(std::array<uint8_t, N>& out) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  do {
    for (auto& b : out) b = static_cast<uint8_t>(rng());
  } while (std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0; }));
}

template <std::size_t N>
std::string hex(const std::array<uint8_t, N>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C: lowercase hex only
}

template <std::size_t N>
bool unhex(std::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return std::any_of(out.begin(), out.end(), [](uint8_t b) { return b != 0; });
}

}  // namespace

trace_context trace_context::start() {
  trace_context t;
  fill_random(t.trace_id);
  fill_random(t.span_id);
  return t;
}

trace_context trace_context::child() const {
  trace_context t = *this;
  fill_random(t.span_id);
  return t;
}

std::string trace_context::traceparent() const {
  static const char* digits = "0123456789abcdef";
  return "00-" + hex(trace_id) + "-" + hex(span_id) + "-" + digits[flags >> 4] + digits[flags & 15];
}

std::string trace_context::trace_id_hex() const { return hex(trace_id); }
std::string trace_context::span_id_hex() const { return hex(span_id); }

std::optional<trace_context> trace_context::parse(std::string_view s) {
  // 00-<32>-<16>-<2>
  if (s.size() != 55 || s.substr(0, 3) != "00-" || s[35] != '-' || s[52] != '-') return std::nullopt;
  trace_context t;
  std::array<uint8_t, 1> flags{};
  if (!unhex(s.substr(3, 32), t.trace_id) || !unhex(s.substr(36, 16), t.span_id)) return std::nullopt;
  int hi = nibble(s[53]), lo = nibble(s[54]);
  if (hi < 0 || lo < 0) return std::nullopt;
  flags[0] = static_cast<uint8_t>(hi << 4 | lo);
  t.flags = flags[0];
  return t;
}

trace_scope::trace_scope(const trace_context& context) : previous_(current) { current = context; }
trace_scope::~trace_scope() { current = previous_; }

std::optional<trace_context> current_trace() { return current; }

std::optional<trace_context> trace_of(const consumed_record& record) {
  for (const auto& [k, v] : record.headers) {
    if (k == traceparent_header) return trace_context::parse(v);
  }
  return std::nullopt;
}

}  // namespace fluxo::client
