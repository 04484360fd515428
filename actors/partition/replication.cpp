#include "actors/partition/replication.hpp"

#include <algorithm>

namespace fluxo::actors {

namespace {
bool contains(const std::vector<replica_id>& v, replica_id r) { return std::find(v.begin(), v.end(), r) != v.end(); }
}  // namespace

void leader_replication::start(replica_id self, std::vector<replica_id> replicas, std::vector<replica_id> isr,
                               int64_t version, int64_t leo, int64_t flushed, int64_t hw, int64_t epoch_start_offset,
                               int64_t now_ms) {
  self_ = self;
  replicas_ = std::move(replicas);
  isr_ = std::move(isr);
  if (!contains(isr_, self_)) isr_.push_back(self_);  // a leader is always in sync with itself
  pending_.reset();
  version_ = version;
  followers_.clear();
  for (auto r : replicas_) {
    if (r != self_) followers_[r].last_caught_up_ms = now_ms;
  }
  leo_ = leo;
  flushed_ = flushed;
  hw_ = std::min(hw, leo);
  durable_ = 0;
  epoch_start_ = epoch_start_offset;
  recompute();
}

bool leader_replication::is_replica(replica_id r) const { return contains(replicas_, r); }

std::vector<replica_id> leader_replication::counted() const {
  auto out = isr_;
  if (pending_) {
    for (auto r : *pending_) {
      if (!contains(out, r)) out.push_back(r);
    }
  }
  return out;
}

bool leader_replication::recompute() {
  int64_t hw = leo_;
  int64_t durable = flushed_;
  for (auto r : counted()) {
    if (r == self_) continue;
    auto it = followers_.find(r);
    if (it == followers_.end() || it->second.log_end_offset < 0) {
      hw = std::min(hw, hw_);  // has not fetched yet: nothing can be counted past what we had
      durable = std::min(durable, durable_);
      continue;
    }
    hw = std::min(hw, it->second.log_end_offset);
    durable = std::min(durable, it->second.durable_offset < 0 ? durable_ : it->second.durable_offset);
  }
  const auto new_hw = std::min(std::max(hw_, hw), leo_);
  const auto new_durable = std::max(durable_, std::min(durable, new_hw));
  bool moved = new_hw != hw_ || new_durable != durable_;
  hw_ = new_hw;
  durable_ = new_durable;
  return moved;
}

bool leader_replication::on_fetch(replica_id replica, int64_t fetch_offset, int64_t durable, int64_t leader_leo,
                                  int64_t now_ms) {
  auto it = followers_.find(replica);
  if (it == followers_.end()) return false;
  auto& f = it->second;
  if (fetch_offset >= leader_leo) {
    f.last_caught_up_ms = now_ms;
  } else if (f.leo_at_last_fetch >= 0 && fetch_offset >= f.leo_at_last_fetch) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
  }
  f.log_end_offset = fetch_offset;
  f.durable_offset = std::min(durable, fetch_offset);
  f.last_fetch_ms = now_ms;
  f.leo_at_last_fetch = leader_leo;
  leo_ = leader_leo;
  return recompute();
}

bool leader_replication::on_local(int64_t leo, int64_t flushed) {
  leo_ = leo;
  flushed_ = flushed;
  return recompute();
}

std::optional<std::vector<replica_id>> leader_replication::wanted_isr(int64_t now_ms, int64_t lag_max_ms) const {
  if (pending_) return std::nullopt;
  std::vector<replica_id> next;
  for (auto r : isr_) {
    if (r == self_) {
      next.push_back(r);
      continue;
    }
    if (!contains(replicas_, r)) continue;  // moved away by a reassignment
    auto it = followers_.find(r);
    if (it != followers_.end() && now_ms - it->second.last_caught_up_ms <= lag_max_ms) next.push_back(r);
  }
  for (auto r : replicas_) {
    if (r == self_ || contains(next, r) || contains(isr_, r)) continue;
    auto it = followers_.find(r);
    if (it == followers_.end()) continue;
    const auto& f = it->second;
    if (f.log_end_offset >= 0 && f.log_end_offset >= hw_ && f.log_end_offset >= epoch_start_ &&
        now_ms - f.last_caught_up_ms <= lag_max_ms) {
      next.push_back(r);
    }
  }
  if (next == isr_) return std::nullopt;
  return next;
}

void leader_replication::proposed(std::vector<replica_id> isr) {
  pending_ = std::move(isr);
  recompute();
}

void leader_replication::applied(std::vector<replica_id> isr, int64_t version, int64_t now_ms) {
  if (version <= version_) {
    pending_.reset();
    return;  // the store's newer state arrived first
  }
  update_from_store(replicas_, std::move(isr), version, now_ms);
}

void leader_replication::rejected() {
  pending_.reset();
  recompute();
}

void leader_replication::update_from_store(std::vector<replica_id> replicas, std::vector<replica_id> isr,
                                           int64_t version, int64_t now_ms) {
  if (version <= version_) return;
  for (auto r : replicas) {
    if (r != self_ && followers_.count(r) == 0) followers_[r].last_caught_up_ms = now_ms;
  }
  for (auto it = followers_.begin(); it != followers_.end();) {
    it = contains(replicas, it->first) ? std::next(it) : followers_.erase(it);
  }
  // A member the store took out of the ISR (the controller saw its node die) comes back only
  // after it fetched again: what it reported before does not count, or the leader would
  // propose it again at once, and again after every removal.
  for (auto r : isr_) {
    auto f = followers_.find(r);
    if (f != followers_.end() && !contains(isr, r)) {
      f->second.log_end_offset = -1;
      f->second.durable_offset = -1;
    }
  }
  replicas_ = std::move(replicas);
  isr_ = std::move(isr);
  if (!contains(isr_, self_)) isr_.push_back(self_);
  version_ = version;
  pending_.reset();
  recompute();
}

int64_t leader_replication::max_follower_lag(int64_t leader_leo) const {
  int64_t lag = 0;
  for (const auto& [r, f] : followers_) lag = std::max(lag, leader_leo - std::max<int64_t>(f.log_end_offset, 0));
  return lag;
}

std::optional<storage::epoch_end> diverging_epoch(const storage::leader_epoch_cache& leader, int64_t leader_leo,
                                                  int32_t last_fetched_epoch, int64_t fetch_offset) {
  if (last_fetched_epoch < 0 || leader.entries().empty()) return std::nullopt;
  auto e = leader.end_offset_for(last_fetched_epoch, leader_leo);
  if (e.undefined()) return storage::epoch_end{-1, leader.entries().front().start_offset};
  if (e.epoch < last_fetched_epoch || e.end_offset < fetch_offset) return e;
  return std::nullopt;
}

int64_t truncation_offset(const storage::leader_epoch_cache& follower, int64_t follower_leo,
                          const storage::epoch_end& diverging) {
  if (diverging.epoch < 0) return std::min(diverging.end_offset, follower_leo);
  auto f = follower.end_offset_for(diverging.epoch, follower_leo);
  int64_t follower_end = follower_leo;
  if (f.undefined()) {
    if (!follower.entries().empty()) follower_end = follower.entries().front().start_offset;
  } else {
    follower_end = f.end_offset;
  }
  return std::min({diverging.end_offset, follower_end, follower_leo});
}

}  // namespace fluxo::actors
