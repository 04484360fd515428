#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/streams/harness.hpp"

using namespace fluxo::streams;
using fluxo::streams::testing::pairs;
using fluxo::streams::testing::rec;
using fluxo::streams::testing::runner;
using kvs = std::vector<std::pair<std::string, std::string>>;

namespace {

// orders (key customer id, value amount) joined with customers (key id, value name).
struct join_fixture : ::testing::Test {
  topology t{"shop"};
  void build() {
    auto customers = t.global_table<std::string, std::string>("customers");
    auto orders = t.from<std::string, int64_t>("orders");
    orders.join(customers, [](int64_t amount, const std::string& name) { return name + ":" + std::to_string(amount); })
        .to("joined");
    orders
        .left_join(customers,
                   [](const std::string& id, int64_t amount, const std::string* name) {
                     return (name ? *name : "?" + id) + ":" + std::to_string(amount);
                   })
        .to("left");
  }
};

}  // namespace

TEST_F(join_fixture, JoinSeesTheTableAsOfEachRecord) {
  build();
  runner r(t.make_task(0));
  EXPECT_EQ(t.table_topics(), (std::vector<std::string>{"customers"}));
  r.t->update_table(rec("customers", 0, 0, "c1", "ann", 2));  // any partition
  EXPECT_EQ(pairs(r.process(rec("orders", 0, 1, "c1", "10"))), (kvs{{"c1", "ann:10"}, {"c1", "ann:10"}}));
  EXPECT_EQ(pairs(r.process(rec("orders", 1, 2, "c2", "20"))), (kvs{{"c2", "?c2:20"}}));  // only the left join
  r.t->update_table(rec("customers", 1, 3, "c2", "bob", 1));
  r.t->update_table(rec("customers", 2, 3, "c1", "anne", 0));
  EXPECT_EQ(pairs(r.process(rec("orders", 2, 4, "c2", "30"))), (kvs{{"c2", "bob:30"}, {"c2", "bob:30"}}));
  EXPECT_EQ(pairs(r.process(rec("orders", 3, 5, "c1", "40"))), (kvs{{"c1", "anne:40"}, {"c1", "anne:40"}}));
  // a tombstone removes the row
  r.t->update_table(rec("customers", 3, 6, "c1", std::nullopt, 0));
  EXPECT_EQ(pairs(r.process(rec("orders", 4, 7, "c1", "50"))), (kvs{{"c1", "?c1:50"}}));
  EXPECT_EQ(r.t->tables().size("customers"), 1u);
  EXPECT_TRUE(r.changelog.empty());  // tables are not logged: their topic is their changelog
}

TEST_F(join_fixture, TablesCanBeSharedByTasks) {
  build();
  auto tables = t.make_tables();
  runner p0(t.make_task(0, tables));
  runner p1(t.make_task(1, tables));
  tables->update(rec("customers", 0, 0, "c1", "ann"));
  EXPECT_EQ(pairs(p0.process(rec("orders", 0, 1, "c1", "1", 0)))[0].second, "ann:1");
  EXPECT_EQ(pairs(p1.process(rec("orders", 0, 1, "c1", "2", 1)))[0].second, "ann:2");
  EXPECT_THROW(tables->update(rec("orders", 0, 0, "c1", "x")), std::invalid_argument);
}

TEST_F(join_fixture, TableIgnoresNullKeysAndCountsUndecodable) {
  topology u("app");
  auto prices = u.global_table<int64_t, int64_t>("prices");
  u.from<int64_t, int64_t>("qty").join(prices, [](int64_t q, int64_t p) { return q * p; }).to("total");
  runner r(u.make_task(0));
  r.t->update_table(rec("prices", 0, 0, std::nullopt, "1"));
  r.t->update_table(rec("prices", 1, 0, "x", "1"));
  r.t->update_table(rec("prices", 2, 0, "7", "oops"));
  r.t->update_table(rec("prices", 3, 0, "007", "3"));  // canonical key "7"
  EXPECT_EQ(r.t->tables().undecodable(), 2u);
  EXPECT_EQ(pairs(r.process(rec("qty", 0, 0, "7", "5"))), (kvs{{"7", "15"}}));
}

TEST(streams_join, JoinOnAKeyTakenFromTheValue) {
  topology t("app");
  auto names = t.global_table<std::string, std::string>("names");
  t.from<std::string, std::string>("events")
      .join(
          names, [](const std::string&, const std::string& user) { return user; },
          [](const std::string& key, const std::string& user, const std::string& name) {
            return key + "/" + user + "/" + name;
          })
      .to("out");
  runner r(t.make_task(0));
  r.t->update_table(rec("names", 0, 0, "u1", "Ann"));
  EXPECT_EQ(pairs(r.process(rec("events", 0, 0, "e1", "u1"))), (kvs{{"e1", "e1/u1/Ann"}}));
}

TEST(streams_join, JoinedStreamCanBeAggregated) {
  topology t("app");
  auto regions = t.global_table<std::string, std::string>("regions");
  t.from<std::string, int64_t>("sales")
      .join(regions, [](int64_t amount, const std::string& region) { return std::pair{region, amount}; })
      .map([](const std::string&, const std::pair<std::string, int64_t>& p) { return p; })
      .group_by_key()
      .reduce([](int64_t a, int64_t b) { return a + b; }, "per-region");
  EXPECT_EQ(t.repartition_topics(), (std::vector<std::string>{"app-per-region-repartition"}));
}

TEST(streams_join, TopicCannotBeBothTableAndStream) {
  topology t("app");
  t.global_table<std::string, std::string>("a");
  EXPECT_THROW((t.from<std::string, std::string>("a")), std::invalid_argument);
  t.from<std::string, std::string>("b");
  EXPECT_THROW((t.global_table<std::string, std::string>("b")), std::invalid_argument);
}
