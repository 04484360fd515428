// The consumer. With assign() it reads the given partitions; with subscribe() it is a member of
// a consumer group: it finds the group's coordinator, joins (protocol type "fluxo": the broker
// assigns partitions), syncs, heartbeats on its own timer (apart from poll(), so a slow handler
// does not cost the membership), resumes each new partition at its committed offset, and
// commits consumed positions (auto / sync / async). Replies from an older membership epoch are
// dropped with a log line.
//
// Rebalances go through poll(), as in Kafka's consumer: when the coordinator asks the member to
// rejoin, the actor only flags it (and keeps heartbeating); the application's next poll()
// commits (auto-commit), runs the revoked callback with the whole assignment while the member
// still owns it, drops the assignment, and only then does the actor send JoinGroup. So a batch
// the application is still processing never overlaps with another member processing the same
// partitions — unless it takes longer than rebalance_timeout_ms, after which the coordinator
// goes on without this member.
//
// Fetching: the consumer actor keeps one long-poll fetch in flight per
// assigned partition, decodes the batches into records and hands them to poll() through a
// shared buffer. Fetching pauses while the buffer holds more than max_buffered_bytes (credit)
// and resumes when poll() drains it. Seeks bump a per-partition epoch so replies to fetches
// made before the seek are dropped.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <set>
#include <mutex>
#include <spdlog/spdlog.h>

