#include "tests/actors/cluster/metadata_store_suite.hpp"

#include <chrono>

namespace fluxo::cluster::test {
namespace {

partition_record led_by(node_id leader, std::vector<node_id> replicas) {
  partition_record p;
  p.replicas = replicas;
  p.leader = leader;
  p.isr = replicas;
  return p;
}

topic_record topic(const std::string& name, int32_t partitions) {
  topic_record t;
  t.name = name;
  t.topic_id = name + "-id";
  t.config.partitions = partitions;
  t.config.replication_factor = 2;
  return t;
}

}  // namespace

TEST_P(MetadataStoreContract, TheClusterIdIsCreatedOnce) {
  auto a = node_store();
  auto b = node_store();
  auto first = a->cluster_id("one");
  ASSERT_TRUE(first) << first.err().to_string();
  EXPECT_EQ(*first, "one");
  auto second = b->cluster_id("two");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, "one");
}

TEST_P(MetadataStoreContract, JoiningRefusesADuplicateIdAndTakesOverItsOwnAddress) {
  auto a = node_store();
  ASSERT_TRUE(a->join(node(1, 4001), 2));
  auto dup = node_store();
  auto refused = dup->join(node(1, 4002), 2);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().code, store_errc::invalid);
  EXPECT_NE(refused.err().message.find("127.0.0.1:4001"), std::string::npos) << refused.err().message;
  // The same address again is a restart of node 1: its old session ends, the new one holds.
  auto again = node_store();
  ASSERT_TRUE(again->join(node(1, 4001), 2));
  EXPECT_FALSE(a->keep_alive()) << "the old session was taken over";
  EXPECT_TRUE(again->keep_alive());
  metadata_image image(again->keys());
  ASSERT_TRUE(again->load(image));
  ASSERT_TRUE(image.is_live(1));
  EXPECT_EQ(image.nodes.at(1).lease, again->lease());
}

TEST_P(MetadataStoreContract, AnExpiredSessionTakesTheNodeAndItsControllerKeyWithIt) {
  auto a = node_store();
  auto b = node_store();
  ASSERT_TRUE(a->join(node(1, 4001), 1));
  ASSERT_TRUE(b->join(node(2, 4002), 60));
  auto ctl = a->campaign();
  ASSERT_TRUE(ctl);
  EXPECT_EQ(ctl->id, 1);
  metadata_image image(b->keys());
  ASSERT_TRUE(b->load(image));
  EXPECT_EQ(image.controller.id, 1);
  EXPECT_EQ(image.controller.epoch, ctl->epoch);
  backend->expire_leases(1, [&] {
    (void)b->keep_alive();
    (void)b->follow(image, std::chrono::milliseconds(200));
    return !image.is_live(1);
  });
  while (b->follow(image, std::chrono::milliseconds(0)).value_or(false)) {
  }
  EXPECT_FALSE(image.is_live(1));
  EXPECT_TRUE(image.is_live(2));
  EXPECT_EQ(image.controller.id, no_node);
  auto lost = a->keep_alive();
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.err().code, store_errc::not_found);
  // Node 2 becomes controller with a higher epoch.
  auto next = b->campaign();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, 2);
  EXPECT_GT(next->epoch, ctl->epoch);
}

TEST_P(MetadataStoreContract, ADeposedControllerCannotWrite) {
  auto a = node_store();
  auto b = node_store();
  ASSERT_TRUE(a->join(node(1, 4001), 60));
  ASSERT_TRUE(b->join(node(2, 4002), 60));
  ASSERT_TRUE(a->create_topic(topic("t", 1), {led_by(1, {1, 2})}).value_or(false));
  auto ctl = a->campaign();
  ASSERT_TRUE(ctl);
  auto other = b->campaign();
  ASSERT_TRUE(other);
  EXPECT_EQ(other->id, 1) << "one controller at a time";
  metadata_image image(a->keys());
  ASSERT_TRUE(a->load(image));
  const auto* current = image.partition({"t", 0});
  ASSERT_NE(current, nullptr);
  partition_change c;
  c.key = partition_key{"t", 0};
  c.next = *current;
  c.expected_version = current->version;
  c.next.leader = 2;
  c.next.leader_epoch = 1;
  EXPECT_FALSE(b->write_partition(c, other->epoch + 1).value_or(true)) << "a made-up epoch is fenced";
  EXPECT_TRUE(a->write_partition(c, ctl->epoch).value_or(false));
  EXPECT_FALSE(a->write_partition(c, ctl->epoch).value_or(true)) << "the version moved on";
  // After the controller left, its epoch no longer writes even with the right version.
  a->leave();
  ASSERT_TRUE(b->load(image));
  c.expected_version = image.partition({"t", 0})->version;
  EXPECT_FALSE(b->write_partition(c, ctl->epoch).value_or(true));
  auto took = b->campaign();
  ASSERT_TRUE(took);
  EXPECT_EQ(took->id, 2);
  EXPECT_TRUE(b->write_partition(c, took->epoch).value_or(false));
}

