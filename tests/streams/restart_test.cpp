// Restart-in-the-middle: a task that crashed is replaced by one restored from its changelog,
// which then sees the rest of the input plus a replay of records already applied. The final
// stores and the last output per key/window must equal an uninterrupted run (and, for time
// windows, a brute-force count over all records).
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <tuple>

#include "tests/streams/harness.hpp"

using namespace fluxo::streams;
using namespace std::chrono_literals;
using fluxo::streams::testing::compact;
using fluxo::streams::testing::rec;
using fluxo::streams::testing::runner;
using contents = std::map<std::string, std::string>;

namespace {

const std::vector<std::string> all_stores = {"tumbling", "hopping", "sessions", "totals", "sums"};
const std::vector<std::string> all_outputs = {"tumbling-out", "hopping-out", "session-out", "totals-out", "sums-out"};

void build(topology& t) {
  auto g = t.from<std::string, std::string>("events").group_by_key();
  g.window(tumbling(10ms).grace(5ms)).count("tumbling").to_stream().to("tumbling-out");
  g.window(hopping(20ms, 5ms).grace(3ms)).count("hopping").to_stream().to("hopping-out");
  g.window(session(7ms).grace(2ms)).count("sessions").to_stream().to("session-out");
  g.count("totals").to_stream().to("totals-out");
  g.aggregate([] { return std::string(); }, [](const std::string& v, const std::string& acc) { return acc + v; },
              "sums")
      .to_stream()
      .to("sums-out");
}

// Out-of-order events: time mostly advances, sometimes jumps back.
std::vector<input_record> events(uint32_t seed, int n, int keys) {
  std::mt19937 rng(seed);
  std::vector<input_record> out;
  int64_t clock = 1000;
  for (int i = 0; i < n; ++i) {
    clock += std::uniform_int_distribution<int64_t>(0, 4)(rng);
    int64_t ts = clock - std::uniform_int_distribution<int64_t>(0, 12)(rng);
    auto key = "k" + std::to_string(std::uniform_int_distribution<int>(0, keys - 1)(rng));
    auto value = std::string(1, char('a' + i % 26));
    out.push_back(rec("events", i, ts, key, value));
  }
  return out;
}

// Through the wire format the runner uses (headers), and optionally compacted.
std::vector<changelog_record> as_read_back(const std::vector<changelog_record>& log, bool compacted) {
  std::vector<changelog_record> out;
  for (const auto& c : compacted ? compact(log) : log) {
    auto back = changelog_from(c.store, c.key, c.value, changelog_headers(c));
    EXPECT_TRUE(back);
    out.push_back(*back);
  }
  return out;
}

struct reference {
  std::map<std::string, contents> stores;
  std::map<std::string, contents> last;  // per output topic
};

reference uninterrupted(const std::vector<input_record>& in) {
  topology t("app");
  build(t);
  runner r(t.make_task(0));
  for (const auto& x : in) r.process(x);
  reference ref;
  for (const auto& s : all_stores) ref.stores[s] = r.t->store_contents(s);
  for (const auto& o : all_outputs) ref.last[o] = r.last(o);
  return ref;
}

// Runs `in` with crashes after the given positions; each successor restores from the whole
// changelog so far and restarts `replay` records before the crash point.
struct restarted_run {
  std::map<std::string, contents> stores;
  std::map<std::string, contents> last;
  uint64_t skipped_replayed = 0;
};

restarted_run with_restarts(const std::vector<input_record>& in, const std::vector<std::pair<int, int>>& crashes,
                            bool compacted) {
  topology t("app");
  build(t);
  std::vector<changelog_record> log;
  std::vector<output_record> outputs;
  restarted_run result;
  auto current = std::make_unique<runner>(t.make_task(0));
  int next = 0;
  for (const auto& [crash_at, replay] : crashes) {
    for (; next < crash_at; ++next) current->process(in[next]);
    log.insert(log.end(), current->changelog.begin(), current->changelog.end());
    outputs.insert(outputs.end(), current->outputs.begin(), current->outputs.end());
    result.skipped_replayed += current->t->counters().skipped_replayed;
    current = std::make_unique<runner>(t.make_task(0));
    current->restore(as_read_back(log, compacted));
    next = std::max(0, crash_at - replay);
  }
  for (; next < static_cast<int>(in.size()); ++next) current->process(in[next]);
  outputs.insert(outputs.end(), current->outputs.begin(), current->outputs.end());
  result.skipped_replayed += current->t->counters().skipped_replayed;
  for (const auto& s : all_stores) result.stores[s] = current->t->store_contents(s);
  for (const auto& o : outputs) result.last[o.topic][o.key.value_or("<null>")] = o.value.value_or("<null>");
  return result;
}

}  // namespace

