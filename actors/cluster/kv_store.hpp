// The key-value store that holds cluster metadata: the slice of etcd v3's model fluxo uses
// (ranges, transactions with compares, leases, watches), so the metadata code runs the same
// against a real etcd (etcd_kv_store.hpp) and against an in-memory fake (memory_kv_store.hpp)
// in deterministic tests. No CAF.
//
// Semantics (etcd's): the store has one revision counter, bumped by every transaction that
// writes. Every key remembers the revision that created it and the one that last modified it.
// A transaction applies `success` ops if every compare holds, else `failure` ops, atomically.
// A key put with a lease is deleted when the lease expires (no keep-alive for its TTL).
// watch() returns the events of revisions >= from_revision under a prefix, in order.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/result.hpp"

namespace fluxo::cluster {

enum class store_errc : uint8_t {
  ok = 0,
  unavailable,  // the store cannot be reached (or answered garbage)
  not_found,    // a lease that expired or never existed
  compacted,    // a watch asked for revisions the store no longer keeps
  invalid,      // a request the store refused
};

struct store_error {
  store_errc code = store_errc::ok;
  std::string message;
  std::string to_string() const;
};

template <class T>
using store_result = storage::result<T, store_error>;

struct kv_entry {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t lease = 0;
  bool operator==(const kv_entry&) const = default;
};

struct range_result {
  std::vector<kv_entry> entries;  // sorted by key
  int64_t revision = 0;           // the store's revision when read
};

// One condition of a transaction. A key that does not exist has create/mod revision 0.
struct kv_compare {
  enum class target : uint8_t { create_revision, mod_revision, value };
  enum class relation : uint8_t { equal, not_equal, greater, less };
  std::string key;
  target what = target::mod_revision;
  relation rel = relation::equal;
  int64_t revision = 0;  // for create/mod revision
  std::string value;     // for value

  static kv_compare absent(std::string key) { return {std::move(key), target::create_revision, relation::equal, 0, {}}; }
  static kv_compare mod_is(std::string key, int64_t rev) { return {std::move(key), target::mod_revision, relation::equal, rev, {}}; }
  static kv_compare created_at(std::string key, int64_t rev) {
    return {std::move(key), target::create_revision, relation::equal, rev, {}};
  }
};

struct kv_op {
  enum class kind : uint8_t { put, erase, erase_prefix, get };
  kind what = kind::put;
  std::string key;
  std::string value;
  int64_t lease = 0;

  static kv_op put(std::string key, std::string value, int64_t lease = 0) {
    return {kind::put, std::move(key), std::move(value), lease};
  }
  static kv_op erase(std::string key) { return {kind::erase, std::move(key), {}, 0}; }
  static kv_op erase_prefix(std::string prefix) { return {kind::erase_prefix, std::move(prefix), {}, 0}; }
  static kv_op get(std::string key) { return {kind::get, std::move(key), {}, 0}; }
};

struct txn_result {
  bool succeeded = false;
  int64_t revision = 0;                     // the store's revision after the transaction
  std::vector<std::vector<kv_entry>> gets;  // one per get op of the branch that ran
};

struct kv_event {
  enum class kind : uint8_t { put, erase };
  kind what = kind::put;
  kv_entry entry;  // for erase only key and mod_revision are set
};

struct watch_result {
  std::vector<kv_event> events;
  int64_t revision = 0;  // watch again from revision + 1
};

class kv_store {
 public:
  virtual ~kv_store() = default;

  // Every key equal to `key`, or starting with it when `prefix`.
  virtual store_result<range_result> range(const std::string& key, bool prefix) = 0;
  virtual store_result<txn_result> txn(const std::vector<kv_compare>& compares, const std::vector<kv_op>& success,
                                       const std::vector<kv_op>& failure) = 0;
  // Leases: TTL in seconds (etcd's unit); keep_alive answers the TTL granted again.
  virtual store_result<int64_t> grant_lease(int64_t ttl_seconds) = 0;
  virtual store_result<int64_t> keep_alive(int64_t lease) = 0;
  virtual store_result<void> revoke_lease(int64_t lease) = 0;
  // Events under `prefix` from `from_revision` on; waits up to max_wait for the first one.
  // An empty result after max_wait is not an error.
  virtual store_result<watch_result> watch(const std::string& prefix, int64_t from_revision,
                                           std::chrono::milliseconds max_wait) = 0;
  // What the store is, for logs ("etcd 127.0.0.1:2379", "memory").
  virtual std::string describe() const = 0;
};

}  // namespace fluxo::cluster
