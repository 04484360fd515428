#include "actors/cluster/local_metadata_store.hpp"

#include "storage/file.hpp"

namespace fluxo::cluster {

namespace {
store_error as_store_error(const storage::error& e) { return {store_errc::unavailable, e.to_string()}; }
}  // namespace

local_metadata_store::local_metadata_store(std::string data_dir) : data_dir_(data_dir), registry_(std::move(data_dir)) {}

store_result<void> local_metadata_store::open() {
  if (auto r = registry_.load(); !r) return store_error{store_errc::invalid, r.err().to_string()};
  return {};
}

store_result<void> local_metadata_store::save() {
  ++revision_;
  if (auto r = registry_.save(); !r) return as_store_error(r.err());
  return {};
}

store_result<std::string> local_metadata_store::cluster_id(const std::string&) { return std::string("local"); }

store_result<void> local_metadata_store::join(const node_record& self, int64_t) {
  self_ = self;
  ++revision_;
  return {};
}

store_result<void> local_metadata_store::load(metadata_image& image) {
  image.clear();
  image.cluster_id = "local";
  image.nodes[self_.id] = self_;
  image.controller = {self_.id, 1};
  for (const auto& [name, cfg] : registry_.topics()) {
    topic_record t;
    t.name = name;
    t.config = cfg;
    t.version = revision_;
    image.topics[name] = t;
    for (int32_t p = 0; p < cfg.partitions; ++p) {
      partition_record r;
      r.replicas = {self_.id};
      r.leader = self_.id;
      r.isr = {self_.id};
      r.version = revision_;
      image.partitions[{name, p}] = r;
    }
  }
  image.revision = revision_;
  return {};
}

store_result<bool> local_metadata_store::follow(metadata_image& image, std::chrono::milliseconds) {
  if (image.revision == revision_) return false;
  if (auto r = load(image); !r) return std::move(r).take_error();
  return true;
}

store_result<bool> local_metadata_store::write_partition(const partition_change&, int64_t) { return false; }
store_result<int64_t> local_metadata_store::update_partition(const partition_key&, const partition_record&, int64_t) {
  return int64_t{0};  // one node: nothing to replicate, the ISR never changes
}

store_result<bool> local_metadata_store::create_topic(const topic_record& topic, const std::vector<partition_record>&) {
  if (registry_.contains(topic.name)) return false;
  registry_.put(topic.name, topic.config);
  if (auto r = save(); !r) {
    registry_.erase(topic.name);
    return std::move(r).take_error();
  }
  return true;
}

store_result<bool> local_metadata_store::update_topic(const topic_record& topic) {
  if (!registry_.contains(topic.name)) return false;
  auto before = registry_.topics().at(topic.name);
  registry_.put(topic.name, topic.config);
  if (auto r = save(); !r) {
    registry_.put(topic.name, before);
    return std::move(r).take_error();
  }
  return true;
}

store_result<bool> local_metadata_store::add_partitions(const topic_record& topic, int32_t,
                                                        const std::vector<partition_record>&) {
  return update_topic(topic);
}

store_result<bool> local_metadata_store::delete_topic(const std::string& name) {
  if (!registry_.contains(name)) return false;
  auto before = registry_.topics().at(name);
  registry_.erase(name);
  if (auto r = save(); !r) {
    registry_.put(name, before);
    return std::move(r).take_error();
  }
  return true;
}

store_result<void> local_metadata_store::set_draining(node_id, bool, int64_t) {
  return store_error{store_errc::invalid, "a single node cannot be drained (run a cluster: --cluster-store)"};
}

store_result<int64_t> local_metadata_store::reserve_producer_ids(int64_t count) {
  // <data-dir>/producer-ids holds the next id never handed out (ids survive restarts unused).
  const auto path = data_dir_ + "/producer-ids";
  int64_t next = 0;
  if (auto bytes = storage::read_file(path)) {
    try {
      next = std::stoll(std::string(bytes->begin(), bytes->end()));
    } catch (...) {
      return store_error{store_errc::invalid, path + " is damaged"};
    }
  }
  auto end = std::to_string(next + count);
  if (auto r = storage::write_file_atomically(path, end); !r) return as_store_error(r.err());
  return next;
}

}  // namespace fluxo::cluster
