// The consumer (manual assignment): the consumer actor keeps one long-poll fetch in flight per
// assigned partition, decodes the batches into records and hands them to poll() through a
// shared buffer. Fetching pauses while the buffer holds more than max_buffered_bytes (credit)
// and resumes when poll() drains it. Seeks bump a per-partition epoch so replies to fetches
// made before the seek are dropped.
#include <condition_variable>
#include <deque>
#include <map>
#include <set>
#include <mutex>
#include <spdlog/spdlog.h>

#include "actors/client/client_core.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::client {
namespace {

using namespace fluxo::actors;

struct partition_control {
  std::optional<int64_t> seek_to;          // offset, or -1 latest / -2 earliest / timestamp
  std::optional<int64_t> seek_timestamp;
  std::optional<int64_t> consumed;         // position as seen by poll()
};

// Shared by the facade and the actor, under mtx.
struct shared_buffer {
  std::mutex mtx;
  std::condition_variable ready;
  std::deque<consumed_record> records;
  std::size_t bytes = 0;
  std::map<topic_partition, partition_control> control;  // the assignment
  uint64_t control_version = 0;
  bool wake_sent = false;
  std::string last_error;
};

struct fetch_slot {
  partition_actor handle;
  int64_t position = -1;  // next offset to fetch; -1 unknown
  uint64_t epoch = 0;
  bool in_flight = false;
  bool resolving = false;
};

struct consumer_state {
  std::shared_ptr<client_core> core;
  std::shared_ptr<shared_buffer> buffer;
  consumer_options options;
  std::map<topic_partition, fetch_slot> slots;
  std::map<std::string, std::vector<partition_actor>> routes;
  std::set<std::string> looking_up;
  uint64_t seen_version = 0;
  static inline const char* name = "fluxo.consumer";
};

using self_ptr = caf::stateful_actor<consumer_state>*;

std::size_t record_size(const consumed_record& r) {
  std::size_t n = 64 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
  for (const auto& [k, v] : r.headers) n += k.size() + v.size();
  return n;
}

void pump(self_ptr self);

void resolve_position(self_ptr self, const topic_partition& tp, int64_t spec) {
  auto& slot = self->state.slots[tp];
  slot.resolving = true;
  auto epoch = slot.epoch;
  self->request(slot.handle, self->state.core->timeout, offsets_atom::value, list_offsets_request{spec})
      .then(
          [=](const list_offsets_reply& r) {
            auto it = self->state.slots.find(tp);
            if (it == self->state.slots.end() || it->second.epoch != epoch) return;  // stale
            it->second.resolving = false;
            if (r.error_code != 0 || r.offset < 0) {
              // No record at or after that timestamp: start at the end, like Kafka.
              self->request(it->second.handle, self->state.core->timeout, offsets_atom::value, list_offsets_request{-1})
                  .then(
                      [=](const list_offsets_reply& end) {
                        auto j = self->state.slots.find(tp);
                        if (j == self->state.slots.end() || j->second.epoch != epoch) return;
                        j->second.position = end.offset;
                        pump(self);
                      },
                      [=](caf::error&) { pump(self); });
              return;
            }
            it->second.position = r.offset;
            pump(self);
          },
          [=](caf::error& err) {
            auto it = self->state.slots.find(tp);
            if (it != self->state.slots.end() && it->second.epoch == epoch) it->second.resolving = false;
            spdlog::warn("consumer: offset lookup for {}/{} failed: {}", tp.topic, tp.partition, self->system().render(err));
            self->delayed_send(self, std::chrono::milliseconds(200), wake_atom::value);
          });
}

void deliver(self_ptr self, const topic_partition& tp, const fetch_reply& reply, int64_t from) {
  std::vector<consumed_record> out;
  int64_t next = from;
  storage::batch_cursor cursor(reply.records);
  while (auto b = cursor.next()) {
    if (b->first.control()) {
      next = std::max(next, b->first.next_offset());
      continue;
    }
    auto status = storage::for_each_record(b->second, [&](const storage::record_view& r) {
      if (r.offset < from) return true;
      consumed_record cr;
      cr.topic = tp.topic;
      cr.partition = tp.partition;
      cr.offset = r.offset;
      cr.timestamp = r.timestamp;
      if (r.key) cr.key = std::string(*r.key);
      if (r.value) cr.value = std::string(*r.value);
      if (r.header_count > 0) {
        if (auto hs = storage::decode_headers(r)) {
          for (auto& h : *hs) cr.headers.emplace_back(h.key, h.value.value_or(""));
        }
      }
      out.push_back(std::move(cr));
      return true;
    });
    if (!status) {
      spdlog::error("consumer: undecodable batch in {}/{} at offset {}: {}", tp.topic, tp.partition,
                    b->first.base_offset, status.err().to_string());
    }
    next = std::max(next, b->first.next_offset());
  }
  auto& slot = self->state.slots[tp];
  slot.position = std::max(next, reply.records.empty() ? std::max(from, reply.next_offset) : next);
  if (out.empty()) return;
  auto& buf = *self->state.buffer;
  std::lock_guard<std::mutex> guard(buf.mtx);
  for (auto& r : out) {
    buf.bytes += record_size(r);
    buf.records.push_back(std::move(r));
  }
  buf.ready.notify_all();
}

void fetch(self_ptr self, const topic_partition& tp) {
  auto& st = self->state;
  auto& slot = st.slots[tp];
  if (slot.in_flight || slot.resolving || slot.position < 0) return;
  slot.in_flight = true;
  auto epoch = slot.epoch;
  auto from = slot.position;
  fetch_request req{from, st.options.fetch_max_bytes, st.options.fetch_max_wait_ms, 1};
  self->request(slot.handle, st.core->timeout + std::chrono::milliseconds(st.options.fetch_max_wait_ms),
                fetch_atom::value, req)
      .then(
          [=](const fetch_reply& reply) {
            auto it = self->state.slots.find(tp);
            if (it == self->state.slots.end()) return;
            if (it->second.epoch != epoch) {
              it->second.in_flight = false;
              pump(self);
              return;  // a seek happened meanwhile: drop this stale reply
            }
            it->second.in_flight = false;
            if (reply.error_code == code(kafka_error::offset_out_of_range)) {
              auto spec = self->state.options.auto_offset_reset == "latest" ? -1 : -2;
              spdlog::warn("consumer: offset {} out of range for {}/{}; resetting to {}", from, tp.topic,
                           tp.partition, spec == -1 ? "latest" : "earliest");
              ++it->second.epoch;
              resolve_position(self, tp, spec);
              return;
            }
            if (reply.error_code != 0) {
              spdlog::warn("consumer: fetch {}/{} failed: {}", tp.topic, tp.partition, kafka_error_name(reply.error_code));
              self->delayed_send(self, std::chrono::milliseconds(200), wake_atom::value);
              return;
            }
            deliver(self, tp, reply, from);
            pump(self);
          },
          [=](caf::error& err) {
            auto it = self->state.slots.find(tp);
            if (it != self->state.slots.end() && it->second.epoch == epoch) it->second.in_flight = false;
            spdlog::warn("consumer: fetch {}/{} got no answer: {}", tp.topic, tp.partition, self->system().render(err));
            self->delayed_send(self, std::chrono::milliseconds(200), wake_atom::value);
          });
}

// Reconciles the assignment with the facade's wishes, then keeps fetches going.
void pump(self_ptr self) {
  auto& st = self->state;
  auto& buf = *st.buffer;
  std::map<topic_partition, partition_control> wanted;
  bool over_budget = false;
  {
    std::lock_guard<std::mutex> guard(buf.mtx);
    buf.wake_sent = false;
    over_budget = buf.bytes >= st.options.max_buffered_bytes;
    if (buf.control_version != st.seen_version) {
      st.seen_version = buf.control_version;
      wanted = buf.control;
      for (auto& [tp, c] : buf.control) {
        c.seek_to.reset();
        c.seek_timestamp.reset();
      }
    } else {
      wanted.clear();
      for (auto& [tp, c] : buf.control) wanted[tp];  // same set, no seeks
    }
  }
  // Drop partitions no longer assigned.
  for (auto it = st.slots.begin(); it != st.slots.end();) {
    it = wanted.count(it->first) ? std::next(it) : st.slots.erase(it);
  }
  for (auto& [tp, c] : wanted) {
    auto rit = st.routes.find(tp.topic);
    if (rit == st.routes.end()) {
      if (st.looking_up.insert(tp.topic).second) {
        auto topic = tp.topic;
        self->request(st.core->node, st.core->timeout, lookup_atom::value, topic)
            .then(
                [=](const topic_info& info, const std::vector<partition_actor>& parts) {
                  self->state.looking_up.erase(topic);
                  if (info.error_code != 0) {
                    std::lock_guard<std::mutex> guard(self->state.buffer->mtx);
                    self->state.buffer->last_error = "topic '" + topic + "': " + std::string(kafka_error_name(info.error_code));
                    self->delayed_send(self, std::chrono::milliseconds(500), wake_atom::value);
                    return;
                  }
                  self->state.routes[topic] = parts;
                  pump(self);
                },
                [=](caf::error&) {
                  self->state.looking_up.erase(topic);
                  self->delayed_send(self, std::chrono::milliseconds(500), wake_atom::value);
                });
      }
      // Keep the seek request for when the route arrives.
      if (c.seek_to || c.seek_timestamp) {
        std::lock_guard<std::mutex> guard(buf.mtx);
        auto& ctl = buf.control[tp];
        if (!ctl.seek_to) ctl.seek_to = c.seek_to;
        if (!ctl.seek_timestamp) ctl.seek_timestamp = c.seek_timestamp;
        ++buf.control_version;
      }
      continue;
    }
    if (tp.partition < 0 || tp.partition >= static_cast<int32_t>(rit->second.size())) continue;
    auto [sit, inserted] = st.slots.try_emplace(tp);
    auto& slot = sit->second;
    if (inserted) slot.handle = rit->second[static_cast<size_t>(tp.partition)];
    if (c.seek_to || c.seek_timestamp) {
      ++slot.epoch;
      slot.in_flight = false;
      slot.position = -1;
      if (c.seek_timestamp) {
        resolve_position(self, tp, *c.seek_timestamp);
      } else if (*c.seek_to >= 0) {
        slot.position = *c.seek_to;
      } else {
        resolve_position(self, tp, *c.seek_to);
      }
    } else if (inserted) {
      resolve_position(self, tp, st.options.auto_offset_reset == "latest" ? -1 : -2);
    }
  }
  if (over_budget) return;  // resume when poll() drains the buffer
  for (auto& [tp, slot] : st.slots) fetch(self, tp);
}

caf::behavior consumer_behavior(self_ptr self, std::shared_ptr<client_core> core, std::shared_ptr<shared_buffer> buffer,
                                consumer_options options) {
  self->state.core = std::move(core);
  self->state.buffer = std::move(buffer);
  self->state.options = options;
  return {[=](wake_atom) { pump(self); }};
}

class consumer_impl final : public consumer {
 public:
  consumer_impl(std::shared_ptr<client_core> core, const consumer_options& opts)
      : core_(std::move(core)), buffer_(std::make_shared<shared_buffer>()), options_(opts) {
    actor_ = core_->sys->spawn(consumer_behavior, core_, buffer_, opts);
  }
  ~consumer_impl() override { caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown); }

