#include "actors/client/group_admin.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "actors/group/consumer_protocol.hpp"
#include "actors/common/kafka_error.hpp"

namespace fluxo::client {

int64_t lag_of(int64_t committed, int64_t log_start_offset, int64_t end_offset) {
  const int64_t position = std::max(committed, log_start_offset);
  return std::max<int64_t>(0, end_offset - position);
}

std::pair<status, group_report> build_group_report(connection& conn, const std::string& group_id, int64_t now_ms) {
  std::pair<status, group_report> out;
  auto& report = out.second;
  auto described = conn.describe_group(group_id);
  if (!described.first.ok()) {
    out.first = described.first;
    return out;
  }
  report.description = std::move(described.second);
  std::map<topic_partition, partition_lag> rows;
  for (const auto& m : report.description.members) {
    member_view v{m.member_id, m.client_id, m.client_host, {}};
    if (auto parts = group::decode_assignment(m.assignment)) {
      for (const auto& p : *parts) {
        topic_partition tp{p.topic, p.partition};
        v.partitions.push_back(tp);
        rows[tp].member_id = m.member_id;
      }
    }
    report.members.push_back(std::move(v));
  }
  auto committed = conn.committed_offsets(group_id);
  if (!committed.first.ok()) {
    out.first = committed.first;
    return out;
  }
  for (const auto& c : committed.second) rows[{c.topic, c.partition}].committed = c.offset;
  // Every partition of a topic the group consumes, including those it has not committed yet;
  // one describe per topic gives every partition's log start and end.
  std::set<std::string> topics;
  for (const auto& [tp, row] : rows) topics.insert(tp.topic);
  std::map<topic_partition, actors::partition_info> logs;
  for (const auto& topic : topics) {
    for (const auto& p : conn.describe_topic(topic).partitions) {
      rows.try_emplace(topic_partition{topic, p.partition});
      logs[{topic, p.partition}] = p;
    }
  }
  for (auto& [tp, row] : rows) {
    row.tp = tp;
    auto log = logs.find(tp);
    if (log == logs.end()) continue;  // topic or partition gone
    row.log_start_offset = log->second.log_start_offset;
    row.end_offset = log->second.high_watermark;
    row.lag = lag_of(row.committed, row.log_start_offset, row.end_offset);
    if (row.lag > 0) {
      auto oldest = conn.read(tp, std::max(row.committed, row.log_start_offset), 1);
      if (oldest.st.ok() && !oldest.records.empty()) row.lag_ms = std::max<int64_t>(0, now_ms - oldest.records.front().timestamp);
    }
    report.total_lag += row.lag;
    report.partitions.push_back(row);
  }
  return out;
}

bool parse_reset_target(const std::string& text, reset_target& out) {
  static const std::map<std::string, reset_target> names{{"earliest", reset_target::earliest},
                                                         {"latest", reset_target::latest},
                                                         {"timestamp", reset_target::timestamp},
                                                         {"offset", reset_target::offset}};
  auto it = names.find(text);
  if (it == names.end()) return false;
  out = it->second;
  return true;
}

std::pair<status, std::vector<offset_change>> plan_offset_reset(connection& conn, const std::string& group_id,
                                                                const std::string& topic, reset_target target,
                                                                int64_t value, std::vector<int32_t> partitions) {
  std::pair<status, std::vector<offset_change>> out;
  auto info = conn.describe_topic(topic);
  if (info.error_code != 0) {
    out.first = status{info.error_code, "topic '" + topic + "': " + std::string(actors::kafka_error_name(info.error_code))};
    return out;
  }
  const auto count = static_cast<int32_t>(info.partitions.size());
  if (partitions.empty()) {
    for (int32_t p = 0; p < count; ++p) partitions.push_back(p);
  }
  std::map<topic_partition, int64_t> before;
  if (auto committed = conn.committed_offsets(group_id); committed.first.ok()) {
    for (const auto& c : committed.second) before[{c.topic, c.partition}] = c.offset;
  }
  for (int32_t p : partitions) {
    if (p < 0 || p >= count) {
      out.first = status{code(actors::kafka_error::unknown_topic_or_partition),
                         "topic '" + topic + "' has " + std::to_string(count) + " partitions; there is no partition " + std::to_string(p)};
      return out;
    }
    topic_partition tp{topic, p};
    const int64_t start = info.partitions[static_cast<std::size_t>(p)].log_start_offset;
    const int64_t end = info.partitions[static_cast<std::size_t>(p)].high_watermark;
    int64_t to = start;
    switch (target) {
      case reset_target::earliest: to = start; break;
      case reset_target::latest: to = end; break;
      case reset_target::offset: to = value; break;
      case reset_target::timestamp: {
        auto at = conn.list_offset(tp, value);
        if (!at.first.ok()) {
          out.first = at.first;
          return out;
        }
        to = at.second < 0 ? end : at.second;
        break;
      }
    }
    to = std::clamp(to, start, end);
    auto it = before.find(tp);
    out.second.push_back({tp, it == before.end() ? -1 : it->second, to});
  }
  return out;
}

status apply_offset_reset(connection& conn, const std::string& group_id, const std::vector<offset_change>& changes) {
  auto groups = conn.list_groups();
  for (const auto& g : groups) {
    if (g.group_id == group_id && g.members > 0) {
      return status{code(actors::kafka_error::non_empty_group),
                    "group '" + group_id + "' has " + std::to_string(g.members) +
                        " active member(s); stop its consumers before resetting offsets"};
    }
  }
  group_offsets offsets;
  for (const auto& c : changes) offsets.emplace_back(c.tp, c.to);
  return conn.commit_offsets(group_id, offsets);
}

}  // namespace fluxo::client
