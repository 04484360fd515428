// The producer: send() queues records in a shared queue and wakes the producer actor, which
// routes them to partitions, builds RecordBatch v2 batches (linger / size), stamps producer id
// and sequence numbers, sends them to partition actors (pipelined: up to 5 batches in flight
// per partition for an idempotent producer, one request otherwise; see send_window.hpp for why
// order holds and a retried batch is recognised as a duplicate), retries transport errors and
// retriable Kafka errors with backoff, and reports each record's delivery.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>
#include <mutex>
#include <random>
#include <spdlog/spdlog.h>

#include "actors/client/client_core.hpp"
#include "actors/client/routing.hpp"
#include "actors/client/send_window.hpp"
#include "actors/client/tracing.hpp"
#include "actors/common/partitioner.hpp"
#include "storage/log_config.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::client {
namespace {

using namespace fluxo::actors;
using caf_clock = std::chrono::steady_clock;

struct queued_record {
  uint32_t topic = 0;  // index into the topic names interned by send() (no string per record)
  std::optional<std::string> key;
  std::optional<std::string> value;
  headers_t headers;
  int64_t timestamp;
  delivery_callback callback;
  std::optional<int32_t> partition;  // set by send_to; else chosen by key (or sticky)
};

// Records in order, in chunks of at most chunk_records: appending never moves a queued record,
// and the shared queue's emptied chunks go back to a pool for reuse. (One vector regrown to
// hundreds of thousands of records moved every record at each doubling and, past malloc's mmap
// threshold, page-faulted fresh memory every time: a third of the client's time under load.)
constexpr std::size_t chunk_records = 1024;
constexpr std::size_t pooled_chunks = 64;
using record_chunk = std::vector<queued_record>;

struct record_chunks {
  std::vector<record_chunk> chunks;
  void push(queued_record&& r, std::vector<record_chunk>* pool = nullptr) {
    if (chunks.empty() || chunks.back().size() >= chunk_records) {
      record_chunk fresh;
      if (pool && !pool->empty()) {
        fresh = std::move(pool->back());
        pool->pop_back();
      } else {
        fresh.reserve(chunk_records);
      }
      chunks.push_back(std::move(fresh));
    }
    chunks.back().push_back(std::move(r));
  }
};

// State shared by the facade and the actor.
struct shared_queue {
  std::mutex mtx;
  std::condition_variable changed;
  record_chunks records;
  std::vector<record_chunk> pool;  // emptied chunks (capacity kept), at most pooled_chunks
  // Topic names by index, append-only: send() interns each name once; the actor copies new ones.
  std::vector<std::string> topic_names;
  std::unordered_map<std::string, uint32_t> topic_ids;
  uint64_t unacknowledged = 0;  // queued + batched + in flight
  bool wake_sent = false;
  bool closed = false;
};

struct built_batch {
  caf_clock::time_point sealed;  // for the delivery timeout
  std::vector<char> bytes;
  std::vector<delivery_callback> callbacks;
  std::vector<int64_t> timestamps;
};

struct partition_slot {
  partition_actor handle;
  std::unique_ptr<storage::batch_builder> builder;
  std::vector<delivery_callback> callbacks;
  std::vector<int64_t> timestamps;
  caf_clock::time_point started;
  std::deque<built_batch> ready;  // unacknowledged, in order: the first window.sent() are in flight
  send_window window{1, 1};       // set by add_record once the producer id is known
  bool window_set = false;
  bool waiting_retry = false;     // a retry is scheduled: nothing is sent until it fires
  int attempts = 0;               // consecutive failed attempts of the first request in flight
  int32_t next_sequence = 0;
  std::size_t last_batch_bytes = 0;  // the size of the previous batch (to reserve the next one)
  std::size_t resend_singly = 0;     // the first this many batches were voided: one per request
  partition_actor next_handle;       // a new leader, taken once nothing is in flight to the old one
};

struct topic_slot {
  bool looking_up = false;
  bool refreshing = false;  // re-resolving the leaders after an error
  status error;  // set when the topic cannot be used
  std::vector<partition_slot> partitions;
  record_chunks waiting;  // until the lookup answers
  int32_t sticky = -1;
  int32_t sticky_batches = 0;
};

struct producer_state {
  std::shared_ptr<client_core> core;
  std::shared_ptr<shared_queue> queue;
  producer_options options;
  std::map<std::string, topic_slot> topics;
  int64_t producer_id = -1;
  int16_t producer_epoch = 0;
  bool id_requested = false;
  std::vector<record_chunk> before_id;  // records waiting for the producer id
  bool tick_armed = false;
  std::vector<record_chunk> taken;  // the chunks of one wake, swapped out of the shared queue
  std::set<caf::actor_addr> monitored;  // leaders monitored (see watch_leader)
  std::vector<std::string> topic_names;  // the actor's copy of shared_queue::topic_names
  std::vector<topic_slot*> slot_by_topic;  // by interned index (std::map nodes do not move)
  std::mt19937 rng{std::random_device{}()};
  static inline const char* name = "fluxo.producer";
};

using self_ptr = caf::stateful_actor<producer_state>*;

// Runs a record's delivery callback (if any); acknowledge() then counts the records done.
void report(const delivery_callback& cb, const delivery_report& r) {
  if (!cb) return;
  try {
    cb(r);
  } catch (const std::exception& e) {
    spdlog::error("producer delivery callback threw: {}", e.what());
  }
}

// `n` records are done: once per reply, not per record (a waiting send() or flush() wakes once).
void acknowledge(self_ptr self, std::size_t n) {
  if (n == 0) return;
  auto& q = *self->state.queue;
  std::lock_guard<std::mutex> guard(q.mtx);
  q.unacknowledged -= n;
  q.changed.notify_all();
}

void fail_records(self_ptr self, const std::string& topic, std::vector<queued_record>& records, const status& st) {
  for (auto& r : records) {
    delivery_report rep;
    rep.error_code = st.code;
    rep.error_message = st.message;
    rep.topic = topic;
    report(r.callback, rep);
  }
  acknowledge(self, records.size());
  records.clear();
}

void seal(self_ptr self, topic_slot& t, int32_t p) {
  auto& slot = t.partitions[static_cast<size_t>(p)];
  if (!slot.builder || slot.builder->empty()) return;
  auto& st = self->state;
  auto count = static_cast<int32_t>(slot.builder->record_count());
  slot.last_batch_bytes = slot.builder->size_bytes();
  auto bytes = slot.builder->build();
  if (bytes && st.options.idempotent && st.producer_id >= 0) {
    // The builder carried the base sequence; the next batch starts after this one (a batch
    // that failed to build leaves no gap).
    slot.next_sequence = static_cast<int32_t>((static_cast<int64_t>(slot.next_sequence) + count) % (int64_t{INT32_MAX} + 1));
  }
  slot.builder.reset();
  built_batch b;
  b.sealed = caf_clock::now();
  b.callbacks = std::move(slot.callbacks);
  b.timestamps = std::move(slot.timestamps);
  slot.callbacks.clear();
  slot.timestamps.clear();
  if (!bytes) {
    for (auto& cb : b.callbacks) {
      delivery_report rep;
      rep.error_code = code(kafka_error::corrupt_message);
      rep.error_message = bytes.err().to_string();
      report(cb, rep);
    }
    acknowledge(self, b.callbacks.size());
    return;
  }
  b.bytes = std::move(*bytes);
  slot.ready.push_back(std::move(b));
}

void try_send(self_ptr self, const std::string& topic, int32_t p);
void refresh_routes(self_ptr self, const std::string& topic);

void schedule_retry(self_ptr self, const std::string& topic, int32_t p, int attempts) {
  auto& st = self->state;
  // Exponential backoff capped at a second (Kafka's retry.backoff.max.ms), so a producer
  // follows a leader that moved within the failover time, not minutes later.
  auto base = std::min<int64_t>(st.options.retry_backoff.count() << std::min(attempts, 6),
                                std::max<int64_t>(st.options.retry_backoff.count(), 1000));
  std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(base / 2, 1));
  auto delay = std::chrono::milliseconds(base + jitter(st.rng));
  self->delayed_send(self, delay, caf::make_message(caf::atom("retry"), topic, p));
}

