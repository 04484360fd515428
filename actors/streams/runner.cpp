#include "actors/streams/runner.hpp"

#include <spdlog/spdlog.h>

#include "actors/common/kafka_error.hpp"

namespace fluxo::streams {
namespace {

using client::status;

input_record to_input(client::consumed_record&& r) {
  input_record in;
  in.topic = std::move(r.topic);
  in.partition = r.partition;
  in.offset = r.offset;
  in.timestamp = r.timestamp;
  in.key = std::move(r.key);
  in.value = std::move(r.value);
  in.headers = std::move(r.headers);
  return in;
}

void add(task_stats& into, const task_stats& s) {
  into.processed += s.processed;
  into.skipped_replayed += s.skipped_replayed;
  into.skipped_late += s.skipped_late;
  into.undecodable += s.undecodable;
  into.skipped_null += s.skipped_null;
}

bool created_or_exists(const status& st) {
  return st.ok() || st.code == actors::code(actors::kafka_error::topic_already_exists);
}

}  // namespace

runner::runner(client::connection& conn, const topology& t, runner_options options)
    : conn_(conn), topology_(t), options_(std::move(options)) {}

runner::~runner() { close(); }

status runner::ensure_topics() {
  // The sources decide the partition count; internal topics follow it.
  int32_t n = 0;
  for (const auto& topic : topology_.source_topics()) {
    auto info = conn_.describe_topic(topic);
    if (info.error_code == 0) n = std::max(n, static_cast<int32_t>(info.partitions.size()));
  }
  if (n == 0) return status{actors::code(actors::kafka_error::unknown_topic_or_partition), "no source topic exists yet; create them first"};
  partitions_ = n;
  client::topic_config internal;
  internal.partitions = n;
  for (const auto& topic : topology_.repartition_topics()) {
    if (auto st = conn_.create_topic(topic, internal); !created_or_exists(st)) return st;
  }
  client::topic_config changelog = internal;
  changelog.cleanup_policy = "compact";
  for (const auto& store : topology_.store_names()) {
    if (auto st = conn_.create_topic(topology_.changelog_topic(store), changelog); !created_or_exists(st)) return st;
  }
  for (const auto& topic : topology_.source_topics()) {
    auto info = conn_.describe_topic(topic);
    if (info.error_code != 0 || static_cast<int32_t>(info.partitions.size()) != n) {
      return status{actors::code(actors::kafka_error::invalid_partitions),
                    "source topic '" + topic + "' must exist with " + std::to_string(n) + " partitions (co-partitioned sources)"};
    }
  }
  return {};
}

status runner::bootstrap_tables() {
  tables_ = topology_.make_tables();
  std::vector<client::topic_partition> tps;
  for (const auto& topic : topology_.table_topics()) {
    auto info = conn_.describe_topic(topic);
    if (info.error_code != 0) return status{info.error_code, "table topic '" + topic + "' does not exist"};
    auto st = client::scan_topic(conn_, info, 0, [&](client::consumed_record&& rec) { tables_->update(to_input(std::move(rec))); });
    if (!st.ok()) return st;
    for (const auto& p : info.partitions) tps.push_back({topic, p.partition});
    // Follow the table from where the bootstrap ended.
    if (!table_consumer_) table_consumer_ = conn_.make_consumer({});
  }
  if (table_consumer_) {
    table_consumer_->assign(tps);
    for (const auto& tp : tps) table_consumer_->seek_to_end(tp);
  }
  return {};
}

void runner::feed_tables() {
  if (!table_consumer_) return;
  for (auto& rec : table_consumer_->poll(std::chrono::milliseconds(0))) tables_->update(to_input(std::move(rec)));
}

status runner::start() {
  if (auto st = ensure_topics(); !st.ok()) return st;
  if (auto st = bootstrap_tables(); !st.ok()) return st;
  client::producer_options po;
  po.acks = -1;
  producer_ = conn_.make_producer(po);
  client::consumer_options co;
  co.group_id = topology_.application_id();
  co.client_id = options_.client_id;
  co.enable_auto_commit = false;
  co.session_timeout_ms = options_.session_timeout_ms;
  co.heartbeat_interval_ms = options_.heartbeat_interval_ms;
  co.rebalance_timeout_ms = options_.rebalance_timeout_ms;
  co.max_poll_records = options_.max_poll_records;
  consumer_ = conn_.make_consumer(co);
  consumer_->on_rebalance([](const auto&) {}, [this](const auto& tps) { on_revoked(tps); });
  return consumer_->subscribe(topology_.source_topics());
}

void runner::on_revoked(const std::vector<client::topic_partition>& tps) {
  // Everything processed so far was committed at the end of the last round.
  for (const auto& tp : tps) {
    if (auto it = tasks_.find(tp.partition); it != tasks_.end()) {
      add(closed_stats_, it->second->counters());
      tasks_.erase(it);
    }
  }
}

status runner::open_task(int32_t partition) {
  auto t = topology_.make_task(partition, tables_);
  for (const auto& store : topology_.store_names()) {
    client::topic_partition tp{topology_.changelog_topic(store), partition};
    auto start = conn_.list_offset(tp, -2);
    auto end = conn_.list_offset(tp, -1);
    if (!start.first.ok()) return start.first;
    if (!end.first.ok()) return end.first;
    auto st = client::scan_partition(conn_, tp, start.second, end.second, [&](client::consumed_record&& rec) {
      if (auto c = changelog_from(store, rec.key.value_or(""), std::move(rec.value), rec.headers)) {
        t->restore(*c);
        ++restored_;
      }
    });
    if (!st.ok()) return st;
  }
  tasks_[partition] = std::move(t);
  return {};
}

status runner::run_once(std::chrono::milliseconds poll_timeout) {
  if (!consumer_) return status{actors::code(actors::kafka_error::invalid_request), "start() first"};
  feed_tables();
  // poll() runs the rebalance callbacks (revoked partitions lose their task) before it returns
  // records of a new assignment; a partition gets its task, restored from the changelogs, when
  // its first records arrive.
  auto records = consumer_->poll(poll_timeout);
  if (records.empty()) return {};
  std::map<client::topic_partition, int64_t> first_offset;
  for (const auto& rec : records) first_offset.try_emplace({rec.topic, rec.partition}, rec.offset);
  // Nothing of this batch is committed unless all of it went through: on a failure the
  // partitions go back to where the batch started and their tasks are dropped (their stores may
  // hold changes that are not durable); the next round restores them and runs the batch again.
  auto rewind = [&](status st) {
    for (const auto& [tp, offset] : first_offset) {
      consumer_->seek(tp, offset);
      if (auto it = tasks_.find(tp.partition); it != tasks_.end()) {
        add(closed_stats_, it->second->counters());
        tasks_.erase(it);
      }
    }
    return st;
  };
  for (const auto& [tp, offset] : first_offset) {
    if (tasks_.count(tp.partition)) continue;
    if (auto st = open_task(tp.partition); !st.ok()) return rewind(st);
  }
  std::vector<output_record> outputs;
  std::vector<changelog_record> changes;
  for (auto& rec : records) {
    auto it = tasks_.find(rec.partition);
    it->second->process(to_input(std::move(rec)), outputs, changes);
    for (auto& o : outputs) producer_->send(o.topic, std::move(o.key), std::move(o.value), std::move(o.headers), o.timestamp);
    for (auto& c : changes) {
      producer_->send_to({topology_.changelog_topic(c.store), it->second->partition()}, c.key, c.value, changelog_headers(c),
                         std::nullopt);
    }
    outputs.clear();
    changes.clear();
  }
  if (auto st = producer_->flush(std::chrono::seconds(60)); !st.ok()) return rewind(st);
  return consumer_->commit_sync();
}

void runner::run(const std::atomic<bool>& stop) {
  while (!stop) {
    if (auto st = run_once(); !st.ok()) spdlog::warn("streams {}: {}", topology_.application_id(), st.message);
  }
  close();
}

void runner::close() {
  if (consumer_) consumer_->close();
  consumer_.reset();
  table_consumer_.reset();
  if (producer_) producer_->flush(std::chrono::seconds(30));
}

task_stats runner::counters() const {
  task_stats out = closed_stats_;
  for (const auto& [p, t] : tasks_) add(out, t->counters());
  return out;
}

std::set<int32_t> runner::assigned_partitions() const {
  std::set<int32_t> out;
  if (consumer_) {
    for (const auto& tp : consumer_->assignment()) out.insert(tp.partition);
  }
  return out;
}

}  // namespace fluxo::streams
