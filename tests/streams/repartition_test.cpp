// Exactness through repartition topics: an upstream crash replays input and writes the same
// re-keyed records to the repartition topic again (new offsets there); the downstream store
// recognises them by their fluxo.streams.source header and skips them.
#include <gtest/gtest.h>

#include "tests/streams/harness.hpp"

using namespace fluxo::streams;
using fluxo::streams::testing::compact;
using fluxo::streams::testing::rec;
using fluxo::streams::testing::runner;

namespace {

void build(topology& t) {
  t.from<std::string, std::string>("views")
      .flat_map([](const std::string& user, const std::string& pages) {
        // "a,b" -> one record per page (a fan-out: several outputs of one input record)
        std::vector<std::pair<std::string, std::string>> out;
        std::size_t at = 0;
        while (at <= pages.size()) {
          auto comma = pages.find(',', at);
          out.emplace_back(pages.substr(at, comma == std::string::npos ? std::string::npos : comma - at), user);
          if (comma == std::string::npos) break;
          at = comma + 1;
        }
        return out;
      })
      .group_by_key()
      .count("per-page")
      .to_stream()
      .to("counts");
}

// Moves repartition outputs of `up` into the downstream task as records of the repartition
// topic (one partition, offsets continuing from `next_offset`).
void deliver(const std::vector<output_record>& outs, runner& down, int64_t& next_offset) {
  for (const auto& o : outs) {
    if (o.topic != "app-per-page-repartition") continue;
    auto r = rec(o.topic, next_offset++, o.timestamp, o.key, o.value);
    r.headers = o.headers;
    down.process(r);
  }
}

}  // namespace

TEST(streams_repartition, RepartitionRecordsNameTheirSourceAndOtherOutputsDoNot) {
  topology t("app");
  build(t);
  runner up(t.make_task(3));
  auto outs = up.process(rec("views", 41, 5, "u1", "a,b", 3));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(repartition_source(outs[0].headers), (std::pair{3, upstream_position{41, 0}}));
  EXPECT_EQ(repartition_source(outs[1].headers), (std::pair{3, upstream_position{41, 1}}));
  runner down(t.make_task(0));
  auto r = rec("app-per-page-repartition", 0, 5, "a", "u1");
  r.headers = outs[0].headers;
  auto counted = down.process(r);
  ASSERT_EQ(counted.size(), 1u);
  EXPECT_FALSE(repartition_source(counted[0].headers));  // a user topic never carries it
}

TEST(streams_repartition, AnUpstreamReplayIsNotCountedTwiceEvenAfterADownstreamRestore) {
  topology t("app");
  build(t);
  runner up(t.make_task(0));
  runner down(t.make_task(0));
  int64_t repartition_offset = 0;
  // Upstream processes views 0..9 (each fans out to two pages), then crashes before committing
  // 5..9: its replacement processes 5..9 again and writes them to the repartition topic again.
  std::vector<input_record> views;
  for (int i = 0; i < 10; ++i) views.push_back(rec("views", i, 100 + i, "u" + std::to_string(i), i % 2 ? "a,b" : "a"));
  for (const auto& v : views) deliver(up.process(v), down, repartition_offset);
  runner up2(t.make_task(0));
  for (int i = 5; i < 10; ++i) deliver(up2.process(views[static_cast<std::size_t>(i)]), down, repartition_offset);
  EXPECT_EQ(down.last("counts").at("a"), "10");
  EXPECT_EQ(down.last("counts").at("b"), "5");
  EXPECT_EQ(down.t->counters().skipped_replayed, 8u);  // views 5..9 again: 5 "a" + 3 "b"
  // The downstream task restarts from its compacted changelog; the upstream replays again.
  runner down2(t.make_task(0));
  down2.restore(compact(down.changelog));
  runner up3(t.make_task(0));
  for (int i = 7; i < 10; ++i) deliver(up3.process(views[static_cast<std::size_t>(i)]), down2, repartition_offset);
  for (int i = 10; i < 12; ++i) {
    deliver(up3.process(rec("views", i, 100 + i, "u", "b")), down2, repartition_offset);
  }
  EXPECT_EQ(down2.last("counts").at("b"), "7");          // 5 + two new ones, no replays
  EXPECT_FALSE(down2.last("counts").count("a"));          // no new "a" was counted
  auto changes = changelog_headers(down2.changelog.back());
  auto restored = changelog_from("per-page", down2.changelog.back().key, down2.changelog.back().value, changes);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->upstream, (std::map<int32_t, upstream_position>{{0, upstream_position{11, 0}}}));
}

TEST(streams_repartition, SourceHeadersParseStrictly) {
  headers_t h{{repartition_source_header, "2:40:1"}};
  EXPECT_EQ(repartition_source(h), (std::pair{2, upstream_position{40, 1}}));
  for (const char* bad : {"", "2:40", "2::1", "x:1:2", "2:40:1:5", "-1:4:0", "2:4:-1"}) {
    EXPECT_FALSE(repartition_source(headers_t{{repartition_source_header, bad}})) << bad;
  }
  set_repartition_source(h, std::nullopt);
  EXPECT_TRUE(h.empty());
}
