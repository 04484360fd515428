// Behavior of the partition actor: unpack, call partition_state, reply. Long-poll fetches and
// acks=all appends are parked as response promises keyed by token.
#include "actors/broker/partition_actor.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <spdlog/spdlog.h>
#include <unordered_map>

#include "actors/broker/broker_metrics.hpp"
#include "actors/broker/flush_task.hpp"
#include "actors/partition/partition_state.hpp"

namespace fluxo::actors {
namespace {

struct partition_actor_state {
  std::shared_ptr<partition_state> core;
  flusher_actor flusher;
  uint64_t next_token = 1;
  std::unordered_map<uint64_t, caf::typed_response_promise<fetch_reply>> fetches;
  struct pending_ack {
    caf::typed_response_promise<produce_reply> promise;
    produce_reply reply;
  };
  std::unordered_map<uint64_t, pending_ack> acks;
  int64_t tick_ms = 1000;
  metrics::counter* records_in = nullptr;
  metrics::counter* bytes_in = nullptr;
  metrics::counter* bytes_out = nullptr;
  static inline const char* name = "fluxo.partition";
};

using self_ptr = partition_actor::stateful_pointer<partition_actor_state>;

// The actor clock (steady; a test clock under CAF's test coordinator): fetch deadlines and
// flush intervals are relative, so they follow it and tests can drive time.
int64_t now_ms(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(self->clock().now().time_since_epoch()).count();
}

fetch_reply counted(self_ptr self, fetch_reply reply) {
  self->state.bytes_out->inc(reply.records.size());
  return reply;
}

void answer_ready_fetches(self_ptr self) {
  auto& st = self->state;
  if (st.fetches.empty()) return;
  for (auto token : st.core->take_ready_fetches(now_ms(self))) {
    auto req = st.core->unpark(token);
    auto it = st.fetches.find(token);
    if (!req || it == st.fetches.end()) continue;
    it->second.deliver(counted(self, st.core->read(*req)));
    st.fetches.erase(it);
  }
}

void maybe_flush(self_ptr self) {
  auto& st = self->state;
  if (auto job = st.core->start_flush_if_due(now_ms(self))) {
    auto task = std::make_shared<flush_task>(flush_task{std::move(*job), storage::success()});
    self->send(st.flusher, flush_atom::value, task, caf::actor_cast<flush_listener>(self));
  }
}

void deliver_durable_acks(self_ptr self, bool flush_failed) {
  auto& st = self->state;
  for (auto token : st.core->take_durable_acks()) {
    auto it = st.acks.find(token);
    if (it == st.acks.end()) continue;
    it->second.promise.deliver(it->second.reply);
    st.acks.erase(it);
  }
  if (flush_failed) {
    // The disk refused the fsync: fail what waits for durability rather than hang.
    for (auto& [token, pending] : st.acks) {
      auto reply = pending.reply;
      reply.error_code = code(kafka_error::kafka_storage_error);
      reply.error_message = "fsync failed; the record is not known to be durable";
      pending.promise.deliver(reply);
    }
    st.acks.clear();
  }
}

partition_actor::behavior_type partition_behavior(self_ptr self, std::shared_ptr<partition_state> core,
                                                  flusher_actor flusher, int64_t tick_ms) {
  self->state.core = std::move(core);
  self->state.flusher = std::move(flusher);
  self->state.tick_ms = tick_ms;
  auto& m = metrics_of_broker();
  const auto& id = self->state.core->id();
  self->state.records_in = &m.records_in.with({id.topic, std::to_string(id.partition)});
  self->state.bytes_in = &m.bytes_in.with({id.topic});
  self->state.bytes_out = &m.bytes_out.with({id.topic});
  static auto& produce_requests = m.partition_requests.with({"produce"});
  static auto& fetch_requests = m.partition_requests.with({"fetch"});
  static auto& offset_requests = m.partition_requests.with({"list_offsets"});
  self->delayed_send(self, std::chrono::milliseconds(tick_ms), tick_atom::value);
  return {
    [=](produce_atom, produce_request& req) -> caf::result<produce_reply> {
      auto& st = self->state;
      produce_requests.inc();
      const auto bytes = req.batches.size();
      auto out = st.core->append(req.batches, req.acks, now_ms(self));
      if (out.reply.error_code == 0) {
        st.records_in->inc(static_cast<uint64_t>(out.reply.last_offset - out.reply.base_offset + 1));
        st.bytes_in->inc(bytes);
        answer_ready_fetches(self);
      }
      if (out.wait_for_flush && out.reply.error_code == 0) {
        auto token = st.next_token++;
        auto promise = self->make_response_promise<produce_reply>();
        st.acks.emplace(token, partition_actor_state::pending_ack{promise, out.reply});
        st.core->await_durable(token, out.reply.last_offset);
        maybe_flush(self);
        return promise;
      }
      maybe_flush(self);
      return out.reply;
    },
    [=](fetch_atom, const fetch_request& req) -> caf::result<fetch_reply> {
      auto& st = self->state;
      fetch_requests.inc();
      if (st.core->can_answer(req)) return counted(self, st.core->read(req));
      auto token = st.next_token++;
      st.core->park(token, req, now_ms(self));
      // Data may already satisfy min_bytes.
      auto promise = self->make_response_promise<fetch_reply>();
      st.fetches.emplace(token, promise);
      answer_ready_fetches(self);
      if (st.fetches.count(token) != 0) {
        self->delayed_send(self, std::chrono::milliseconds(std::max(req.max_wait_ms, 0)), wake_atom::value);
      }
      return promise;
    },
    [=](offsets_atom, const list_offsets_request& req) {
      offset_requests.inc();
      return self->state.core->list_offsets(req.timestamp);
    },
    [=](info_atom) {
      auto info = self->state.core->info();
      info.mailbox_depth = static_cast<int64_t>(self->mailbox().size());
      return info;
    },
    [=](alter_atom, const topic_config& cfg) {
      self->state.core->update_config(cfg);
      return true;
    },
    [=](close_atom) {
      auto& st = self->state;
      for (auto& [token, promise] : st.fetches) {
        if (auto req = st.core->unpark(token)) promise.deliver(counted(self, st.core->read(*req)));
      }
      st.fetches.clear();
      bool ok = true;
      if (auto r = st.core->close(); !r) {
        spdlog::error("[{}] close failed: {}", st.core->id().to_string(), r.err().to_string());
        ok = false;
      }
      // Closing flushed everything: acks waiting for durability can be answered.
      for (auto& [token, pending] : st.acks) pending.promise.deliver(pending.reply);
      st.acks.clear();
      self->quit();
      return ok;
    },
    [=](tick_atom) {
      auto& st = self->state;
      st.core->housekeeping();
      maybe_flush(self);
      answer_ready_fetches(self);
      self->delayed_send(self, std::chrono::milliseconds(st.tick_ms), tick_atom::value);
    },
    [=](wake_atom) { answer_ready_fetches(self); },
    [=](flushed_atom, std::shared_ptr<flush_task> task) {
      auto& st = self->state;
      bool failed = !task->outcome;
      st.core->finish_flush(task->job, std::move(task->outcome));
      deliver_durable_acks(self, failed);
      maybe_flush(self);  // group commit: the next job covers everything appended meanwhile
    },
  };
}

}  // namespace

partition_actor spawn_partition(caf::actor_system& sys, std::shared_ptr<partition_state> core,
                                flusher_actor flusher, int64_t tick_ms) {
  return sys.spawn(partition_behavior, std::move(core), std::move(flusher), tick_ms);
}

}  // namespace fluxo::actors
