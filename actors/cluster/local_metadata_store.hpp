// The metadata store of a node on its own (the embedded default: nothing else to run). Topics
// live in <data-dir>/topics.json (topic_registry.hpp), producer ids in <data-dir>/producer-ids.
// The node is the only member, the controller (epoch 1) and the leader of every partition, with
// itself as the only replica and ISR member (leader epoch 0). Calls are quick file operations,
// so the node runs them inline; follow() never waits.
#pragma once

#include "actors/cluster/metadata_store.hpp"
#include "actors/cluster/topic_registry.hpp"

namespace fluxo::cluster {

class local_metadata_store final : public metadata_store {
 public:
  explicit local_metadata_store(std::string data_dir);

  // Loads topics.json (an error names what is damaged).
  store_result<void> open();

  store_result<std::string> cluster_id(const std::string& proposed) override;
  store_result<void> join(const node_record& self, int64_t ttl_seconds) override;
  store_result<void> keep_alive() override { return {}; }
  void leave() override {}
  store_result<void> load(metadata_image& image) override;
  store_result<bool> follow(metadata_image& image, std::chrono::milliseconds max_wait) override;
  store_result<controller_record> campaign() override { return controller_record{self_.id, 1}; }
  store_result<bool> write_partition(const partition_change&, int64_t) override;
  store_result<int64_t> update_partition(const partition_key&, const partition_record&, int64_t) override;
  store_result<bool> create_topic(const topic_record& topic, const std::vector<partition_record>& partitions) override;
  store_result<bool> update_topic(const topic_record& topic) override;
  store_result<bool> add_partitions(const topic_record& topic, int32_t first,
                                    const std::vector<partition_record>& partitions) override;
  store_result<bool> delete_topic(const std::string& name) override;
  store_result<void> set_draining(node_id, bool, int64_t) override;
  store_result<int64_t> reserve_producer_ids(int64_t count) override;
  std::string describe() const override { return "local files in " + data_dir_; }
  bool is_local() const override { return true; }

 private:
  store_result<void> save();

  std::string data_dir_;
  actors::topic_registry registry_;
  node_record self_;
  int64_t revision_ = 1;  // bumped by every write; the image is rebuilt when it lags
};

}  // namespace fluxo::cluster
