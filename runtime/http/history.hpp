// Time series the HTTP API keeps in memory (no CAF, no I/O; fed by the sampler thread):
// - rate_window: records/s of a growing counter (a topic's appended records) over a window.
// - lag_history: one group's total lag sampled over time, oldest first, bounded in length.
// Both take explicit timestamps (ms) so that tests drive time.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

namespace fluxo::runtime::http {

class rate_window {
 public:
  explicit rate_window(int64_t window_ms = 10'000) : window_ms_(window_ms) {}
  // A reading of the counter at `now_ms`. A counter that went down (topic recreated, records
  // deleted) restarts the window.
  void add(int64_t now_ms, int64_t value);
  // Per second over the readings in the window; 0 with fewer than two.
  double per_second() const;

 private:
  int64_t window_ms_;
  std::deque<std::pair<int64_t, int64_t>> samples_;  // (time, value), oldest first
};

struct lag_point {
  int64_t timestamp_ms = 0;
  int64_t total_lag = 0;
};

class lag_history {
 public:
  explicit lag_history(std::size_t max_points = 720) : max_points_(max_points) {}  // 1 h at 5 s
  void add(int64_t now_ms, int64_t total_lag);
  const std::deque<lag_point>& points() const { return points_; }

 private:
  std::size_t max_points_;
  std::deque<lag_point> points_;
};

}  // namespace fluxo::runtime::http
