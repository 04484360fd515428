// The `fluxo` executable as users run it: help, config files, exit codes, inspect, bench.
#include <cstdio>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "storage/partition_log.hpp"
#include "tests/utils/process.hpp"

using fluxo::test::child_process;
using fluxo::test::read_text;
using namespace std::chrono_literals;

namespace {

struct cli : ::testing::Test {
  std::filesystem::path dir;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("fluxo-cli-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override {
    broker.reset();  // stops it if a test ended early
    // A failed test shows how its broker ended (a crash report lands in its log).
    if (HasFailure() && std::filesystem::exists(dir / "broker.log")) {
      auto log = read_text((dir / "broker.log").string());
      std::fprintf(stderr, "---- broker log (last 4000 bytes) ----\n%s\n",
                   log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
    }
    std::filesystem::remove_all(dir);
  }
  // Runs fluxo with args to completion; returns (exit code, output).
  std::pair<int, std::string> run(const std::vector<std::string>& args) {
    auto out = (dir / "out.txt").string();
    std::filesystem::remove(out);
    child_process p(FLUXO_BIN, args, out);
    auto code = p.wait(120s);
    return {code.value_or(-1), read_text(out)};
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  // A broker on free ports; returns its node address ("" if it did not start).
  std::unique_ptr<child_process> broker;
  std::string start_broker() {
    auto ready = (dir / "ready").string();
    broker = std::make_unique<child_process>(
        FLUXO_BIN,
        std::vector<std::string>{"broker", "--data-dir", (dir / "data").string(), "--node-addr", "127.0.0.1:0", "--kafka-addr",
                                 "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--ready-file", ready},
        (dir / "broker.log").string());
    return fluxo::test::wait_for_file(ready, 20s);
  }
  // SIGTERM must end it cleanly.
  void stop_broker() {
    broker->signal(SIGTERM);
    EXPECT_EQ(broker->wait(30s), std::optional<int>(0));
  }
};

}  // namespace

TEST_F(cli, BrokerHelpListsEveryOption) {
  auto [code, out] = run({"broker", "--help"});
  EXPECT_EQ(code, 0);
  for (const char* opt : {"--data-dir", "--node-addr", "--node-id", "--auto-create-topics", "--log-level", "--config"}) {
    EXPECT_NE(out.find(opt), std::string::npos) << opt;
  }
}

TEST_F(cli, UnknownSubcommandIsAUsageError) {
  auto [code, out] = run({"frobnicate"});
  EXPECT_NE(code, 0);
  EXPECT_FALSE(out.empty());
}

TEST_F(cli, BrokerTakesOptionsFromATomlFileAndFlagsWin) {
  auto data_file = (dir / "from-file").string();
  auto data_flag = (dir / "from-flag").string();
  auto ready = (dir / "ready").string();
  write("fluxo.toml", "[broker]\ndata-dir = \"" + data_file + "\"\nnode-addr = \"127.0.0.1:0\"\nready-file = \"" +
                          ready + "\"\nlog-level = \"warn\"\n");
  {
    child_process b(FLUXO_BIN, {"broker", "--config", (dir / "fluxo.toml").string(), "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, (dir / "b1.log").string());
    ASSERT_FALSE(fluxo::test::wait_for_file(ready, 20s).empty()) << read_text((dir / "b1.log").string());
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(data_file) / "topics.json"));
    b.signal(SIGTERM);
    EXPECT_EQ(b.wait(30s), std::optional<int>(0));
  }
  std::filesystem::remove(ready);
  child_process b(FLUXO_BIN, {"broker", "--config", (dir / "fluxo.toml").string(), "--data-dir", data_flag, "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"},
                  (dir / "b2.log").string());
  ASSERT_FALSE(fluxo::test::wait_for_file(ready, 20s).empty()) << read_text((dir / "b2.log").string());
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(data_flag) / "topics.json"));
  b.signal(SIGTERM);
  EXPECT_EQ(b.wait(30s), std::optional<int>(0));
}