// Reports the delivery of the first `batches` batches of the partition's queue (one request:
// its batches were appended back to back, so offsets run on across them) and drops them.
void deliver(self_ptr self, const std::string& topic, int32_t p, std::size_t batches, const produce_reply& reply) {
  auto& slot = self->state.topics[topic].partitions[static_cast<size_t>(p)];
  slot.resend_singly = slot.resend_singly > batches ? slot.resend_singly - batches : 0;
  int64_t index = 0;
  std::size_t done = 0;
  for (std::size_t n = 0; n < batches && !slot.ready.empty(); ++n) {
    auto b = std::move(slot.ready.front());
    slot.ready.pop_front();
    // One report, filled in per record that has a callback (most records of a bulk send have none).
    delivery_report rep;
    rep.error_code = reply.error_code;
    rep.partition = p;
    bool filled = false;
    for (size_t i = 0; i < b.callbacks.size(); ++i, ++index) {
      if (!b.callbacks[i]) continue;
      if (!filled) {
        rep.error_message = reply.error_message;
        rep.topic = topic;
        filled = true;
      }
      if (reply.error_code == 0) {
        rep.offset = reply.base_offset + index;
        rep.timestamp = reply.log_append_time >= 0 ? reply.log_append_time : b.timestamps[i];
      }
      report(b.callbacks[i], rep);
    }
    done += b.callbacks.size();
  }
  acknowledge(self, done);
}

