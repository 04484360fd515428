#include "actors/broker/broker_metrics.hpp"

namespace fluxo::actors {

broker_metrics& metrics_of_broker() {
  auto& r = metrics::global();
  static broker_metrics m{
      r.counter_family("fluxo_records_in_total", "Records appended to a partition", {"topic", "partition"}),
      r.counter_family("fluxo_bytes_in_total", "Record batch bytes appended", {"topic"}),
      r.counter_family("fluxo_bytes_out_total", "Record batch bytes served by fetches", {"topic"}),
      r.counter_family("fluxo_partition_requests_total", "Requests handled by partition actors (Kafka and native clients)",
                       {"op"}),
      r.histogram_family("fluxo_fsync_duration_seconds", "Time of one group-commit fsync job", {}, metrics::latency_buckets())
          .with({}),
      r.counter_family("fluxo_group_rebalances_total", "Rebalances of consumer groups, by cause", {"group", "reason"}),
      r.counter_family("fluxo_kafka_requests_total", "Kafka protocol requests", {"api"}),
      r.histogram_family("fluxo_kafka_request_duration_seconds", "Kafka request latency (receipt to response)", {"api"},
                         metrics::latency_buckets()),
      r.gauge_family("fluxo_kafka_connections", "Open Kafka client connections", {}).with({}),
      r.counter_family("fluxo_isr_shrinks_total", "ISR shrinks written by this node's leaders", {}).with({}),
      r.counter_family("fluxo_isr_expands_total", "ISR expansions written by this node's leaders", {}).with({}),
  };
  return m;
}

std::string rebalance_reason_label(const std::string& reason) {
  auto has = [&](const char* s) { return reason.find(s) != std::string::npos; };
  if (has("new metadata")) return "metadata_changed";
  if (reason.starts_with("leader ") && has(" rejoined")) return "leader_rejoined";
  if (has("session timeout") || has("timed out") || has("did not rejoin")) return "member_timeout";
  if (has(" joined")) return "member_joined";
  if (has(" left")) return "member_left";
  if (has("partition count changed")) return "partitions_changed";
  return "";
}

}  // namespace fluxo::actors
