// Starting a clustered node's agent while the store cannot be reached: joining is tried again
// (an etcd restarting, a connection dropped mid-request) for agent_settings::join_retry, while a
// refusal (a node id held by another live node) ends at once.
#include <gtest/gtest.h>

#include <atomic>

#include "actors/cluster/cluster_agent.hpp"
#include "actors/cluster/memory_kv_store.hpp"
#include "actors/cluster/metadata_store.hpp"

namespace fluxo::cluster {
namespace {

// The in-memory store behind a door that fails the first `failures` calls as unreachable.
class flaky_kv final : public kv_store {
 public:
  flaky_kv(std::shared_ptr<memory_kv_store> inner, int failures) : inner_(std::move(inner)), failures_(failures) {}
  store_result<range_result> range(const std::string& key, bool prefix) override {
    if (auto e = fail()) return *e;
    return inner_->range(key, prefix);
  }
  store_result<txn_result> txn(const std::vector<kv_compare>& c, const std::vector<kv_op>& s, const std::vector<kv_op>& f) override {
    if (auto e = fail()) return *e;
    return inner_->txn(c, s, f);
  }
  store_result<int64_t> grant_lease(int64_t ttl) override {
    if (auto e = fail()) return *e;
    return inner_->grant_lease(ttl);
  }
  store_result<int64_t> keep_alive(int64_t lease) override {
    if (auto e = fail()) return *e;
    return inner_->keep_alive(lease);
  }
  store_result<void> revoke_lease(int64_t lease) override {
    if (auto e = fail()) return *e;
    return inner_->revoke_lease(lease);
  }
  store_result<watch_result> watch(const std::string& prefix, int64_t from, std::chrono::milliseconds wait) override {
    if (auto e = fail()) return *e;
    return inner_->watch(prefix, from, wait);
  }
  std::string describe() const override { return "flaky " + inner_->describe(); }
  int calls_failed() const { return failed_; }

 private:
  std::optional<store_error> fail() {
    if (failed_ >= failures_) return std::nullopt;
    ++failed_;
    return store_error{store_errc::unavailable, "etcd unreachable (127.0.0.1:2379: Read)"};
  }
  std::shared_ptr<memory_kv_store> inner_;
  std::atomic<int> failed_{0};
  int failures_;
};

agent_settings settings_for(int32_t id, int32_t port, std::chrono::milliseconds retry) {
  agent_settings s;
  s.self = node_record::at(id, "127.0.0.1", port);
  s.join_retry = retry;
  return s;
}

std::shared_ptr<memory_kv_store> fresh_store() {
  return std::make_shared<memory_kv_store>([] { return int64_t{1'000'000}; });
}

TEST(AgentJoin, AnUnreachableStoreAtStartIsTriedAgain) {
  auto flaky = std::make_shared<flaky_kv>(fresh_store(), 2);
  std::string error;
  auto agent = start_threaded_agent(std::make_unique<kv_metadata_store>(flaky, "c"), settings_for(1, 9001, std::chrono::seconds(10)),
                                    {}, &error);
  ASSERT_TRUE(agent) << error;
  EXPECT_EQ(flaky->calls_failed(), 2);
  agent->stop();
}

TEST(AgentJoin, GivesUpAfterTheRetryTimeWithTheStoresError) {
  auto flaky = std::make_shared<flaky_kv>(fresh_store(), 1'000'000);
  std::string error;
  auto agent = start_threaded_agent(std::make_unique<kv_metadata_store>(flaky, "c"), settings_for(1, 9001, std::chrono::milliseconds(0)),
                                    {}, &error);
  EXPECT_FALSE(agent);
  EXPECT_NE(error.find("etcd unreachable"), std::string::npos) << error;
}

TEST(AgentJoin, ADuplicateNodeIdIsRefusedAtOnce) {
  auto kv = fresh_store();
  std::string error;
  auto first = start_threaded_agent(std::make_unique<kv_metadata_store>(kv, "c"), settings_for(1, 9001, std::chrono::seconds(10)), {}, &error);
  ASSERT_TRUE(first) << error;
  const auto t0 = std::chrono::steady_clock::now();
  auto second = start_threaded_agent(std::make_unique<kv_metadata_store>(kv, "c"), settings_for(1, 9002, std::chrono::seconds(10)), {}, &error);
  EXPECT_FALSE(second);
  EXPECT_NE(error.find("already used"), std::string::npos) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));  // not retried for 10 s
  first->stop();
}

}  // namespace
}  // namespace fluxo::cluster
