// Pure pieces behind the HTTP API and CLI: rate windows, lag history, record formatting, lag
// arithmetic and rebalance cause labels. Deterministic: time is passed in.
#include <gtest/gtest.h>

#include "actors/broker/broker_metrics.hpp"
#include "actors/client/group_admin.hpp"
#include "runtime/http/history.hpp"
#include "runtime/record_format.hpp"

using namespace fluxo;

TEST(RateWindow, RateOverTheWindow) {
  runtime::http::rate_window w(10'000);
  EXPECT_EQ(w.per_second(), 0.0);
  w.add(0, 0);
  EXPECT_EQ(w.per_second(), 0.0);  // one reading: no rate yet
  for (int s = 1; s <= 20; ++s) w.add(s * 1000, s * 100);  // 100 records/s
  EXPECT_DOUBLE_EQ(w.per_second(), 100.0);
  for (int s = 21; s <= 40; ++s) w.add(s * 1000, 2000);  // stopped
  EXPECT_DOUBLE_EQ(w.per_second(), 0.0);
}

TEST(RateWindow, ACounterThatWentDownRestarts) {
  runtime::http::rate_window w(10'000);
  w.add(0, 500);
  w.add(1000, 600);
  w.add(2000, 10);  // the topic was recreated
  EXPECT_EQ(w.per_second(), 0.0);
  w.add(3000, 60);
  EXPECT_DOUBLE_EQ(w.per_second(), 50.0);
}

TEST(LagHistory, KeepsTheNewestPoints) {
  runtime::http::lag_history h(3);
  for (int i = 0; i < 5; ++i) h.add(i * 5000, i * 10);
  ASSERT_EQ(h.points().size(), 3u);
  EXPECT_EQ(h.points().front().timestamp_ms, 10000);
  EXPECT_EQ(h.points().back().total_lag, 40);
}

TEST(GroupLag, CommittedClampedToTheLogStart) {
  EXPECT_EQ(client::lag_of(-1, 0, 30), 30);   // nothing committed: from the log start
  EXPECT_EQ(client::lag_of(10, 0, 30), 20);
  EXPECT_EQ(client::lag_of(5, 20, 30), 10);   // committed below retention: from the log start
  EXPECT_EQ(client::lag_of(30, 0, 30), 0);
  EXPECT_EQ(client::lag_of(40, 0, 30), 0);    // never negative
}

TEST(GroupLag, ResetTargetsParse) {
  client::reset_target t;
  EXPECT_TRUE(client::parse_reset_target("earliest", t));
  EXPECT_EQ(t, client::reset_target::earliest);
  EXPECT_TRUE(client::parse_reset_target("timestamp", t));
  EXPECT_EQ(t, client::reset_target::timestamp);
  EXPECT_FALSE(client::parse_reset_target("Earliest", t));
  EXPECT_FALSE(client::parse_reset_target("", t));
}

TEST(RebalanceReason, NotesMapToCauses) {
  EXPECT_EQ(actors::rebalance_reason_label("member m-1 joined"), "member_joined");
  EXPECT_EQ(actors::rebalance_reason_label("member m-1 left"), "member_left");
  EXPECT_EQ(actors::rebalance_reason_label("member m-1 session timeout"), "member_timeout");
  EXPECT_EQ(actors::rebalance_reason_label("member m-1 removed: JoinGroup timed out"), "member_timeout");
  EXPECT_EQ(actors::rebalance_reason_label("member m-1 removed: did not rejoin within the rebalance timeout"), "member_timeout");
  EXPECT_EQ(actors::rebalance_reason_label("member m-1 rejoined with new metadata"), "metadata_changed");
  EXPECT_EQ(actors::rebalance_reason_label("leader m-1 rejoined"), "leader_rejoined");
  EXPECT_EQ(actors::rebalance_reason_label("partition count changed: orders 3"), "partitions_changed");
  EXPECT_EQ(actors::rebalance_reason_label("generation 4 formed: 2 member(s)"), "");
  EXPECT_EQ(actors::rebalance_reason_label("generation 4 stable: leader sent the assignment"), "");
}

namespace {
client::consumed_record sample_record() {
  client::consumed_record r;
  r.topic = "orders";
  r.partition = 2;
  r.offset = 42;
  r.timestamp = 1633036800000;
  r.key = "123";
  r.value = R"({"amount": 5})";
  r.headers = {{"trace", "abc"}};
  return r;
}
}  // namespace

TEST(RecordFormat, JsonLineHasTheDocumentedShape) {
  EXPECT_EQ(runtime::record_json_line(sample_record(), "text"),
            R"({"key":"123","value":"{\"amount\": 5}","timestamp":1633036800000,"partition":2,"offset":42,"headers":{"trace":"abc"}})");
  EXPECT_EQ(runtime::record_json_line(sample_record(), "json"),
            R"({"key":"123","value":{"amount":5},"timestamp":1633036800000,"partition":2,"offset":42,"headers":{"trace":"abc"}})");
  auto r = sample_record();
  r.value = "not json";
  r.key.reset();
  EXPECT_EQ(runtime::record_to_json(r, "json")["value"], "not json");  // falls back to text
  EXPECT_TRUE(runtime::record_to_json(r, "json")["key"].is_null());
  r.value = std::string("\x00\xff", 2);
  EXPECT_EQ(runtime::record_to_json(r, "hex")["value"], "00ff");
  r.value.reset();
  EXPECT_TRUE(runtime::record_to_json(r, "text")["value"].is_null());
}

TEST(RecordFormat, InvalidUtf8IsReplacedNotFatal) {
  auto r = sample_record();
  r.value = std::string("ok\xff", 3);
  EXPECT_EQ(runtime::record_to_json(r, "text").dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).find("ok\xEF\xBF\xBD") !=
                std::string::npos,
            true);
  EXPECT_NE(runtime::record_json_line(r, "text").find("ok\xEF\xBF\xBD"), std::string::npos);
}

TEST(RecordFormat, KcatStyleTemplates) {
  auto r = sample_record();
  EXPECT_EQ(runtime::record_template(r, "%T/%p@%o %k=%v %t [%h] 100%%\\n", "text"),
            "orders/2@42 123={\"amount\": 5} 1633036800000 [trace=abc] 100%\n");
  EXPECT_EQ(runtime::record_template(r, "%v", "hex"), "7b22616d6f756e74223a20357d");
  r.key.reset();
  EXPECT_EQ(runtime::record_template(r, "<%k>\\t%x", "text"), "<>\t%x");  // unknown directives stay
}
