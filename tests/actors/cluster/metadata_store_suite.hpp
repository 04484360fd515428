// The metadata store's contract (actors/cluster/metadata_store.hpp), run against every kv
// backend: the in-memory fake (deterministic, label actors) and a real etcd process (label
// cluster). Each test makes "nodes" as separate kv_metadata_store instances on one backend.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "actors/cluster/metadata_store.hpp"

namespace fluxo::cluster::test {

class store_backend {
 public:
  virtual ~store_backend() = default;
  // A client of the backend (each node gets its own).
  virtual std::shared_ptr<kv_store> client() = 0;
  // Lets every lease that is not kept alive expire (time passes: instantly in memory; in etcd
  // the test waits, bounded, until `gone` holds).
  virtual void expire_leases(int64_t ttl_seconds, const std::function<bool()>& gone) = 0;
};

using backend_factory = std::function<std::unique_ptr<store_backend>()>;

class MetadataStoreContract : public ::testing::TestWithParam<backend_factory> {
 protected:
  void SetUp() override { backend = GetParam()(); }
  std::unique_ptr<kv_metadata_store> node_store(const std::string& cluster = "c") {
    return std::make_unique<kv_metadata_store>(backend->client(), cluster);
  }
  static node_record node(node_id id, int32_t port) { return node_record::at(id, "127.0.0.1", port); }
  std::unique_ptr<store_backend> backend;
};

}  // namespace fluxo::cluster::test
