#include <gtest/gtest.h>

#include <chrono>

#include "tests/streams/harness.hpp"

using namespace fluxo::streams;
using namespace std::chrono_literals;
using fluxo::streams::testing::pairs;
using fluxo::streams::testing::rec;
using fluxo::streams::testing::runner;
using kvs = std::vector<std::pair<std::string, std::string>>;

namespace {

struct stats_agg {
  int64_t n = 0;
  int64_t sum = 0;
};
}  // namespace

template <>
struct fluxo::streams::serde<stats_agg> {
  static std::string to_bytes(const stats_agg& s) { return std::to_string(s.n) + "/" + std::to_string(s.sum); }
  static std::optional<stats_agg> from_bytes(std::string_view b) {
    auto slash = b.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto n = serde<int64_t>::from_bytes(b.substr(0, slash));
    auto sum = serde<int64_t>::from_bytes(b.substr(slash + 1));
    if (!n || !sum) return std::nullopt;
    return stats_agg{*n, *sum};
  }
};

TEST(streams_aggregate, CountPerKeyEmitsEveryUpdateAndLogsIt) {
  topology t("app");
  t.from<std::string, std::string>("in").group_by_key().count("counts").to_stream().to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 10, "a", "x"));
  r.process(rec("in", 1, 5, "b", "x"));
  r.process(rec("in", 2, 20, "a", "y"));
  EXPECT_EQ(r.kv("out"), (kvs{{"a", "1"}, {"b", "1"}, {"a", "2"}}));
  ASSERT_EQ(r.changelog.size(), 3u);
  EXPECT_EQ(r.changelog[2].store, "counts");
  EXPECT_EQ(r.changelog[2].key, "a");
  EXPECT_EQ(r.changelog[2].value, "2");
  EXPECT_EQ(r.changelog[2].input_offset, 2);
  EXPECT_EQ(r.changelog[2].stream_time, 20);
  EXPECT_EQ(r.t->store_contents("counts"), (std::map<std::string, std::string>{{"a", "2"}, {"b", "1"}}));
}

TEST(streams_aggregate, ReduceStartsWithTheFirstValue) {
  topology t("app");
  t.from<std::string, int64_t>("in")
      .group_by_key()
      .reduce([](int64_t a, int64_t b) { return std::max(a, b); }, "max")
      .to_stream()
      .to("out");
  runner r(t.make_task(0));
  for (int64_t i = 0; auto v : {"3", "1", "7", "2"}) r.process(rec("in", i++, 0, "k", v));
  EXPECT_EQ(r.kv("out"), (kvs{{"k", "3"}, {"k", "3"}, {"k", "7"}, {"k", "7"}}));
}

TEST(streams_aggregate, AggregateWithInitAdderAndCustomSerde) {
  topology t("app");
  t.from<std::string, int64_t>("in")
      .group_by_key()
      .aggregate([] { return stats_agg{}; },
                 [](const std::string&, int64_t v, const stats_agg& s) { return stats_agg{s.n + 1, s.sum + v}; },
                 "stats")
      .to_stream()
      .map_values([](const stats_agg& s) { return s.sum / s.n; })
      .to("avg");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "k", "4"));
  r.process(rec("in", 1, 0, "k", "8"));
  EXPECT_EQ(r.kv("avg"), (kvs{{"k", "4"}, {"k", "6"}}));
  EXPECT_EQ(r.t->store_contents("stats"), (std::map<std::string, std::string>{{"k", "2/12"}}));
}

TEST(streams_aggregate, AggregateAdderMayTakeJustValueAndAggregate) {
  topology t("app");
  t.from<std::string, std::string>("in")
      .group_by_key()
      .aggregate([] { return std::string(); }, [](const std::string& v, const std::string& acc) { return acc + v; },
                 "concat")
      .to_stream()
      .to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "k", "a"));
  r.process(rec("in", 1, 0, "k", "b"));
  EXPECT_EQ(r.kv("out"), (kvs{{"k", "a"}, {"k", "ab"}}));
}

TEST(streams_aggregate, UndecodableStoredValueCountsAndRestartsTheAggregate) {
  topology t("app");
  t.from<std::string, std::string>("in").group_by_key().count("counts");
  runner r(t.make_task(0));
  r.t->restore({"counts", "k", "garbage", 0});
  r.process(rec("in", 1, 0, "k", "v"));
  EXPECT_EQ(r.t->store_contents("counts").at("k"), "1");
  EXPECT_EQ(r.t->counters().undecodable, 1u);
}