bool retriable(int16_t c) {
  switch (static_cast<kafka_error>(c)) {
    case kafka_error::request_timed_out:
    case kafka_error::not_enough_replicas:               // the ISR may grow back (Kafka retries both)
    case kafka_error::not_enough_replicas_after_append:  // stored: the retry is a duplicate
    case kafka_error::kafka_storage_error:
    case kafka_error::leader_not_available:
    case kafka_error::not_leader_or_follower:
    case kafka_error::coordinator_load_in_progress: return true;
    default: return false;
  }
}

// A request failed and may be retried: everything in flight is sent again, in order, after the
// backoff (see send_window.hpp). Once the oldest batch waited delivery_timeout (or after
// max_retries attempts) the batches in flight fail with `reply`'s error instead and the
// partition goes on with the next ones.
void retry_or_fail(self_ptr self, const std::string& topic, int32_t p, const produce_reply& reply, bool leader_moved) {
  auto& st = self->state;
  auto& slot = st.topics[topic].partitions[static_cast<size_t>(p)];
  const auto in_flight = slot.window.sent();
  slot.window.void_all();
  // What was in flight goes again one batch per request: a batch the broker already has is
  // answered with its own offsets, which batches appended by separate requests do not share.
  slot.resend_singly = std::max(slot.resend_singly, in_flight);
  const auto now = caf_clock::now();
  auto expired = [&] { return !slot.ready.empty() && now - slot.ready.front().sealed >= st.options.delivery_timeout; };
  if (++slot.attempts > st.options.max_retries || expired()) {
    const bool timed_out = expired();
    slot.attempts = 0;
    auto failed = reply;
    failed.error_message = (timed_out ? "not delivered within " + std::to_string(st.options.delivery_timeout.count()) + " ms: "
                                      : "gave up after " + std::to_string(st.options.max_retries) + " retries: ") +
                           reply.error_message;
    // Everything that has waited too long fails now, in one go.
    std::size_t batches = std::max<std::size_t>(in_flight, 1);
    while (batches < slot.ready.size() && now - slot.ready[batches].sealed >= st.options.delivery_timeout) ++batches;
    deliver(self, topic, p, batches, failed);
    slot.waiting_retry = true;  // the rest after a backoff, not in this call
    schedule_retry(self, topic, p, 0);
    return;
  }
  if (leader_moved) refresh_routes(self, topic);
  slot.waiting_retry = true;
  schedule_retry(self, topic, p, slot.attempts);
}

