#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>
#include <fstream>

#include "actors/cluster/topic_registry.hpp"

using namespace fluxo::actors;

TEST(topic_registry, TopicNamesFollowKafkaRules) {
  EXPECT_FALSE(invalid_topic_name("orders"));
  EXPECT_FALSE(invalid_topic_name("a.b_c-D9"));
  EXPECT_TRUE(invalid_topic_name(""));
  EXPECT_TRUE(invalid_topic_name("."));
  EXPECT_TRUE(invalid_topic_name(".."));
  EXPECT_TRUE(invalid_topic_name("has space"));
  EXPECT_TRUE(invalid_topic_name("slash/no"));
  EXPECT_TRUE(invalid_topic_name(std::string(250, 'a')));
  EXPECT_FALSE(invalid_topic_name(std::string(249, 'a')));
}

TEST(topic_registry, ConfigMapRoundTripsAndRejectsNonsense) {
  topic_config c;
  c.retention_ms = 1234;
  c.cleanup_policy = "compact";
  topic_config d;
  EXPECT_FALSE(apply_config_map(d, to_config_map(c)));
  EXPECT_EQ(d.retention_ms, 1234);
  EXPECT_EQ(d.cleanup_policy, "compact");
  EXPECT_TRUE(apply_config_map(d, {{"retention.ms", "soon"}}));
  EXPECT_TRUE(apply_config_map(d, {{"no.such.config", "1"}}));
  EXPECT_TRUE(apply_config_map(d, {{"cleanup.policy", "shred"}}));
  topic_config zero;
  zero.partitions = 0;
  EXPECT_TRUE(invalid_topic_config(zero));
}

TEST(topic_registry, PersistsTopicsAcrossInstances) {
  auto dir = std::filesystem::temp_directory_path() / ("fluxo-reg-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    topic_registry r(dir.string());
    ASSERT_TRUE(r.load().ok());
    topic_config c;
    c.partitions = 4;
    c.timestamp_type = "LogAppendTime";
    r.put("orders", c);
    r.put("payments", topic_config{});
    ASSERT_TRUE(r.save().ok());
  }
  topic_registry again(dir.string());
  ASSERT_TRUE(again.load().ok());
  ASSERT_EQ(again.topics().size(), 2u);
  EXPECT_EQ(again.topics().at("orders").partitions, 4);
  EXPECT_EQ(again.topics().at("orders").timestamp_type, "LogAppendTime");
  std::filesystem::remove_all(dir);
}

TEST(topic_registry, DamagedRegistryIsAnErrorNotACrash) {
  auto dir = std::filesystem::temp_directory_path() / ("fluxo-reg-bad-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "topics.json") << "{not json"; }
  topic_registry r(dir.string());
  auto loaded = r.load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.err().message.find("damaged"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(producer_ids, NeverReusedAfterRestart) {
  auto dir = std::filesystem::temp_directory_path() / ("fluxo-pid-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  int64_t last = -1;
  {
    producer_id_allocator a(dir.string());
    for (int i = 0; i < 5; ++i) last = *a.next();
  }
  producer_id_allocator b(dir.string());
  EXPECT_GT(*b.next(), last);
  std::filesystem::remove_all(dir);
}
