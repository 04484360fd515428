// The broker's metric families (Prometheus names, see docs/http-api.md), registered once in
// metrics::global(). Actors keep references to their series; gauges that describe state (log
// sizes, watermarks, lag) are computed when /metrics is scraped instead.
#pragma once

#include <string>

#include "runtime/metrics/metrics.hpp"

namespace fluxo::actors {

struct broker_metrics {
  metrics::family<metrics::counter>& records_in;        // topic, partition
  metrics::family<metrics::counter>& bytes_in;          // topic
  metrics::family<metrics::counter>& bytes_out;         // topic
  metrics::family<metrics::counter>& partition_requests;  // op: produce | fetch | list_offsets
  metrics::histogram& fsync_seconds;
  metrics::family<metrics::counter>& rebalances;        // group, reason
  metrics::family<metrics::counter>& kafka_requests;    // api
  metrics::family<metrics::histogram>& kafka_latency;   // api
  metrics::gauge& kafka_connections;
  metrics::counter& isr_shrinks;
  metrics::counter& isr_expands;
};

broker_metrics& metrics_of_broker();

// The cause of a rebalance as a short label value, from a note of the group state machine's
// history: member_joined, member_left, member_timeout, metadata_changed, leader_rejoined,
// partitions_changed; "" for notes that do not start a rebalance (generation formed, ...).
std::string rebalance_reason_label(const std::string& reason);

}  // namespace fluxo::actors
