// Retries, dead letters, replay, pause/resume and trace propagation in the native client,
// against an embedded broker (real actor system, real logs). Waits are bounded loops.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "actors/client/retry.hpp"
#include "actors/client/tracing.hpp"
#include "actors/common/kafka_error.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;

namespace {

struct retries : ::testing::Test {
  std::filesystem::path dir;
  std::unique_ptr<connection> conn;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("fluxo-retry-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    connection_options o;
    o.data_dir = dir.string();
    std::string err;
    conn = connection::open(o, &err);
    ASSERT_TRUE(conn) << err;
  }
  void TearDown() override {
    conn.reset();
    std::filesystem::remove_all(dir);
  }
  void produce(const std::string& topic, int n) {
    auto p = conn->make_producer();
    for (int i = 0; i < n; ++i) p->send(topic, "k" + std::to_string(i), "v" + std::to_string(i), {{"app", "test"}});
    ASSERT_TRUE(p->flush(10s).ok());
  }
  std::vector<consumed_record> read_all(const std::string& topic) { return fluxo::client::read_all(*conn, topic); }
};

topic_config partitions(int n) {
  topic_config c;
  c.partitions = n;
  return c;
}

}  // namespace

TEST(RetryPolicy, DelaysGrowAndAreCapped) {
  retry_policy p;
  p.backoff = 100ms;
  p.backoff_multiplier = 3;
  p.max_backoff = 1000ms;
  EXPECT_EQ(retry_delay(p, 1), 100ms);
  EXPECT_EQ(retry_delay(p, 2), 300ms);
  EXPECT_EQ(retry_delay(p, 3), 900ms);
  EXPECT_EQ(retry_delay(p, 4), 1000ms);
}

TEST(Tracing, TraceparentRoundTripsAndRejectsMalformed) {
  auto t = trace_context::start();
  auto text = t.traceparent();
  ASSERT_EQ(text.size(), 55u);
  EXPECT_EQ(trace_context::parse(text), t);
  auto child = t.child();
  EXPECT_EQ(child.trace_id, t.trace_id);
  EXPECT_NE(child.span_id, t.span_id);
  auto w3c = trace_context::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(w3c);
  EXPECT_EQ(w3c->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(w3c->span_id_hex(), "00f067aa0ba902b7");
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"}) {
    EXPECT_FALSE(trace_context::parse(bad)) << bad;
  }
}

TEST_F(retries, TraceHeadersFollowARecordAcrossTopics) {
  ASSERT_TRUE(conn->create_topic("in", partitions(1)).ok());
  ASSERT_TRUE(conn->create_topic("out", partitions(1)).ok());
  auto p = conn->make_producer();
  auto started = trace_context::start();
  {
    trace_scope scope(started);
    p->send("in", "k", "traced");
  }
  p->send("in", "k", "untraced");  // outside any scope: no header
  ASSERT_TRUE(p->flush(10s).ok());
  auto in = read_all("in");
  ASSERT_EQ(in.size(), 2u);
  auto t1 = trace_of(in[0]);
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->trace_id, started.trace_id);
  EXPECT_FALSE(trace_of(in[1]));
  // A service consuming `in` continues the trace when it produces to `out`.
  {
    trace_scope scope(*t1);
    p->send("out", in[0].key, "derived");
  }
  ASSERT_TRUE(p->flush(10s).ok());
  auto out = read_all("out");
  ASSERT_EQ(out.size(), 1u);
  auto t2 = trace_of(out[0]);
  ASSERT_TRUE(t2);
  EXPECT_EQ(t2->trace_id, started.trace_id);
  EXPECT_NE(t2->span_id, t1->span_id);
}