  void wake_locked() {
    if (!buffer_->wake_sent) {
      buffer_->wake_sent = true;
      caf::anon_send(actor_, wake_atom::value);
    }
  }

  status assign(const std::vector<topic_partition>& partitions) override {
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    std::map<topic_partition, partition_control> next;
    for (const auto& tp : partitions) {
      auto it = buffer_->control.find(tp);
      next[tp] = it != buffer_->control.end() ? it->second : partition_control{};
    }
    buffer_->control = std::move(next);
    std::erase_if(buffer_->records, [&](const consumed_record& r) {
      return buffer_->control.count({r.topic, r.partition}) == 0;
    });
    ++buffer_->control_version;
    wake_locked();
    return status::success();
  }

  std::vector<topic_partition> assignment() const override {
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    std::vector<topic_partition> out;
    for (const auto& [tp, c] : buffer_->control) out.push_back(tp);
    return out;
  }

  std::vector<consumed_record> poll(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(buffer_->mtx);
    buffer_->ready.wait_for(lock, timeout, [&] { return !buffer_->records.empty(); });
    std::vector<consumed_record> out;
    bool was_over = buffer_->bytes >= options_.max_buffered_bytes;
    while (!buffer_->records.empty() && out.size() < options_.max_poll_records) {
      auto& r = buffer_->records.front();
      buffer_->bytes -= std::min(buffer_->bytes, record_size(r));
      auto ctl = buffer_->control.find({r.topic, r.partition});
      if (ctl != buffer_->control.end()) {
        ctl->second.consumed = r.offset + 1;
        out.push_back(std::move(r));
      }
      buffer_->records.pop_front();
    }
    if (was_over && buffer_->bytes < options_.max_buffered_bytes) wake_locked();
    return out;
  }

