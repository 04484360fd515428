// Behavior of the partition actor: unpack, call partition_state, reply. Long-poll fetches
// (consumers' and followers'), and acks=all appends are parked as response promises keyed by
// token; after anything that can move a watermark, settle() answers what became ready. As a
// follower the actor runs one fetch at a time against the leader's partition actor.
#include "actors/broker/partition_actor.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <spdlog/spdlog.h>
#include <unordered_map>

#include "actors/broker/broker_metrics.hpp"
#include "actors/broker/flush_task.hpp"
#include "actors/broker/node_gate.hpp"
#include "actors/partition/partition_state.hpp"

namespace fluxo::actors {
namespace {

struct partition_actor_state {
  std::shared_ptr<partition_state> core;
  flusher_actor flusher;
  replica_node node;
  partition_settings settings;
  uint64_t next_token = 1;
  std::unordered_map<uint64_t, caf::typed_response_promise<fetch_reply>> fetches;
  std::unordered_map<uint64_t, caf::typed_response_promise<replica_fetch_reply>> replica_fetches;
  struct pending_ack {
    caf::typed_response_promise<produce_reply> promise;
    produce_reply reply;
  };
  std::unordered_map<uint64_t, pending_ack> acks;
  // Follower: the leader to fetch from, the fetch session (bumped by every role change, so
  // answers and retries of an older session are dropped), one fetch in flight at a time.
  replica_source leader;
  uint64_t session = 0;
  bool fetch_in_flight = false;
  uint64_t fetch_session = 0;  // the session of the fetch in flight: one to a leader of an older
                               // term does not hold back fetching from the new one
  bool fetch_after_flush = false;
  int64_t last_error_log_ms = -1'000'000;
  bool isr_timer = false;
  metrics::counter* records_in = nullptr;
  metrics::counter* bytes_in = nullptr;
  metrics::counter* bytes_out = nullptr;
  static inline const char* name = "fluxo.partition";
};

using self_ptr = partition_actor::stateful_pointer<partition_actor_state>;

// The actor clock (steady; a test clock under CAF's test coordinator): deadlines and flush
// intervals are relative, so they follow it and tests can drive time.
int64_t now_ms(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(self->clock().now().time_since_epoch()).count();
}

fetch_reply counted(self_ptr self, fetch_reply reply) {
  self->state.bytes_out->inc(reply.records.size());
  return reply;
}

void maybe_flush(self_ptr self) {
  auto& st = self->state;
  if (auto job = st.core->start_flush_if_due(now_ms(self))) {
    auto task = std::make_shared<flush_task>(flush_task{std::move(*job), storage::success()});
    self->send(st.flusher, flush_atom::value, task, caf::actor_cast<flush_listener>(self));
  }
}

void wake_at(self_ptr self, std::optional<int64_t> deadline) {
  if (!deadline) return;
  auto delay = std::max<int64_t>(*deadline - now_ms(self), 0);
  self->delayed_send(self, std::chrono::milliseconds(delay), wake_atom::value);
}

void propose_isr(self_ptr self) {
  auto& st = self->state;
  if (!st.node) return;
  if (auto proposal = st.core->wanted_isr(now_ms(self))) {
    spdlog::info("[{} epoch {}] proposing ISR of {} replicas (was {})", st.core->id().to_string(),
                 proposal->leader_epoch, proposal->isr.size(), st.core->info().isr.size());
    self->send(st.node, isr_atom::value, std::move(*proposal));
  }
}

// Answers everything that became ready: acks, consumer fetches, parked follower fetches.
void settle(self_ptr self) {
  auto& st = self->state;
  const auto now = now_ms(self);
  for (const auto& done : st.core->take_acks(now)) {
    auto it = st.acks.find(done.token);
    if (it == st.acks.end()) continue;
    auto reply = it->second.reply;
    if (done.error != kafka_error::none) {
      reply.error_code = code(done.error);
      reply.error_message = std::string(to_string(done.error)) + " for " + st.core->id().to_string();
    }
    it->second.promise.deliver(reply);
    st.acks.erase(it);
  }
  if (!st.fetches.empty()) {
    for (auto token : st.core->take_ready_fetches(now)) {
      auto req = st.core->unpark(token);
      auto it = st.fetches.find(token);
      if (!req || it == st.fetches.end()) continue;
      it->second.deliver(counted(self, st.core->read(*req)));
      st.fetches.erase(it);
    }
  }
  if (!st.replica_fetches.empty()) {
    for (auto token : st.core->take_ready_replica_fetches(now)) {
      auto it = st.replica_fetches.find(token);
      auto reply = st.core->answer_parked_replica(token, now);
      if (!reply || it == st.replica_fetches.end()) continue;
      it->second.deliver(std::move(*reply));
      st.replica_fetches.erase(it);
    }
  }
}

// ---- follower: one fetch at a time from the leader ------------------------------------------

void pull(self_ptr self);

void pull_later(self_ptr self, int64_t ms) {
  self->delayed_send(self, std::chrono::milliseconds(ms), pull_atom::value, self->state.session);
}

void on_fetch_failed(self_ptr self, const std::string& why, int64_t retry_ms) {
  auto& st = self->state;
  const auto now = now_ms(self);
  if (now - st.last_error_log_ms >= 5000) {
    st.last_error_log_ms = now;
    spdlog::warn("[{} epoch {}] fetch from leader {} failed: {} (retrying)", st.core->id().to_string(),
                 st.core->leader_epoch(), st.core->role_info().leader, why);
  }
  pull_later(self, retry_ms);
}

// A fetch of an earlier term answered (or failed, e.g. its leader died and the request timed
// out): it no longer counts as the one in flight unless nothing newer was sent.
void stale_fetch_done(self_ptr self, uint64_t session) {
  auto& s = self->state;
  if (s.fetch_session == session) s.fetch_in_flight = false;
  pull(self);
}

void pull(self_ptr self) {
  auto& st = self->state;
  if (st.core->role() != replica_role::follower || !st.leader || st.fetch_after_flush) return;
  if (st.fetch_in_flight && st.fetch_session == st.session) return;
  auto req = st.core->next_replica_fetch(st.settings.replica_fetch_max_bytes, st.settings.replica_fetch_wait_ms);
  const auto session = st.session;
  st.fetch_in_flight = true;
  st.fetch_session = session;
  self->request(st.leader, std::chrono::milliseconds(req.max_wait_ms + 5000), replicate_atom::value, std::move(req))
      .then(
          [=](replica_fetch_reply& reply) {
            auto& s = self->state;
            if (session != s.session) return stale_fetch_done(self, session);  // a new role meanwhile
            s.fetch_in_flight = false;
            const auto bytes = reply.records.size();
            auto step = s.core->apply_replica_fetch(reply);
            if (step.error == kafka_error::replica_not_available && s.node) {
              self->send(s.node, leader_lost_atom::value, s.core->id().topic, s.core->id().partition);
            }
            if (step.error != kafka_error::none) {
              // The leader moved on (or not yet): the node hands us the new role soon.
              return on_fetch_failed(self, std::string(to_string(step.error)), 100);
            }
            if (bytes > 0) s.bytes_in->inc(bytes);
            if (step.flush_wanted) {
              s.fetch_after_flush = true;
              maybe_flush(self);
              if (!s.core->flush_in_flight()) s.fetch_after_flush = false;  // nothing to flush after all
              if (s.fetch_after_flush) return;
            }
            pull(self);
          },
          [=](caf::error& err) {
            auto& s = self->state;
            if (session != s.session) return stale_fetch_done(self, session);
            s.fetch_in_flight = false;
            // The leader's actor does not answer (its node died or restarted): the node looks
            // it up again, and the metadata store soon names a new leader if it is gone.
            if (s.node) self->send(s.node, leader_lost_atom::value, s.core->id().topic, s.core->id().partition);
            on_fetch_failed(self, self->system().render(err), 250);
          });
}

void schedule_isr_check(self_ptr self) {
  auto& st = self->state;
  if (st.isr_timer || st.core->role() != replica_role::leader || st.core->role_info().replicas.size() <= 1) return;
  st.isr_timer = true;
  self->delayed_send(self, std::chrono::milliseconds(std::min<int64_t>(500, st.settings.replica_lag_max_ms / 2 + 1)),
                     isr_atom::value);
}

partition_actor::behavior_type partition_behavior(self_ptr self, std::shared_ptr<partition_state> core,
                                                  flusher_actor flusher, partition_settings settings, replica_node node) {
  auto& st = self->state;
  st.core = std::move(core);
  st.flusher = std::move(flusher);
  st.settings = settings;
  st.node = std::move(node);
  st.core->set_replica_lag_max_ms(settings.replica_lag_max_ms);
  auto& m = metrics_of_broker();
  const auto& id = st.core->id();
  st.records_in = &m.records_in.with({id.topic, std::to_string(id.partition)});
  st.bytes_in = &m.bytes_in.with({id.topic});
  st.bytes_out = &m.bytes_out.with({id.topic});
  static auto& produce_requests = m.partition_requests.with({"produce"});
  static auto& fetch_requests = m.partition_requests.with({"fetch"});
  static auto& offset_requests = m.partition_requests.with({"list_offsets"});
  static auto& replica_requests = m.partition_requests.with({"replica_fetch"});
  self->delayed_send(self, std::chrono::milliseconds(settings.tick_ms), tick_atom::value);
  // Requests from other nodes (node_gate.hpp): clients WRITE, READ or DESCRIBE the topic;
  // everything else is between the nodes of the cluster.
  using op = security::acl_operation;
  const auto refused = [=](op operation) { return check_topic(self->state.settings.gate, self, operation, id.topic); };
  const auto internal = [=] { return node_internal(self->state.settings.gate, self); };
  if (settings.gate && settings.gate->required()) guard_system_messages(self, [] { return true; });
  return {
    [=](produce_atom, produce_request& req) -> caf::result<produce_reply> {
      auto& s = self->state;
      produce_requests.inc();
      if (auto r = refused(op::write)) {
        produce_reply out;
        out.error_code = code(r->error);
        out.error_message = r->message;
        return out;
      }
      const auto bytes = req.batches.size();
      const auto now = now_ms(self);
      if (s.settings.may_lead && s.core->role() == replica_role::leader &&
          !s.settings.may_lead(s.core->role_info().session)) {
        // The node's cluster session may have expired: another node may lead by now.
        produce_reply stale;
        stale.error_code = code(kafka_error::not_leader_or_follower);
        stale.error_message = "this node's cluster session may have expired; it does not accept writes until renewed";
        return stale;
      }
      auto out = s.core->append(req.batches, req.acks, now);
      if (out.reply.error_code != 0) return out.reply;
      if (out.reply.last_offset >= out.reply.base_offset) {
        s.records_in->inc(static_cast<uint64_t>(out.reply.last_offset - out.reply.base_offset + 1));
      }
      s.bytes_in->inc(bytes);
      caf::result<produce_reply> result = out.reply;
      if (out.wait_for_ack) {
        auto token = s.next_token++;
        auto promise = self->make_response_promise<produce_reply>();
        s.acks.emplace(token, partition_actor_state::pending_ack{promise, out.reply});
        const auto deadline = now + std::max(req.timeout_ms, 1);
        s.core->await_ack(token, out.reply.last_offset, deadline);
        wake_at(self, deadline);
        result = promise;
      }
      maybe_flush(self);
      settle(self);
      return result;
    },
    [=](fetch_atom, const fetch_request& req) -> caf::result<fetch_reply> {
      auto& s = self->state;
      fetch_requests.inc();
      if (auto r = refused(op::read)) {
        fetch_reply out;
        out.error_code = code(r->error);
        return out;
      }
      if (s.core->can_answer(req)) return counted(self, s.core->read(req));
      auto token = s.next_token++;
      s.core->park(token, req, now_ms(self));
      auto promise = self->make_response_promise<fetch_reply>();
      s.fetches.emplace(token, promise);
      settle(self);  // data may already satisfy min_bytes
      if (s.fetches.count(token) != 0) {
        self->delayed_send(self, std::chrono::milliseconds(std::max(req.max_wait_ms, 0)), wake_atom::value);
      }
      return promise;
    },
    [=](replicate_atom, const replica_fetch_request& req) -> caf::result<replica_fetch_reply> {
      auto& s = self->state;
      replica_requests.inc();
      if (!internal()) {
        replica_fetch_reply out;
        out.error_code = code(kafka_error::cluster_authorization_failed);
        return out;
      }
      auto reply = s.core->replica_fetch(req, now_ms(self));
      settle(self);  // the follower's progress may have moved the watermarks
      propose_isr(self);
      if (reply) {
        s.bytes_out->inc(reply->records.size());
        return std::move(*reply);
      }
      auto token = s.next_token++;
      s.core->park_replica(token, req, now_ms(self));
      auto promise = self->make_response_promise<replica_fetch_reply>();
      s.replica_fetches.emplace(token, promise);
      self->delayed_send(self, std::chrono::milliseconds(std::max(req.max_wait_ms, 0)), wake_atom::value);
      return promise;
    },
    [=](role_atom, const partition_role& role, replica_source leader) {
      if (!internal()) return;
      auto& s = self->state;
      const auto before = s.core->role_info();
      s.core->set_role(role, now_ms(self));
      const bool new_term = before.leader != role.leader || before.leader_epoch != role.leader_epoch;
      if (new_term || s.leader != leader) {
        ++s.session;
        s.fetch_after_flush = false;
      }
      s.leader = std::move(leader);
      settle(self);
      if (s.core->role() == replica_role::follower) pull(self);
      schedule_isr_check(self);
    },
    [=](isr_atom, const isr_outcome& outcome) {
      if (!internal()) return;
      auto& s = self->state;
      const auto before = s.core->info().isr.size();
      s.core->isr_result(outcome, now_ms(self));
      if (outcome.applied) {
        auto& bm = metrics_of_broker();
        (outcome.isr.size() < before ? bm.isr_shrinks : bm.isr_expands).inc();
      }
      settle(self);
    },
    [=](scan_atom, int64_t offset) {
      fetch_reply out;
      if (auto r = refused(op::read)) {
        out.error_code = code(r->error);
        return out;
      }
      auto& log = self->state.core->log();
      out.high_watermark = self->state.core->high_watermark();
      out.log_start_offset = log.log_start_offset();
      out.next_offset = std::max(offset, log.log_start_offset());
      if (out.next_offset >= log.log_end_offset()) return out;
      auto got = log.read(out.next_offset, 4 << 20);
      if (!got) {
        out.error_code = code(to_kafka_error(got.err()));
        return out;
      }
      out.records = std::move(got->bytes);
      out.next_offset = got->next_offset;
      return out;
    },
    [=](offsets_atom, const list_offsets_request& req) {
      offset_requests.inc();
      if (auto r = refused(op::describe)) {
        list_offsets_reply out;
        out.error_code = code(r->error);
        return out;
      }
      return self->state.core->list_offsets(req.timestamp);
    },
    [=](info_atom) -> caf::result<partition_info> {
      if (auto r = refused(op::describe)) return refusal_error(*r);
      auto info = self->state.core->info();
      // The messages already taken from the inbox (queue().total_task_size()), not
      // mailbox().size(): that one moves the inbox into the queue the scheduler is iterating
      // right now (and trips UBSan inside CAF's inline queue code).
      info.mailbox_depth = static_cast<int64_t>(self->mailbox().queue().total_task_size());
      return info;
    },
    [=](alter_atom, const topic_config& cfg) {
      if (!internal()) return false;
      self->state.core->update_config(cfg);
      return true;
    },
    [=](close_atom) {
      if (!internal()) return false;
      auto& s = self->state;
      for (auto& [token, promise] : s.fetches) {
        if (auto req = s.core->unpark(token)) promise.deliver(counted(self, s.core->read(*req)));
      }
      s.fetches.clear();
      for (auto& [token, promise] : s.replica_fetches) {
        replica_fetch_reply r;
        r.error_code = code(kafka_error::not_leader_or_follower);
        promise.deliver(r);
      }
      s.replica_fetches.clear();
      // Closing flushes this replica. That is all acks=all asks when it is the only in-sync
      // replica; otherwise the others may not have the records: the producer retries.
      const bool alone = s.core->info().isr.size() <= 1;
      bool ok = true;
      if (auto r = s.core->close(); !r) {
        spdlog::error("[{}] close failed: {}", s.core->id().to_string(), r.err().to_string());
        ok = false;
      }
      for (auto& [token, pending] : s.acks) {
        auto reply = pending.reply;
        if (!alone || !ok) {
          reply.error_code = code(kafka_error::not_leader_or_follower);
          reply.error_message = "the broker is shutting down";
        }
        pending.promise.deliver(reply);
      }
      s.acks.clear();
      self->quit();
      return ok;
    },
    [=](tick_atom) {
      if (!internal()) return;
      auto& s = self->state;
      s.core->housekeeping(now_ms(self));
      maybe_flush(self);
      settle(self);
      propose_isr(self);
      self->delayed_send(self, std::chrono::milliseconds(s.settings.tick_ms), tick_atom::value);
    },
    [=](wake_atom) { settle(self); },
    [=](isr_atom) {
      if (!internal()) return;
      self->state.isr_timer = false;
      propose_isr(self);
      settle(self);
      schedule_isr_check(self);
    },
    [=](pull_atom, uint64_t session) {
      if (!internal()) return;
      if (session == self->state.session) pull(self);
    },
    [=](flushed_atom, std::shared_ptr<flush_task> task) {
      auto& s = self->state;
      s.core->finish_flush(task->job, std::move(task->outcome));
      settle(self);
      maybe_flush(self);  // group commit: the next job covers everything appended meanwhile
      if (s.fetch_after_flush && !s.core->flush_in_flight()) {
        s.fetch_after_flush = false;
        pull(self);
      }
    },
  };
}

}  // namespace

partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, partition_settings settings, replica_node node) {
  return sys.spawn(partition_behavior, std::move(core), std::move(flusher), std::move(settings), std::move(node));
}

partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, int64_t tick_ms) {
  partition_settings settings;
  settings.tick_ms = tick_ms;
  return spawn_partition(sys, std::move(core), std::move(flusher), settings, replica_node{});
}

}  // namespace fluxo::actors
