// The metadata store's contract against a real etcd process (Debian's etcd, label cluster):
// the same tests as against the in-memory fake, plus what only a real etcd can show (its
// gateway's encoding, watches across a restart of etcd).
#include <chrono>
#include <thread>

#include "actors/cluster/etcd_kv_store.hpp"
#include "tests/actors/cluster/metadata_store_suite.hpp"
#include "tests/utils/etcd_process.hpp"

namespace fluxo::cluster::test {
namespace {

fluxo::test::etcd_process& shared_etcd() {
  static fluxo::test::etcd_process etcd;
  return etcd;
}

class etcd_backend final : public store_backend {
 public:
  etcd_backend() {
    auto kv = client();
    EXPECT_TRUE(kv->txn({}, {kv_op::erase_prefix("/")}, {}));  // every test starts empty
  }
  std::shared_ptr<kv_store> client() override {
    return std::make_shared<etcd_kv_store>(std::vector<etcd_endpoint>{{"127.0.0.1", shared_etcd().client_port()}});
  }
  void expire_leases(int64_t ttl_seconds, const std::function<bool()>& gone) override {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(ttl_seconds + 5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (gone()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "leases did not expire within " << ttl_seconds + 5 << " s";
  }
};

INSTANTIATE_TEST_SUITE_P(Etcd, MetadataStoreContract,
                         ::testing::Values(backend_factory([] { return std::make_unique<etcd_backend>(); })));

TEST(EtcdKvStore, EndpointsAreParsed) {
  std::vector<etcd_endpoint> eps;
  EXPECT_FALSE(parse_etcd_endpoints("etcd://127.0.0.1:2379,localhost:23790", eps));
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[1].host, "localhost");
  EXPECT_EQ(eps[1].port, 23790);
  std::vector<etcd_endpoint> bad;
  EXPECT_TRUE(parse_etcd_endpoints("etcd://", bad));
  EXPECT_TRUE(parse_etcd_endpoints("etcd://host", bad));
}

TEST(EtcdKvStore, BinaryKeysAndValuesSurviveTheGateway) {
  etcd_kv_store kv({{"127.0.0.1", shared_etcd().client_port()}});
  std::string value("\0\x01\xff\xfe{}\"\n", 8);
  ASSERT_TRUE(kv.txn({}, {kv_op::put("/bin/k", value)}, {}));
  auto r = kv.range("/bin/", true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_EQ(r->entries[0].value, value);
}

TEST(EtcdKvStore, AnUnreachableEtcdIsReportedAndAFollowerCatchesUpAfterARestart) {
  etcd_kv_store dead({{"127.0.0.1", fluxo::test::free_loopback_port()}}, std::chrono::milliseconds(300));
  auto r = dead.range("/", true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, store_errc::unavailable);

  auto kv = std::make_shared<etcd_kv_store>(std::vector<etcd_endpoint>{{"127.0.0.1", shared_etcd().client_port()}});
  kv_metadata_store writer(kv, "restart");
  kv_metadata_store reader(kv, "restart");
  metadata_image image(reader.keys());
  ASSERT_TRUE(reader.load(image));
  shared_etcd().stop();
  EXPECT_FALSE(reader.follow(image, std::chrono::milliseconds(200)));
  shared_etcd().start();
  topic_record t;
  t.name = "after";
  t.config.partitions = 1;
  partition_record p;
  p.replicas = {1};
  p.leader = 1;
  p.isr = {1};
  ASSERT_TRUE(writer.create_topic(t, {p}).value_or(false));
  bool seen = false;
  for (int i = 0; i < 20 && !seen; ++i) {
    (void)reader.follow(image, std::chrono::milliseconds(500));
    seen = image.topics.count("after") != 0;
  }
  EXPECT_TRUE(seen) << "the follower did not pick up where it left off";
}

}  // namespace
}  // namespace fluxo::cluster::test
