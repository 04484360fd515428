// Consumer groups through the native client against an embedded broker: assignment split,
// takeover after a member leaves (resuming at committed offsets), commits surviving a restart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "actors/client/client.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;

namespace {

struct group_fixture : ::testing::Test {
  std::filesystem::path dir;
  std::unique_ptr<connection> conn;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("fluxo-group-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    open();
  }
  void TearDown() override {
    conn.reset();
    std::filesystem::remove_all(dir);
  }
  void open() {
    conn.reset();
    connection_options o;
    o.data_dir = dir.string();
    std::string err;
    conn = connection::open(o, &err);
    ASSERT_TRUE(conn) << err;
  }
  void produce(const std::string& topic, int n, int from = 0) {
    auto p = conn->make_producer();
    for (int i = from; i < from + n; ++i) p->send(topic, "k" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(p->flush(30s).ok());
  }
  std::unique_ptr<consumer> member(const std::string& group) {
    consumer_options o;
    o.group_id = group;
    o.session_timeout_ms = 6000;
    o.heartbeat_interval_ms = 200;
    o.enable_auto_commit = false;
    return conn->make_consumer(o);
  }
};

std::set<int32_t> partitions_of(const consumer& c) {
  std::set<int32_t> out;
  for (const auto& tp : c.assignment()) out.insert(tp.partition);
  return out;
}

}  // namespace

TEST_F(group_fixture, TwoMembersSplitPartitionsThenOneTakesOverFromCommits) {
  topic_config cfg;
  cfg.partitions = 6;
  ASSERT_TRUE(conn->create_topic("jobs", cfg).ok());
  produce("jobs", 600);
  auto a = member("workers");
  auto b = member("workers");
  ASSERT_TRUE(a->subscribe({"jobs"}).ok());
  ASSERT_TRUE(b->subscribe({"jobs"}).ok());
  std::map<std::string, int> seen;  // value -> times consumed
  // Poll both until the group is stable with 3 + 3 partitions and everything is consumed.
  for (int i = 0; i < 300; ++i) {
    for (auto* c : {a.get(), b.get()}) {
      for (const auto& r : c->poll(20ms)) ++seen[*r.value];
    }
    if (seen.size() == 600 && partitions_of(*a).size() == 3 && partitions_of(*b).size() == 3) break;
  }
  ASSERT_EQ(partitions_of(*a).size(), 3u);
  ASSERT_EQ(partitions_of(*b).size(), 3u);
  EXPECT_EQ(a->generation(), b->generation());
  for (auto p : partitions_of(*a)) EXPECT_EQ(partitions_of(*b).count(p), 0u) << "partition " << p << " owned twice";
  ASSERT_EQ(seen.size(), 600u);
  ASSERT_TRUE(a->commit_sync().ok());
  ASSERT_TRUE(b->commit_sync().ok());
  // b leaves; a takes over every partition and must not re-read committed records.
  b->close();
  b.reset();
  produce("jobs", 60, 600);
  for (int i = 0; i < 300 && (partitions_of(*a).size() != 6 || seen.size() < 660); ++i) {
    for (const auto& r : a->poll(20ms)) ++seen[*r.value];
  }
  EXPECT_EQ(partitions_of(*a).size(), 6u);
  EXPECT_EQ(seen.size(), 660u);
  for (const auto& [v, n] : seen) EXPECT_EQ(n, 1) << "record " << v << " consumed " << n << " times";
}

TEST_F(group_fixture, RebalanceCallbacksRunFromPoll) {
  produce("events", 10);
  auto c = member("cb");
  std::vector<topic_partition> assigned;
  c->on_rebalance([&](const std::vector<topic_partition>& tps) { assigned = tps; }, {});
  ASSERT_TRUE(c->subscribe({"events"}).ok());
  for (int i = 0; i < 200 && assigned.empty(); ++i) c->poll(20ms);
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].topic, "events");
}

// A member busy with a batch keeps its partitions until it polls again: the revoked callback
// runs in that poll, while it still owns them (its commit there is accepted), and only then can
// the newcomer get any of them — two members never process one partition at once.
TEST_F(group_fixture, ARebalanceWaitsForTheBusyMembersNextPoll) {
  topic_config cfg;
  cfg.partitions = 4;
  ASSERT_TRUE(conn->create_topic("tasks", cfg).ok());
  produce("tasks", 400);
  auto a = member("busy");
  std::vector<topic_partition> revoked;
  status commit_in_callback{-1, "not called"};
  a->on_rebalance({}, [&](const std::vector<topic_partition>& tps) {
    revoked = tps;
    commit_in_callback = a->commit_sync();
  });
  ASSERT_TRUE(a->subscribe({"tasks"}).ok());
  std::set<std::string> seen;
  for (int i = 0; i < 300 && seen.size() < 400; ++i) {
    for (const auto& r : a->poll(20ms)) seen.insert(*r.value);
  }
  ASSERT_EQ(seen.size(), 400u);
  ASSERT_EQ(partitions_of(*a).size(), 4u);
  // a is "processing" now; b joins. However long b polls, the group waits for a.
  auto b = member("busy");
  ASSERT_TRUE(b->subscribe({"tasks"}).ok());
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(b->poll(20ms).empty());
    ASSERT_TRUE(partitions_of(*b).empty()) << "b got partitions while a was still processing";
  }
  EXPECT_TRUE(revoked.empty());
  // a polls: it gives everything up (committing in the callback), then both rejoin.
  produce("tasks", 40, 400);
  for (int i = 0; i < 300 && (partitions_of(*a).size() != 2 || partitions_of(*b).size() != 2 || seen.size() < 440); ++i) {
    for (auto* c : {a.get(), b.get()}) {
      for (const auto& r : c->poll(20ms)) EXPECT_TRUE(seen.insert(*r.value).second) << *r.value << " consumed twice";
    }
  }
  EXPECT_EQ(revoked.size(), 4u);
  EXPECT_TRUE(commit_in_callback.ok()) << commit_in_callback.message;
  EXPECT_EQ(partitions_of(*a).size(), 2u);
  EXPECT_EQ(partitions_of(*b).size(), 2u);
  EXPECT_EQ(seen.size(), 440u);
}

TEST_F(group_fixture, CommittedOffsetsSurviveARestart) {
  produce("orders", 100);
  {
    auto c = member("billing");
    ASSERT_TRUE(c->subscribe({"orders"}).ok());
    std::size_t n = 0;
    for (int i = 0; i < 300 && n < 100; ++i) n += c->poll(20ms).size();
    ASSERT_EQ(n, 100u);
    ASSERT_TRUE(c->commit_sync().ok());
    EXPECT_EQ(c->committed({"orders", 0}), std::optional<int64_t>(100));
  }
  open();  // restart the embedded broker on the same data
  produce("orders", 5, 100);
  auto c = member("billing");
  EXPECT_EQ(c->committed({"orders", 0}), std::optional<int64_t>(100));
  ASSERT_TRUE(c->subscribe({"orders"}).ok());
  std::vector<std::string> got;
  for (int i = 0; i < 300 && got.size() < 5; ++i) {
    for (const auto& r : c->poll(20ms)) got.push_back(*r.value);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"100", "101", "102", "103", "104"}));
}

TEST_F(group_fixture, SubscribeWithoutGroupIdIsAClearError) {
  auto c = conn->make_consumer();
  auto st = c->subscribe({"x"});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("group_id"), std::string::npos);
}
