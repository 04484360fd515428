#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/metrics/metrics.hpp"

using namespace fluxo::metrics;

TEST(metrics, CounterFamilyWithLabels) {
  registry r;
  auto& f = r.counter_family("fluxo_records_total", "Records appended.", {"topic", "partition"});
  f.with({"orders", "1"}).inc(5);
  f.with({"orders", "0"}).inc();
  f.with({"audit", "0"}).inc(2);
  f.with({"orders", "1"}).inc(std::numeric_limits<uint64_t>::max() - 5);
  EXPECT_EQ(f.with({"orders", "0"}).value(), 1u);
  auto& plain = r.counter_family("fluxo_requests_total", "Requests.", {});
  plain.with({}).inc(42);
  EXPECT_EQ(r.expose(),
            "# HELP fluxo_records_total Records appended.\n"
            "# TYPE fluxo_records_total counter\n"
            "fluxo_records_total{topic=\"audit\",partition=\"0\"} 2\n"
            "fluxo_records_total{topic=\"orders\",partition=\"0\"} 1\n"
            "fluxo_records_total{topic=\"orders\",partition=\"1\"} 18446744073709551615\n"
            "# HELP fluxo_requests_total Requests.\n"
            "# TYPE fluxo_requests_total counter\n"
            "fluxo_requests_total 42\n");
  EXPECT_THROW(f.with({"orders"}), std::invalid_argument);
}

TEST(metrics, GaugeSetAddAndNumberFormats) {
  registry r;
  auto& f = r.gauge_family("g", "A gauge.", {"k"});
  auto& a = f.with({"a"});
  a.set(2.5);
  a.add(-1);
  EXPECT_EQ(a.value(), 1.5);
  f.with({"b"}).set(42);
  f.with({"c"}).set(0.1);
  f.with({"d"}).set(-3);
  f.with({"e"}).set(1e20);
  f.with({"f"}).set(1.0 / 3);
  f.with({"g"}).set(std::numeric_limits<double>::infinity());
  f.with({"h"}).set(-std::numeric_limits<double>::infinity());
  f.with({"i"}).set(std::nan(""));
  f.with({"j"}).set(123456789012.0);
  f.with({"k"}).set(0.00001);
  f.with({"l"}).set(123456789012.5);
  EXPECT_EQ(r.expose(),
            "# HELP g A gauge.\n"
            "# TYPE g gauge\n"
            "g{k=\"a\"} 1.5\n"
            "g{k=\"b\"} 42\n"
            "g{k=\"c\"} 0.1\n"
            "g{k=\"d\"} -3\n"
            "g{k=\"e\"} 1e+20\n"
            "g{k=\"f\"} 0.3333333333333333\n"
            "g{k=\"g\"} +Inf\n"
            "g{k=\"h\"} -Inf\n"
            "g{k=\"i\"} NaN\n"
            "g{k=\"j\"} 123456789012\n"
            "g{k=\"k\"} 1e-05\n"
            "g{k=\"l\"} 123456789012.5\n");
}

