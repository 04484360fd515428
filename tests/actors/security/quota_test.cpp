// Client quotas (security/quota.hpp): which quota applies (Kafka's precedence), the record
// format, request_percentage as a time budget, and the token bucket's throttle times.
#include <gtest/gtest.h>

#include "actors/security/quota.hpp"

using namespace fluxo::security;

namespace {
quota_config bytes(double produce, double fetch) { return {produce, fetch, std::nullopt}; }
}  // namespace

TEST(Quotas, TheMostSpecificEntityWinsPerKind) {
  quota_store q;
  q.set({std::string(default_entity), std::nullopt}, bytes(100, 200));
  q.set({"alice", std::nullopt}, bytes(10, 20));
  q.set({"alice", "app"}, quota_config{std::nullopt, std::nullopt, 50.0});
  auto p = q.find("alice", "other", quota_store::kind::produce);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->second, 10);
  // alice+app names only a request quota: byte rates come from the next entity that has one.
  EXPECT_EQ(q.find("alice", "app", quota_store::kind::fetch)->second, 20);
  auto r = q.find("alice", "app", quota_store::kind::request);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->second, 500'000) << "50 % of a thread = 500 000 µs per second";
  EXPECT_FALSE(q.find("bob", "app", quota_store::kind::request)) << "no request quota for bob";
  auto d = q.find("bob", "x", quota_store::kind::produce);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->second, 100);
  EXPECT_EQ(d->first.user, std::optional<std::string>("bob")) << "a default quota throttles each user on its own";
}

TEST(Quotas, RecordsRoundTripAndRefuseNonsense) {
  quota_config c{1000, std::nullopt, 2.5};
  EXPECT_EQ(parse_quota_config(format_quota_config(c)), c);
  EXPECT_FALSE(parse_quota_config(R"({"request_percentage": 0})"));
  EXPECT_FALSE(parse_quota_config(R"({"request_percentage": "a lot"})"));
  EXPECT_FALSE(parse_quota_config("[1]"));
}

TEST(Quotas, TheBucketThrottlesForTheTimeItNeedsToRefill) {
  byte_rate_limiter b;
  EXPECT_EQ(b.take(1000, 0, 1000), 0) << "one second of burst";
  EXPECT_EQ(b.take(500, 0, 1000), 500) << "500 units over at 1000/s: 500 ms";
  EXPECT_EQ(b.take(0, 1000, 1000), 0) << "refilled after the throttle";
  // A request budget: 0.5 % of a thread is 5000 µs/s; 60 µs requests exhaust it after ~83.
  byte_rate_limiter req;
  int64_t first_throttle_at = -1;
  for (int i = 0; i < 200 && first_throttle_at < 0; ++i) {
    if (req.take(60, 0, 5000) > 0) first_throttle_at = i;
  }
  EXPECT_EQ(first_throttle_at, 83);
}
