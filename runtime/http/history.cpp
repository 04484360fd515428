#include "runtime/http/history.hpp"

namespace fluxo::runtime::http {

void rate_window::add(int64_t now_ms, int64_t value) {
  if (!samples_.empty() && (value < samples_.back().second || now_ms < samples_.back().first)) samples_.clear();
  samples_.emplace_back(now_ms, value);
  // Keep one reading at or before the window's start so the rate covers the whole window.
  while (samples_.size() > 2 && samples_[1].first <= now_ms - window_ms_) samples_.pop_front();
}

double rate_window::per_second() const {
  if (samples_.size() < 2) return 0;
  const auto& [t0, v0] = samples_.front();
  const auto& [t1, v1] = samples_.back();
  if (t1 <= t0) return 0;
  return static_cast<double>(v1 - v0) * 1000.0 / static_cast<double>(t1 - t0);
}

void lag_history::add(int64_t now_ms, int64_t total_lag) {
  points_.push_back({now_ms, total_lag});
  while (points_.size() > max_points_) points_.pop_front();
}

}  // namespace fluxo::runtime::http
