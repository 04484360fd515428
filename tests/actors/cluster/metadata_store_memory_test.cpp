// The metadata store's contract against the in-memory kv fake (deterministic: leases expire
// when the test moves the clock).
#include <atomic>

#include "actors/cluster/memory_kv_store.hpp"
#include "tests/actors/cluster/metadata_store_suite.hpp"

namespace fluxo::cluster::test {
namespace {

class memory_backend final : public store_backend {
 public:
  memory_backend() : kv_(std::make_shared<memory_kv_store>([this] { return now_.load(); })) {}
  std::shared_ptr<kv_store> client() override { return kv_; }
  void expire_leases(int64_t ttl_seconds, const std::function<bool()>& gone) override {
    now_ += ttl_seconds * 1000 + 1;
    kv_->expire_leases();
    EXPECT_TRUE(gone());
  }

 private:
  std::atomic<int64_t> now_{1'000'000};
  std::shared_ptr<memory_kv_store> kv_;
};

INSTANTIATE_TEST_SUITE_P(Memory, MetadataStoreContract,
                         ::testing::Values(backend_factory([] { return std::make_unique<memory_backend>(); })));

TEST(MemoryKvStore, AnUnavailableStoreFailsEveryCall) {
  memory_kv_store kv([] { return int64_t{0}; });
  kv.set_available(false);
  EXPECT_EQ(kv.range("/", true).err().code, store_errc::unavailable);
  EXPECT_EQ(kv.grant_lease(1).err().code, store_errc::unavailable);
  kv.set_available(true);
  EXPECT_TRUE(kv.range("/", true));
}

}  // namespace
}  // namespace fluxo::cluster::test
