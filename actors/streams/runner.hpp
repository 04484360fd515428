// Runs a streams::topology against a broker through the native client: the I/O half of
// fluxo::streams (the engine in task.hpp is pure). Follows task.hpp's runner contract:
//
//   start():    creates the internal topics (changelogs compacted, repartition topics), with
//               the sources' partition count; bootstraps the global tables; joins the consumer
//               group named after the application id on the source topics.
//   run_once(): polls; a partition assigned to this instance gets a task whose stores are
//               restored from partition P of every changelog before its first record (and
//               loses it when revoked); records
//               are processed in offset order; outputs go to their topics (by key), changelog
//               records to partition P of their changelog; everything is flushed (acks=all)
//               and only then are the source offsets committed (at-least-once output, exact
//               state: replays are skipped by the stores).
//
// Several instances (processes) with the same application id share the partitions through the
// group; a partition that moves is restored from its changelog by its new owner. The consumer
// gives partitions up only inside poll(), between two rounds, so two instances never process
// the same partition at once (which would interleave their changelog writes and break the
// "restored offset" rule) — unless a round outlasts rebalance_timeout_ms.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "actors/client/client.hpp"
#include "actors/streams/task.hpp"
#include "actors/streams/topology.hpp"

namespace fluxo::streams {

struct runner_options {
  std::string client_id = "fluxo-streams";
  int32_t session_timeout_ms = 10000;
  int32_t heartbeat_interval_ms = 1000;
  // How long the group waits for this instance to finish its round (process, flush, commit)
  // before going on without it; a round's flush alone may take up to 60 s. A dead instance is
  // noticed by the session timeout, not by this.
  int32_t rebalance_timeout_ms = 120000;
  std::size_t max_poll_records = 5000;
};

class runner {
 public:
  runner(client::connection& conn, const topology& t, runner_options options = {});
  ~runner();

  client::status start();
  client::status run_once(std::chrono::milliseconds poll_timeout = std::chrono::milliseconds(200));
  // Rounds until `stop`; then commits and leaves the group.
  void run(const std::atomic<bool>& stop);
  void close();

  task_stats counters() const;                 // summed over live tasks
  std::set<int32_t> assigned_partitions() const;  // source partitions the group gave this instance
  uint64_t restored_records() const { return restored_; }

 private:
  client::status ensure_topics();
  client::status bootstrap_tables();
  void feed_tables();
  client::status open_task(int32_t partition);
  void on_revoked(const std::vector<client::topic_partition>& tps);

  client::connection& conn_;
  const topology& topology_;
  runner_options options_;
  std::shared_ptr<global_tables> tables_;
  std::unique_ptr<client::consumer> consumer_;
  std::unique_ptr<client::consumer> table_consumer_;
  std::unique_ptr<client::producer> producer_;
  std::map<int32_t, std::unique_ptr<task>> tasks_;
  int32_t partitions_ = 1;
  uint64_t restored_ = 0;
  task_stats closed_stats_;
};

}  // namespace fluxo::streams
