// Where a node keeps the cluster's metadata: one small interface, two implementations.
//
//   kv_metadata_store     the cluster: the layout of metadata.hpp in a kv_store (etcd, or the
//                         in-memory fake in tests); the node's session is a lease.
//   local_metadata_store  one node on its own (the embedded default): topics.json and the
//                         producer-id file in the data dir; this node is the controller and
//                         leads every partition (local_metadata_store.hpp).
//
// Calls block: the cluster agent runs them on its own threads (cluster_agent.hpp). Writes that
// can lose a race return false instead of failing: a compare did not hold (the version moved,
// the controller changed, the topic exists); the caller re-reads and decides again.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/cluster/controller.hpp"
#include "actors/cluster/kv_store.hpp"
#include "actors/cluster/metadata.hpp"

namespace fluxo::cluster {

class metadata_store {
 public:
  virtual ~metadata_store() = default;

  // The cluster's id, created from `proposed` when the store has none yet (the first node).
  virtual store_result<std::string> cluster_id(const std::string& proposed) = 0;
  // Registers this node under a new session (lease of ttl_seconds). A live registration of the
  // same id from another address is refused (invalid, with a message naming it); one from the
  // same address is a previous run of this node (it cannot be alive: we hold its port) and is
  // taken over.
  virtual store_result<void> join(const node_record& self, int64_t ttl_seconds) = 0;
  // Renews the session; not_found means it expired (the node must stop acting as a member).
  virtual store_result<void> keep_alive() = 0;
  // The store revision of the last join: an image at or past it has seen everything that
  // happened while the previous session was gone.
  virtual int64_t joined_at() const { return 0; }
  virtual void leave() = 0;

  // A full read into `image`, then the changes since, waiting up to max_wait for some.
  virtual store_result<void> load(metadata_image& image) = 0;
  virtual store_result<bool> follow(metadata_image& image, std::chrono::milliseconds max_wait) = 0;

  // Controller election: whoever holds the controller key under its lease. Returns the current
  // controller (this node when it won); its epoch is the key's create revision.
  virtual store_result<controller_record> campaign() = 0;
  // A controller's write: applied only while `controller_epoch` still holds the controller key
  // and the partition is still at change.expected_version.
  virtual store_result<bool> write_partition(const partition_change& change, int64_t controller_epoch) = 0;
  // Many of them, in as few transactions as the store allows (one fsync of etcd each);
  // answers per change whether it was applied.
  virtual store_result<std::vector<bool>> write_partitions(const std::vector<partition_change>& changes,
                                                           int64_t controller_epoch);
  // A leader's ISR change, or a reassignment request: applied only at expected_version.
  // Returns the partition's new version, 0 when it was not applied.
  virtual store_result<int64_t> update_partition(const partition_key& key, const partition_record& next,
                                                 int64_t expected_version) = 0;

  // Topics. create_topic fails (false) when the topic exists; update_topic when it moved on.
  virtual store_result<bool> create_topic(const topic_record& topic, const std::vector<partition_record>& partitions) = 0;
  virtual store_result<bool> update_topic(const topic_record& topic) = 0;
  virtual store_result<bool> add_partitions(const topic_record& topic, int32_t first,
                                            const std::vector<partition_record>& partitions) = 0;
  virtual store_result<bool> delete_topic(const std::string& name) = 0;

  // Requests the controller acts on.
  virtual store_result<void> set_draining(node_id node, bool draining, int64_t now_ms) = 0;
  // Reserves `count` producer ids; returns the first.
  virtual store_result<int64_t> reserve_producer_ids(int64_t count) = 0;

  virtual std::string describe() const = 0;
  virtual bool is_local() const = 0;
};

class kv_metadata_store final : public metadata_store {
 public:
  kv_metadata_store(std::shared_ptr<kv_store> kv, std::string cluster_name);

  store_result<std::string> cluster_id(const std::string& proposed) override;
  store_result<void> join(const node_record& self, int64_t ttl_seconds) override;
  store_result<void> keep_alive() override;
  int64_t joined_at() const override { return joined_at_; }
  void leave() override;
  store_result<void> load(metadata_image& image) override;
  store_result<bool> follow(metadata_image& image, std::chrono::milliseconds max_wait) override;
  store_result<controller_record> campaign() override;
  store_result<bool> write_partition(const partition_change& change, int64_t controller_epoch) override;
  store_result<std::vector<bool>> write_partitions(const std::vector<partition_change>& changes,
                                                   int64_t controller_epoch) override;
  store_result<int64_t> update_partition(const partition_key& key, const partition_record& next,
                                         int64_t expected_version) override;
  store_result<bool> create_topic(const topic_record& topic, const std::vector<partition_record>& partitions) override;
  store_result<bool> update_topic(const topic_record& topic) override;
  store_result<bool> add_partitions(const topic_record& topic, int32_t first,
                                    const std::vector<partition_record>& partitions) override;
  store_result<bool> delete_topic(const std::string& name) override;
  store_result<void> set_draining(node_id node, bool draining, int64_t now_ms) override;
  store_result<int64_t> reserve_producer_ids(int64_t count) override;
  std::string describe() const override { return kv_->describe() + " " + keys_.prefix; }
  bool is_local() const override { return false; }

  const store_keys& keys() const { return keys_; }
  int64_t lease() const { return lease_; }

 private:
  std::shared_ptr<kv_store> kv_;
  store_keys keys_;
  node_record self_;
  int64_t lease_ = 0;
  int64_t ttl_seconds_ = 0;
  int64_t joined_at_ = 0;
  int64_t watched_revision_ = 0;  // the image reflects everything up to here
};

}  // namespace fluxo::cluster