#include "actors/broker/node_gate.hpp"
#include "actors/client/client_core.hpp"
#include "actors/client/routing.hpp"
#include "actors/client/record_decode.hpp"
#include "actors/group/consumer_protocol.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::client {
namespace {

using namespace fluxo::actors;

struct partition_control {
  std::optional<int64_t> seek_to;          // offset, or -1 latest / -2 earliest / timestamp
  std::optional<int64_t> seek_timestamp;
  std::optional<int64_t> consumed;         // position as seen by poll()
  bool pending_position = false;           // group member: wait for the committed offset
  bool paused = false;                     // no fetches; poll() holds back its buffered records
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
  status fatal;  // set once: the broker refused the consumer (see fatal_error)
  bool fatal_reported = false;  // poll() woke up for it once
  // Group membership (written by the actor, read by the facade).
  std::vector<std::string> subscription;
  bool subscription_changed = false;
  std::optional<group_actor> coordinator;
  std::string member_id;
  int32_t generation = -1;
  std::deque<std::pair<bool, std::vector<topic_partition>>> rebalance_events;  // (assigned?, partitions)
  bool rejoin_needed = false;  // the actor waits for poll() to give the assignment up, then rejoins
  bool still_member = false;   // ... and this member's generation is still valid (keep positions)
  // Positions of the partitions given up while still a member: a partition the member gets back
  // continues there (nobody else can have consumed it in between), not at its last commit.
  std::map<topic_partition, int64_t> resume_at;
  bool closing = false;
};

struct fetch_slot {
  partition_actor handle;
  int64_t position = -1;  // next offset to fetch; -1 unknown
  uint64_t epoch = 0;
  bool in_flight = false;
  bool resolving = false;
  std::optional<int64_t> unresolved;  // the position wanted (-1 latest, -2 earliest, timestamp) until found
};

struct consumer_state {
  std::shared_ptr<client_core> core;
  std::shared_ptr<shared_buffer> buffer;
  consumer_options options;
  std::map<topic_partition, fetch_slot> slots;
  std::map<std::string, std::vector<partition_actor>> routes;
  std::set<std::string> looking_up;
  std::set<caf::actor_addr> watched;  // leaders monitored (see watch_leader)
  uint64_t seen_version = 0;
  // Group membership.
  // awaiting_poll: the coordinator wants a rejoin; poll() has to give the assignment up first.
  enum class phase { none, finding, joining, syncing, stable, awaiting_poll } phase = phase::none;
  uint64_t membership_epoch = 0;  // bumped on every (re)join; older replies are stale
  std::optional<group_actor> coordinator;
  std::string member_id;
  int32_t generation = -1;
  std::vector<std::string> topics;
  bool heartbeat_armed = false;
  bool auto_commit_armed = false;
  static inline const char* name = "fluxo.consumer";
};

using self_ptr = caf::stateful_actor<consumer_state>*;

std::size_t record_size(const consumed_record& r) {
  std::size_t n = 64 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
  for (const auto& [k, v] : r.headers) n += k.size() + v.size();
  return n;
}

void pump(self_ptr self);

// A refusal that retrying cannot cure (not logged in, not authorized) stops the consumer: it is
// kept for fatal_error() and wakes poll(). False for any other error.
bool refused_for_good(self_ptr self, const status& st) {
  switch (static_cast<kafka_error>(st.code)) {
    case kafka_error::topic_authorization_failed:
    case kafka_error::group_authorization_failed:
    case kafka_error::cluster_authorization_failed:
    case kafka_error::sasl_authentication_failed:
      break;
    default:
      return false;
  }
  auto& buf = *self->state.buffer;
  {
    std::lock_guard<std::mutex> lock(buf.mtx);
    if (buf.fatal.ok()) {
      spdlog::error("consumer: {}", st.message);
      buf.fatal = st;
    }
  }
  buf.ready.notify_all();
  return true;
}

void forget_route(self_ptr self, const std::string& topic);

// A leader's node went away: what was asked of it is dropped (a newer epoch) and asked again of
// the next leader, from the same position.
void on_leader_down(self_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  leader_gone(*st.core, st.watched, dm);
  std::set<std::string> topics;
  for (auto& [tp, slot] : st.slots) {
    if (!slot.handle || caf::actor_cast<caf::actor_addr>(slot.handle) != dm.source) continue;
    slot.handle = partition_actor{};
    if (slot.in_flight || slot.resolving) {
      ++slot.epoch;
      slot.in_flight = false;
      slot.resolving = false;
    }
    topics.insert(tp.topic);
  }
  for (const auto& topic : topics) {
    spdlog::warn("consumer: a leader of {} went away; looking for the next one", topic);
    forget_route(self, topic);
  }
}

// Looks up where to start fetching. A lookup that fails (the leader moved, or a new leader's
// high watermark has not caught up yet: OFFSET_NOT_AVAILABLE) is tried again by fetch() once
// the route is known again; a timestamp with no record at or after it starts at the end.
void resolve_position(self_ptr self, const topic_partition& tp, int64_t spec) {
  auto& slot = self->state.slots[tp];
  slot.resolving = true;
  slot.unresolved = spec;
  auto epoch = slot.epoch;
  watch_leader(self, self->state.watched, slot.handle);
  auto retry_later = [=](const std::string& why, bool moved) {
    auto it = self->state.slots.find(tp);
    if (it == self->state.slots.end() || it->second.epoch != epoch) return;
    it->second.resolving = false;
    spdlog::debug("consumer: offset lookup for {}/{} failed ({}); trying again", tp.topic, tp.partition, why);
    if (moved) return forget_route(self, tp.topic);
    self->delayed_send(self, std::chrono::milliseconds(200), wake_atom::value);
  };
  self->request(slot.handle, self->state.core->timeout, offsets_atom::value, list_offsets_request{spec})
      .then(
          [=](const list_offsets_reply& r) {
            auto it = self->state.slots.find(tp);
            if (it == self->state.slots.end() || it->second.epoch != epoch) return;  // stale
            if (r.error_code != 0) {
              return retry_later(std::string(kafka_error_name(r.error_code)),
                                 r.error_code == code(kafka_error::not_leader_or_follower));
            }
            if (r.offset < 0) {
              // No record at or after that timestamp: start at the end, like Kafka.
              it->second.resolving = false;
              return resolve_position(self, tp, -1);
            }
            it->second.resolving = false;
            it->second.unresolved.reset();
            it->second.position = r.offset;
            pump(self);
          },
          [=](caf::error& err) { retry_later(self->system().render(err), true); });
}

void deliver(self_ptr self, const topic_partition& tp, const fetch_reply& reply, int64_t from) {
  std::vector<consumed_record> out;
  int64_t next = decode_fetched(tp, reply.records, from, out);
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

// The partition's leader moved (or its node is gone): resolve the topic again soon.
void forget_route(self_ptr self, const std::string& topic) {
  self->state.routes.erase(topic);
  self->delayed_send(self, std::chrono::milliseconds(200), wake_atom::value);
}

void fetch(self_ptr self, const topic_partition& tp) {
  auto& st = self->state;
  auto& slot = st.slots[tp];
  if (slot.in_flight || slot.resolving) return;
  if (!slot.handle) {
    if (st.routes.count(tp.topic)) forget_route(self, tp.topic);
    return;
  }
  if (slot.position < 0) {
    if (slot.unresolved) resolve_position(self, tp, *slot.unresolved);
    return;
  }
  slot.in_flight = true;
  auto epoch = slot.epoch;
  auto from = slot.position;
  fetch_request req{from, st.options.fetch_max_bytes, st.options.fetch_max_wait_ms, 1};
  watch_leader(self, self->state.watched, slot.handle);
  self->request(slot.handle, st.core->timeout + std::chrono::milliseconds(st.options.fetch_max_wait_ms),
                fetch_atom::value, req)
      .then(
          [=](const fetch_reply& reply) {
            auto it = self->state.slots.find(tp);
            if (it == self->state.slots.end()) return;
            if (it->second.epoch != epoch) {
              // A seek happened meanwhile: drop this stale reply. (The seek cleared in_flight,
              // and a fetch of the new epoch may be in flight now: leave it alone.)
              pump(self);
              return;
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
              if (refused_for_good(self, status{reply.error_code, std::string(kafka_error_name(reply.error_code)) +
                                                                      " fetching " + tp.topic + "/" +
                                                                      std::to_string(tp.partition)})) {
                return;
              }
              if (reply.error_code == code(kafka_error::not_leader_or_follower)) {
                spdlog::debug("consumer: {}/{} moved; looking for its new leader", tp.topic, tp.partition);
                return forget_route(self, tp.topic);
              }
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
            forget_route(self, tp.topic);
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
    wanted = buf.control;
    if (buf.control_version != st.seen_version) {
      st.seen_version = buf.control_version;
      for (auto& [tp, c] : buf.control) {  // seeks are taken once
        c.seek_to.reset();
        c.seek_timestamp.reset();
      }
    } else {
      for (auto& [tp, c] : wanted) {
        c.seek_to.reset();
        c.seek_timestamp.reset();
      }
    }
  }
  // Drop partitions no longer assigned.
  for (auto it = st.slots.begin(); it != st.slots.end();) {
    it = wanted.count(it->first) ? std::next(it) : st.slots.erase(it);
  }
  for (auto& [tp, c] : wanted) {
    if (c.pending_position) continue;  // its committed offset is on the way
    auto rit = st.routes.find(tp.topic);
    if (rit == st.routes.end()) {
      if (st.looking_up.insert(tp.topic).second) {
        auto topic = tp.topic;
        resolve_topic(self, st.core, topic, [=](topic_route route) {
          self->state.looking_up.erase(topic);
          if (!route.st.ok()) {
            std::lock_guard<std::mutex> guard(self->state.buffer->mtx);
            self->state.buffer->last_error = route.st.message;
            self->delayed_send(self, std::chrono::milliseconds(500), wake_atom::value);
            return;
          }
          self->state.routes[topic] = route.partitions;
          pump(self);
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
    slot.handle = rit->second[static_cast<size_t>(tp.partition)];  // the leader's, as last resolved
    if (c.seek_to || c.seek_timestamp) {
      // A seek replaces whatever lookup or fetch was under way (their answers carry the old
      // epoch and are dropped, so they must not keep the slot busy).
      ++slot.epoch;
      slot.in_flight = false;
      slot.resolving = false;
      slot.position = -1;
      slot.unresolved.reset();
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
  for (auto& [tp, slot] : st.slots) {
    if (!wanted[tp].paused) fetch(self, tp);
  }
}


// ---- consumer group membership -------------------------------------------------------------

std::vector<group::offset_commit_partition> consumed_positions(shared_buffer& buf) {
  std::vector<group::offset_commit_partition> out;
  for (const auto& [tp, c] : buf.control) {
    if (c.consumed) out.push_back({tp.topic, tp.partition, *c.consumed, -1, ""});
  }
  return out;
}

void join_group(self_ptr self);

void rejoin_later(self_ptr self, std::chrono::milliseconds delay) {
  auto epoch = ++self->state.membership_epoch;
  self->delayed_send(self, delay, caf::make_message(caf::atom("rejoin"), epoch));
}

// Commits consumed positions, then calls `then` (also on failure: commits are best effort here).
void commit_then(self_ptr self, std::function<void()> then) {
  auto& st = self->state;
  if (!st.coordinator || st.generation < 0 || !st.options.enable_auto_commit) {
    then();
    return;
  }
  group::offset_commit_request req;
  req.member_id = st.member_id;
  req.generation_id = st.generation;
  {
    std::lock_guard<std::mutex> guard(st.buffer->mtx);
    req.partitions = consumed_positions(*st.buffer);
  }
  if (req.partitions.empty()) {
    then();
    return;
  }
  self->request(*st.coordinator, st.core->timeout, commit_atom::value, req)
      .then([=](const group::offset_commit_reply&) { then(); },
            [=](caf::error& err) {
              spdlog::warn("consumer: commit failed: {}", self->system().render(err));
              then();
            });
}

void set_assignment(self_ptr self, const std::vector<topic_partition>& next) {
  auto& buf = *self->state.buffer;
  std::vector<topic_partition> revoked;
  std::lock_guard<std::mutex> guard(buf.mtx);
  std::map<topic_partition, partition_control> control;
  for (const auto& tp : next) {
    auto it = buf.control.find(tp);
    if (it != buf.control.end()) {
      control[tp] = it->second;
    } else {
      control[tp] = partition_control{};
      control[tp].pending_position = true;
    }
  }
  for (const auto& [tp, c] : buf.control) {
    if (!control.count(tp)) revoked.push_back(tp);
  }
  buf.control = std::move(control);
  std::erase_if(buf.records, [&](const consumed_record& r) { return buf.control.count({r.topic, r.partition}) == 0; });
  if (!revoked.empty()) buf.rebalance_events.emplace_back(false, revoked);
  if (!next.empty() || !revoked.empty()) buf.rebalance_events.emplace_back(true, next);
  ++buf.control_version;
  buf.ready.notify_all();
}

// New partitions start at the group's committed offset (or auto_offset_reset).
void resume_from_committed(self_ptr self, std::vector<topic_partition> tps) {
  auto& st = self->state;
  if (tps.empty() || !st.coordinator) return;
  group::offset_fetch_request req;
  std::vector<group::topic_partition> gtps;
  for (const auto& tp : tps) gtps.push_back({tp.topic, tp.partition});
  req.partitions = gtps;
  auto epoch = st.membership_epoch;
  self->request(*st.coordinator, st.core->timeout, committed_atom::value, req)
      .then(
          [=](const group::offset_fetch_reply& reply) {
            if (epoch != self->state.membership_epoch) return;
            auto& buf = *self->state.buffer;
            {
              std::lock_guard<std::mutex> guard(buf.mtx);
              for (const auto& f : reply.partitions) {
                auto it = buf.control.find({f.topic, f.partition});
                if (it == buf.control.end() || !it->second.pending_position) continue;
                it->second.pending_position = false;
                if (f.offset >= 0) {
                  it->second.seek_to = f.offset;
                  it->second.consumed = f.offset;
                } else {
                  it->second.seek_to = self->state.options.auto_offset_reset == "latest" ? -1 : -2;
                }
              }
              ++buf.control_version;
            }
            pump(self);
          },
          [=](caf::error& err) {
            spdlog::warn("consumer: reading committed offsets failed: {}; using {}", self->system().render(err),
                         self->state.options.auto_offset_reset);
            auto& buf = *self->state.buffer;
            {
              std::lock_guard<std::mutex> guard(buf.mtx);
              for (const auto& tp : tps) {
                auto it = buf.control.find(tp);
                if (it == buf.control.end() || !it->second.pending_position) continue;
                it->second.pending_position = false;
                it->second.seek_to = self->state.options.auto_offset_reset == "latest" ? -1 : -2;
              }
              ++buf.control_version;
            }
            pump(self);
          });
}

void on_assignment(self_ptr self, const group::bytes& bytes) {
  auto decoded = group::decode_assignment(bytes);
  std::vector<topic_partition> next;
  if (decoded) {
    for (const auto& tp : *decoded) next.push_back({tp.topic, tp.partition});
  } else if (!bytes.empty()) {
    spdlog::error("consumer: undecodable assignment from the coordinator");
  }
  std::vector<topic_partition> fresh;
  std::map<topic_partition, int64_t> resume_at;
  {
    std::lock_guard<std::mutex> guard(self->state.buffer->mtx);
    resume_at.swap(self->state.buffer->resume_at);
    for (const auto& tp : next) {
      if (!self->state.buffer->control.count(tp) && !resume_at.count(tp)) fresh.push_back(tp);
    }
  }
  set_assignment(self, next);
  {
    std::lock_guard<std::mutex> guard(self->state.buffer->mtx);
    for (const auto& [tp, offset] : resume_at) {
      auto it = self->state.buffer->control.find(tp);
      if (it == self->state.buffer->control.end()) continue;
      it->second.pending_position = false;
      it->second.seek_to = offset;
      it->second.consumed = offset;
    }
    ++self->state.buffer->control_version;
  }
  spdlog::info("[group {} gen {}] member {} assigned {} partitions", self->state.options.group_id,
               self->state.generation, self->state.member_id, next.size());
  // Partitions this member kept continue where it is; new ones resume from commits.
  resume_from_committed(self, fresh);
  pump(self);
}

void arm_heartbeat(self_ptr self) {
  if (self->state.heartbeat_armed) return;
  self->state.heartbeat_armed = true;
  self->delayed_send(self, std::chrono::milliseconds(self->state.options.heartbeat_interval_ms),
                     caf::make_message(caf::atom("heartbeat")));
}

void publish_membership(self_ptr self) {
  auto& st = self->state;
  std::lock_guard<std::mutex> guard(st.buffer->mtx);
  st.buffer->coordinator = st.coordinator;
  st.buffer->member_id = st.member_id;
  st.buffer->generation = st.generation;
}

void sync_group(self_ptr self) {
  auto& st = self->state;
  st.phase = consumer_state::phase::syncing;
  auto epoch = st.membership_epoch;
  group::sync_request req{st.member_id, st.generation, {}};
  self->request(*st.coordinator, st.core->timeout, sync_atom::value, req)
      .then(
          [=](const group::sync_reply& reply) {
            auto& s = self->state;
            if (epoch != s.membership_epoch) {
              spdlog::debug("consumer: dropping a stale SyncGroup reply");
              return;
            }
            if (reply.error != group::kafka_error::none) {
              spdlog::info("[group {}] sync: {}; rejoining", s.options.group_id, group::to_string(reply.error));
              if (reply.error == group::kafka_error::unknown_member_id) s.member_id.clear();
              rejoin_later(self, std::chrono::milliseconds(100));
              return;
            }
            s.phase = consumer_state::phase::stable;
            publish_membership(self);
            on_assignment(self, reply.assignment);
            arm_heartbeat(self);
          },
          [=](caf::error& err) {
            if (epoch != self->state.membership_epoch) return;
            spdlog::warn("consumer: SyncGroup failed: {}", self->system().render(err));
            self->state.coordinator.reset();
            rejoin_later(self, std::chrono::milliseconds(500));
          });
}

void join_group(self_ptr self) {
  auto& st = self->state;
  if (st.topics.empty()) return;
  auto epoch = ++st.membership_epoch;
  if (!st.coordinator) {
    st.phase = consumer_state::phase::finding;
    find_coordinator(self, st.core, st.options.group_id, true, [=](caf::expected<group_actor> g) {
      if (epoch != self->state.membership_epoch) return;
      if (!g) {
        if (auto r = refusal_from(g.error()); r && refused_for_good(self, status{code(r->error), r->message})) return;
      }
      if (!g || !*g) {
        spdlog::warn("consumer: no coordinator for group {}: {}", self->state.options.group_id,
                     g ? std::string("none") : self->system().render(g.error()));
        rejoin_later(self, std::chrono::milliseconds(500));
        return;
      }
      self->state.coordinator = *g;
      join_group(self);
    });
    return;
  }
  st.phase = consumer_state::phase::joining;
  group::join_request req;
  req.member_id = st.member_id;
  req.client_id = st.options.client_id;
  req.client_host = "native";
  req.session_timeout_ms = st.options.session_timeout_ms;
  req.rebalance_timeout_ms = st.options.rebalance_timeout_ms;
  req.protocol_type = "fluxo";
  req.protocols.push_back({st.options.assignor, group::encode_subscription({st.topics, {}})});
  auto timeout = std::chrono::milliseconds(st.options.rebalance_timeout_ms) + st.core->timeout;
  self->request(*st.coordinator, timeout, join_atom::value, req)
      .then(
          [=](const group::join_reply& reply) {
            auto& s = self->state;
            if (epoch != s.membership_epoch) {
              spdlog::debug("consumer: dropping a stale JoinGroup reply");
              return;
            }
            if (reply.error == group::kafka_error::member_id_required) {
              s.member_id = reply.member_id;
              join_group(self);
              return;
            }
            if (reply.error == group::kafka_error::unknown_member_id) {
              s.member_id.clear();
              join_group(self);
              return;
            }
            if (reply.error == group::kafka_error::group_authorization_failed) {
              refused_for_good(self, status{code(kafka_error::group_authorization_failed),
                                            "may not join group '" + s.options.group_id + "'"});
              return;
            }
            if (reply.error != group::kafka_error::none) {
              spdlog::warn("[group {}] join: {}; retrying", s.options.group_id, group::to_string(reply.error));
              rejoin_later(self, std::chrono::milliseconds(500));
              return;
            }
            s.member_id = reply.member_id;
            s.generation = reply.generation_id;
            sync_group(self);
          },
          [=](caf::error& err) {
            if (epoch != self->state.membership_epoch) return;
            spdlog::warn("consumer: JoinGroup failed: {}; finding the coordinator again", self->system().render(err));
            self->state.coordinator.reset();
            rejoin_later(self, std::chrono::milliseconds(500));
          });
}

// Asks poll() to give the assignment up (see the header comment); its "polljoin" rejoins.
void rejoin_after_poll(self_ptr self, bool still_member) {
  auto& st = self->state;
  std::lock_guard<std::mutex> guard(st.buffer->mtx);
  if (st.phase == consumer_state::phase::awaiting_poll) {
    st.buffer->still_member = st.buffer->still_member && still_member;
    return;
  }
  st.phase = consumer_state::phase::awaiting_poll;
  st.buffer->rejoin_needed = true;
  st.buffer->still_member = still_member;
  st.buffer->ready.notify_all();
}

void heartbeat(self_ptr self) {
  auto& st = self->state;
  st.heartbeat_armed = false;
  if ((st.phase != consumer_state::phase::stable && st.phase != consumer_state::phase::awaiting_poll) || !st.coordinator) return;
  auto epoch = st.membership_epoch;
  self->request(*st.coordinator, std::chrono::milliseconds(st.options.session_timeout_ms), heartbeat_atom::value,
                group::heartbeat_request{st.member_id, st.generation})
      .then(
          [=](const group::heartbeat_reply& reply) {
            auto& s = self->state;
            if (epoch != s.membership_epoch) return;
            if (reply.error == group::kafka_error::none || reply.error == group::kafka_error::rebalance_in_progress) {
              // During a rebalance the heartbeats keep the session alive until poll() lets go.
              arm_heartbeat(self);
              if (reply.error == group::kafka_error::none) return;
            }
            if (s.phase == consumer_state::phase::stable) {
              spdlog::info("[group {} gen {}] heartbeat: {}; rejoining at the next poll()", s.options.group_id,
                           s.generation, group::to_string(reply.error));
            }
            if (reply.error == group::kafka_error::unknown_member_id) {
              s.member_id.clear();
              s.generation = -1;
            }
            rejoin_after_poll(self, reply.error == group::kafka_error::rebalance_in_progress);
          },
          [=](caf::error& err) {
            if (epoch != self->state.membership_epoch) return;
            spdlog::warn("consumer: heartbeat got no answer ({}); finding the coordinator again",
                         self->system().render(err));
            self->state.coordinator.reset();
            rejoin_after_poll(self, false);
          });
}

void auto_commit(self_ptr self) {
  auto& st = self->state;
  st.auto_commit_armed = false;
  if (!st.options.enable_auto_commit || st.topics.empty()) return;
  if (st.phase == consumer_state::phase::stable) commit_then(self, [] {});
  st.auto_commit_armed = true;
  self->delayed_send(self, std::chrono::milliseconds(st.options.auto_commit_interval_ms),
                     caf::make_message(caf::atom("autocommit")));
}

caf::behavior consumer_behavior(self_ptr self, std::shared_ptr<client_core> core, std::shared_ptr<shared_buffer> buffer,
                                consumer_options options) {
  self->state.core = std::move(core);
  self->state.buffer = std::move(buffer);
  self->state.options = options;
  self->set_down_handler([=](caf::down_msg& dm) { on_leader_down(self, dm); });
  return {
    [=](wake_atom) {
      auto& st = self->state;
      std::optional<std::vector<std::string>> topics;
      {
        std::lock_guard<std::mutex> guard(st.buffer->mtx);
        if (st.buffer->subscription_changed) {
          st.buffer->subscription_changed = false;
          topics = st.buffer->subscription;
        }
      }
      if (topics) {
        st.topics = *topics;
        join_group(self);
        if (!st.auto_commit_armed && st.options.enable_auto_commit) {
          st.auto_commit_armed = true;
          self->delayed_send(self, std::chrono::milliseconds(st.options.auto_commit_interval_ms),
                             caf::make_message(caf::atom("autocommit")));
        }
      }
      pump(self);
    },
    [=](caf::atom_constant<caf::atom("heartbeat")>) { heartbeat(self); },
    [=](caf::atom_constant<caf::atom("autocommit")>) { auto_commit(self); },
    [=](caf::atom_constant<caf::atom("rejoin")>, uint64_t epoch) {
      if (epoch == self->state.membership_epoch) join_group(self);
    },
    [=](caf::atom_constant<caf::atom("polljoin")>) {
      // poll() gave the assignment up: rejoin now.
      if (self->state.phase == consumer_state::phase::awaiting_poll) join_group(self);
    },
    [=](commit_atom) { commit_then(self, [] {}); },
  };
}

class consumer_impl final : public consumer {
 public:
  consumer_impl(std::shared_ptr<client_core> core, const consumer_options& opts)
      : core_(std::move(core)), buffer_(std::make_shared<shared_buffer>()), options_(opts) {
    actor_ = core_->sys->spawn(consumer_behavior, core_, buffer_, opts);
  }
  ~consumer_impl() override {
    close();
    caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  }

  status subscribe(const std::vector<std::string>& topics) override {
    if (options_.group_id.empty()) {
      return status{code(kafka_error::invalid_group_id), "subscribe needs consumer_options.group_id; use assign() without a group"};
    }
    if (topics.empty()) return status{code(kafka_error::invalid_request), "subscribe to at least one topic"};
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    buffer_->subscription = topics;
    buffer_->subscription_changed = true;
    wake_locked();
    return status::success();
  }

  void on_rebalance(partitions_callback assigned, partitions_callback revoked) override {
    std::lock_guard<std::mutex> guard(callbacks_mtx_);
    on_assigned_ = std::move(assigned);
    on_revoked_ = std::move(revoked);
  }

  status commit_sync(std::chrono::milliseconds timeout) override {
    group::offset_commit_request req;
    std::optional<group_actor> coordinator;
    {
      std::lock_guard<std::mutex> guard(buffer_->mtx);
      coordinator = buffer_->coordinator;
      req.member_id = buffer_->member_id;
      req.generation_id = buffer_->generation;
      req.partitions = consumed_positions(*buffer_);
    }
    if (!coordinator) return status{code(kafka_error::coordinator_not_available), "not a member of a group yet"};
    if (req.partitions.empty()) return status::success();
    caf::scoped_actor self{*core_->sys};
    status out;
    self->request(*coordinator, timeout, commit_atom::value, req)
        .receive(
            [&](const group::offset_commit_reply& reply) {
              for (const auto& p : reply.partitions) {
                if (p.error != group::kafka_error::none) {
                  out = status{code(p.error), "commit of " + p.topic + "/" + std::to_string(p.partition) + ": " +
                                                  std::string(group::to_string(p.error))};
                }
              }
            },
            [&](caf::error& err) { out = transport_error(*core_->sys, err); });
    return out;
  }

  void commit_async() override { caf::anon_send(actor_, commit_atom::value); }

  std::optional<int64_t> committed(const topic_partition& tp, std::chrono::milliseconds timeout) override {
    std::optional<group_actor> coordinator;
    {
      std::lock_guard<std::mutex> guard(buffer_->mtx);
      coordinator = buffer_->coordinator;
    }
    caf::scoped_actor self{*core_->sys};
    if (!coordinator) {
      if (options_.group_id.empty()) return std::nullopt;
      auto found = find_coordinator_blocking(*core_, options_.group_id, true);
      if (!found || !*found) return std::nullopt;
      coordinator = *found;
    }
    group::offset_fetch_request req;
    req.partitions = std::vector<group::topic_partition>{{tp.topic, tp.partition}};
    std::optional<int64_t> out;
    self->request(*coordinator, timeout, committed_atom::value, req)
        .receive(
            [&](const group::offset_fetch_reply& reply) {
              for (const auto& f : reply.partitions) {
                if (f.offset >= 0) out = f.offset;
              }
            },
            [](caf::error&) {});
    return out;
  }

  int32_t generation() const override {
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    return buffer_->generation;
  }
  std::string member_id() const override {
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    return buffer_->member_id;
  }

  void close() override {
    std::optional<group_actor> coordinator;
    std::string member;
    {
      std::lock_guard<std::mutex> guard(buffer_->mtx);
      if (buffer_->closing) return;
      buffer_->closing = true;
      coordinator = buffer_->coordinator;
      member = buffer_->member_id;
    }
    if (!coordinator || member.empty()) return;
    if (options_.enable_auto_commit) commit_sync(std::chrono::seconds(5));
    caf::scoped_actor self{*core_->sys};
    self->request(*coordinator, std::chrono::seconds(5), leave_atom::value, group::leave_request{{member}})
        .receive([](const group::leave_reply&) {}, [](caf::error&) {});
  }

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

  status fatal_error() const override {
    std::lock_guard<std::mutex> lock(buffer_->mtx);
    return buffer_->fatal;
  }

  std::vector<consumed_record> poll(std::chrono::milliseconds timeout) override {
    run_rebalance_callbacks();
    give_up_assignment_if_asked();
    std::unique_lock<std::mutex> lock(buffer_->mtx);
    // Without paused partitions (the common case) any buffered record will do; with some, look
    // for a record of a partition that is not paused (the control map is small, the buffer not).
    auto any_paused = [&] {
      return std::any_of(buffer_->control.begin(), buffer_->control.end(), [](const auto& c) { return c.second.paused; });
    };
    buffer_->ready.wait_for(lock, timeout, [&] {
      if (buffer_->rejoin_needed || (!buffer_->fatal.ok() && !buffer_->fatal_reported)) return true;
      if (buffer_->records.empty()) return false;
      if (!any_paused()) return true;
      return std::any_of(buffer_->records.begin(), buffer_->records.end(), [&](const consumed_record& r) {
        auto ctl = buffer_->control.find({r.topic, r.partition});
        return ctl == buffer_->control.end() || !ctl->second.paused;
      });
    });
    if (!buffer_->fatal.ok()) buffer_->fatal_reported = true;
    std::vector<consumed_record> out;
    // The assignment changed while we waited: its callbacks must run before any record of the
    // new assignment is returned (the next poll runs them first).
    if (!buffer_->rebalance_events.empty() || buffer_->rejoin_needed) return out;
    bool was_over = buffer_->bytes >= options_.max_buffered_bytes;
    std::deque<consumed_record> held;  // records of paused partitions stay buffered, in order
    while (!buffer_->records.empty() && out.size() < options_.max_poll_records) {
      auto& r = buffer_->records.front();
      auto ctl = buffer_->control.find({r.topic, r.partition});
      if (ctl != buffer_->control.end() && ctl->second.paused) {
        held.push_back(std::move(r));
        buffer_->records.pop_front();
        continue;
      }
      buffer_->bytes -= std::min(buffer_->bytes, record_size(r));
      if (ctl != buffer_->control.end()) {
        ctl->second.consumed = r.offset + 1;
        out.push_back(std::move(r));
      }
      buffer_->records.pop_front();
    }
    buffer_->records.insert(buffer_->records.begin(), std::make_move_iterator(held.begin()), std::make_move_iterator(held.end()));
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

  void set_paused(const std::vector<topic_partition>& tps, bool paused) {
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    for (const auto& tp : tps) {
      if (auto it = buffer_->control.find(tp); it != buffer_->control.end()) it->second.paused = paused;
    }
    wake_locked();
  }
  void pause(const std::vector<topic_partition>& tps) override { set_paused(tps, true); }
  void resume(const std::vector<topic_partition>& tps) override {
    set_paused(tps, false);
    buffer_->ready.notify_all();
  }
  std::vector<topic_partition> paused() const override {
    std::lock_guard<std::mutex> guard(buffer_->mtx);
    std::vector<topic_partition> out;
    for (const auto& [tp, c] : buffer_->control) {
      if (c.paused) out.push_back(tp);
    }
    return out;
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
  // The coordinator wants this member to rejoin: commit (auto-commit), tell the application its
  // partitions are revoked while it still owns them, drop them, then let the actor rejoin.
  void give_up_assignment_if_asked() {
    std::vector<topic_partition> owned;
    {
      std::lock_guard<std::mutex> guard(buffer_->mtx);
      if (!buffer_->rejoin_needed) return;
      for (const auto& [tp, c] : buffer_->control) owned.push_back(tp);
      buffer_->resume_at.clear();
      if (buffer_->still_member) {
        for (const auto& [tp, c] : buffer_->control)
          if (c.consumed) buffer_->resume_at[tp] = *c.consumed;
      }
    }
    if (options_.enable_auto_commit && !owned.empty()) {
      if (auto st = commit_sync(std::chrono::seconds(10)); !st.ok()) spdlog::warn("consumer: commit before rejoining: {}", st.message);
    }
    if (!owned.empty()) {
      std::lock_guard<std::mutex> guard(callbacks_mtx_);
      if (on_revoked_) on_revoked_(owned);
    }
    {
      std::lock_guard<std::mutex> guard(buffer_->mtx);
      buffer_->rejoin_needed = false;
      buffer_->control.clear();
      buffer_->records.clear();
      buffer_->bytes = 0;
      ++buffer_->control_version;
    }
    caf::anon_send(actor_, caf::atom("polljoin"));
  }

  void run_rebalance_callbacks() {
    std::deque<std::pair<bool, std::vector<topic_partition>>> events;
    {
      std::lock_guard<std::mutex> guard(buffer_->mtx);
      events.swap(buffer_->rebalance_events);
    }
    std::lock_guard<std::mutex> guard(callbacks_mtx_);
    for (auto& [assigned, tps] : events) {
      auto& cb = assigned ? on_assigned_ : on_revoked_;
      if (cb) cb(tps);
    }
  }

  std::shared_ptr<client_core> core_;
  std::shared_ptr<shared_buffer> buffer_;
  consumer_options options_;
  caf::actor actor_;
  std::mutex callbacks_mtx_;
  partitions_callback on_assigned_;
  partitions_callback on_revoked_;
};

}  // namespace

std::unique_ptr<consumer> make_consumer_impl(std::shared_ptr<client_core> core, const consumer_options& opts) {
  return std::make_unique<consumer_impl>(std::move(core), opts);
}

}  // namespace fluxo::client