TEST_F(retries, PausedPartitionsAreNotReturnedUntilResumed) {
  ASSERT_TRUE(conn->create_topic("p", partitions(2)).ok());
  auto prod = conn->make_producer();
  for (int i = 0; i < 10; ++i) {
    prod->send("p", std::nullopt, "a" + std::to_string(i), {}, std::nullopt);
  }
  ASSERT_TRUE(prod->flush(10s).ok());
  auto c = conn->make_consumer();
  c->assign({{"p", 0}, {"p", 1}});
  c->pause({{"p", 0}, {"p", 1}});
  EXPECT_EQ(c->paused().size(), 2u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(c->poll(20ms).empty());
  c->resume({{"p", 0}, {"p", 1}});
  std::size_t got = 0;
  for (int i = 0; i < 200 && got < 10; ++i) got += c->poll(20ms).size();
  EXPECT_EQ(got, 10u);
}

TEST_F(retries, FailuresRetryWithoutBlockingThenDeadLetterWithMetadataAndReplay) {
  ASSERT_TRUE(conn->create_topic("orders", partitions(2)).ok());
  produce("orders", 20);
  retry_policy policy;
  policy.max_attempts = 3;
  policy.backoff = 50ms;
  std::map<std::string, int> attempts;
  std::set<std::string> done;
  consumer_options co;
  co.group_id = "workers";
  retrying_consumer worker(*conn, co, {"orders"}, policy, [&](const consumed_record& r) -> status {
    const auto v = *r.value;
    ++attempts[v];
    if (v == "v3") throw std::runtime_error("payment provider down");                 // always fails
    if (v == "v7") return status{fluxo::actors::code(fluxo::actors::kafka_error::unknown_server_error), "poison"};
    if (v == "v5" && attempts[v] < 2) return status{-1, "flaky"};                      // succeeds on retry
    done.insert(v);
    return status::success();
  });
  for (int i = 0; i < 400 && (done.size() < 18 || worker.counters().dead_lettered < 2); ++i) {
    ASSERT_TRUE(worker.run_once(20ms).ok());
  }
  EXPECT_EQ(done.size(), 18u);
  EXPECT_EQ(attempts["v3"], 3);
  EXPECT_EQ(attempts["v7"], 3);
  EXPECT_EQ(attempts["v5"], 2);
  EXPECT_EQ(attempts["v1"], 1);  // nobody waited for the failing ones
  auto st = worker.counters();
  EXPECT_EQ(st.dead_lettered, 2u);
  EXPECT_EQ(st.retried, 5u);  // v3 twice, v7 twice, v5 once
  auto dead = read_all("orders.dlt");
  ASSERT_EQ(dead.size(), 2u);
  for (const auto& d : dead) {
    EXPECT_EQ(header_value(d.headers, retry_headers::original_topic), "orders");
    EXPECT_EQ(header_value(d.headers, retry_headers::attempts), "3");
    EXPECT_TRUE(header_value(d.headers, retry_headers::original_offset));
    EXPECT_TRUE(header_value(d.headers, retry_headers::original_partition));
    EXPECT_EQ(header_value(d.headers, "app"), "test");  // the record's own headers are kept
    EXPECT_EQ(d.key, "k" + d.value->substr(1));
    const auto error = header_value(d.headers, retry_headers::error).value_or("");
    EXPECT_TRUE(error == "exception: payment provider down" || error == "poison") << error;
  }
  // Replay puts them back on `orders` without the fluxo.* headers.
  auto before = read_all("orders").size();
  auto replayed = replay_dead_letters(*conn, "orders.dlt");
  ASSERT_TRUE(replayed.first.ok()) << replayed.first.message;
  EXPECT_EQ(replayed.second, 2u);
  auto after = read_all("orders");
  ASSERT_EQ(after.size(), before + 2);
  for (std::size_t i = before; i < after.size(); ++i) {
    EXPECT_FALSE(header_value(after[i].headers, retry_headers::attempts));
    EXPECT_EQ(header_value(after[i].headers, "app"), "test");
  }
  // Committed positions cover everything handled: a new member of the group starts at the end.
  worker.underlying().close();
}

TEST_F(retries, DeadLetterAtOnceWithOneAttempt) {
  ASSERT_TRUE(conn->create_topic("jobs", partitions(1)).ok());
  produce("jobs", 3);
  retry_policy policy;
  policy.max_attempts = 1;
  policy.dead_letter_topic = "jobs-failed";
  consumer_options co;
  co.group_id = "g";
  retrying_consumer worker(*conn, co, {"jobs"}, policy, [](const consumed_record& r) {
    return *r.value == "v1" ? status{-1, "bad input"} : status::success();
  });
  for (int i = 0; i < 200 && worker.counters().succeeded + worker.counters().dead_lettered < 3; ++i) ASSERT_TRUE(worker.run_once(20ms).ok());
  EXPECT_EQ(worker.counters().dead_lettered, 1u);
  EXPECT_EQ(worker.counters().retried, 0u);
  EXPECT_EQ(worker.dead_letter_topic_of("jobs"), "jobs-failed");
  EXPECT_EQ(read_all("jobs-failed").size(), 1u);
}