TEST(streams_aggregate, TumblingCountPerWindow) {
  topology t("app");
  t.from<std::string, std::string>("in")
      .group_by_key()
      .window(tumbling(10ms))
      .count("counts")
      .to_stream()
      .map([](const windowed<std::string>& w, int64_t n) {
        return std::pair{w.key + "@" + std::to_string(w.start), n};
      })
      .to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 1, "a", "x"));
  r.process(rec("in", 1, 9, "a", "x"));
  r.process(rec("in", 2, 10, "a", "x"));
  r.process(rec("in", 3, 12, "b", "x"));
  EXPECT_EQ(r.kv("out"), (kvs{{"a@0", "1"}, {"a@0", "2"}, {"a@10", "1"}, {"b@10", "1"}}));
  // grace 0: window [0,10) closed when stream time reached 10 -> dropped from the store
  EXPECT_EQ(r.t->store_contents("counts"), (std::map<std::string, std::string>{{"10:20:a", "1"}, {"10:20:b", "1"}}));
  // the drop is a tombstone in the changelog, made by the record at offset 2
  bool tombstone = false;
  for (const auto& c : r.changelog)
    if (c.key == "0:10:a" && !c.value) tombstone = c.input_offset == 2;
  EXPECT_TRUE(tombstone);
}

TEST(streams_aggregate, WindowedKeyWritesAsStartEndKey) {
  topology t("app");
  t.from<std::string, std::string>("in").group_by_key().window(tumbling(10ms)).count("c").to_stream().to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 15, "a", "x"));
  EXPECT_EQ(r.kv("out"), (kvs{{"10:20:a", "1"}}));
}

TEST(streams_aggregate, HoppingRecordUpdatesEveryWindow) {
  topology t("app");
  t.from<std::string, int64_t>("in")
      .group_by_key()
      .window(hopping(10ms, 5ms))
      .reduce([](int64_t a, int64_t b) { return a + b; }, "sums")
      .to_stream()
      .to("out");
  runner r(t.make_task(0));
  EXPECT_EQ(pairs(r.process(rec("in", 0, 7, "k", "1"))), (kvs{{"0:10:k", "1"}, {"5:15:k", "1"}}));
  EXPECT_EQ(pairs(r.process(rec("in", 1, 12, "k", "2"))), (kvs{{"5:15:k", "3"}, {"10:20:k", "2"}}));
  // window [0,10) closed at stream time 12 (grace 0) and was dropped
  EXPECT_EQ(r.t->store_contents("sums"), (std::map<std::string, std::string>{{"10:20:k", "2"}, {"5:15:k", "3"}}));
  // a record at 8 now only reaches [5,15)
  EXPECT_EQ(pairs(r.process(rec("in", 2, 8, "k", "10"))), (kvs{{"5:15:k", "13"}}));
  EXPECT_EQ(r.t->counters().skipped_late, 0u);
}

TEST(streams_aggregate, LateRecordsAfterGraceAreSkippedAndCounted) {
  topology t("app");
  t.from<std::string, std::string>("in").group_by_key().window(tumbling(10ms).grace(5ms)).count("c").to_stream().to(
      "out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 3, "a", "x"));
  r.process(rec("in", 1, 14, "a", "x"));   // stream time 14: [0,10) open until 15
  EXPECT_EQ(pairs(r.process(rec("in", 2, 4, "a", "x"))), (kvs{{"0:10:a", "2"}}));  // within grace
  r.process(rec("in", 3, 15, "b", "x"));  // stream time 15: [0,10) closes
  EXPECT_TRUE(r.process(rec("in", 4, 5, "a", "x")).empty());
  EXPECT_EQ(r.t->counters().skipped_late, 1u);
  EXPECT_EQ(r.t->store_contents("c"), (std::map<std::string, std::string>{{"10:20:a", "1"}, {"10:20:b", "1"}}));
  EXPECT_EQ(r.t->store_stream_time("c"), 15);
  // a late record does not move stream time or write anything
  auto logged = r.changelog.size();
  r.process(rec("in", 5, 1, "z", "x"));
  EXPECT_EQ(r.changelog.size(), logged);
}

TEST(streams_aggregate, WindowedAggregateUsesInitPerWindow) {
  topology t("app");
  t.from<std::string, int64_t>("in")
      .group_by_key()
      .window(tumbling(10ms))
      .aggregate([] { return int64_t{100}; }, [](int64_t v, int64_t acc) { return acc + v; }, "agg")
      .to_stream()
      .to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 1, "k", "1"));
  r.process(rec("in", 1, 11, "k", "2"));
  EXPECT_EQ(r.kv("out"), (kvs{{"0:10:k", "101"}, {"10:20:k", "102"}}));
}

