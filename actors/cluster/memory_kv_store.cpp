#include "actors/cluster/memory_kv_store.hpp"

namespace fluxo::cluster {

std::string store_error::to_string() const {
  static const char* names[] = {"ok", "unavailable", "not_found", "compacted", "invalid"};
  return std::string(names[static_cast<int>(code)]) + ": " + message;
}

namespace {
bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

template <class T>
bool compare_rel(T a, T b, kv_compare::relation r) {
  switch (r) {
    case kv_compare::relation::equal: return a == b;
    case kv_compare::relation::not_equal: return a != b;
    case kv_compare::relation::greater: return a > b;
    case kv_compare::relation::less: return a < b;
  }
  return false;
}
}  // namespace

memory_kv_store::memory_kv_store(clock_fn clock) : clock_(std::move(clock)) {}

store_result<void> memory_kv_store::check_available() const {
  if (!available_) return store_error{store_errc::unavailable, "the in-memory store is switched off"};
  return {};
}

void memory_kv_store::set_available(bool available) {
  std::lock_guard lock(mu_);
  available_ = available;
}

int64_t memory_kv_store::revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

void memory_kv_store::expire_leases() {
  std::lock_guard lock(mu_);
  expire_locked(clock_());
}

void memory_kv_store::erase_locked(const std::string& key) {
  auto it = data_.find(key);
  if (it == data_.end()) return;
  kv_event ev;
  ev.what = kv_event::kind::erase;
  ev.entry.key = key;
  ev.entry.mod_revision = pending_revision_;
  history_.emplace_back(pending_revision_, ev);
  data_.erase(it);
}

void memory_kv_store::put_locked(const std::string& key, const std::string& value, int64_t lease) {
  auto& e = data_[key];
  if (e.create_revision == 0) {
    e.key = key;
    e.create_revision = pending_revision_;
  }
  e.value = value;
  e.mod_revision = pending_revision_;
  e.lease = lease;
  history_.emplace_back(pending_revision_, kv_event{kv_event::kind::put, e});
}

void memory_kv_store::expire_locked(int64_t now) {
  std::vector<int64_t> expired;
  for (const auto& [id, l] : leases_) {
    if (l.deadline_ms <= now) expired.push_back(id);
  }
  if (expired.empty()) return;
  pending_revision_ = revision_ + 1;
  bool wrote = false;
  for (auto id : expired) {
    leases_.erase(id);
    std::vector<std::string> doomed;
    for (const auto& [k, e] : data_) {
      if (e.lease == id) doomed.push_back(k);
    }
    for (const auto& k : doomed) erase_locked(k);
    wrote = wrote || !doomed.empty();
  }
  if (wrote) {
    revision_ = pending_revision_;
    changed_.notify_all();
  }
}

bool memory_kv_store::holds(const kv_compare& c) const {
  auto it = data_.find(c.key);
  const kv_entry none;
  const kv_entry& e = it == data_.end() ? none : it->second;
  switch (c.what) {
    case kv_compare::target::create_revision: return compare_rel(e.create_revision, c.revision, c.rel);
    case kv_compare::target::mod_revision: return compare_rel(e.mod_revision, c.revision, c.rel);
    case kv_compare::target::value: return it != data_.end() && compare_rel(e.value, c.value, c.rel);
  }
  return false;
}

store_result<range_result> memory_kv_store::range(const std::string& key, bool prefix) {
  std::lock_guard lock(mu_);
  if (auto r = check_available(); !r) return std::move(r).take_error();
  expire_locked(clock_());
  range_result out;
  out.revision = revision_;
  if (!prefix) {
    if (auto it = data_.find(key); it != data_.end()) out.entries.push_back(it->second);
    return out;
  }
  for (auto it = data_.lower_bound(key); it != data_.end() && starts_with(it->first, key); ++it) {
    out.entries.push_back(it->second);
  }
  return out;
}

store_result<txn_result> memory_kv_store::txn(const std::vector<kv_compare>& compares, const std::vector<kv_op>& success,
                                              const std::vector<kv_op>& failure) {
  std::lock_guard lock(mu_);
  if (auto r = check_available(); !r) return std::move(r).take_error();
  expire_locked(clock_());
  txn_result out;
  out.succeeded = true;
  for (const auto& c : compares) out.succeeded = out.succeeded && holds(c);
  const auto& ops = out.succeeded ? success : failure;
  for (const auto& op : ops) {
    if (op.what == kv_op::kind::put && op.lease != 0 && leases_.count(op.lease) == 0) {
      return store_error{store_errc::not_found, "lease " + std::to_string(op.lease) + " not found"};
    }
  }
  pending_revision_ = revision_ + 1;
  bool wrote = false;
  for (const auto& op : ops) {
    switch (op.what) {
      case kv_op::kind::put:
        put_locked(op.key, op.value, op.lease);
        wrote = true;
        break;
      case kv_op::kind::erase:
        if (data_.count(op.key) != 0) wrote = true;
        erase_locked(op.key);
        break;
      case kv_op::kind::erase_prefix: {
        std::vector<std::string> doomed;
        for (auto it = data_.lower_bound(op.key); it != data_.end() && starts_with(it->first, op.key); ++it) {
          doomed.push_back(it->first);
        }
        for (const auto& k : doomed) erase_locked(k);
        wrote = wrote || !doomed.empty();
        break;
      }
      case kv_op::kind::get: {
        std::vector<kv_entry> got;
        if (auto it = data_.find(op.key); it != data_.end()) got.push_back(it->second);
        out.gets.push_back(std::move(got));
        break;
      }
    }
  }
  if (wrote) {
    revision_ = pending_revision_;
    changed_.notify_all();
  }
  out.revision = revision_;
  return out;
}

store_result<int64_t> memory_kv_store::grant_lease(int64_t ttl_seconds) {
  std::lock_guard lock(mu_);
  if (auto r = check_available(); !r) return std::move(r).take_error();
  auto id = next_lease_++;
  leases_[id] = {ttl_seconds * 1000, clock_() + ttl_seconds * 1000};
  return id;
}

store_result<int64_t> memory_kv_store::keep_alive(int64_t lease) {
  std::lock_guard lock(mu_);
  if (auto r = check_available(); !r) return std::move(r).take_error();
  expire_locked(clock_());
  auto it = leases_.find(lease);
  if (it == leases_.end()) return store_error{store_errc::not_found, "lease " + std::to_string(lease) + " expired"};
  it->second.deadline_ms = clock_() + it->second.ttl_ms;
  return it->second.ttl_ms / 1000;
}

store_result<void> memory_kv_store::revoke_lease(int64_t lease) {
  std::lock_guard lock(mu_);
  if (auto r = check_available(); !r) return std::move(r).take_error();
  auto it = leases_.find(lease);
  if (it == leases_.end()) return {};
  it->second.deadline_ms = clock_() - 1;
  expire_locked(clock_());
  return {};
}

store_result<watch_result> memory_kv_store::watch(const std::string& prefix, int64_t from_revision,
                                                  std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mu_);
  if (auto r = check_available(); !r) return std::move(r).take_error();
  expire_locked(clock_());
  auto collect = [&] {
    watch_result out;
    out.revision = revision_;
    for (const auto& [rev, ev] : history_) {
      if (rev >= from_revision && starts_with(ev.entry.key, prefix)) out.events.push_back(ev);
    }
    return out;
  };
  auto out = collect();
  if (out.events.empty() && max_wait.count() > 0) {
    changed_.wait_for(lock, max_wait, [&] { return revision_ >= from_revision || !available_; });
    if (!available_) return store_error{store_errc::unavailable, "the in-memory store is switched off"};
    out = collect();
  }
  return out;
}

}  // namespace fluxo::cluster