TEST_P(MetadataStoreContract, TopicsArePublishedAndFollowedByOtherNodes) {
  auto a = node_store();
  auto b = node_store();
  ASSERT_TRUE(a->join(node(1, 4001), 60));
  ASSERT_TRUE(b->join(node(2, 4002), 60));
  metadata_image seen(b->keys());
  ASSERT_TRUE(b->load(seen));
  // 250 partitions: more than one transaction's worth of keys.
  std::vector<partition_record> parts;
  for (int i = 0; i < 250; ++i) parts.push_back(led_by(1 + i % 2, {1 + i % 2, 2 - i % 2}));
  ASSERT_TRUE(a->create_topic(topic("big", 250), parts).value_or(false));
  EXPECT_FALSE(a->create_topic(topic("big", 250), parts).value_or(true)) << "exists";
  for (int i = 0; i < 50 && seen.partitions_of("big").size() < 250; ++i) {
    ASSERT_TRUE(b->follow(seen, std::chrono::milliseconds(500)));
  }
  ASSERT_EQ(seen.partitions_of("big").size(), 250u);
  EXPECT_EQ(seen.topics.at("big").topic_id, "big-id");
  EXPECT_EQ(seen.partition({"big", 249})->leader, 2);
  // A leader's ISR change: compare-and-set on the partition's version.
  auto p = *seen.partition({"big", 0});
  auto shrunk = p;
  shrunk.isr = {1};
  auto version = a->update_partition({"big", 0}, shrunk, p.version).value_or(0);
  EXPECT_GT(version, p.version);
  EXPECT_EQ(a->update_partition({"big", 0}, shrunk, p.version).value_or(-1), 0) << "stale version";
  // Config change with the topic's version; growth; deletion.
  auto t = seen.topics.at("big");
  t.config.retention_ms = 5000;
  EXPECT_TRUE(a->update_topic(t).value_or(false));
  EXPECT_FALSE(a->update_topic(t).value_or(true)) << "stale version";
  for (int i = 0; i < 20 && seen.topics.at("big").config.retention_ms != 5000; ++i) {
    ASSERT_TRUE(b->follow(seen, std::chrono::milliseconds(500)));
  }
  EXPECT_EQ(seen.partition({"big", 0})->isr, (std::vector<node_id>{1}));
  auto grown = seen.topics.at("big");
  grown.config.partitions = 252;
  ASSERT_TRUE(a->add_partitions(grown, 250, {led_by(1, {1, 2}), led_by(2, {2, 1})}).value_or(false));
  ASSERT_TRUE(a->delete_topic("big").value_or(false));
  EXPECT_FALSE(a->delete_topic("big").value_or(true));
  for (int i = 0; i < 20 && seen.topics.count("big"); ++i) ASSERT_TRUE(b->follow(seen, std::chrono::milliseconds(500)));
  while (b->follow(seen, std::chrono::milliseconds(0)).value_or(false)) {
  }
  EXPECT_EQ(seen.topics.count("big"), 0u);
  EXPECT_TRUE(seen.partitions_of("big").empty());
}

TEST_P(MetadataStoreContract, ProducerIdBlocksNeverOverlapAndDrainsAreRecorded) {
  auto a = node_store();
  auto b = node_store();
  std::set<int64_t> starts;
  for (int i = 0; i < 5; ++i) {
    auto x = a->reserve_producer_ids(1000);
    auto y = b->reserve_producer_ids(1000);
    ASSERT_TRUE(x && y);
    EXPECT_TRUE(starts.insert(*x).second);
    EXPECT_TRUE(starts.insert(*y).second);
  }
  EXPECT_EQ(*starts.rbegin() - *starts.begin(), 9000);
  ASSERT_TRUE(a->set_draining(3, true, 1234));
  metadata_image image(a->keys());
  ASSERT_TRUE(a->load(image));
  EXPECT_EQ(image.draining.at(3), 1234);
  ASSERT_TRUE(a->set_draining(3, false, 0));
  ASSERT_TRUE(a->load(image));
  EXPECT_EQ(image.draining.count(3), 0u);
}

TEST_P(MetadataStoreContract, ClustersUnderOnePrefixDoNotSeeEachOther) {
  auto a = node_store("one");
  auto b = node_store("two");
  ASSERT_TRUE(a->join(node(1, 4001), 60));
  ASSERT_TRUE(b->join(node(1, 4009), 60)) << "same id, other cluster";
  metadata_image image(b->keys());
  ASSERT_TRUE(b->load(image));
  EXPECT_EQ(image.nodes.size(), 1u);
  EXPECT_EQ(image.nodes.at(1).port, 4009);
}

}  // namespace fluxo::cluster::test

namespace fluxo::cluster::test {

TEST_P(MetadataStoreContract, ManyPartitionChangesGoInBatchesAndStaleOnesAreSkipped) {
  auto a = node_store();
  ASSERT_TRUE(a->join(node(1, 4001), 60));
  std::vector<partition_record> parts(130, partition_record{});
  for (auto& p : parts) {
    p.replicas = {1, 2};
    p.leader = 2;
    p.isr = {1, 2};
  }
  topic_record t;
  t.name = "many";
  t.config.partitions = 130;
  ASSERT_TRUE(a->create_topic(t, parts).value_or(false));
  auto ctl = a->campaign();
  ASSERT_TRUE(ctl);
  metadata_image image(a->keys());
  ASSERT_TRUE(a->load(image));
  std::vector<partition_change> changes;
  for (const auto& [k, p] : image.partitions) {
    partition_change c;
    c.key = k;
    c.next = p;
    c.next.leader = 1;
    c.next.leader_epoch = p.leader_epoch + 1;
    c.expected_version = p.version;
    changes.push_back(c);
  }
  changes[70].expected_version -= 1;  // stale: must not be applied, the rest must
  auto applied = a->write_partitions(changes, ctl->epoch);
  ASSERT_TRUE(applied);
  ASSERT_EQ(applied->size(), 130u);
  for (std::size_t i = 0; i < 130; ++i) EXPECT_EQ((*applied)[i], i != 70) << i;
  ASSERT_TRUE(a->load(image));
  EXPECT_EQ(image.partition(changes[69].key)->leader, 1);
  EXPECT_EQ(image.partition(changes[70].key)->leader, 2);
}

}  // namespace fluxo::cluster::test
