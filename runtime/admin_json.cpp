#include "runtime/admin_json.hpp"

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
                     {"log_start_offset", p.log_start_offset},
                     {"high_watermark", p.high_watermark},
                     {"messages", p.high_watermark - p.log_start_offset},
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

}  // namespace fluxo::runtime
