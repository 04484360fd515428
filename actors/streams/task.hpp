// The engine of one input partition: runs the topology's processors over the records of
// partition P of every source topic, with the task's own state stores. Pure: no I/O, no
// clock, no threads; single-owner. Effects come out as values (output and changelog records).
//
// Contract for the runner (per task, i.e. per partition P assigned to this instance):
//  1. Topics. All source topics (topology::source_topics(), which includes the repartition
//     topics) have the same number of partitions N and are partitioned by key (murmur2, as
//     the client's producer does). Create each changelog topic
//     (topology::changelog_topic(store)) with N partitions and cleanup.policy=compact, and
//     each repartition topic with N partitions (cleanup.policy=delete).
//  2. Tables. Before processing, read every partition of each table topic
//     (topology::table_topics()) up to its end into the tables (global_tables::update, or
//     task::update_table for a task's own tables); keep feeding new table records while
//     processing. A stream record joins with the table as it is when the record is processed.
//  3. Restore. Before the first process(), feed every record of partition P of every changelog
//     topic, in log order, to restore() (changelog_from() rebuilds the record from the key,
//     value and headers). A compacted log restores the same state: each store keeps the last
//     value per key, its stream time and the highest applied input offset, and the change made
//     by the newest applied record is never compacted away.
//  4. Process. Consume partition P of the source topics from the committed offsets and call
//     process() for each record, in offset order per topic. Produce every output record to
//     its topic (partition by key; timestamp and headers as given) and every changelog record
//     to changelog_topic(r.store), partition P, with key, value, and changelog_headers(r).
//  5. Commit. Commit a source offset only after every output and changelog record produced
//     up to it is acknowledged (flush, then commit).
//
// Dedupe after a crash: a store skips records whose offset is at or below the highest
// input_offset restored for it (it applied them before: task_stats::skipped_replayed) and
// emits nothing for them, so store values stay exact under at-least-once replays. The skip
// is per store (a store reads exactly one source topic), so a record applied to one store but
// not to another before the crash is applied to the other one only. Stateless paths
// (filter/map/... -> to) re-emit replayed records: at-least-once.
// Limit: exactness assumes the changelog records of one input record for one store are all
// durable or none (a crash between two of them leaves a prefix; flushing per poll keeps this
// window small).
//
// Stats: processed counts every process() call; skipped_late records whose windows were all
// closed; undecodable records (or stored values, restore keys) a serde rejected;
// skipped_null records with a null key/value where the stream's type has no null.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/streams/global_tables.hpp"
#include "actors/streams/graph.hpp"
#include "actors/streams/records.hpp"
#include "actors/streams/stores.hpp"

namespace fluxo::streams {

class task {
 public:
  using stats = task_stats;

  task(int32_t partition, std::shared_ptr<const detail::graph> g, std::shared_ptr<global_tables> tables);
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task();

  int32_t partition() const { return partition_; }

  // One changelog record of this task's partition (in log order, before process()). Throws
  // std::invalid_argument for a store the topology does not have.
  void restore(const changelog_record& r);

  // One record of a source topic, partition == partition(). Appends what to produce and the
  // store changes. Throws std::invalid_argument for another topic or partition. An exception
  // from a user function propagates and may leave the record half-applied: treat it as fatal.
  void process(const input_record& r, std::vector<output_record>& outputs,
               std::vector<changelog_record>& changelog);

  // One record of a table topic (any partition), into this task's tables.
  void update_table(const input_record& r) { tables_->update(r); }

  stats counters() const { return stats_; }

  // Inspection (tests, debugging): a store's contents as changelog key -> value bytes,
  // its stream time, the highest input offset restored.
  std::map<std::string, std::string> store_contents(const std::string& store) const;
  int64_t store_stream_time(const std::string& store) const;
  int64_t store_restored_offset(const std::string& store) const;
  const global_tables& tables() const { return *tables_; }

 private:
  state_store& store(const std::string& name) const;

  int32_t partition_;
  std::shared_ptr<const detail::graph> graph_;
  std::shared_ptr<global_tables> tables_;
  std::map<std::string, std::unique_ptr<state_store>> stores_;  // before sources_: they point here
  std::map<std::string, std::vector<std::unique_ptr<detail::source_processor>>> sources_;
  stats stats_;
};

}  // namespace fluxo::streams