TEST(streams_restart, RestoredTaskContinuesExactlyWithReplays) {
  auto in = events(7, 300, 4);
  auto ref = uninterrupted(in);
  for (bool compacted : {false, true}) {
    SCOPED_TRACE(compacted ? "compacted changelog" : "full changelog");
    auto run = with_restarts(in, {{150, 40}}, compacted);
    EXPECT_EQ(run.stores, ref.stores);
    EXPECT_EQ(run.last, ref.last);
    EXPECT_EQ(run.skipped_replayed, 40u);  // every replayed record reached the un-windowed stores
  }
}

TEST(streams_restart, RestoreRecoversStreamTimeAndOffsets) {
  auto in = events(11, 120, 3);
  topology t("app");
  build(t);
  runner a(t.make_task(0));
  for (const auto& x : in) a.process(x);
  runner b(t.make_task(0));
  b.restore(as_read_back(a.changelog, true));
  for (const auto& s : all_stores) {
    SCOPED_TRACE(s);
    EXPECT_EQ(b.t->store_contents(s), a.t->store_contents(s));
    EXPECT_EQ(b.t->store_stream_time(s), a.t->store_stream_time(s));
  }
  EXPECT_EQ(b.t->store_restored_offset("totals"), 119);
  // replaying everything changes nothing and emits nothing
  for (const auto& x : in) EXPECT_TRUE(b.process(x).empty());
  EXPECT_TRUE(b.changelog.empty());
  EXPECT_EQ(b.t->counters().skipped_replayed, 120u);
}

TEST(streams_restart, StoresAreDedupedIndependently) {
  // The crash hit between the changelog writes of two stores: "totals" has offset 2, "sums"
  // only offset 1. Replaying offset 2 applies it to "sums" alone.
  topology t("app");
  build(t);
  runner a(t.make_task(0));
  for (int i = 0; i < 3; ++i) a.process(rec("events", i, 1000 + i, "k", "x"));
  std::vector<changelog_record> lost_tail;
  for (const auto& c : a.changelog)
    if (!(c.store == "sums" && c.input_offset == 2)) lost_tail.push_back(c);
  runner b(t.make_task(0));
  b.restore(lost_tail);
  auto out = b.process(rec("events", 2, 1002, "k", "x"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].topic, "sums-out");
  EXPECT_EQ(out[0].value, "xxx");
  EXPECT_EQ(b.t->store_contents("totals").at("k"), "3");
  EXPECT_EQ(b.t->counters().skipped_replayed, 1u);
}

TEST(streams_restart, RestoreRejectsUnknownStoresAndCountsBadKeys) {
  topology t("app");
  build(t);
  auto task = t.make_task(0);
  EXPECT_THROW(task->restore({"nope", "k", "1", 0}), std::invalid_argument);
  task->restore({"tumbling", "not-a-window-key", "1", 0});
  EXPECT_EQ(task->counters().undecodable, 1u);
  EXPECT_TRUE(task->store_contents("tumbling").empty());
}

