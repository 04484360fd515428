#include "actors/streams/windows.hpp"

#include <charconv>
#include <stdexcept>

#include "actors/streams/records.hpp"

namespace fluxo::streams {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t check_grace(millis g) {
  if (g.count() < 0) throw std::invalid_argument("streams: grace must be >= 0");
  return g.count();
}

std::optional<int64_t> parse_i64(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

time_windows time_windows::grace(millis g) const {
  time_windows w = *this;
  w.grace_ms = check_grace(g);
  return w;
}

session_windows session_windows::grace(millis g) const {
  session_windows s = *this;
  s.grace_ms = check_grace(g);
  return s;
}

time_windows hopping(millis size, millis advance) {
  if (size.count() <= 0 || advance.count() <= 0 || advance > size)
    throw std::invalid_argument("streams: windows need 0 < advance <= size");
  return {size.count(), advance.count(), 0};
}

time_windows tumbling(millis size) { return hopping(size, size); }

session_windows session(millis gap) {
  if (gap.count() <= 0) throw std::invalid_argument("streams: session gap must be > 0");
  return {gap.count(), 0};
}

std::vector<window> windows_for(const time_windows& w, int64_t ts) {
  std::vector<window> out;
  int64_t last = floor_div(ts, w.advance_ms) * w.advance_ms;  // latest start <= ts
  int64_t first = last;
  while (first - w.advance_ms > ts - w.size_ms) first -= w.advance_ms;
  for (int64_t s = first; s <= last; s += w.advance_ms) out.push_back({s, s + w.size_ms});
  return out;
}

bool is_closed(const time_windows& w, const window& win, int64_t stream_time) {
  return stream_time != no_time && win.end + w.grace_ms <= stream_time;
}

bool is_late(const session_windows& s, int64_t ts, int64_t stream_time) {
  return stream_time != no_time && ts + s.gap_ms + s.grace_ms <= stream_time;
}

bool is_expired(const session_windows& s, const window& session, int64_t stream_time) {
  return stream_time != no_time && session.end + 2 * s.gap_ms + s.grace_ms <= stream_time;
}

bool reaches(const session_windows& s, const window& session, int64_t ts) {
  return session.start - s.gap_ms <= ts && ts <= session.end + s.gap_ms;
}

std::optional<int64_t> closed_through(const time_windows& w, int64_t stream_time) {
  if (stream_time == no_time) return std::nullopt;
  return stream_time - w.grace_ms;
}

std::optional<int64_t> expired_through(const session_windows& s, int64_t stream_time) {
  if (stream_time == no_time) return std::nullopt;
  return stream_time - 2 * s.gap_ms - s.grace_ms;
}

std::string encode_window_key(int64_t start, int64_t end, std::string_view key) {
  std::string out = std::to_string(start);
  out += ':';
  out += std::to_string(end);
  out += ':';
  out += key;
  return out;
}

std::optional<decoded_window_key> decode_window_key(std::string_view bytes) {
  auto c1 = bytes.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  auto c2 = bytes.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  auto start = parse_i64(bytes.substr(0, c1));
  auto end = parse_i64(bytes.substr(c1 + 1, c2 - c1 - 1));
  if (!start || !end) return std::nullopt;
  return decoded_window_key{*start, *end, bytes.substr(c2 + 1)};
}

}  // namespace fluxo::streams
