#include "actors/cluster/metadata.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "actors/cluster/topic_rules.hpp"

namespace fluxo::cluster {

using json = nlohmann::json;

bool partition_record::in_isr(node_id n) const { return std::find(isr.begin(), isr.end(), n) != isr.end(); }
bool partition_record::is_replica(node_id n) const {
  return std::find(replicas.begin(), replicas.end(), n) != replicas.end();
}

store_keys::store_keys(std::string cluster_name) : prefix("/fluxo/" + std::move(cluster_name) + "/") {}

std::string encode_node(const node_record& n) {
  return json{{"id", n.id},
              {"host", n.host},
              {"port", n.port},
              {"kafka_host", n.kafka_host},
              {"kafka_port", n.kafka_port},
              {"http", n.http_addr},
              {"rack", n.rack},
              {"caf_node", n.caf_node},
              {"started_ms", n.started_ms}}
      .dump();
}

std::optional<node_record> decode_node(const std::string& text) {
  try {
    auto j = json::parse(text);
    node_record n;
    n.id = j.at("id").get<node_id>();
    n.host = j.at("host").get<std::string>();
    n.port = j.at("port").get<int32_t>();
    n.kafka_host = j.value("kafka_host", "");
    n.kafka_port = j.value("kafka_port", 0);
    n.http_addr = j.value("http", "");
    n.rack = j.value("rack", "");
    n.caf_node = j.value("caf_node", "");
    n.started_ms = j.value("started_ms", int64_t{0});
    return n;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string encode_topic(const topic_record& t) {
  return json{{"topic_id", t.topic_id},
              {"partitions", t.config.partitions},
              {"replication_factor", t.config.replication_factor},
              {"config", actors::to_config_map(t.config)}}
      .dump();
}

std::optional<topic_record> decode_topic(const std::string& name, const std::string& text) {
  try {
    auto j = json::parse(text);
    topic_record t;
    t.name = name;
    t.topic_id = j.value("topic_id", "");
    t.config.partitions = j.at("partitions").get<int32_t>();
    t.config.replication_factor = j.value("replication_factor", int16_t{1});
    auto entries = j.at("config").get<std::map<std::string, std::string>>();
    if (actors::apply_config_map(t.config, entries)) return std::nullopt;
    return t;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string encode_partition(const partition_record& p) {
  json j{{"replicas", p.replicas},
         {"leader", p.leader},
         {"leader_epoch", p.leader_epoch},
         {"isr", p.isr},
         {"controller_epoch", p.controller_epoch}};
  if (!p.target_replicas.empty()) j["target_replicas"] = p.target_replicas;
  return j.dump();
}

std::optional<partition_record> decode_partition(const std::string& text) {
  try {
    auto j = json::parse(text);
    partition_record p;
    p.replicas = j.at("replicas").get<std::vector<node_id>>();
    p.leader = j.at("leader").get<node_id>();
    p.leader_epoch = j.at("leader_epoch").get<int32_t>();
    p.isr = j.at("isr").get<std::vector<node_id>>();
    p.controller_epoch = j.value("controller_epoch", int64_t{0});
    if (j.contains("target_replicas")) p.target_replicas = j["target_replicas"].get<std::vector<node_id>>();
    return p;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string encode_controller(node_id id) { return json{{"node_id", id}}.dump(); }

std::optional<node_id> decode_controller(const std::string& text) {
  try {
    return json::parse(text).at("node_id").get<node_id>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

namespace {
bool take_prefix(const std::string& key, const std::string& prefix, std::string& rest) {
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  rest = key.substr(prefix.size());
  return true;
}

std::optional<int32_t> to_int(const std::string& s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return static_cast<int32_t>(std::stol(s));
}

// "orders/3" -> {orders, 3}; topic names cannot contain '/'.
std::optional<partition_key> split_partition(const std::string& rest) {
  auto slash = rest.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  auto p = to_int(rest.substr(slash + 1));
  if (!p) return std::nullopt;
  return partition_key{rest.substr(0, slash), *p};
}
}  // namespace

void metadata_image::put(const std::string& key, const std::string& value, int64_t mod_revision,
                         int64_t create_revision, int64_t lease) {
  std::string rest;
  auto bad = [&] { problems.push_back("cannot decode " + key + ": " + value.substr(0, 200)); };
  if (key == keys_.cluster()) {
    try {
      cluster_id = json::parse(value).at("cluster_id").get<std::string>();
    } catch (const std::exception&) {
      bad();
    }
  } else if (key == keys_.controller()) {
    if (auto id = decode_controller(value)) {
      controller = {*id, create_revision};
    } else {
      bad();
    }
  } else if (take_prefix(key, keys_.nodes(), rest)) {
    auto n = decode_node(value);
    if (!n || !to_int(rest) || n->id != *to_int(rest)) return bad();
    n->lease = lease;
    nodes[n->id] = *n;
  } else if (take_prefix(key, keys_.topics(), rest)) {
    auto t = decode_topic(rest, value);
    if (!t) return bad();
    t->version = mod_revision;
    topics[rest] = *t;
  } else if (take_prefix(key, keys_.partitions(), rest)) {
    auto k = split_partition(rest);
    auto p = decode_partition(value);
    if (!k || !p) return bad();
    p->version = mod_revision;
    partitions[*k] = *p;
  } else if (take_prefix(key, keys_.drains(), rest)) {
    auto id = to_int(rest);
    if (!id) return bad();
    try {
      draining[*id] = json::parse(value).value("requested_ms", int64_t{0});
    } catch (const std::exception&) {
      bad();
    }
  }
  revision = std::max(revision, mod_revision);
}

void metadata_image::erase(const std::string& key) {
  std::string rest;
  if (key == keys_.controller()) {
    controller = {};
  } else if (take_prefix(key, keys_.nodes(), rest)) {
    if (auto id = to_int(rest)) nodes.erase(*id);
  } else if (take_prefix(key, keys_.topics(), rest)) {
    topics.erase(rest);
  } else if (take_prefix(key, keys_.partitions(), rest)) {
    if (auto k = split_partition(rest)) partitions.erase(*k);
  } else if (take_prefix(key, keys_.drains(), rest)) {
    if (auto id = to_int(rest)) draining.erase(*id);
  }
}

void metadata_image::clear() {
  revision = 0;
  cluster_id.clear();
  nodes.clear();
  controller = {};
  topics.clear();
  partitions.clear();
  draining.clear();
  problems.clear();
}

const partition_record* metadata_image::partition(const partition_key& k) const {
  auto it = partitions.find(k);
  return it == partitions.end() ? nullptr : &it->second;
}

std::vector<node_id> metadata_image::live_nodes() const {
  std::vector<node_id> out;
  for (const auto& [id, n] : nodes) out.push_back(id);
  return out;
}

std::vector<std::pair<int32_t, const partition_record*>> metadata_image::partitions_of(const std::string& topic) const {
  std::vector<std::pair<int32_t, const partition_record*>> out;
  for (auto it = partitions.lower_bound({topic, 0}); it != partitions.end() && it->first.topic == topic; ++it) {
    out.emplace_back(it->first.partition, &it->second);
  }
  return out;
}

}  // namespace fluxo::cluster
