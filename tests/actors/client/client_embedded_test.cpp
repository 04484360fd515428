// The native client against an embedded broker (real actor system, real logs on disk):
// admin errors, keyed partitioning, round trips with headers and timestamps, acks=all,
// long-poll latency, seeks, and a restart that brings everything back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "actors/client/client.hpp"
#include "actors/common/kafka_error.hpp"
#include "actors/common/partitioner.hpp"

using namespace fluxo::client;
using fluxo::actors::code;
using fluxo::actors::kafka_error;
using namespace std::chrono_literals;

namespace {

struct embedded : ::testing::Test {
  std::filesystem::path dir;
  std::unique_ptr<connection> conn;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("fluxo-client-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    open();
  }
  void TearDown() override {
    conn.reset();
    std::filesystem::remove_all(dir);
  }
  void open(bool auto_create = true) {
    conn.reset();
    connection_options o;
    o.data_dir = dir.string();
    o.auto_create_topics = auto_create;
    std::string err;
    conn = connection::open(o, &err);
    ASSERT_TRUE(conn) << err;
  }
  std::vector<consumed_record> consume_all(const std::string& topic, int32_t partitions, std::size_t expected) {
    auto c = conn->make_consumer();
    std::vector<topic_partition> tps;
    for (int32_t p = 0; p < partitions; ++p) tps.push_back({topic, p});
    c->assign(tps);
    std::vector<consumed_record> out;
    for (int i = 0; i < 200 && out.size() < expected; ++i) {
      for (auto& r : c->poll(50ms)) out.push_back(std::move(r));
    }
    return out;
  }
};

topic_config partitions(int n) {
  topic_config c;
  c.partitions = n;
  return c;
}

}  // namespace

TEST_F(embedded, AdminErrorsUseKafkaCodes) {
  EXPECT_TRUE(conn->create_topic("orders", partitions(3)).ok());
  EXPECT_EQ(conn->create_topic("orders", partitions(3)).code, code(kafka_error::topic_already_exists));
  EXPECT_EQ(conn->create_topic("bad name", partitions(1)).code, code(kafka_error::invalid_topic_exception));
  EXPECT_EQ(conn->create_topic("zero", partitions(0)).code, code(kafka_error::invalid_partitions));
  EXPECT_EQ(conn->describe_topic("nope").error_code, code(kafka_error::unknown_topic_or_partition));
  EXPECT_EQ(conn->delete_topic("nope").code, code(kafka_error::unknown_topic_or_partition));
  EXPECT_EQ(conn->grow_topic("orders", 2).code, code(kafka_error::invalid_partitions));
  EXPECT_TRUE(conn->grow_topic("orders", 5).ok());
  EXPECT_EQ(conn->describe_topic("orders").partitions.size(), 5u);
  auto cfg = conn->describe_topic("orders").config;
  cfg.retention_ms = 1000;
  EXPECT_TRUE(conn->alter_topic("orders", cfg).ok());
  EXPECT_EQ(conn->describe_topic("orders").config.retention_ms, 1000);
  auto user_topics = [&] {
    std::vector<std::string> names;
    for (const auto& t : conn->list_topics()) {
      if (!t.internal) names.push_back(t.name);
    }
    return names;
  };
  EXPECT_EQ(user_topics(), std::vector<std::string>{"orders"});
  EXPECT_TRUE(conn->delete_topic("orders").ok());
  EXPECT_TRUE(user_topics().empty());
  EXPECT_EQ(conn->delete_topic("__consumer_offsets").code, code(kafka_error::policy_violation));
  EXPECT_FALSE(std::filesystem::exists(dir / "orders-0"));
}

TEST_F(embedded, KeyedRecordsLandWhereJavasPartitionerPutsThem) {
  ASSERT_TRUE(conn->create_topic("keyed", partitions(6)).ok());
  auto p = conn->make_producer();
  std::vector<std::future<delivery_report>> reports;
  for (int i = 0; i < 200; ++i) reports.push_back(p->send_async("keyed", "key-" + std::to_string(i), "v"));
  for (int i = 0; i < 200; ++i) {
    auto r = reports[static_cast<size_t>(i)].get();
    ASSERT_EQ(r.error_code, 0) << r.error_message;
    EXPECT_EQ(r.partition, fluxo::actors::partition_for_key("key-" + std::to_string(i), 6));
  }
}

