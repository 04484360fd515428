// Group administration over a client connection, shared by the CLI and the HTTP API: a
// group's report (members and their partitions, committed offset, end offset and lag per
// partition in records and in time) and offset resets. No CAF here.
//
// Lag of a partition: end offset (high watermark) minus the group's position, where the
// position is the committed offset clamped to the log start (records below it are gone; with
// nothing committed a consumer starts there too under auto.offset.reset=earliest). Lag in time
// is the age of the oldest unconsumed record: now minus the timestamp of the record at the
// position (0 with no lag).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/client/client.hpp"

namespace fluxo::client {

struct partition_lag {
  topic_partition tp;
  int64_t committed = -1;  // -1: nothing committed
  int64_t log_start_offset = 0;
  int64_t end_offset = 0;
  int64_t lag = 0;
  int64_t lag_ms = 0;
  std::string member_id;  // owner in the current generation; "" when none
};

struct member_view {
  std::string member_id;
  std::string client_id;
  std::string client_host;
  std::vector<topic_partition> partitions;
};

struct group_report {
  group::group_description description;
  std::vector<member_view> members;
  std::vector<partition_lag> partitions;  // sorted by (topic, partition)
  int64_t total_lag = 0;
};

// Records between the group's position and the end (see above).
int64_t lag_of(int64_t committed, int64_t log_start_offset, int64_t end_offset);

std::pair<status, group_report> build_group_report(connection& conn, const std::string& group_id, int64_t now_ms);

enum class reset_target { earliest, latest, timestamp, offset };
bool parse_reset_target(const std::string& text, reset_target& out);

struct offset_change {
  topic_partition tp;
  int64_t from = -1;  // the committed offset before (-1: none)
  int64_t to = 0;
};

// New positions for `partitions` of `topic` (all of them when empty); `value` is the timestamp
// (ms) or offset for those targets. Offsets are clamped into [log start, end]; a timestamp after
// the last record resolves to the end. Nothing is written.
std::pair<status, std::vector<offset_change>> plan_offset_reset(connection& conn, const std::string& group_id,
                                                                const std::string& topic, reset_target target,
                                                                int64_t value, std::vector<int32_t> partitions);

// Writes the planned positions, refusing while the group has members (Kafka's rule:
// NON_EMPTY_GROUP) so that running consumers never race the reset.
status apply_offset_reset(connection& conn, const std::string& group_id, const std::vector<offset_change>& changes);

}  // namespace fluxo::client
