// streams::runner against an embedded broker (real actor system and logs): windowed counts and
// a stream-table join end to end, a second runner that takes over and restores the store from
// its changelog, and the flush-then-commit order (committed offsets never pass what was written).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "actors/client/client.hpp"
#include "actors/streams/runner.hpp"

using namespace fluxo;
using namespace std::chrono_literals;

namespace {

struct streams_runner : ::testing::Test {
  std::filesystem::path dir;
  std::unique_ptr<client::connection> conn;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("fluxo-streams-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    client::connection_options o;
    o.data_dir = dir.string();
    std::string err;
    conn = client::connection::open(o, &err);
    ASSERT_TRUE(conn) << err;
  }
  void TearDown() override {
    conn.reset();
    std::filesystem::remove_all(dir);
  }
  void create(const std::string& topic, int32_t partitions) {
    client::topic_config c;
    c.partitions = partitions;
    ASSERT_TRUE(conn->create_topic(topic, c).ok());
  }
  // The last value written per key.
  std::map<std::string, std::string> latest(const std::string& topic) {
    std::map<std::string, std::string> out;
    for (auto& r : client::read_all(*conn, topic)) {
      if (r.key) out[*r.key] = r.value.value_or("<null>");
    }
    return out;
  }
  static void build_counts(streams::topology& t) {
    t.from<std::string, std::string>("clicks")
        .group_by_key()
        .window(streams::tumbling(std::chrono::milliseconds(1000)).grace(std::chrono::minutes(5)))
        .count("clicks-per-second")
        .to_stream()
        .map([](const streams::windowed<std::string>& w, int64_t n) { return std::pair{w.key + "@" + std::to_string(w.start), n}; })
        .to("counts");
  }
};

}  // namespace

TEST_F(streams_runner, WindowedCountsSurviveAHandOverToAnotherRunner) {
  create("clicks", 2);
  create("counts", 2);
  auto producer = conn->make_producer();
  std::map<std::string, int64_t> reference;
  auto send = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      const std::string page = "p" + std::to_string(i % 5);
      const int64_t ts = 1'000'000 + i * 37;
      producer->send("clicks", page, "x", {}, ts);
      reference[page + "@" + std::to_string(ts - ts % 1000)]++;
    }
    ASSERT_TRUE(producer->flush(10s).ok());
  };
  send(0, 300);
  streams::topology t("counter");
  build_counts(t);
  {
    streams::runner first(*conn, t, {.client_id = "first"});
    ASSERT_TRUE(first.start().ok());
    for (int i = 0; i < 200 && first.counters().processed < 300; ++i) ASSERT_TRUE(first.run_once(50ms).ok());
    EXPECT_EQ(first.counters().processed, 300u);
  }  // leaves the group; its positions and changelog are durable
  send(300, 600);
  streams::topology t2("counter");
  build_counts(t2);
  streams::runner second(*conn, t2, {.client_id = "second"});
  ASSERT_TRUE(second.start().ok());
  for (int i = 0; i < 200 && second.counters().processed < 300; ++i) ASSERT_TRUE(second.run_once(50ms).ok());
  EXPECT_EQ(second.counters().processed, 300u);  // only the new records: the commits were exact
  EXPECT_GT(second.restored_records(), 0u);
  EXPECT_EQ(second.assigned_partitions(), (std::set<int32_t>{0, 1}));
  auto got = latest("counts");
  ASSERT_EQ(got.size(), reference.size());
  for (const auto& [window, n] : reference) EXPECT_EQ(got[window], std::to_string(n)) << window;
  auto changelog = conn->describe_topic("counter-clicks-per-second-changelog");
  ASSERT_EQ(changelog.error_code, 0);
  EXPECT_EQ(changelog.config.cleanup_policy, "compact");
  EXPECT_EQ(changelog.partitions.size(), 2u);
}

TEST_F(streams_runner, StreamTableJoinSeesTableUpdates) {
  create("orders", 2);
  create("customers", 1);
  create("enriched", 2);
  auto producer = conn->make_producer();
  producer->send("customers", "c1", "ann");
  ASSERT_TRUE(producer->flush(10s).ok());
  streams::topology t("enricher");
  auto customers = t.global_table<std::string, std::string>("customers");
  t.from<std::string, std::string>("orders")
      .left_join(customers, [](const std::string&, const std::string& order, const std::string* name) {
        return (name ? *name : std::string("unknown")) + ":" + order;
      })
      .to("enriched");
  streams::runner r(*conn, t);
  ASSERT_TRUE(r.start().ok());  // the table is bootstrapped here
  producer->send("orders", "c1", "o1");
  producer->send("orders", "c2", "o2");
  ASSERT_TRUE(producer->flush(10s).ok());
  for (int i = 0; i < 200 && r.counters().processed < 2; ++i) ASSERT_TRUE(r.run_once(50ms).ok());
  // A table update reaches the runner before later records.
  producer->send("customers", "c2", "bob");
  ASSERT_TRUE(producer->flush(10s).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(r.run_once(20ms).ok());
  producer->send("orders", "c2", "o3");
  ASSERT_TRUE(producer->flush(10s).ok());
  for (int i = 0; i < 200 && r.counters().processed < 3; ++i) ASSERT_TRUE(r.run_once(50ms).ok());
  std::multiset<std::string> values;
  for (auto& rec : client::read_all(*conn, "enriched")) values.insert(rec.value.value_or(""));
  EXPECT_EQ(values, (std::multiset<std::string>{"ann:o1", "unknown:o2", "bob:o3"}));
}