namespace {

// Brute force over all records: stream time = max timestamp so far; a record counts in every
// window containing it that is not closed yet (end + grace > stream time).
struct brute_force {
  contents store;  // windows still open at the end
  contents last;   // every window's final count (= its last output)
};

brute_force count_windows(const std::vector<input_record>& in, int64_t size, int64_t advance, int64_t grace) {
  std::map<std::tuple<std::string, int64_t>, int64_t> counts;
  int64_t stream_time = std::numeric_limits<int64_t>::min();
  for (const auto& r : in) {
    stream_time = std::max(stream_time, r.timestamp);
    int64_t lowest = r.timestamp - size + 1;
    int64_t s = lowest - ((lowest % advance) + advance) % advance;  // a multiple of advance <= lowest
    for (; s <= r.timestamp; s += advance)
      if (s >= lowest && s + size + grace > stream_time) ++counts[{*r.key, s}];
  }
  brute_force out;
  for (const auto& [w, n] : counts) {
    const auto& [key, start] = w;
    auto k = std::to_string(start) + ":" + std::to_string(start + size) + ":" + key;
    out.last[k] = std::to_string(n);
    if (start + size + grace > stream_time) out.store[k] = std::to_string(n);
  }
  return out;
}

}  // namespace

TEST(streams_restart, RandomizedWindowedCountsMatchBruteForceAcrossRandomRestarts) {
  std::mt19937 rng(20240611);
  uint64_t crashes = 0, late = 0, replayed = 0;
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int64_t size = std::uniform_int_distribution<int64_t>(2, 20)(rng);
    const int64_t advance = std::uniform_int_distribution<int64_t>(1, size)(rng);
    const int64_t grace = std::uniform_int_distribution<int64_t>(0, 8)(rng);
    auto in = events(static_cast<uint32_t>(rng()), 200, 3);

    topology t("rnd");
    t.from<std::string, std::string>("events")
        .group_by_key()
        .window(hopping(millis(size), millis(advance)).grace(millis(grace)))
        .count("c")
        .to_stream()
        .to("out");

    std::vector<changelog_record> log;
    std::map<std::string, std::string> last;
    auto current = std::make_unique<runner>(t.make_task(0));
    std::size_t applied = 0;  // records [0, applied) were processed by some task
    std::size_t next = 0;
    while (next < in.size()) {
      current->process(in[next++]);
      applied = std::max(applied, next);
      if (std::uniform_int_distribution<int>(0, 24)(rng) == 0) {  // crash
        ++crashes;
        late += current->t->counters().skipped_late;
        replayed += current->t->counters().skipped_replayed;
        log.insert(log.end(), current->changelog.begin(), current->changelog.end());
        for (const auto& o : current->outputs) last[*o.key] = *o.value;
        current = std::make_unique<runner>(t.make_task(0));
        current->restore(as_read_back(log, std::uniform_int_distribution<int>(0, 1)(rng) == 1));
        next -= std::min<std::size_t>(next, std::uniform_int_distribution<std::size_t>(0, 15)(rng));
      }
    }
    for (const auto& o : current->outputs) last[*o.key] = *o.value;

    auto expected = count_windows(in, size, advance, grace);
    EXPECT_EQ(current->t->store_contents("c"), expected.store);
    EXPECT_EQ(last, expected.last);
    EXPECT_EQ(applied, in.size());
    late += current->t->counters().skipped_late;
    replayed += current->t->counters().skipped_replayed;
  }
  // the scenario really exercised restarts, replays and late records
  EXPECT_GT(crashes, 100u);
  EXPECT_GT(replayed, 500u);
  EXPECT_GT(late, 100u);
}

TEST(streams_restart, RandomSessionRunsMatchUninterruptedRuns) {
  std::mt19937 rng(99);
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto in = events(static_cast<uint32_t>(rng()), 250, 3);
    auto ref = uninterrupted(in);
    std::vector<std::pair<int, int>> crashes;
    int at = 0;
    while (true) {
      at += std::uniform_int_distribution<int>(10, 80)(rng);
      if (at >= static_cast<int>(in.size())) break;
      crashes.push_back({at, std::uniform_int_distribution<int>(0, std::min(at, 20))(rng)});
    }
    auto run = with_restarts(in, crashes, round % 2 == 1);
    EXPECT_EQ(run.stores, ref.stores);
    EXPECT_EQ(run.last, ref.last);
    EXPECT_GT(run.skipped_replayed, 0u);
    // sessions merged (tombstones downstream) and time windows expired
    int merged = 0;
    for (const auto& [k, v] : ref.last.at("session-out")) merged += v == "<null>";
    EXPECT_GT(merged, 0);
    EXPECT_LT(ref.stores.at("tumbling").size(), ref.last.at("tumbling-out").size());
  }
}