void on_reply(self_ptr self, const std::string& topic, int32_t p, uint64_t request, const produce_reply& reply) {
  auto& slot = self->state.topics[topic].partitions[static_cast<size_t>(p)];
  // A gap (OUT_OF_ORDER_SEQUENCE_NUMBER) behind an earlier request still in flight means that
  // one did not make it: all of them go again.
  const bool behind_a_gap = reply.error_code == code(kafka_error::out_of_order_sequence_number) &&
                            !slot.window.is_first(request);
  if (!slot.window.answer(request, reply)) return;  // voided by a retry: its batches went again
  if (reply.error_code != 0 && (retriable(reply.error_code) || behind_a_gap)) {
    spdlog::warn("producer: {}/{} answered {}; retrying", topic, p, kafka_error_name(reply.error_code));
    const bool moved = reply.error_code == code(kafka_error::not_leader_or_follower) ||
                       reply.error_code == code(kafka_error::leader_not_available);
    return retry_or_fail(self, topic, p, reply, moved);
  }
  for (auto& [batches, answer] : slot.window.take_done()) {
    slot.attempts = 0;
    deliver(self, topic, p, batches, answer);
  }
  try_send(self, topic, p);
}

// Sends the partition's next batches: up to max_request_bytes per request, as many requests as
// the send window allows (5 batches in flight for an idempotent producer, else one request).
void try_send(self_ptr self, const std::string& topic, int32_t p) {
  constexpr std::size_t max_request_bytes = 4u << 20;
  auto& st = self->state;
  auto& slot = st.topics[topic].partitions[static_cast<size_t>(p)];
  if (slot.waiting_retry || slot.ready.size() <= slot.window.sent()) return;
  if (slot.next_handle && slot.window.idle()) {
    // Requests go to one leader at a time, so CAF's per-sender order keeps them in sequence.
    slot.handle = std::exchange(slot.next_handle, partition_actor{});
  }
  if (!slot.handle) {
    if (!slot.window.idle()) return;  // answers (or their timeouts) come first
    // No reachable leader right now (it moved, or its node is gone): look again, then retry.
    produce_reply r;
    r.error_code = code(kafka_error::not_leader_or_follower);
    r.error_message = "no reachable leader for " + topic + "/" + std::to_string(p);
    retry_or_fail(self, topic, p, r, true);
    return;
  }
  if (!slot.window_set) {
    slot.window_set = true;
    const bool sequenced = st.options.idempotent && st.producer_id >= 0;
    // Without sequences only one request at a time keeps order across retries.
    slot.window = sequenced ? send_window{5, send_window::idempotent_max_batches} : send_window{1, SIZE_MAX};
  }
  while (auto room = slot.window.room(slot.ready.size())) {
    const auto first = slot.window.sent();
    std::size_t count = 0;
    std::size_t bytes = 0;
    const auto most = first < slot.resend_singly ? std::size_t{1} : room;
    while (count < most && (count == 0 || bytes + slot.ready[first + count].bytes.size() <= max_request_bytes)) {
      bytes += slot.ready[first + count].bytes.size();
      ++count;
    }
    produce_request req;
    req.acks = st.options.acks;
    if (count == 1) {
      req.batches = slot.ready[first].bytes;
    } else {
      req.batches.reserve(bytes);
      for (std::size_t n = first; n < first + count; ++n) {
        const auto& b = slot.ready[n].bytes;
        req.batches.insert(req.batches.end(), b.begin(), b.end());
      }
    }
    const auto id = slot.window.open(count);
    watch_leader(self, st.monitored, slot.handle);
    self->request(slot.handle, st.core->timeout, produce_atom::value, std::move(req))
        .then([=](const produce_reply& reply) { on_reply(self, topic, p, id, reply); },
              [=](caf::error& err) {
                produce_reply r;
                r.error_code = code(kafka_error::request_timed_out);
                r.error_message = "no answer: " + self->system().render(err);
                auto& s = self->state.topics[topic].partitions[static_cast<size_t>(p)];
                if (!s.window.answer(id, r)) return;
                spdlog::warn("producer: {}/{} did not answer ({}); retrying", topic, p, r.error_message);
                retry_or_fail(self, topic, p, r, true);
              });
  }
}

