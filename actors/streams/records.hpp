// The plain records the stream-processing engine (fluxo::streams::task) exchanges with its runner.
// No I/O, no CAF: the runner consumes input_records, calls task::process, produces the
// output_records and writes the changelog_records to the stores' changelog topics.
//
// Changelog records on the wire (see changelog_headers / changelog_from): the Kafka key is
// `key`, the value is `value` (null = tombstone), and two headers carry what restore needs:
//   fluxo.streams.offset    decimal input_offset
//   fluxo.streams.time      decimal stream_time
//   fluxo.streams.upstream  "p:o:i,p:o:i..." (stores fed by a repartition topic only): per
//                           upstream partition, the highest upstream position the store applied
//
// Records a task writes to a repartition topic carry fluxo.streams.source = "<partition>:<offset>:
// <index>": the input record that caused them and the output's index among that record's
// repartition outputs (a flat_map may fan one record out to several). A replayed upstream record (after an upstream crash)
// is written again with the same source, so downstream stores skip it: state stays exact
// through group_by / map + aggregate too. The newest changelog record carries the whole
// upstream map, so compaction never loses it.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fluxo::streams {

using headers_t = std::vector<std::pair<std::string, std::string>>;

// "No timestamp yet" (stream time of a store that has seen no record).
inline constexpr int64_t no_time = std::numeric_limits<int64_t>::min();

// One record of a source topic (or of a global table's topic), as consumed.
struct input_record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;  // event time, ms
  std::optional<std::string> key, value;
  headers_t headers;
};

// A record to produce to `topic`. The partition is chosen by key (murmur2(key) % partitions,
// like the client's producer); records without a key go wherever the producer puts them.
// `timestamp` is the timestamp of the input record that caused it; `headers` are its headers.
struct output_record {
  std::string topic;
  std::optional<std::string> key, value;
  int64_t timestamp = 0;
  headers_t headers;
};

// A state-store change. The runner writes it to the changelog topic of `store`
// (topology::changelog_topic), partition = the task's partition, key = `key`, value = `value`
// (nullopt = delete: a tombstone; the topic is compacted), headers = changelog_headers(*this).
// Where a repartitioned record came from: the upstream input offset and the output's index.
struct upstream_position {
  int64_t offset = -1;
  int32_t index = 0;
  auto operator<=>(const upstream_position&) const = default;
};

struct changelog_record {
  std::string store;
  std::string key;
  std::optional<std::string> value;
  int64_t input_offset = -1;      // offset of the source record whose processing made this change
  int64_t stream_time = no_time;  // the store's stream time after this change (max event time seen)
  std::map<int32_t, upstream_position> upstream{};  // repartitioned input: upstream partition -> highest applied
};

// What a task counted; see task.hpp for when each counter moves.
struct task_stats {
  uint64_t processed = 0;         // records given to task::process
  uint64_t skipped_replayed = 0;  // records a store had already applied before a restart
  uint64_t skipped_late = 0;      // records all of whose windows were already closed
  uint64_t undecodable = 0;       // records (or stored values) a serde could not decode
  uint64_t skipped_null = 0;      // records with a null key/value where the type has no null
};

inline constexpr const char* changelog_offset_header = "fluxo.streams.offset";
inline constexpr const char* changelog_time_header = "fluxo.streams.time";
inline constexpr const char* changelog_upstream_header = "fluxo.streams.upstream";
inline constexpr const char* repartition_source_header = "fluxo.streams.source";

// (upstream partition, position) of a record read from a repartition topic.
std::optional<std::pair<int32_t, upstream_position>> repartition_source(const headers_t& headers);
// Sets (replacing any) or removes the repartition source header.
void set_repartition_source(headers_t& headers, std::optional<std::pair<int32_t, upstream_position>> source);

// The headers to write with a changelog record.
headers_t changelog_headers(const changelog_record& r);

// A changelog record as read back from `store`'s changelog topic; nullopt if its headers lack
// or garble fluxo.streams.offset (a record not written by a task).
std::optional<changelog_record> changelog_from(std::string store, std::string key,
                                               std::optional<std::string> value,
                                               const headers_t& headers);

}  // namespace fluxo::streams
