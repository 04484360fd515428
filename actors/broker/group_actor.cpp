// Behavior of the group coordinator actor: unpack, call consumer_group, execute its effects.
//
// Effects are executed in order: records go to __consumer_offsets (acks=all) and the replies
// produced together with them are held until the append is acknowledged, so a client never
// hears "committed" before the commit is durable. One append is in flight at a time; replies
// without records are sent at once unless earlier effects are still waiting (order is kept).
#include <caf/all.hpp>
#include <deque>
#include <functional>
#include <spdlog/spdlog.h>
#include <unordered_map>

#include "actors/broker/broker_metrics.hpp"
#include "actors/broker/node_gate.hpp"
#include "actors/group/consumer_group.hpp"
#include "actors/group/group_records.hpp"
#include "actors/broker/group_actor.hpp"
#include "storage/log_config.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::actors {
namespace {

using namespace fluxo::group;

constexpr auto append_timeout = std::chrono::seconds(30);

struct pending_effects {
  std::vector<char> batch;  // empty: nothing to append
  std::vector<addressed_reply> replies;
};

struct group_actor_state {
  std::shared_ptr<consumer_group> core;
  partition_actor offsets;
  request_id next_request = 1;
  std::unordered_map<request_id, std::function<void(reply&)>> waiting;  // request id -> promise
  std::deque<pending_effects> queue;
  bool append_in_flight = false;
  uint64_t timer_epoch = 0;
  std::optional<int64_t> armed_deadline;
  uint64_t notes_counted = 0;  // history notes already counted as rebalances
  node_gate gate;              // requests from other nodes (null = everyone)
  static inline const char* name = "fluxo.group";
};

using self_ptr = group_actor::stateful_pointer<group_actor_state>;

int64_t now_ms() { return storage::system_now_ms(); }

std::string tag(self_ptr self) {
  return "[group " + self->state.core->id() + " gen " + std::to_string(self->state.core->generation()) + "]";
}

template <class T>
caf::typed_response_promise<T> remember(self_ptr self, request_id id) {
  auto promise = self->make_response_promise<T>();
  self->state.waiting[id] = [promise](reply& r) mutable {
    if (auto* x = std::get_if<T>(&r)) {
      promise.deliver(std::move(*x));
    } else {
      promise.deliver(caf::make_error(caf::sec::unexpected_response));
    }
  };
  return promise;
}

void deliver(self_ptr self, std::vector<addressed_reply>& replies, bool append_failed) {
  for (auto& r : replies) {
    auto it = self->state.waiting.find(r.id);
    if (it == self->state.waiting.end()) {
      spdlog::debug("{} dropping a reply to request {} nobody waits for", tag(self), r.id);
      continue;
    }
    if (append_failed) {
      if (auto* c = std::get_if<offset_commit_reply>(&r.body)) {
        for (auto& p : c->partitions) p.error = kafka_error::coordinator_not_available;
      }
    }
    it->second(r.body);
    self->state.waiting.erase(it);
  }
}

void pump(self_ptr self) {
  auto& st = self->state;
  while (!st.append_in_flight && !st.queue.empty()) {
    auto& front = st.queue.front();
    if (front.batch.empty()) {
      deliver(self, front.replies, false);
      st.queue.pop_front();
      continue;
    }
    st.append_in_flight = true;
    self->request(st.offsets, append_timeout, produce_atom::value, produce_request{front.batch, -1})
        .then(
            [=](const produce_reply& r) {
              auto& s = self->state;
              s.append_in_flight = false;
              bool failed = r.error_code != 0;
              if (failed) {
                spdlog::error("{} could not store group records: {} {}", tag(self), kafka_error_name(r.error_code),
                              r.error_message);
              }
              deliver(self, s.queue.front().replies, failed);
              s.queue.pop_front();
              pump(self);
            },
            [=](caf::error& err) {
              auto& s = self->state;
              s.append_in_flight = false;
              spdlog::error("{} could not store group records: {}", tag(self), self->system().render(err));
              deliver(self, s.queue.front().replies, true);
              s.queue.pop_front();
              pump(self);
            });
  }
}

void arm_timer(self_ptr self, std::optional<int64_t> deadline) {
  auto& st = self->state;
  if (!deadline || deadline == st.armed_deadline) return;
  st.armed_deadline = deadline;
  auto epoch = ++st.timer_epoch;
  auto delay = std::max<int64_t>(*deadline - now_ms(), 0);
  self->delayed_send(self, std::chrono::milliseconds(delay), tick_atom::value, epoch);
}

// Counts the causes of rebalances noted since the last call (fluxo_group_rebalances_total).
void count_rebalances(self_ptr self) {
  auto& st = self->state;
  const auto written = st.core->notes_written();
  if (written == st.notes_counted) return;
  const auto& history = st.core->history();
  const auto fresh = std::min<uint64_t>(written - st.notes_counted, history.size());
  for (auto it = history.end() - static_cast<std::ptrdiff_t>(fresh); it != history.end(); ++it) {
    auto label = rebalance_reason_label(it->reason);
    if (!label.empty()) metrics_of_broker().rebalances.with({st.core->id(), label}).inc();
  }
  st.notes_counted = written;
}

void execute(self_ptr self, effects fx) {
  count_rebalances(self);
  pending_effects p;
  if (!fx.records.empty()) {
    storage::batch_builder builder;
    const auto ts = now_ms();
    for (const auto& rec : fx.records) {
      auto enc = encode_record(rec);
      std::optional<std::string_view> value;
      if (enc.value) value = std::string_view(enc.value->data(), enc.value->size());
      builder.append(ts, std::string_view(enc.key.data(), enc.key.size()), value);
    }
    auto built = builder.build();
    if (built) p.batch = std::move(*built);
  }
  p.replies = std::move(fx.replies);
  self->state.queue.push_back(std::move(p));
  pump(self);
  arm_timer(self, fx.next_deadline);
}

// The group's refusal of a request from another node, if any.
std::optional<refusal> check(self_ptr self, security::acl_operation op) {
  return check_group(self->state.gate, self, op, self->state.core->id());
}

template <class Reply>
Reply refused(const refusal& r) {
  Reply out;
  out.error = r.error;
  return out;
}

// Commits of a client that may READ the group: partitions of topics it may not READ get 29,
// the others are committed (as Kafka's OffsetCommit); the allowed part goes through this actor
// again as its own request, so the reply keeps the order of the group's effects. nullopt: every
// partition is allowed.
std::optional<caf::result<offset_commit_reply>> commit_allowed(self_ptr self, const offset_commit_request& req) {
  offset_commit_request allowed = req;
  allowed.partitions.clear();
  offset_commit_reply denied;
  for (const auto& p : req.partitions) {
    if (check_topic(self->state.gate, self, security::acl_operation::read, p.topic)) {
      denied.partitions.push_back(partition_result{p.topic, p.partition, kafka_error::topic_authorization_failed});
    } else {
      allowed.partitions.push_back(p);
    }
  }
  if (denied.partitions.empty()) return std::nullopt;
  if (allowed.partitions.empty()) return caf::result<offset_commit_reply>(denied);
  auto promise = self->make_response_promise<offset_commit_reply>();
  self->request(group_actor{self}, caf::infinite, commit_atom::value, allowed)
      .then(
          [=](offset_commit_reply& r) mutable {
            for (auto& p : denied.partitions) r.partitions.push_back(p);
            promise.deliver(std::move(r));
          },
          [=](caf::error& err) mutable { promise.deliver(std::move(err)); });
  return caf::result<offset_commit_reply>(promise);
}

group_actor::behavior_type group_behavior(self_ptr self, std::shared_ptr<consumer_group> core, partition_actor offsets,
                                          topic_counts counts, node_gate gate) {
  self->state.core = std::move(core);
  self->state.offsets = std::move(offsets);
  self->state.gate = std::move(gate);
  if (self->state.gate && self->state.gate->required()) guard_system_messages(self, [] { return true; });
  execute(self, self->state.core->set_topic_partitions(now_ms(), counts.counts));
  using op = security::acl_operation;
  return {
    [=](join_atom, const join_request& req) -> caf::result<join_reply> {
      if (auto r = check(self, op::read)) return refused<join_reply>(*r);
      auto id = self->state.next_request++;
      auto promise = remember<join_reply>(self, id);
      execute(self, self->state.core->join(now_ms(), id, req));
      return promise;
    },
    [=](sync_atom, const sync_request& req) -> caf::result<sync_reply> {
      if (auto r = check(self, op::read)) return refused<sync_reply>(*r);
      auto id = self->state.next_request++;
      auto promise = remember<sync_reply>(self, id);
      execute(self, self->state.core->sync(now_ms(), id, req));
      return promise;
    },
    [=](heartbeat_atom, const heartbeat_request& req) -> caf::result<heartbeat_reply> {
      if (auto r = check(self, op::read)) return refused<heartbeat_reply>(*r);
      auto id = self->state.next_request++;
      auto promise = remember<heartbeat_reply>(self, id);
      execute(self, self->state.core->heartbeat(now_ms(), id, req));
      return promise;
    },
    [=](leave_atom, const leave_request& req) -> caf::result<leave_reply> {
      if (auto r = check(self, op::read)) return refused<leave_reply>(*r);
      auto id = self->state.next_request++;
      auto promise = remember<leave_reply>(self, id);
      execute(self, self->state.core->leave(now_ms(), id, req));
      return promise;
    },
    [=](commit_atom, const offset_commit_request& req) -> caf::result<offset_commit_reply> {
      if (auto r = check(self, op::read)) {
        offset_commit_reply out;
        for (const auto& p : req.partitions) out.partitions.push_back(partition_result{p.topic, p.partition, r->error});
        return out;
      }
      if (!node_internal(self->state.gate, self)) {
        if (auto partial = commit_allowed(self, req)) return std::move(*partial);
      }
      auto id = self->state.next_request++;
      auto promise = remember<offset_commit_reply>(self, id);
      execute(self, self->state.core->commit_offsets(now_ms(), id, req));
      return promise;
    },
    [=](committed_atom, const offset_fetch_request& req) -> caf::result<offset_fetch_reply> {
      if (auto r = check(self, op::describe)) return refused<offset_fetch_reply>(*r);
      auto out = self->state.core->fetch_offsets(req);
      if (node_internal(self->state.gate, self)) return out;
      // Topics the caller may not DESCRIBE: named ones answer 29, the others are left out.
      std::vector<fetched_offset> kept;
      for (auto& p : out.partitions) {
        if (!check_topic(self->state.gate, self, op::describe, p.topic)) {
          kept.push_back(std::move(p));
        } else if (req.partitions) {
          p.offset = -1;
          p.metadata.clear();
          p.error = kafka_error::topic_authorization_failed;
          kept.push_back(std::move(p));
        }
      }
      out.partitions = std::move(kept);
      return out;
    },
    [=](describe_atom) -> caf::result<group_description> {
      if (auto r = check(self, op::describe)) return refusal_error(*r);
      return self->state.core->describe();
    },
    [=](delete_atom) -> caf::result<delete_group_reply> {
      if (auto r = check(self, op::remove)) return refused<delete_group_reply>(*r);
      auto id = self->state.next_request++;
      auto promise = remember<delete_group_reply>(self, id);
      execute(self, self->state.core->delete_group(now_ms(), id));
      return promise;
    },
    [=](partitions_atom, const topic_counts& c) {
      if (node_internal(self->state.gate, self)) execute(self, self->state.core->set_topic_partitions(now_ms(), c.counts));
    },
    [=](topic_gone_atom, const std::string& topic) {
      if (!node_internal(self->state.gate, self)) return;
      execute(self, self->state.core->delete_topic_offsets(now_ms(), topic));
    },
    [=](tick_atom, uint64_t epoch) {
      if (!node_internal(self->state.gate, self)) return;
      if (epoch != self->state.timer_epoch) return;  // superseded by a later deadline
      self->state.armed_deadline.reset();
      execute(self, self->state.core->tick(now_ms()));
    },
  };
}

}  // namespace

group_actor spawn_group(caf::actor_system& sys, std::shared_ptr<consumer_group> core, partition_actor offsets,
                        topic_counts counts, std::shared_ptr<security::node_sessions> gate) {
  return sys.spawn(group_behavior, std::move(core), std::move(offsets), std::move(counts), std::move(gate));
}

}  // namespace fluxo::actors