TEST_F(cli, BrokerRefusesAnAddressInUse) {
  auto ready = (dir / "ready").string();
  child_process first(FLUXO_BIN, {"broker", "--data-dir", (dir / "a").string(), "--node-addr", "127.0.0.1:0", "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--ready-file", ready},
                      (dir / "a.log").string());
  auto addr = fluxo::test::wait_for_file(ready, 20s);
  ASSERT_FALSE(addr.empty());
  auto [code, out] = run({"broker", "--data-dir", (dir / "b").string(), "--node-addr", addr, "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("cannot listen"), std::string::npos) << out;
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(30s), std::optional<int>(0));
}

TEST_F(cli, LogInspectShowsBatchesRecordsAndDamage) {
  auto log_dir = (dir / "orders-0").string();
  {
    auto log = fluxo::storage::partition_log::open(log_dir, {});
    ASSERT_TRUE(log.ok());
    fluxo::storage::batch_builder b;
    b.append(1633036800000, "123", "Hello, World!");
    auto batch = *b.build();
    ASSERT_TRUE((*log)->append(batch).ok());
  }
  auto [code, out] = run({"log", "inspect", log_dir});
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("crc ok"), std::string::npos) << out;
  auto [code2, out2] = run({"log", "inspect", "--records", log_dir});
  EXPECT_EQ(code2, 0);
  EXPECT_NE(out2.find(R"({"key": "123", "value": "Hello, World!", "timestamp": 1633036800000, "offset": 0})"), std::string::npos)
      << out2;
  // Flip a byte inside the record: inspect reports it and exits 1.
  {
    std::fstream f(dir / "orders-0" / "00000000000000000000.log", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(70);
    f.put('X');
  }
  auto [code3, out3] = run({"log", "inspect", log_dir});
  EXPECT_EQ(code3, 1);
  EXPECT_NE(out3.find("BAD"), std::string::npos) << out3;
  auto [code4, out4] = run({"log", "inspect", (dir / "missing").string()});
  EXPECT_EQ(code4, 2);
  EXPECT_NE(out4.find("not a directory"), std::string::npos);
}

TEST_F(cli, BenchStorageEndsWithAJsonLine) {
  auto [code, out] = run({"bench", "storage", "--records", "20000", "--dir", (dir / "bench").string(), "--json"});
  EXPECT_EQ(code, 0) << out;
  auto last = out.substr(out.rfind('{'));
  for (const char* key : {"append_records_per_s", "append_mb_per_s", "read_mb_per_s", "reopen_ms"}) {
    EXPECT_NE(last.find(key), std::string::npos) << key;
  }
}

TEST_F(cli, TopicProduceConsumeAgainstABroker) {
  auto addr = start_broker();
  ASSERT_FALSE(addr.empty());
  auto [c1, o1] = run({"topic", "create", "orders", "-p", "3", "-c", "retention.ms=3600000", "--broker", addr});
  EXPECT_EQ(c1, 0) << o1;
  auto [c2, o2] = run({"topic", "create", "orders", "--broker", addr});
  EXPECT_EQ(c2, 1);
  EXPECT_NE(o2.find("TOPIC_ALREADY_EXISTS"), std::string::npos) << o2;
  auto [c3, o3] = run({"topic", "create", "bad", "-c", "retention.ms=soon", "--broker", addr});
  EXPECT_EQ(c3, 2) << o3;
  // produce reads stdin: run it through a shell pipe.
  auto out = (dir / "produce.txt").string();
  child_process producer("/bin/sh", {"-c", "printf 'c1:hello\\nc2:world\\n' | " + std::string(FLUXO_BIN) +
                                               " produce orders -K : -H src=cli --broker " + addr},
                         out);
  EXPECT_EQ(producer.wait(60s), std::optional<int>(0)) << read_text(out);
  auto [c4, o4] = run({"consume", "orders", "--max", "2", "--broker", addr});
  EXPECT_EQ(c4, 0) << o4;
  EXPECT_NE(o4.find(R"("key":"c1","value":"hello")"), std::string::npos) << o4;
  EXPECT_NE(o4.find(R"("headers":{"src":"cli"})"), std::string::npos) << o4;
  auto [c5, o5] = run({"topic", "list", "--broker", addr});
  EXPECT_EQ(c5, 0);
  EXPECT_NE(o5.find("orders"), std::string::npos) << o5;
  auto [c6, o6] = run({"topic", "alter", "orders", "-p", "4", "--broker", addr});
  EXPECT_EQ(c6, 0) << o6;
  auto [c7, o7] = run({"topic", "describe", "orders", "--json", "--broker", addr});
  EXPECT_EQ(c7, 0);
  EXPECT_NE(o7.find(R"("retention.ms":"3600000")"), std::string::npos) << o7;
  auto [c8, o8] = run({"topic", "delete", "orders", "--broker", addr});
  EXPECT_EQ(c8, 0);
  auto [c9, o9] = run({"topic", "describe", "orders", "--broker", addr});
  EXPECT_EQ(c9, 1);
  EXPECT_NE(o9.find("UNKNOWN_TOPIC_OR_PARTITION"), std::string::npos) << o9;
  stop_broker();
}

TEST_F(cli, GroupCommandsAndConsumeFormatsAgainstABroker) {
  auto addr = start_broker();
  ASSERT_FALSE(addr.empty());
  ASSERT_EQ(run({"topic", "create", "orders", "-p", "3", "--broker", addr}).first, 0);
  auto out = (dir / "produce.txt").string();
  child_process producer("/bin/sh", {"-c", "for i in $(seq 0 29); do echo \"k$i:{\\\"n\\\":$i}\"; done | " + std::string(FLUXO_BIN) +
                                               " produce orders -K : --broker " + addr},
                         out);
  ASSERT_EQ(producer.wait(60s), std::optional<int>(0)) << read_text(out);

  // A group member that prints 10 records commits exactly those 10 (stdout carries only JSON).
  auto [c1, o1] = run({"consume", "orders", "--group", "billing", "--max", "10", "--broker", addr});
  EXPECT_EQ(c1, 0) << o1;
  EXPECT_EQ(std::count(o1.begin(), o1.end(), '\n'), 10) << o1;
  auto [c2, o2] = run({"group", "list", "--json", "--broker", addr});
  EXPECT_EQ(c2, 0) << o2;
  EXPECT_NE(o2.find(R"({"group_id":"billing","state":"Empty","protocol_type":"fluxo","members":0,"total_lag":20})"), std::string::npos) << o2;
  auto [c3, o3] = run({"group", "describe", "billing", "--broker", addr});
  EXPECT_EQ(c3, 0) << o3;
  EXPECT_NE(o3.find("total lag 20"), std::string::npos) << o3;
  EXPECT_NE(o3.find("LAG TIME"), std::string::npos) << o3;
  EXPECT_NE(o3.find("joined"), std::string::npos) << o3;  // rebalance history

  // Resets: dry run writes nothing; bad usage is exit code 2; applied resets move the lag.
  auto [c4, o4] = run({"group", "reset-offsets", "billing", "--topic", "orders", "--to", "earliest", "--dry-run", "--json", "--broker", addr});
  EXPECT_EQ(c4, 0) << o4;
  EXPECT_NE(o4.find(R"("dry_run":true)"), std::string::npos) << o4;
  EXPECT_NE(run({"group", "describe", "billing", "--broker", addr}).second.find("total lag 20"), std::string::npos);
  EXPECT_EQ(run({"group", "reset-offsets", "billing", "--topic", "orders", "--to", "offset", "--broker", addr}).first, 2);
  EXPECT_EQ(run({"group", "reset-offsets", "billing", "--topic", "orders", "--to", "sideways", "--broker", addr}).first, 2);
  auto [c5, o5] = run({"group", "reset-offsets", "billing", "--topic", "orders", "--to", "latest", "--broker", addr});
  EXPECT_EQ(c5, 0) << o5;
  EXPECT_NE(run({"group", "describe", "billing", "--broker", addr}).second.find("total lag 0"), std::string::npos);
  auto [c6, o6] = run({"group", "reset-offsets", "billing", "--topic", "orders", "--to", "offset", "--value", "2", "--partitions", "0,1",
                       "--json", "--broker", addr});
  EXPECT_EQ(c6, 0) << o6;
  EXPECT_NE(o6.find(R"("partition":0,"from":)"), std::string::npos) << o6;
  EXPECT_NE(o6.find(R"("partition":1,"from":)"), std::string::npos) << o6;
  EXPECT_EQ(o6.find(R"("partition":2)"), std::string::npos) << o6;  // only the partitions asked for
  auto [c7, o7] = run({"group", "reset-offsets", "billing", "--topic", "orders", "--to", "earliest", "--partitions", "7", "--broker", addr});
  EXPECT_EQ(c7, 1) << o7;
  EXPECT_NE(o7.find("no partition 7"), std::string::npos) << o7;

  // Unknown groups and deletes.
  auto [c8, o8] = run({"group", "describe", "nobody", "--broker", addr});
  EXPECT_EQ(c8, 1);
  EXPECT_NE(o8.find("GROUP_ID_NOT_FOUND"), std::string::npos) << o8;
  EXPECT_EQ(run({"group", "delete", "billing", "--broker", addr}).first, 0);
  EXPECT_EQ(run({"group", "delete", "billing", "--broker", addr}).first, 1);

  // consume: kcat-style templates, JSON value decoding, start by timestamp.
  auto [c9, o9] = run({"consume", "orders", "--max", "1", "--format", "%k|%v|%p\\n", "--broker", addr});
  EXPECT_EQ(c9, 0) << o9;
  EXPECT_NE(o9.find(R"(|{"n":)"), std::string::npos) << o9;
  auto [c10, o10] = run({"consume", "orders", "--max", "1", "--decode", "json", "--broker", addr});
  EXPECT_NE(o10.find(R"("value":{"n":)"), std::string::npos) << o10;
  auto [c11, o11] = run({"consume", "orders", "--from", "@99999999999999", "--broker", addr});
  EXPECT_EQ(c11, 0);
  EXPECT_EQ(o11.find("\"key\""), std::string::npos) << o11;  // nothing at or after that time
  EXPECT_EQ(run({"consume", "orders", "--decode", "base64", "--broker", addr}).first, 2);
  stop_broker();
}

TEST_F(cli, DeadLetterListAndReplay) {
  auto addr = start_broker();
  ASSERT_FALSE(addr.empty());
  // A dead letter as the retrying consumer writes it: origin and attempts in fluxo.* headers.
  auto out = (dir / "produce.txt").string();
  child_process producer("/bin/sh", {"-c", "printf 'k1:failed once\\n' | " + std::string(FLUXO_BIN) +
                                               " produce jobs.dlt -K : -H fluxo.original.topic=jobs -H fluxo.attempts=3"
                                               " -H fluxo.error=timeout -H tenant=a --broker " + addr},
                         out);
  ASSERT_EQ(producer.wait(60s), std::optional<int>(0)) << read_text(out);
  auto [c1, o1] = run({"dlq", "list", "jobs.dlt", "--broker", addr});
  EXPECT_EQ(c1, 0) << o1;
  EXPECT_NE(o1.find(R"("fluxo.error":"timeout")"), std::string::npos) << o1;
  auto [c2, o2] = run({"dlq", "replay", "jobs.dlt", "--broker", addr});
  EXPECT_EQ(c2, 0) << o2;
  EXPECT_NE(o2.find("replayed 1 dead letters"), std::string::npos) << o2;
  auto [c3, o3] = run({"consume", "jobs", "--max", "1", "--broker", addr});
  EXPECT_NE(o3.find(R"("key":"k1","value":"failed once")"), std::string::npos) << o3;
  EXPECT_NE(o3.find(R"("headers":{"tenant":"a"})"), std::string::npos) << o3;  // fluxo.* headers dropped
  EXPECT_EQ(run({"dlq", "replay", "nothing.dlt", "--broker", addr}).first, 1);
  stop_broker();
}
