// An in-memory kv_store with etcd's semantics, for deterministic tests of the metadata code and
// the controller. Time is a function the test controls: leases expire when it passes their
// deadline (checked on every call and by expire_leases()). Thread safe; watch() waits on a
// condition variable in real time for at most max_wait (0 in deterministic tests).
// It can be made unavailable (every call fails) to test what happens when etcd is down.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>

#include "actors/cluster/kv_store.hpp"

namespace fluxo::cluster {

class memory_kv_store final : public kv_store {
 public:
  using clock_fn = std::function<int64_t()>;  // milliseconds
  explicit memory_kv_store(clock_fn clock);

  store_result<range_result> range(const std::string& key, bool prefix) override;
  store_result<txn_result> txn(const std::vector<kv_compare>& compares, const std::vector<kv_op>& success,
                               const std::vector<kv_op>& failure) override;
  store_result<int64_t> grant_lease(int64_t ttl_seconds) override;
  store_result<int64_t> keep_alive(int64_t lease) override;
  store_result<void> revoke_lease(int64_t lease) override;
  store_result<watch_result> watch(const std::string& prefix, int64_t from_revision,
                                   std::chrono::milliseconds max_wait) override;
  std::string describe() const override { return "memory"; }

  // Test controls.
  void expire_leases();
  void set_available(bool available);
  int64_t revision() const;

 private:
  struct lease_state {
    int64_t ttl_ms = 0;
    int64_t deadline_ms = 0;
  };
  store_result<void> check_available() const;
  void expire_locked(int64_t now);
  void erase_locked(const std::string& key);
  void put_locked(const std::string& key, const std::string& value, int64_t lease);
  bool holds(const kv_compare& c) const;

  clock_fn clock_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, kv_entry> data_;
  std::map<int64_t, lease_state> leases_;
  std::vector<std::pair<int64_t, kv_event>> history_;  // (revision, event), oldest first
  int64_t revision_ = 1;
  int64_t next_lease_ = 1000;
  int64_t pending_revision_ = 0;  // revision of the transaction being applied
  bool available_ = true;
};

}  // namespace fluxo::cluster
