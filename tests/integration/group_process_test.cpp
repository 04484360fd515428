// Consumer groups across processes: a broker process and three member processes in one group.
// One member is killed (SIGKILL), one is stopped (SIGSTOP); after the session timeout the
// survivor owns every partition and consumes everything. No partition has two owners in a
// generation. After a broker restart a new member resumes at the committed offsets.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "actors/client/client.hpp"
#include "tests/utils/process.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;
using fluxo::test::child_process;

namespace {

struct member_log {
  std::map<int32_t, std::map<std::string, std::set<int32_t>>> assignments;  // gen -> member -> partitions
  std::map<int32_t, std::set<int64_t>> consumed;                           // partition -> offsets
  std::size_t records = 0;
};

void parse_into(const std::string& path, member_log& log) {
  std::ifstream in(path);
  std::string kind;
  while (in >> kind) {
    if (kind == "assign") {
      int32_t gen;
      std::string member, list;
      in >> gen >> member >> list;
      auto& set = log.assignments[gen][member];
      if (list == "-") continue;
      std::stringstream ss(list);
      std::string p;
      while (std::getline(ss, p, ',')) set.insert(std::stoi(p));
    } else if (kind == "rec") {
      int32_t gen, partition;
      int64_t offset;
      in >> gen >> partition >> offset;
      log.consumed[partition].insert(offset);
      ++log.records;
    }
  }
}

struct group_processes : ::testing::Test {
  std::filesystem::path dir;
  std::unique_ptr<child_process> broker;
  std::string addr;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("fluxo-gp-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override {
    broker.reset();
    std::filesystem::remove_all(dir);
  }
  void start_broker() {
    auto ready = (dir / "ready").string();
    std::filesystem::remove(ready);
    broker = std::make_unique<child_process>(
        FLUXO_BIN, std::vector<std::string>{"broker", "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data-dir", (dir / "data").string(), "--node-addr", "127.0.0.1:0",
                                            "--ready-file", ready, "--heartbeat-ms", "500", "--connection-timeout-ms", "3000"},
        (dir / "broker.log").string());
    addr = fluxo::test::wait_for_file(ready, 20s);
    ASSERT_FALSE(addr.empty()) << fluxo::test::read_text((dir / "broker.log").string());
  }
  std::unique_ptr<child_process> start_member(const std::string& name) {
    return std::make_unique<child_process>(
        GROUP_MEMBER_BIN,
        std::vector<std::string>{"--broker", addr, "--group", "workers", "--topic", "work", "--out",
                                 (dir / (name + ".txt")).string(), "--session-ms", "6000", "--seconds", "90"},
        (dir / (name + ".log")).string());
  }
  member_log logs(const std::vector<std::string>& names) {
    member_log log;
    for (const auto& n : names) parse_into((dir / (n + ".txt")).string(), log);
    return log;
  }
  void produce(int n, int from) {
    connection_options co;
    co.broker = addr;
    std::string err;
    auto c = connection::open(co, &err);
    ASSERT_TRUE(c) << err;
    auto p = c->make_producer();
    for (int i = from; i < from + n; ++i) p->send("work", "job-" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(p->flush(30s).ok());
  }
  // Waits (bounded) until every offset below each partition's end was consumed by someone.
  bool wait_all_consumed(const std::vector<std::string>& names, int64_t total, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto log = logs(names);
      int64_t distinct = 0;
      for (const auto& [p, offsets] : log.consumed) distinct += static_cast<int64_t>(offsets.size());
      if (distinct >= total) return true;
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }
};

}  // namespace

TEST_F(group_processes, KilledAndStoppedMembersLoseTheirPartitionsToTheSurvivor) {
  start_broker();
  {
    connection_options co;
    co.broker = addr;
    std::string err;
    auto c = connection::open(co, &err);
    ASSERT_TRUE(c) << err;
    topic_config cfg;
    cfg.partitions = 6;
    ASSERT_TRUE(c->create_topic("work", cfg).ok());
  }
  produce(3000, 0);
  auto a = start_member("a");
  auto b = start_member("b");
  auto m = start_member("c");
  std::vector<std::string> names{"a", "b", "c"};
  ASSERT_TRUE(wait_all_consumed(names, 3000, 60s)) << fluxo::test::read_text((dir / "broker.log").string());

  a->signal(SIGKILL);
  a->wait(5s);
  b->signal(SIGSTOP);
  produce(3000, 3000);
  // After the session timeout (6 s) the survivor owns all partitions and catches up.
  ASSERT_TRUE(wait_all_consumed(names, 6000, 60s));
  auto log = logs(names);
  for (int32_t p = 0; p < 6; ++p) {
    ASSERT_EQ(log.consumed[p].size(), static_cast<size_t>(*log.consumed[p].rbegin() + 1)) << "gap in partition " << p;
  }
  // No partition has two owners within one generation.
  for (const auto& [gen, members] : log.assignments) {
    std::map<int32_t, std::string> owner;
    for (const auto& [member, parts] : members) {
      for (auto p : parts) {
        auto [it, fresh] = owner.emplace(p, member);
        EXPECT_TRUE(fresh) << "partition " << p << " owned by " << it->second << " and " << member << " in generation " << gen;
      }
    }
  }
  // The survivor ended up with all six partitions.
  auto last = log.assignments.rbegin()->second;
  std::set<int32_t> union_last;
  for (const auto& [member, parts] : last) union_last.insert(parts.begin(), parts.end());
  EXPECT_EQ(union_last.size(), 6u);

  b->signal(SIGKILL);
  m->signal(SIGTERM);
  EXPECT_EQ(m->wait(20s), std::optional<int>(0));

  // Broker restart: a new member resumes where the group committed.
  broker->signal(SIGTERM);
  ASSERT_EQ(broker->wait(30s), std::optional<int>(0));
  start_broker();
  produce(60, 6000);
  auto d = start_member("d");
  ASSERT_TRUE(wait_all_consumed({"d"}, 60, 60s));
  std::this_thread::sleep_for(500ms);
  auto dlog = logs({"d"});
  EXPECT_LE(dlog.records, 60u + 50u) << "the new member re-read committed records";
  d->signal(SIGTERM);
  d->wait(20s);
}