void add_record(self_ptr self, topic_slot& t, queued_record& r) {
  auto& st = self->state;
  const auto n = static_cast<int32_t>(t.partitions.size());
  int32_t p;
  if (r.partition) {
    p = *r.partition;
  } else if (r.key) {
    p = partition_for_key(*r.key, n);
  } else {
    if (t.sticky < 0) t.sticky = static_cast<int32_t>(st.rng() % static_cast<uint32_t>(n));
    p = t.sticky;
  }
  auto& slot = t.partitions[static_cast<size_t>(p)];
  // A record that would take the batch past max_batch_bytes starts the next one.
  std::size_t record_bytes = 32 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
  for (const auto& [k, v] : r.headers) record_bytes += 10 + k.size() + v.size();
  if (slot.builder && !slot.builder->empty() && slot.builder->size_bytes() + record_bytes > st.options.max_batch_bytes) {
    seal(self, t, p);
  }
  if (!slot.builder) {
    storage::batch_options bo;
    bo.compression = st.options.compression;
    if (st.options.idempotent && st.producer_id >= 0) {
      bo.producer_id = st.producer_id;
      bo.producer_epoch = st.producer_epoch;
      bo.base_sequence = slot.next_sequence;
    }
    slot.builder = std::make_unique<storage::batch_builder>(bo);
    // As big as the previous batch: under steady load one allocation instead of a doubling
    // series, and a trickle of records does not take max_batch_bytes per batch.
    slot.builder->reserve(std::min(st.options.max_batch_bytes + 4096, std::max<std::size_t>(slot.last_batch_bytes + 4096, 16384)));
    slot.started = caf_clock::now();
  }
  std::vector<storage::header_view> hv;
  hv.reserve(r.headers.size());
  for (const auto& [k, v] : r.headers) hv.push_back({k, v});
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  if (r.key) key = *r.key;
  if (r.value) value = *r.value;
  slot.builder->append(r.timestamp, key, value, hv);
  slot.callbacks.push_back(std::move(r.callback));
  slot.timestamps.push_back(r.timestamp);
  if (slot.builder->size_bytes() >= st.options.max_batch_bytes) {
    seal(self, t, p);
    if (!r.key) {
      t.sticky = -1;  // next batch without keys goes elsewhere
    }
  }
}

void ensure_topic(self_ptr self, const std::string& topic);
void route_records(self_ptr self, std::vector<queued_record>& records);

// Routes chunks that waited (for the producer id, for a topic lookup); `pending` is emptied
// first, since routing may park records in it again.
void route_pending(self_ptr self, std::vector<record_chunk>& pending) {
  auto chunks = std::move(pending);
  pending.clear();
  for (auto& chunk : chunks) route_records(self, chunk);
}

