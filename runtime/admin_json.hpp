// The JSON shapes of topics and consumer groups, shared by `fluxo ... --json` and the HTTP API
// (documented in docs/http-api.md), so both doors answer alike.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "actors/client/group_admin.hpp"

namespace fluxo::runtime {

using admin_json = nlohmann::ordered_json;

// A topics list row: partitions, messages, size, segments, config (+ produce_rate when known).
admin_json topic_summary_json(const actors::topic_info& t, std::optional<double> produce_rate = std::nullopt);
// A topic with every partition: watermarks, messages, size and segments.
admin_json topic_detail_json(const actors::topic_info& t);
admin_json group_overview_json(const group::group_overview& g, int64_t total_lag);
admin_json group_report_json(const client::group_report& r);
admin_json offset_changes_json(bool dry_run, const std::vector<client::offset_change>& changes);
// The cluster: members, controller, and the partitions that need attention (under-replicated,
// offline, being reassigned), from `topics` (placement included).
admin_json cluster_json(const actors::cluster_info& c, const std::vector<actors::topic_info>& topics);

}  // namespace fluxo::runtime
