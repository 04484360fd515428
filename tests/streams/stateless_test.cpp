#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/streams/harness.hpp"

using namespace fluxo::streams;
using fluxo::streams::testing::pairs;
using fluxo::streams::testing::rec;
using fluxo::streams::testing::runner;

TEST(streams_stateless, FilterKeepsMatchingRecords) {
  topology t("app");
  t.from<std::string, std::string>("in")
      .filter([](const std::string& k, const std::string& v) { return k != "drop" && !v.empty(); })
      .to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 1, "a", "x"));
  r.process(rec("in", 1, 2, "drop", "y"));
  r.process(rec("in", 2, 3, "b", ""));
  EXPECT_EQ(r.kv("out"), (std::vector<std::pair<std::string, std::string>>{{"a", "x"}}));
}

TEST(streams_stateless, MapChangesKeyAndValueTypes) {
  topology t("app");
  t.from<std::string, std::string>("in")
      .map([](const std::string& k, const std::string& v) { return std::pair{v, int64_t(k.size())}; })
      .to("out");
  runner r(t.make_task(0));
  auto out = r.process(rec("in", 0, 5, "abc", "x"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].topic, "out");
  EXPECT_EQ(out[0].key, "x");
  EXPECT_EQ(out[0].value, "3");
  EXPECT_EQ(out[0].timestamp, 5);
}

TEST(streams_stateless, MapValuesTakesValueOrKeyAndValue) {
  topology t("app");
  auto in = t.from<std::string, int64_t>("in");
  in.map_values([](int64_t v) { return v * 2; }).to("doubled");
  in.map_values([](const std::string& k, int64_t v) { return k + "=" + std::to_string(v); }).to("labeled");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "a", "21"));
  EXPECT_EQ(r.kv("doubled"), (std::vector<std::pair<std::string, std::string>>{{"a", "42"}}));
  EXPECT_EQ(r.kv("labeled"), (std::vector<std::pair<std::string, std::string>>{{"a", "a=21"}}));
}

TEST(streams_stateless, FlatMapEmitsEachPairInOrder) {
  topology t("app");
  t.from<std::string, std::string>("in")
      .flat_map([](const std::string&, const std::string& line) {
        std::vector<std::pair<std::string, int64_t>> words;
        std::size_t start = 0;
        while (start < line.size()) {
          auto end = line.find(' ', start);
          if (end == std::string::npos) end = line.size();
          if (end > start) words.emplace_back(line.substr(start, end - start), 1);
          start = end + 1;
        }
        return words;
      })
      .to("words");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "l1", "to be  or"));
  r.process(rec("in", 1, 0, "l2", ""));
  EXPECT_EQ(r.kv("words"), (std::vector<std::pair<std::string, std::string>>{{"to", "1"}, {"be", "1"}, {"or", "1"}}));
}

TEST(streams_stateless, FlatMapValuesKeepsKey) {
  topology t("app");
  t.from<std::string, std::string>("in")
      .flat_map_values([](const std::string& v) { return std::vector<std::string>(v.size(), v); })
      .to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "k", "ab"));
  EXPECT_EQ(r.kv("out"), (std::vector<std::pair<std::string, std::string>>{{"k", "ab"}, {"k", "ab"}}));
}

TEST(streams_stateless, PeekSeesRecordsAndPassesThem) {
  topology t("app");
  int seen = 0;
  t.from<std::string, std::string>("in").peek([&seen](const std::string&, const std::string&) { ++seen; }).to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "k", "v"));
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(r.kv("out").size(), 1u);
}

TEST(streams_stateless, ChainedOperatorsAndFanOut) {
  topology t("app");
  auto in = t.from<std::string, int64_t>("in");
  auto big = in.filter([](const std::string&, int64_t v) { return v >= 10; });
  big.map_values([](int64_t v) { return v / 10; }).to("tens");
  in.filter([](const std::string&, int64_t v) { return v < 10; }).to("small");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "a", "5"));
  r.process(rec("in", 1, 0, "b", "42"));
  EXPECT_EQ(r.kv("tens"), (std::vector<std::pair<std::string, std::string>>{{"b", "4"}}));
  EXPECT_EQ(r.kv("small"), (std::vector<std::pair<std::string, std::string>>{{"a", "5"}}));
  EXPECT_EQ(t.sink_topics(), (std::vector<std::string>{"small", "tens"}));
}

TEST(streams_stateless, OutputsCarryInputTimestampAndHeaders) {
  topology t("app");
  t.from<std::string, std::string>("in").to("out");
  runner r(t.make_task(3));
  auto in = rec("in", 9, 777, "k", "v", 3);
  in.headers = {{"trace", "abc"}};
  auto out = r.process(in);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp, 777);
  EXPECT_EQ(out[0].headers, in.headers);
  EXPECT_TRUE(r.changelog.empty());
}