void route_records(self_ptr self, std::vector<queued_record>& records) {
  auto& st = self->state;
  if (st.options.idempotent && st.producer_id < 0) {
    st.before_id.push_back(std::move(records));
    records.clear();
    if (!st.id_requested) {
      st.id_requested = true;
      self->request(st.core->node, st.core->timeout, producer_atom::value)
          .then(
              [=](const producer_id_reply& reply) {
                auto& s = self->state;
                if (reply.error_code != 0) {
                  spdlog::warn("producer: no producer id ({}); sending without idempotence",
                               kafka_error_name(reply.error_code));
                  s.options.idempotent = false;
                } else {
                  s.producer_id = reply.producer_id;
                  s.producer_epoch = reply.producer_epoch;
                }
                route_pending(self, s.before_id);
              },
              [=](caf::error& err) {
                auto& s = self->state;
                spdlog::warn("producer: no producer id ({}); sending without idempotence", self->system().render(err));
                s.options.idempotent = false;
                route_pending(self, s.before_id);
              });
    }
    return;
  }
  for (auto& r : records) {
    const auto& name = st.topic_names[r.topic];
    if (st.slot_by_topic.size() <= r.topic) st.slot_by_topic.resize(r.topic + 1, nullptr);
    auto*& cached = st.slot_by_topic[r.topic];
    if (!cached) cached = &st.topics[name];
    auto& t = *cached;
    if (!t.error.ok()) {
      std::vector<queued_record> one;
      one.push_back(std::move(r));
      fail_records(self, name, one, t.error);
      continue;
    }
    if (t.partitions.empty()) {
      t.waiting.push(std::move(r));
      ensure_topic(self, name);
      continue;
    }
    if (r.partition && (*r.partition < 0 || *r.partition >= static_cast<int32_t>(t.partitions.size()))) {
      std::vector<queued_record> one;
      one.push_back(std::move(r));
      fail_records(self, name, one,
                   status{code(kafka_error::unknown_topic_or_partition),
                          "topic '" + name + "' has no partition " + std::to_string(*one.front().partition)});
      continue;
    }
    add_record(self, t, r);
  }
  records.clear();
  for (auto& [name, t] : st.topics) {
    for (int32_t p = 0; p < static_cast<int32_t>(t.partitions.size()); ++p) try_send(self, name, p);
  }
  if (!st.tick_armed) {
    st.tick_armed = true;
    self->delayed_send(self, st.options.linger, caf::make_message(caf::atom("linger")));
  }
}

void ensure_topic(self_ptr self, const std::string& topic) {
  auto& t = self->state.topics[topic];
  if (t.looking_up) return;
  t.looking_up = true;
  resolve_topic(self, self->state.core, topic, [=](topic_route route) {
    auto& ts = self->state.topics[topic];
    ts.looking_up = false;
    auto waiting = std::move(ts.waiting.chunks);
    ts.waiting.chunks.clear();
    if (!route.st.ok() || route.partitions.empty()) {
      ts.error = route.st.ok() ? status{code(kafka_error::unknown_topic_or_partition), "topic '" + topic + "' has no partitions"}
                               : route.st;
      for (auto& chunk : waiting) fail_records(self, topic, chunk, ts.error);
      ts.error = status{};  // allow a later retry (the topic may be created meanwhile)
      return;
    }
    ts.partitions.resize(route.partitions.size());
    for (size_t i = 0; i < route.partitions.size(); ++i) ts.partitions[i].handle = route.partitions[i];
    route_pending(self, waiting);
  });
}

void refresh_routes(self_ptr self, const std::string& topic) {
  auto& t = self->state.topics[topic];
  if (t.refreshing || t.looking_up) return;
  t.refreshing = true;
  resolve_topic(self, self->state.core, topic, [=](topic_route route) {
    auto& ts = self->state.topics[topic];
    ts.refreshing = false;
    if (!route.st.ok()) return;  // keep the old handles; the next retry looks again
    if (route.partitions.size() > ts.partitions.size()) ts.partitions.resize(route.partitions.size());
    for (size_t i = 0; i < route.partitions.size(); ++i) {
      auto& slot = ts.partitions[i];
      const auto& leader = route.partitions[i];
      if (!leader || leader == slot.handle) continue;  // unknown now: keep the last one (it answers or goes down)
      if (slot.window.idle()) {
        slot.handle = leader;
      } else {
        slot.next_handle = leader;
      }
    }
  });
}