TEST(metrics, HistogramBucketsAreCumulative) {
  registry r;
  auto& f = r.histogram_family("lat_seconds", "Latency.", {"op"}, {0.005, 0.25, 1});
  auto& h = f.with({"read"});
  for (double v : {0.25, 0.125, 0.5, 4.0}) h.observe(v);  // 0.25 is on a bound: le counts it
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.sum(), 4.875);
  EXPECT_EQ(h.cumulative_counts(), (std::vector<uint64_t>{0, 2, 3, 4}));
  r.histogram_family("plain_seconds", "No labels.", {}, {1}).with({}).observe(0.5);
  EXPECT_EQ(r.expose(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{op=\"read\",le=\"0.005\"} 0\n"
            "lat_seconds_bucket{op=\"read\",le=\"0.25\"} 2\n"
            "lat_seconds_bucket{op=\"read\",le=\"1\"} 3\n"
            "lat_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{op=\"read\"} 4.875\n"
            "lat_seconds_count{op=\"read\"} 4\n"
            "# HELP plain_seconds No labels.\n"
            "# TYPE plain_seconds histogram\n"
            "plain_seconds_bucket{le=\"1\"} 1\n"
            "plain_seconds_bucket{le=\"+Inf\"} 1\n"
            "plain_seconds_sum 0.5\n"
            "plain_seconds_count 1\n");
  h.observe(std::nan(""));  // only in +Inf
  EXPECT_EQ(h.cumulative_counts(), (std::vector<uint64_t>{0, 2, 3, 5}));
  EXPECT_THROW(histogram({1, 1}), std::invalid_argument);
  EXPECT_THROW(r.histogram_family("bad", "", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(r.histogram_family("bad", "", {"le"}, {1}), std::invalid_argument);
}

TEST(metrics, EscapesLabelValuesAndHelp) {
  registry r;
  r.gauge_family("esc", "back\\slash \"quoted\"\nsecond line", {"v"}).with({"a\\b\"c\nd"}).set(1);
  EXPECT_EQ(r.expose(),
            "# HELP esc back\\\\slash \"quoted\"\\nsecond line\n"
            "# TYPE esc gauge\n"
            "esc{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(metrics, OutputIsSortedAndDeterministic) {
  registry r;
  auto& z = r.counter_family("z_total", "z", {"t"});
  r.gauge_family("a_value", "a", {});
  auto& m = r.gauge_family("m_value", "m", {"t", "p"});
  for (const char* t : {"c", "b", "a"}) z.with({t}).inc();
  m.with({"x", "10"}).set(1);
  m.with({"x", "9"}).set(2);  // label values sort as strings
  m.with({"w", "9"}).set(3);
  auto text = r.expose();
  EXPECT_EQ(text,
            "# HELP a_value a\n# TYPE a_value gauge\n"
            "# HELP m_value m\n# TYPE m_value gauge\n"
            "m_value{t=\"w\",p=\"9\"} 3\n"
            "m_value{t=\"x\",p=\"10\"} 1\n"
            "m_value{t=\"x\",p=\"9\"} 2\n"
            "# HELP z_total z\n# TYPE z_total counter\n"
            "z_total{t=\"a\"} 1\nz_total{t=\"b\"} 1\nz_total{t=\"c\"} 1\n");
  EXPECT_EQ(r.expose(), text);
}

TEST(metrics, RemoveAndClearDropSeries) {
  registry r;
  auto& f = r.gauge_family("topic_size", "Size.", {"topic"});
  f.with({"a"}).set(1);
  f.with({"b"}).set(2);
  f.remove({"a"});
  f.remove({"never"});
  EXPECT_EQ(r.expose(),
            "# HELP topic_size Size.\n# TYPE topic_size gauge\ntopic_size{topic=\"b\"} 2\n");
  f.clear();
  EXPECT_EQ(r.expose(), "# HELP topic_size Size.\n# TYPE topic_size gauge\n");
  EXPECT_EQ(f.with({"a"}).value(), 0.0);  // a removed series comes back fresh
}

TEST(metrics, CollectorsWriteWholeFamiliesAtScrapeTime) {
  registry r;
  r.counter_family("b_total", "Registered.", {}).with({}).inc(7);
  double size = 100;
  r.add_collector([&](sample_writer& w) {
    w.family("c_log_bytes", "Log size.", "gauge");
    w.sample({{"topic", "t"}, {"partition", "0"}}, size);
    w.sample({{"topic", "t"}, {"partition", "1"}}, 0.5);
    w.family("a_up", "Up.", "gauge");
    w.sample({}, 1);
  });
  r.add_collector([](sample_writer& w) {  // a second collector appends to the same family
    w.family("c_log_bytes", "ignored", "gauge");
    w.sample({{"topic", "u"}, {"partition", "0"}}, 3);
  });
  size = 2048;
  const char* expected =
      "# HELP a_up Up.\n# TYPE a_up gauge\na_up 1\n"
      "# HELP b_total Registered.\n# TYPE b_total counter\nb_total 7\n"
      "# HELP c_log_bytes Log size.\n# TYPE c_log_bytes gauge\n"
      "c_log_bytes{topic=\"t\",partition=\"0\"} 2048\n"
      "c_log_bytes{topic=\"t\",partition=\"1\"} 0.5\n"
      "c_log_bytes{topic=\"u\",partition=\"0\"} 3\n";
  EXPECT_EQ(r.expose(), expected);
  EXPECT_EQ(r.expose(), expected);  // collectors run on every expose
  r.add_collector([](sample_writer& w) { w.sample({}, 1); });
  EXPECT_THROW(r.expose(), std::logic_error);  // sample() before family()
}

TEST(metrics, SameNameReturnsSameFamilyAndMismatchThrows) {
  registry r;
  auto& a = r.counter_family("x_total", "X.", {"t"});
  EXPECT_EQ(&a, &r.counter_family("x_total", "X.", {"t"}));
  EXPECT_THROW(r.gauge_family("x_total", "X.", {"t"}), std::logic_error);
  EXPECT_THROW(r.counter_family("x_total", "X.", {"u"}), std::logic_error);
  auto& h = r.histogram_family("h", "H.", {}, {1, 2});
  EXPECT_EQ(&h, &r.histogram_family("h", "H.", {}, {1, 2}));
  EXPECT_THROW(r.histogram_family("h", "H.", {}, {1, 3}), std::logic_error);
  EXPECT_THROW(r.counter_family("1bad", "", {}), std::invalid_argument);
  EXPECT_THROW(r.counter_family("ok", "", {"a:b"}), std::invalid_argument);
  EXPECT_THROW(r.counter_family("ok", "", {"__reserved"}), std::invalid_argument);
  EXPECT_EQ(&global(), &global());
}

TEST(metrics, LatencyBuckets) {
  auto b = latency_buckets();
  ASSERT_EQ(b.size(), 16u);
  EXPECT_EQ(b.front(), 0.0001);
  EXPECT_EQ(b.back(), 10.0);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  registry r;
  r.histogram_family("l", "L.", {}, b).with({}).observe(0.0003);
  auto text = r.expose();
  EXPECT_NE(text.find("l_bucket{le=\"0.0001\"} 0\nl_bucket{le=\"0.00025\"} 0\n"
                      "l_bucket{le=\"0.0005\"} 1\n"),
            std::string::npos);
}

TEST(metrics, ConcurrentUpdatesAreExact) {
  registry r;
  auto& c = r.counter_family("c_total", "C.", {"k"});
  auto& g = r.gauge_family("g", "G.", {});
  auto& h = r.histogram_family("h", "H.", {}, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto& mine = c.with({"t" + std::to_string(t)});
      for (int i = 0; i < 100000; ++i) {
        c.with({"shared"}).inc();
        mine.inc();
        g.with({}).add(1.0);
        h.with({}).observe(i % 2 == 0 ? 0.5 : 2.0);
      }
    });
  threads.emplace_back([&] {  // scrapes and churns other series meanwhile
    for (int i = 0; i < 200; ++i) {
      c.with({"tmp"}).inc();
      c.remove({"tmp"});
      EXPECT_FALSE(r.expose().empty());
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.with({"shared"}).value(), 400000u);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(c.with({"t" + std::to_string(t)}).value(), 100000u);
  EXPECT_EQ(g.with({}).value(), 400000.0);
  EXPECT_EQ(h.with({}).cumulative_counts(), (std::vector<uint64_t>{200000, 400000}));
  EXPECT_EQ(h.with({}).sum(), 500000.0);
}