  status set_seek(const topic_partition& tp, std::optional<int64_t> offset, std::optional<int64_t> ts) {
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    auto it = buffer_->control.find(tp);
    if (it == buffer_->control.end()) {
      return status{code(kafka_error::unknown_topic_or_partition), tp.topic + "/" + std::to_string(tp.partition) + " is not assigned"};
    }
    it->second.seek_to = offset;
    it->second.seek_timestamp = ts;
    it->second.consumed = (offset && *offset >= 0) ? offset : std::nullopt;
    std::erase_if(buffer_->records, [&](const consumed_record& r) { return r.topic == tp.topic && r.partition == tp.partition; });
    ++buffer_->control_version;
    wake_locked();
    return status::success();
  }

  status seek(const topic_partition& tp, int64_t offset) override {
    if (offset < 0) return status{code(kafka_error::offset_out_of_range), "offset must be >= 0"};
    return set_seek(tp, offset, std::nullopt);
  }
  status seek_to_beginning(const topic_partition& tp) override { return set_seek(tp, -2, std::nullopt); }
  status seek_to_end(const topic_partition& tp) override { return set_seek(tp, -1, std::nullopt); }
  status seek_to_timestamp(const topic_partition& tp, int64_t ts) override { return set_seek(tp, std::nullopt, ts); }
  std::optional<int64_t> position(const topic_partition& tp) const override {
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    auto it = buffer_->control.find(tp);
    if (it == buffer_->control.end()) return std::nullopt;
    return it->second.consumed;
  }

 private:
  std::shared_ptr<client_core> core_;
  std::shared_ptr<shared_buffer> buffer_;
  consumer_options options_;
  caf::actor actor_;
};

}  // namespace

std::unique_ptr<consumer> make_consumer_impl(std::shared_ptr<client_core> core, const consumer_options& opts) {
  return std::make_unique<consumer_impl>(std::move(core), opts);
}

}  // namespace fluxo::client
