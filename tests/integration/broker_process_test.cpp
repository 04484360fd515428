// A real `fluxo broker` process and a native client in this process talking over CAF:
// produce/consume across the process boundary, clean shutdown on SIGTERM (exit 0, marker
// written), restart with everything back, and SIGKILL recovery keeping every record that was
// acknowledged with acks=all.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "actors/client/client.hpp"
#include "tests/utils/process.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;
using fluxo::test::child_process;

namespace {

struct broker_process : ::testing::Test {
  std::filesystem::path dir;
  std::unique_ptr<child_process> broker;
  std::string addr;

  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("fluxo-it-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override {
    broker.reset();
    // A failed test shows how its broker ended (a sanitizer report lands in its log).
    if (HasFailure() && std::filesystem::exists(dir / "broker.log")) {
      auto log = fluxo::test::read_text((dir / "broker.log").string());
      std::fprintf(stderr, "---- broker log (last 20000 bytes) ----\n%s\n",
                   log.substr(log.size() > 20000 ? log.size() - 20000 : 0).c_str());
    }
    std::filesystem::remove_all(dir);
  }
  void start() {
    auto ready = (dir / "ready").string();
    std::filesystem::remove(ready);
    broker = std::make_unique<child_process>(
        FLUXO_BIN, std::vector<std::string>{"broker", "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data-dir", (dir / "data").string(), "--node-addr",
                                            "127.0.0.1:0", "--ready-file", ready, "--default-partitions", "2"},
        (dir / "broker.log").string());
    addr = fluxo::test::wait_for_file(ready, 20s);
    ASSERT_FALSE(addr.empty()) << fluxo::test::read_text((dir / "broker.log").string());
  }
  std::unique_ptr<connection> connect() {
    connection_options o;
    o.broker = addr;
    o.request_timeout = 10s;
    std::string err;
    auto c = connection::open(o, &err);
    EXPECT_TRUE(c) << err;
    return c;
  }
  std::size_t count_records(connection& c, const std::string& topic, int32_t partitions, std::size_t expected) {
    auto consumer = c.make_consumer();
    std::vector<topic_partition> tps;
    for (int32_t p = 0; p < partitions; ++p) tps.push_back({topic, p});
    consumer->assign(tps);
    std::size_t n = 0;
    for (int i = 0; i < 200 && n < expected; ++i) n += consumer->poll(50ms).size();
    // Nothing more should come.
    n += consumer->poll(200ms).size();
    return n;
  }
};

}  // namespace

TEST_F(broker_process, ProduceConsumeAcrossProcessesAndCleanRestart) {
  start();
  {
    auto c = connect();
    ASSERT_TRUE(c);
    auto p = c->make_producer();
    for (int i = 0; i < 20000; ++i) p->send("events", "k" + std::to_string(i % 50), "v" + std::to_string(i));
    ASSERT_TRUE(p->flush(30s).ok());
    EXPECT_EQ(count_records(*c, "events", 2, 20000), 20000u);
  }
  broker->signal(SIGTERM);
  EXPECT_EQ(broker->wait(30s), std::optional<int>(0)) << fluxo::test::read_text((dir / "broker.log").string());
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "events-0" / ".clean-shutdown"));
  start();
  auto c = connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->describe_topic("events").partitions.size(), 2u);
  EXPECT_EQ(count_records(*c, "events", 2, 20000), 20000u);
}

TEST_F(broker_process, KillNineKeepsEveryAcknowledgedRecord) {
  start();
  std::atomic<int64_t> acked{0};
  {
    auto c = connect();
    ASSERT_TRUE(c);
    topic_config cfg;
    cfg.partitions = 1;
    ASSERT_TRUE(c->create_topic("durable", cfg).ok());
    producer_options po;
    po.acks = -1;
    auto p = c->make_producer(po);
    for (int i = 0; i < 5000; ++i) {
      p->send("durable", std::nullopt, "r" + std::to_string(i), {}, std::nullopt, [&](const delivery_report& r) {
        if (r.error_code == 0) acked.fetch_add(1);
      });
    }
    ASSERT_TRUE(p->flush(30s).ok());
  }
  EXPECT_EQ(acked.load(), 5000);
  broker->signal(SIGKILL);
  broker->wait(10s);
  start();
  auto c = connect();
  ASSERT_TRUE(c);
  EXPECT_GE(count_records(*c, "durable", 1, 5000), 5000u);
  EXPECT_NE(fluxo::test::read_text((dir / "broker.log").string()).find("unclean shutdown"), std::string::npos);
}

TEST_F(broker_process, UnreachableBrokerGivesAClearError) {
  connection_options o;
  o.broker = "127.0.0.1:1";
  std::string err;
  auto c = connection::open(o, &err);
  EXPECT_FALSE(c);
  EXPECT_NE(err.find("cannot reach a fluxo broker"), std::string::npos) << err;
}

TEST_F(broker_process, BadFlagsExitWithUsageError) {
  child_process bad(FLUXO_BIN, {"broker", "--node-addr", "nonsense"}, (dir / "bad.log").string());
  EXPECT_EQ(bad.wait(20s), std::optional<int>(2));
}

namespace {

int64_t proc_status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

std::size_t open_files(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
  return n;
}

}  // namespace

// 1,000 idle partitions (10 topics x 100) must stay cheap: < 200 MB resident (400 MB under
// AddressSanitizer), < 2,000 files.
TEST_F(broker_process, ThousandIdlePartitionsStayLean) {
  start();
  auto c = connect();
  ASSERT_TRUE(c);
  for (int t = 0; t < 10; ++t) {
    topic_config cfg;
    cfg.partitions = 100;
    ASSERT_TRUE(c->create_topic("lean-" + std::to_string(t), cfg).ok());
  }
  auto p = c->make_producer();
  for (int t = 0; t < 10; ++t) {
    for (int i = 0; i < 1000; ++i) p->send("lean-" + std::to_string(t), "k" + std::to_string(i), "v");
  }
  ASSERT_TRUE(p->flush(60s).ok());
  std::this_thread::sleep_for(1500ms);  // a housekeeping round over every partition
  auto rss_kb = proc_status_kb(broker->pid(), "VmRSS");
  auto files = open_files(broker->pid());
  std::cout << "1000 partitions: VmRSS " << rss_kb / 1024 << " MB, open files " << files << "\n";
  EXPECT_GT(rss_kb, 0);
#ifdef __SANITIZE_ADDRESS__
  const int64_t limit_mb = 400;  // ASan's shadow memory and quarantine (Release: about 25 MB)
#else
  const int64_t limit_mb = 200;
#endif
  EXPECT_LT(rss_kb, limit_mb * 1024);
  EXPECT_LT(files, 2000u);
  broker->signal(SIGTERM);
  EXPECT_EQ(broker->wait(60s), std::optional<int>(0));
}
