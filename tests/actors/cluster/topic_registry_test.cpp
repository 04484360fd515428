#include <gtest/gtest.h>

#include <vector>

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

TEST(topic_registry, EveryKafkaTopicConfigIsAcceptedAndReported) {
  topic_config c;
  // Kafka's configs that fluxo keeps and reports without acting on them.
  EXPECT_FALSE(apply_config_map(c, {{"compression.type", "zstd"}, {"preallocate", "true"}, {"segment.index.bytes", "4096"},
                                    {"min.cleanable.dirty.ratio", "0.25"}, {"message.downconversion.enable", "false"},
                                    {"max.compaction.lag.ms", "60000"}, {"local.retention.ms", "-2"},
                                    {"follower.replication.throttled.replicas", "*"}}));
  auto reported = to_config_map(c);
  EXPECT_EQ(reported["compression.type"], "zstd");
  EXPECT_EQ(reported["preallocate"], "true");
  EXPECT_EQ(reported["min.cleanable.dirty.ratio"], "0.25");
  EXPECT_EQ(reported["index.interval.bytes"], "4096");  // unset: Kafka's default
  EXPECT_EQ(reported["message.timestamp.difference.max.ms"], "9223372036854775807");
  // What they must be, and a name Kafka does not know, named in the error.
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"compression.type", "brotli"}, {"preallocate", "yes"}, {"min.cleanable.dirty.ratio", "1.5"},
           {"segment.index.bytes", "2"}, {"file.delete.delay.ms", "-1"}, {"max.compaction.lag.ms", "soon"}}) {
    topic_config d;
    auto err = apply_config_map(d, {{key, value}});
    ASSERT_TRUE(err) << key << "=" << value;
    EXPECT_NE(err->find(key), std::string::npos) << *err;
  }
  topic_config d;
  auto err = apply_config_map(d, {{"compresion.type", "zstd"}});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("compresion.type"), std::string::npos);
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