TEST_F(embedded, RoundTripKeepsKeysValuesHeadersTimestampsAndOrder) {
  ASSERT_TRUE(conn->create_topic("rt", partitions(2)).ok());
  auto p = conn->make_producer();
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    std::optional<std::string> value = (i % 97 == 0) ? std::nullopt : std::optional<std::string>("value-" + std::to_string(i));
    p->send("rt", "k" + std::to_string(i % 13), value, {{"trace", std::to_string(i)}}, 1'700'000'000'000 + i);
  }
  ASSERT_TRUE(p->flush(30s).ok());
  auto got = consume_all("rt", 2, n);
  ASSERT_EQ(got.size(), static_cast<size_t>(n));
  std::map<int32_t, int64_t> last_offset;
  std::map<std::string, int> last_index_per_key;
  for (const auto& r : got) {
    auto i = std::stoi(r.headers.at(0).second);
    EXPECT_EQ(r.timestamp, 1'700'000'000'000 + i);
    EXPECT_EQ(*r.key, "k" + std::to_string(i % 13));
    if (i % 97 == 0) {
      EXPECT_FALSE(r.value.has_value());
    } else {
      EXPECT_EQ(*r.value, "value-" + std::to_string(i));
    }
    if (last_offset.count(r.partition)) {
      EXPECT_EQ(r.offset, last_offset[r.partition] + 1);
    }
    last_offset[r.partition] = r.offset;
    if (last_index_per_key.count(*r.key)) {
      EXPECT_GT(i, last_index_per_key[*r.key]) << "per-key order";
    }
    last_index_per_key[*r.key] = i;
  }
}

TEST_F(embedded, AcksAllAndAcksNoneDeliver) {
  producer_options all;
  all.acks = -1;
  auto p = conn->make_producer(all);
  auto r = p->send_async("durable", "k", "v").get();
  EXPECT_EQ(r.error_code, 0) << r.error_message;
  producer_options none;
  none.acks = 0;
  auto q = conn->make_producer(none);
  for (int i = 0; i < 100; ++i) q->send("durable", std::nullopt, "x");
  EXPECT_TRUE(q->flush(10s).ok());
  EXPECT_EQ(consume_all("durable", 1, 101).size(), 101u);
}

TEST_F(embedded, UnknownTopicFailsDeliveryWhenAutoCreateIsOff) {
  open(false);
  auto p = conn->make_producer();
  auto r = p->send_async("ghost", "k", "v").get();
  EXPECT_EQ(r.error_code, code(kafka_error::unknown_topic_or_partition));
}

TEST_F(embedded, WaitingConsumerGetsNewRecordsQuickly) {
  ASSERT_TRUE(conn->create_topic("live", partitions(1)).ok());
  auto c = conn->make_consumer();
  c->assign({{"live", 0}});
  EXPECT_TRUE(c->poll(100ms).empty());
  auto p = conn->make_producer();
  auto sent = std::chrono::steady_clock::now();
  p->send("live", "k", "hello");
  std::vector<consumed_record> got;
  for (int i = 0; i < 100 && got.empty(); ++i) got = c->poll(50ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 2s) << "long-poll must answer when data arrives";
}

TEST_F(embedded, SeekToOffsetTimestampAndEnd) {
  ASSERT_TRUE(conn->create_topic("seek", partitions(1)).ok());
  auto p = conn->make_producer();
  for (int i = 0; i < 100; ++i) p->send("seek", std::nullopt, std::to_string(i), {}, 1000 + i * 10);
  ASSERT_TRUE(p->flush(10s).ok());
  auto c = conn->make_consumer();
  c->assign({{"seek", 0}});
  ASSERT_TRUE(c->seek({"seek", 0}, 40).ok());
  std::vector<consumed_record> got;
  for (int i = 0; i < 100 && got.empty(); ++i) got = c->poll(50ms);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().offset, 40);
  ASSERT_TRUE(c->seek_to_timestamp({"seek", 0}, 1500).ok());
  got.clear();
  for (int i = 0; i < 100 && got.empty(); ++i) got = c->poll(50ms);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().offset, 50);
  EXPECT_EQ(c->seek({"nope", 0}, 1).code, code(kafka_error::unknown_topic_or_partition));
}

TEST_F(embedded, RestartBringsBackTopicsAndRecords) {
  topic_config cfg = partitions(3);
  cfg.retention_ms = 123456;
  ASSERT_TRUE(conn->create_topic("kept", cfg).ok());
  {
    auto p = conn->make_producer();
    for (int i = 0; i < 1000; ++i) p->send("kept", "k" + std::to_string(i), "v" + std::to_string(i));
    ASSERT_TRUE(p->flush(10s).ok());
  }
  open();  // clean shutdown of the embedded broker, then a new one on the same directory
  auto info = conn->describe_topic("kept");
  ASSERT_EQ(info.error_code, 0);
  EXPECT_EQ(info.config.retention_ms, 123456);
  ASSERT_EQ(info.partitions.size(), 3u);
  int64_t total = 0;
  for (const auto& pi : info.partitions) total += pi.high_watermark;
  EXPECT_EQ(total, 1000);
  EXPECT_EQ(consume_all("kept", 3, 1000).size(), 1000u);
  // Idempotent producers after a restart get fresh ids and are accepted.
  auto p = conn->make_producer();
  EXPECT_EQ(p->send_async("kept", "k", "after").get().error_code, 0);
}
