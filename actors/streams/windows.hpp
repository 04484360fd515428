// Window arithmetic for fluxo::streams, pure functions over millisecond timestamps.
//
// Time windows (tumbling = hopping with advance == size): windows [start, start + size) whose
// start is a multiple of `advance` (aligned to the epoch, floor division for negative times);
// a record at `ts` belongs to every window with start <= ts < start + size.
//
// Session windows: records of one key whose timestamps are at most `gap` apart belong to one
// session [start, end], where start/end are the first/last record timestamps (end INCLUSIVE,
// unlike time windows). A record at ts reaches a session iff start - gap <= ts <= end + gap;
// a record reaching several sessions merges them.
//
// Stream time: the highest event time a store has accepted (late records never raise it).
//  - A time window is closed once end + grace <= stream_time: records for it are late (skipped,
//    counted) and it is deleted from the store (a changelog tombstone, nothing downstream).
//  - A session record is late once ts + gap + grace <= stream_time (its own one-record session
//    would already be closed). A session is deleted once end + 2*gap + grace <= stream_time:
//    from then on no record that is not late can reach it, so deleting never changes a result.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/streams/records.hpp"  // no_time

namespace fluxo::streams {

using millis = std::chrono::milliseconds;

struct time_windows {
  int64_t size_ms = 0;
  int64_t advance_ms = 0;
  int64_t grace_ms = 0;
  // A copy that also accepts records up to `g` behind stream time.
  time_windows grace(millis g) const;
};

struct session_windows {
  int64_t gap_ms = 0;
  int64_t grace_ms = 0;
  session_windows grace(millis g) const;
};

// Throw std::invalid_argument unless 0 < advance <= size, gap > 0, grace >= 0.
time_windows tumbling(millis size);
time_windows hopping(millis size, millis advance);
session_windows session(millis gap);

struct window {
  int64_t start = 0;
  int64_t end = 0;  // exclusive for time windows, inclusive for sessions
  bool operator==(const window&) const = default;
  auto operator<=>(const window&) const = default;
};

// The windows containing ts, by ascending start.
std::vector<window> windows_for(const time_windows& w, int64_t ts);

bool is_closed(const time_windows& w, const window& win, int64_t stream_time);
bool is_late(const session_windows& s, int64_t ts, int64_t stream_time);
bool is_expired(const session_windows& s, const window& session, int64_t stream_time);
bool reaches(const session_windows& s, const window& session, int64_t ts);

// Time windows with end <= this are closed (nullopt: none can be yet).
std::optional<int64_t> closed_through(const time_windows& w, int64_t stream_time);
// Sessions with end <= this are expired.
std::optional<int64_t> expired_through(const session_windows& s, int64_t stream_time);

// The key of a windowed aggregation. For time windows `end` is exclusive, for sessions inclusive.
template <class K>
struct windowed {
  K key{};
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const windowed&) const = default;
};

// Windowed key bytes, used in store keys, changelog keys and by serde<windowed<K>>:
//   "<start>:<end>:<key bytes>"   (decimal start/end; e.g. "10000:20000:page-a").
// Deterministic, readable with kcat, and unambiguous (the key bytes may contain ':').
std::string encode_window_key(int64_t start, int64_t end, std::string_view key);
struct decoded_window_key {
  int64_t start = 0;
  int64_t end = 0;
  std::string_view key;
};
std::optional<decoded_window_key> decode_window_key(std::string_view bytes);

}  // namespace fluxo::streams
