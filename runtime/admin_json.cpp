#include "runtime/admin_json.hpp"

#include <map>

#include "actors/cluster/topic_registry.hpp"

namespace fluxo::runtime {

admin_json topic_summary_json(const actors::topic_info& t, std::optional<double> produce_rate) {
  int64_t messages = 0, bytes = 0, segments = 0;
  for (const auto& p : t.partitions) {
    messages += p.high_watermark - p.log_start_offset;
    bytes += p.size_bytes;
    segments += p.segments;
  }
  admin_json j{{"name", t.name},         {"internal", t.internal}, {"partitions", t.partitions.size()},
               {"messages", messages},   {"size_bytes", bytes},    {"segments", segments}};
  if (produce_rate) j["produce_rate"] = *produce_rate;
  j["config"] = actors::to_config_map(t.config);
  return j;
}

admin_json topic_detail_json(const actors::topic_info& t) {
  admin_json parts = admin_json::array();
  for (const auto& p : t.partitions) {
    admin_json segments = admin_json::array();
    for (const auto& s : p.segment_list) segments.push_back({{"base_offset", s.base_offset}, {"size_bytes", s.size_bytes}});
    parts.push_back({{"partition", p.partition},
                     {"leader_node", p.leader_node},
                     {"leader_epoch", p.leader_epoch},
                     {"replicas", p.replicas},
                     {"isr", p.isr},
                     {"target_replicas", p.target_replicas},
                     {"under_replicated", p.isr.size() < p.replicas.size()},
                     {"offline", p.leader_node < 0},
                     {"log_start_offset", p.log_start_offset},
                     {"high_watermark", p.high_watermark},
                     {"log_end_offset", p.log_end_offset},
                     {"messages", p.high_watermark - p.log_start_offset},
                     {"max_follower_lag", p.max_follower_lag},
                     {"size_bytes", p.size_bytes},
                     {"segments", segments}});
  }
  return {{"name", t.name}, {"internal", t.internal}, {"config", actors::to_config_map(t.config)}, {"partitions", parts}};
}

admin_json group_overview_json(const group::group_overview& g, int64_t total_lag) {
  return {{"group_id", g.group_id},
          {"state", std::string(group::to_string(g.state))},
          {"protocol_type", g.protocol_type},
          {"members", g.members},
          {"total_lag", total_lag}};
}

admin_json group_report_json(const client::group_report& r) {
  const auto& d = r.description;
  admin_json members = admin_json::array();
  for (const auto& m : r.members) {
    admin_json parts = admin_json::array();
    for (const auto& tp : m.partitions) parts.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
    members.push_back({{"member_id", m.member_id}, {"client_id", m.client_id}, {"client_host", m.client_host}, {"partitions", parts}});
  }
  admin_json partitions = admin_json::array();
  for (const auto& p : r.partitions) {
    partitions.push_back({{"topic", p.tp.topic}, {"partition", p.tp.partition}, {"committed", p.committed},
                          {"log_start_offset", p.log_start_offset}, {"end_offset", p.end_offset}, {"lag", p.lag},
                          {"lag_ms", p.lag_ms}, {"member_id", p.member_id}});
  }
  admin_json history = admin_json::array();
  for (const auto& h : d.history) {
    history.push_back({{"timestamp_ms", h.timestamp_ms}, {"generation", h.generation_id}, {"reason", h.reason}});
  }
  return {{"group_id", d.group_id},       {"state", std::string(group::to_string(d.state))},
          {"protocol_type", d.protocol_type}, {"protocol", d.protocol_name},
          {"generation", d.generation_id}, {"leader", d.leader_id},
          {"members", members},           {"partitions", partitions},
          {"total_lag", r.total_lag},     {"history", history}};
}

admin_json offset_changes_json(bool dry_run, const std::vector<client::offset_change>& changes) {
  admin_json parts = admin_json::array();
  for (const auto& c : changes) parts.push_back({{"topic", c.tp.topic}, {"partition", c.tp.partition}, {"from", c.from}, {"to", c.to}});
  return {{"dry_run", dry_run}, {"partitions", parts}};
}

admin_json cluster_json(const actors::cluster_info& c, const std::vector<actors::topic_info>& topics) {
  admin_json nodes = admin_json::array();
  std::map<int32_t, int> leaders;
  admin_json under = admin_json::array();
  admin_json offline = admin_json::array();
  admin_json moving = admin_json::array();
  int partitions = 0;
  for (const auto& t : topics) {
    for (const auto& p : t.partitions) {
      ++partitions;
      admin_json ref{{"topic", t.name}, {"partition", p.partition}, {"leader_node", p.leader_node},
                     {"replicas", p.replicas}, {"isr", p.isr}};
      if (p.leader_node >= 0) ++leaders[p.leader_node];
      if (p.leader_node < 0) offline.push_back(ref);
      if (p.isr.size() < p.replicas.size()) under.push_back(ref);
      if (!p.target_replicas.empty()) {
        ref["target_replicas"] = p.target_replicas;
        moving.push_back(ref);
      }
    }
  }
  for (const auto& n : c.nodes) {
    nodes.push_back({{"id", n.id},
                     {"node_addr", n.host + ":" + std::to_string(n.port)},
                     {"kafka_addr", n.kafka_port > 0 ? n.kafka_host + ":" + std::to_string(n.kafka_port) : ""},
                     {"http_addr", n.http_addr},
                     {"controller", n.id == c.controller_id},
                     {"draining", n.draining},
                     {"leaders", leaders[n.id]}});
  }
  return {{"cluster_id", c.cluster_id},
          {"single_node", c.single_node},
          {"metadata_store", c.store},
          {"controller_id", c.controller_id},
          {"controller_epoch", c.controller_epoch},
          {"this_node", c.self_id},
          {"nodes", nodes},
          {"partitions", partitions},
          {"under_replicated", under},
          {"offline", offline},
          {"reassigning", moving}};
}

}  // namespace fluxo::runtime
