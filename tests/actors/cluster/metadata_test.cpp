// The metadata model: JSON values of the store layout and the image rebuilt from key events.
#include <gtest/gtest.h>

#include "actors/cluster/metadata.hpp"

namespace fluxo::cluster {
namespace {

TEST(MetadataCodec, RecordsRoundTrip) {
  node_record n{3, "127.0.0.1", 4243, "127.0.0.1", 9093, "127.0.0.1:8081", "r1", 1700000000000, 0, "5E1A#4242"};
  EXPECT_EQ(decode_node(encode_node(n)), n);
  partition_record p;
  p.replicas = {3, 1, 2};
  p.leader = 1;
  p.leader_epoch = 7;
  p.isr = {1, 3};
  p.target_replicas = {3, 1, 4};
  p.controller_epoch = 99;
  EXPECT_EQ(decode_partition(encode_partition(p)), p);
  topic_record t;
  t.name = "orders";
  t.topic_id = "3f1c";
  t.config.partitions = 6;
  t.config.replication_factor = 3;
  t.config.retention_ms = 1234;
  t.config.min_insync_replicas = 2;
  t.config.unclean_leader_election = true;
  EXPECT_EQ(decode_topic("orders", encode_topic(t)), t);
  EXPECT_EQ(decode_controller(encode_controller(5)), 5);
  EXPECT_FALSE(decode_partition("{\"leader\": 1}"));
  EXPECT_FALSE(decode_node("not json"));
}

TEST(MetadataImage, FollowsPutsAndErasesByKey) {
  store_keys keys("c1");
  EXPECT_EQ(keys.partition({"a.b", 12}), "/fluxo/c1/partitions/a.b/12");
  metadata_image image(keys);
  image.put(keys.cluster(), R"({"cluster_id":"abc"})", 2, 2, 0);
  image.put(keys.node(1), encode_node(node_record::at(1, "h", 1)), 3, 3, 77);
  image.put(keys.node(2), encode_node(node_record::at(2, "h", 2)), 4, 4, 78);
  image.put(keys.controller(), encode_controller(2), 5, 5, 78);
  topic_record t;
  t.config.partitions = 2;
  image.put(keys.topic("orders"), encode_topic(t), 6, 6, 0);
  partition_record p;
  p.replicas = {1, 2};
  p.leader = 1;
  p.isr = {1, 2};
  image.put(keys.partition({"orders", 0}), encode_partition(p), 7, 6, 0);
  image.put(keys.partition({"orders", 1}), encode_partition(p), 8, 6, 0);
  image.put(keys.drain(2), R"({"requested_ms": 5})", 9, 9, 0);
  EXPECT_EQ(image.cluster_id, "abc");
  EXPECT_EQ(image.live_nodes(), (std::vector<node_id>{1, 2}));
  EXPECT_EQ(image.nodes.at(1).lease, 77);
  EXPECT_EQ(image.controller, (controller_record{2, 5}));
  EXPECT_EQ(image.topics.at("orders").version, 6);
  ASSERT_NE(image.partition({"orders", 1}), nullptr);
  EXPECT_EQ(image.partition({"orders", 1})->version, 8);
  EXPECT_EQ(image.partitions_of("orders").size(), 2u);
  EXPECT_EQ(image.draining.at(2), 5);
  EXPECT_EQ(image.revision, 9);
  image.erase(keys.node(2));
  image.erase(keys.controller());
  image.erase(keys.partition({"orders", 0}));
  EXPECT_FALSE(image.is_live(2));
  EXPECT_EQ(image.controller.id, no_node);
  EXPECT_EQ(image.partitions_of("orders").size(), 1u);
  image.put(keys.partition({"orders", 5}), "garbage", 10, 10, 0);
  EXPECT_EQ(image.problems.size(), 1u);
  EXPECT_EQ(image.partitions_of("orders").size(), 1u);
}

}  // namespace
}  // namespace fluxo::cluster
