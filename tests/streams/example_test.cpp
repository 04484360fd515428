// The usage example of topology.hpp, run end to end on one partition (the test plays the
// runner: it feeds repartition records back and the table topic into the tables).
#include <gtest/gtest.h>

#include <chrono>

#include "tests/streams/harness.hpp"

namespace streams = fluxo::streams;
using fluxo::streams::testing::rec;

namespace shop {
struct customer {
  std::string name;
  std::string tier;
};
void to_json(nlohmann::json& j, const customer& c) { j = {{"name", c.name}, {"tier", c.tier}}; }
void from_json(const nlohmann::json& j, customer& c) {
  j.at("name").get_to(c.name);
  j.at("tier").get_to(c.tier);
}
}  // namespace shop

template <>
struct fluxo::streams::serde<shop::customer> : fluxo::streams::json_serde<shop::customer> {};

TEST(streams_example, ClickstreamPageCountsAndEnrichment) {
  streams::topology t("clickstream");
  auto views = t.from<std::string, std::string>("page-views");  // key user, value page
  views.filter([](const std::string&, const std::string& page) { return !page.empty(); })
      .group_by([](const std::string&, const std::string& page) { return page; })
      .window(streams::tumbling(std::chrono::seconds(10)).grace(std::chrono::seconds(2)))
      .count("page-counts")
      .to_stream()
      .map([](const streams::windowed<std::string>& w, int64_t n) {
        return std::pair{w.key + "@" + std::to_string(w.start), n};
      })
      .to("page-counts-out");
  auto customers = t.global_table<std::string, shop::customer>("customers");
  views.left_join(customers,
                  [](const std::string& page, const shop::customer* c) { return (c ? c->tier : "anon") + ":" + page; })
      .to("tiered-views");

  auto task = t.make_task(0);
  std::vector<streams::output_record> out;
  std::vector<streams::changelog_record> log;
  task->update_table(rec("customers", 0, 0, "u1", R"({"name":"Ann","tier":"gold"})"));
  int64_t repartition_offset = 0;
  auto feed = [&](const streams::input_record& r) {
    std::vector<streams::output_record> produced;
    task->process(r, produced, log);
    for (auto& o : produced) {
      if (o.topic == "clickstream-page-counts-repartition") {
        task->process(rec(o.topic, repartition_offset++, o.timestamp, o.key, o.value), out, log);
      } else {
        out.push_back(o);
      }
    }
  };
  feed(rec("page-views", 0, 1000, "u1", "home"));
  feed(rec("page-views", 1, 2000, "u2", "home"));
  feed(rec("page-views", 2, 11000, "u1", "cart"));

  std::vector<std::pair<std::string, std::string>> counts, tiered;
  for (const auto& o : out) (o.topic == "page-counts-out" ? counts : tiered).emplace_back(*o.key, *o.value);
  EXPECT_EQ(counts, (std::vector<std::pair<std::string, std::string>>{{"home@0", "1"}, {"home@0", "2"}, {"cart@10000", "1"}}));
  EXPECT_EQ(tiered, (std::vector<std::pair<std::string, std::string>>{
                        {"u1", "gold:home"}, {"u2", "anon:home"}, {"u1", "gold:cart"}}));
  EXPECT_EQ(t.changelog_topic("page-counts"), "clickstream-page-counts-changelog");
  EXPECT_EQ(log.back().store, "page-counts");
  EXPECT_EQ(log.back().key, "10000:20000:cart");
  EXPECT_EQ(log.back().input_offset, 2);  // offset in the repartition topic
}