caf::behavior producer_behavior(self_ptr self, std::shared_ptr<client_core> core, std::shared_ptr<shared_queue> queue,
                                producer_options options) {
  self->state.core = std::move(core);
  self->state.queue = std::move(queue);
  self->state.options = options;
  // A leader whose node went away (killed, cut off) never answers: what is in flight to it is
  // sent again at once to whoever leads next, instead of after the request timeout.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    leader_gone(*st.core, st.monitored, dm);
    for (auto& [name, t] : st.topics) {
      for (int32_t p = 0; p < static_cast<int32_t>(t.partitions.size()); ++p) {
        auto& slot = t.partitions[static_cast<size_t>(p)];
        if (slot.next_handle && caf::actor_cast<caf::actor_addr>(slot.next_handle) == dm.source) {
          slot.next_handle = partition_actor{};
        }
        if (!slot.handle || caf::actor_cast<caf::actor_addr>(slot.handle) != dm.source) continue;
        slot.handle = partition_actor{};
        if (slot.window.idle() || slot.waiting_retry) continue;  // the next send looks the leader up
        spdlog::warn("producer: the leader of {}/{} went away; sending again to the next one", name, p);
        produce_reply r;
        r.error_code = code(kafka_error::not_leader_or_follower);
        r.error_message = "the leader's node went away";
        retry_or_fail(self, name, p, r, true);
      }
    }
  });
  return {
    [=](wake_atom) {
      auto& taken = self->state.taken;
      auto& q = *self->state.queue;
      {
        std::lock_guard<std::mutex> guard(q.mtx);
        taken.swap(q.records.chunks);
        q.wake_sent = false;
        auto& names = self->state.topic_names;
        names.insert(names.end(), q.topic_names.begin() + static_cast<std::ptrdiff_t>(names.size()), q.topic_names.end());
      }
      for (auto& chunk : taken) route_records(self, chunk);
      {
        std::lock_guard<std::mutex> guard(q.mtx);
        for (auto& chunk : taken) {
          if (q.pool.size() >= pooled_chunks) break;
          if (chunk.capacity() >= chunk_records) q.pool.push_back(std::move(chunk));
        }
      }
      taken.clear();
    },
    [=](caf::atom_constant<caf::atom("linger")>) {
      auto& st = self->state;
      st.tick_armed = false;
      bool pending = false;
      auto now = caf_clock::now();
      for (auto& [name, t] : st.topics) {
        for (int32_t p = 0; p < static_cast<int32_t>(t.partitions.size()); ++p) {
          auto& slot = t.partitions[static_cast<size_t>(p)];
          if (slot.builder && !slot.builder->empty()) {
            if (now - slot.started >= st.options.linger) {
              seal(self, t, p);
              if (t.sticky == p) t.sticky = -1;
              try_send(self, name, p);
            } else {
              pending = true;
            }
          }
        }
      }
      if (pending) {
        st.tick_armed = true;
        self->delayed_send(self, st.options.linger, caf::make_message(caf::atom("linger")));
      }
    },
    [=](flush_atom) {
      auto& st = self->state;
      for (auto& [name, t] : st.topics) {
        for (int32_t p = 0; p < static_cast<int32_t>(t.partitions.size()); ++p) {
          seal(self, t, p);
          try_send(self, name, p);
        }
      }
    },
    [=](caf::atom_constant<caf::atom("retry")>, const std::string& topic, int32_t p) {
      auto& slot = self->state.topics[topic].partitions[static_cast<size_t>(p)];
      slot.waiting_retry = false;
      try_send(self, topic, p);
    },
  };
}