TEST(streams_aggregate, SessionsGrowMergeAndEmitTombstones) {
  topology t("app");
  t.from<std::string, std::string>("in").group_by_key().window(session(10ms)).count("sessions").to_stream().to("out");
  runner r(t.make_task(0));
  EXPECT_EQ(pairs(r.process(rec("in", 0, 100, "u", "x"))), (kvs{{"100:100:u", "1"}}));
  // within the gap: the session grows, the old one is replaced
  EXPECT_EQ(pairs(r.process(rec("in", 1, 110, "u", "x"))), (kvs{{"100:100:u", "<null>"}, {"100:110:u", "2"}}));
  // another key is independent
  EXPECT_EQ(pairs(r.process(rec("in", 2, 118, "v", "x"))), (kvs{{"118:118:v", "1"}}));
  // a new session after the gap
  EXPECT_EQ(pairs(r.process(rec("in", 3, 125, "u", "x"))), (kvs{{"125:125:u", "1"}}));
  // inside an existing session: same window, no tombstone
  EXPECT_EQ(pairs(r.process(rec("in", 4, 125, "u", "x"))), (kvs{{"125:125:u", "2"}}));
  // a record bridging both sessions merges them
  EXPECT_EQ(pairs(r.process(rec("in", 5, 118, "u", "x"))),
            (kvs{{"100:110:u", "<null>"}, {"125:125:u", "<null>"}, {"100:125:u", "5"}}));
  EXPECT_EQ(r.t->store_contents("sessions"),
            (std::map<std::string, std::string>{{"100:125:u", "5"}, {"118:118:v", "1"}}));
  // the merged-away sessions are tombstones in the changelog
  std::vector<std::string> deleted;
  for (const auto& c : r.changelog)
    if (!c.value) deleted.push_back(c.key);
  EXPECT_EQ(deleted, (std::vector<std::string>{"100:100:u", "100:110:u", "125:125:u"}));
}

TEST(streams_aggregate, SessionLatenessAndExpiry) {
  topology t("app");
  t.from<std::string, std::string>("in").group_by_key().window(session(10ms).grace(5ms)).count("s").to_stream().to(
      "out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 100, "u", "x"));
  r.process(rec("in", 1, 114, "w", "x"));  // stream time 114
  // 100 + gap 10 + grace 5 > 114: not late, may still extend u's session
  EXPECT_EQ(pairs(r.process(rec("in", 2, 101, "u", "x"))), (kvs{{"100:100:u", "<null>"}, {"100:101:u", "2"}}));
  r.process(rec("in", 3, 116, "w", "x"));  // stream time 116: 101 + 15 <= 116
  EXPECT_TRUE(r.process(rec("in", 4, 101, "u", "x")).empty());
  EXPECT_EQ(r.t->counters().skipped_late, 1u);
  // [100,101] is deleted once 101 + 2*10 + 5 <= stream time, silently (changelog only)
  EXPECT_EQ(r.t->store_contents("s").count("100:101:u"), 1u);
  auto out = r.process(rec("in", 5, 126, "w", "x"));
  EXPECT_EQ(pairs(out), (kvs{{"114:116:w", "<null>"}, {"114:126:w", "3"}}));
  EXPECT_EQ(r.t->store_contents("s"), (std::map<std::string, std::string>{{"114:126:w", "3"}}));
  bool expired = false;
  for (const auto& c : r.changelog)
    if (c.key == "100:101:u" && !c.value) expired = c.input_offset == 5;
  EXPECT_TRUE(expired);
}

TEST(streams_aggregate, SessionReduceAndAggregateWithMerger) {
  topology t("app");
  auto grouped = t.from<std::string, int64_t>("in").group_by_key().window(session(10ms));
  grouped.reduce([](int64_t a, int64_t b) { return a + b; }, "sum").to_stream().to("sum");
  grouped
      .aggregate([] { return int64_t{0}; }, [](int64_t v, int64_t acc) { return std::max(acc, v); },
                 [](const std::string&, int64_t a, int64_t b) { return std::max(a, b); }, "max")
      .to_stream()
      .to("max");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "k", "5"));
  r.process(rec("in", 1, 15, "k", "9"));
  r.process(rec("in", 2, 8, "k", "1"));  // bridges [0,0] and [15,15]
  EXPECT_EQ(r.last("sum"), (std::map<std::string, std::string>{
                               {"0:0:k", "<null>"}, {"15:15:k", "<null>"}, {"0:15:k", "15"}}));
  EXPECT_EQ(r.last("max").at("0:15:k"), "9");
}