TEST(streams_stateless, NullsAndUndecodableRecordsAreSkippedAndCounted) {
  topology t("app");
  t.from<std::string, int64_t>("in").to("out");
  runner r(t.make_task(0));
  r.process(rec("in", 0, 0, "k", "not a number"));
  r.process(rec("in", 1, 0, std::nullopt, "1"));
  r.process(rec("in", 2, 0, "k", std::nullopt));
  r.process(rec("in", 3, 0, "k", "2"));
  EXPECT_EQ(r.kv("out"), (std::vector<std::pair<std::string, std::string>>{{"k", "2"}}));
  auto s = r.t->counters();
  EXPECT_EQ(s.processed, 4u);
  EXPECT_EQ(s.undecodable, 1u);
  EXPECT_EQ(s.skipped_null, 2u);
}

TEST(streams_stateless, OptionalTypesCarryNulls) {
  topology t("app");
  t.from<std::optional<std::string>, std::optional<std::string>>("in")
      .map_values([](const std::optional<std::string>& v) { return v ? std::optional<std::string>(*v + "!") : v; })
      .to("out");
  runner r(t.make_task(0));
  auto out = r.process(rec("in", 0, 0, std::nullopt, "x"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].key);
  EXPECT_EQ(out[0].value, "x!");
  out = r.process(rec("in", 1, 0, "k", std::nullopt));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key, "k");
  EXPECT_FALSE(out[0].value);  // a tombstone passes through
  EXPECT_EQ(r.t->counters().skipped_null, 0u);
}

TEST(streams_stateless, TaskRejectsForeignTopicsAndPartitions) {
  topology t("app");
  t.from<std::string, std::string>("in").to("out");
  runner r(t.make_task(1));
  EXPECT_THROW(r.process(rec("other", 0, 0, "k", "v", 1)), std::invalid_argument);
  EXPECT_THROW(r.process(rec("in", 0, 0, "k", "v", 0)), std::invalid_argument);
}

TEST(streams_stateless, TopologyListsItsTopics) {
  topology t("clicks");
  auto views = t.from<std::string, std::string>("views");
  views.to("copy");
  views.group_by([](const std::string&, const std::string& page) { return page; }).count("per-page");
  t.from<std::string, std::string>("other").group_by_key().count("per-key");
  EXPECT_EQ(t.source_topics(), (std::vector<std::string>{"clicks-per-page-repartition", "other", "views"}));
  EXPECT_EQ(t.repartition_topics(), (std::vector<std::string>{"clicks-per-page-repartition"}));
  EXPECT_EQ(t.store_names(), (std::vector<std::string>{"per-page", "per-key"}));
  EXPECT_EQ(t.changelog_topic("per-key"), "clicks-per-key-changelog");
  EXPECT_THROW(t.changelog_topic("nope"), std::invalid_argument);
  EXPECT_THROW((t.from<std::string, std::string>("other").group_by_key().count("per-key")), std::invalid_argument);
}

TEST(streams_stateless, GroupByRepartitionsThroughAnInternalTopic) {
  topology t("app");
  t.from<std::string, std::string>("views")
      .group_by([](const std::string&, const std::string& page) { return page; })
      .count("per-page")
      .to_stream()
      .to("counts");
  runner r(t.make_task(0));
  // The source only writes the re-keyed record to the repartition topic...
  auto out = r.process(rec("views", 0, 100, "user-1", "home"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].topic, "app-per-page-repartition");
  EXPECT_EQ(out[0].key, "home");
  EXPECT_EQ(out[0].value, "home");
  EXPECT_EQ(out[0].timestamp, 100);
  EXPECT_TRUE(r.changelog.empty());
  // ...and the task of the partition murmur2("home") picks it up from there.
  auto again = r.process(rec("app-per-page-repartition", 0, 100, "home", "home"));
  EXPECT_EQ(pairs(again), (std::vector<std::pair<std::string, std::string>>{{"home", "1"}}));
}

TEST(streams_stateless, GroupByKeyAfterMapRepartitionsButNotAfterMapValues) {
  topology t("app");
  auto in = t.from<std::string, std::string>("in");
  in.map_values([](const std::string& v) { return v; }).group_by_key().count("same-key");
  in.map([](const std::string& k, const std::string& v) { return std::pair{v, k}; }).group_by_key().count("new-key");
  EXPECT_EQ(t.repartition_topics(), (std::vector<std::string>{"app-new-key-repartition"}));
}