class producer_impl final : public producer {
 public:
  producer_impl(std::shared_ptr<client_core> core, const producer_options& opts)
      : core_(std::move(core)), queue_(std::make_shared<shared_queue>()), options_(opts) {
    actor_ = core_->sys->spawn(producer_behavior, core_, queue_, opts);
  }

  ~producer_impl() override {
    flush(std::chrono::seconds(30));
    caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  }

  void send(const std::string& topic, std::optional<std::string> key, std::optional<std::string> value,
            headers_t headers, std::optional<int64_t> timestamp, delivery_callback on_delivery) override {
    enqueue(topic, std::nullopt, std::move(key), std::move(value), std::move(headers), timestamp, std::move(on_delivery));
  }

  void send_to(const topic_partition& tp, std::optional<std::string> key, std::optional<std::string> value, headers_t headers,
               std::optional<int64_t> timestamp, delivery_callback on_delivery) override {
    enqueue(tp.topic, tp.partition, std::move(key), std::move(value), std::move(headers), timestamp, std::move(on_delivery));
  }

  void enqueue(const std::string& topic, std::optional<int32_t> partition, std::optional<std::string> key,
               std::optional<std::string> value, headers_t headers, std::optional<int64_t> timestamp,
               delivery_callback on_delivery) {
    // Inside a trace scope, the record carries the trace on (unless the caller set one).
    if (auto trace = current_trace()) {
      const bool has = std::any_of(headers.begin(), headers.end(), [](const auto& h) { return h.first == traceparent_header; });
      if (!has) headers.emplace_back(std::string(traceparent_header), trace->child().traceparent());
    }
    bool wake = false;
    {
      std::unique_lock<std::mutex> lock(queue_->mtx);
      // Back-pressure: block while too many records are unacknowledged.
      queue_->changed.wait(lock, [&] { return queue_->unacknowledged < options_.max_buffered_records; });
      queue_->records.push(queued_record{intern_locked(topic), std::move(key), std::move(value), std::move(headers),
                                         timestamp.value_or(storage::system_now_ms()), std::move(on_delivery), partition},
                           &queue_->pool);
      ++queue_->unacknowledged;
      if (!queue_->wake_sent) {
        queue_->wake_sent = true;
        wake = true;
      }
    }
    if (wake) caf::anon_send(actor_, wake_atom::value);
  }

  status flush(std::chrono::milliseconds timeout) override {
    caf::anon_send(actor_, flush_atom::value);
    std::unique_lock<std::mutex> lock(queue_->mtx);
    bool done = queue_->changed.wait_for(lock, timeout, [&] { return queue_->unacknowledged == 0; });
    if (!done) {
      return status{code(kafka_error::request_timed_out),
                    std::to_string(queue_->unacknowledged) + " records still unacknowledged after the flush timeout"};
    }
    return status::success();
  }

  uint64_t unacknowledged() const override {
    std::lock_guard<std::mutex> guard(queue_->mtx);
    return queue_->unacknowledged;
  }

 private:
  // The index of a topic name (under queue_->mtx); consecutive sends to one topic skip the map.
  uint32_t intern_locked(const std::string& topic) {
    auto& q = *queue_;
    if (last_topic_ < q.topic_names.size() && q.topic_names[last_topic_] == topic) return last_topic_;
    auto [it, added] = q.topic_ids.try_emplace(topic, static_cast<uint32_t>(q.topic_names.size()));
    if (added) q.topic_names.push_back(topic);
    last_topic_ = it->second;
    return last_topic_;
  }

  std::shared_ptr<client_core> core_;
  std::shared_ptr<shared_queue> queue_;
  producer_options options_;
  caf::actor actor_;
  uint32_t last_topic_ = UINT32_MAX;  // under queue_->mtx
};

}  // namespace

std::unique_ptr<producer> make_producer_impl(std::shared_ptr<client_core> core, const producer_options& opts) {
  return std::make_unique<producer_impl>(std::move(core), opts);
}

}  // namespace fluxo::client
