#include "actors/partition/partition_state.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "storage/byte_order.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::actors {

using storage::errc;

storage::log_config make_log_config(const topic_config& cfg) {
  storage::log_config lc;
  lc.segment_bytes = static_cast<uint64_t>(std::clamp<int64_t>(cfg.segment_bytes, 1 << 14, INT32_MAX));
  lc.segment_ms = cfg.segment_ms;
  lc.cleanup = cfg.cleanup_policy == "compact" ? storage::cleanup_policy::compact : storage::cleanup_policy::remove;
  lc.retention_ms = cfg.retention_ms;
  lc.retention_bytes = cfg.retention_bytes;
  lc.delete_retention_ms = cfg.delete_retention_ms;
  lc.timestamps = cfg.timestamp_type == "LogAppendTime" ? storage::timestamp_type::log_append_time
                                                          : storage::timestamp_type::create_time;
  lc.max_batch_bytes = static_cast<uint32_t>(std::max<int64_t>(cfg.max_message_bytes, 1024) + 1024);
  lc.external_flush = true;  // the partition actor schedules flushes on the flusher
  lc.max_open_segments = 8;
  lc.leader_epoch = 0;
  return lc;
}

kafka_error to_kafka_error(const storage::error& e) {
  switch (e.code) {
    case errc::invalid_batch:
    case errc::corrupt_batch: return kafka_error::corrupt_message;
    case errc::message_too_large: return kafka_error::message_too_large;
    case errc::offset_out_of_range: return kafka_error::offset_out_of_range;
    case errc::unsupported_codec: return kafka_error::corrupt_message;
    case errc::io_error:
    case errc::no_space:
    case errc::closed: return kafka_error::kafka_storage_error;
    default: return kafka_error::unknown_server_error;
  }
}

const char* to_string(replica_role r) {
  switch (r) {
    case replica_role::leader: return "leader";
    case replica_role::follower: return "follower";
    case replica_role::offline: return "offline";
  }
  return "?";
}

namespace {

// The whole batches at the front of `bytes` (as read from a log) that end below `limit`: how
// many bytes they take and the offset after them (`from` when there are none).
struct prefix_below {
  std::size_t bytes = 0;
  int64_t next_offset = 0;
};
prefix_below batches_below(std::span<const char> bytes, int64_t limit, int64_t from) {
  prefix_below out{0, from};
  while (out.bytes + storage::batch_header_size <= bytes.size()) {
    const char* p = bytes.data() + out.bytes;
    const auto base = storage::load_be<int64_t>(p);
    const auto len = storage::load_be<int32_t>(p + storage::batch_length_offset);
    const auto last_delta = storage::load_be<int32_t>(p + 23);  // lastOffsetDelta
    const auto size = static_cast<std::size_t>(len) + storage::batch_log_overhead;
    if (len < 0 || out.bytes + size > bytes.size() || base + last_delta >= limit) break;
    out.bytes += size;
    out.next_offset = base + last_delta + 1;
  }
  return out;
}

bool same_partition_role(const partition_role& a, const partition_role& b) {
  return a.leader == b.leader && a.leader_epoch == b.leader_epoch;
}

}  // namespace

partition_state::partition_state(partition_id id, std::unique_ptr<storage::partition_log> log, topic_config cfg)
    : id_(std::move(id)), log_(std::move(log)), config_(std::move(cfg)), producer_snapshots_(log_->dir()) {
  // Alone, a partition leads itself: one replica, HW = LEO, acks=all = fsynced here.
  role_info_.self = 0;
  role_info_.leader = 0;
  role_info_.replicas = {0};
  role_info_.isr = {0};
  replication_.start(0, {0}, {0}, 0, log_->log_end_offset(), log_->flushed_offset(), log_->log_end_offset(), 0, 0);
  restore_producer_state();
}

// The newest snapshot at or below the log end (newer ones describe batches that are gone),
// then the batch headers after it. Without a snapshot, or with one below the log start (the
// batches between were deleted by retention), replay starts at the log start.
void partition_state::restore_producer_state() {
  const auto leo = log_->log_end_offset();
  if (auto r = producer_snapshots_.remove_above(leo); !r) {
    spdlog::warn("[{}] removing producer snapshots above {}: {}", id_.to_string(), leo, r.err().to_string());
  }
  producers_.forget_appended();
  producer_restore_ = {};
  snapshotted_segment_base_ = log_->active_segment_base();
  newest_snapshot_ = -1;
  int64_t offset = log_->log_start_offset();
  if (auto snap = producer_snapshots_.latest_at_or_below(leo)) {
    if (producers_.restore(snap->payload)) {
      newest_snapshot_ = snap->offset;  // (one that does not parse is rewritten at close)
      producer_restore_.snapshot_offset = snap->offset;
      offset = std::max(offset, snap->offset);
    } else {
      spdlog::warn("[{}] producer snapshot at {} does not parse: replaying the whole log", id_.to_string(),
                   snap->offset);
    }
  }
  while (offset < leo) {
    auto r = log_->read(offset, 4 << 20);
    if (!r || r->bytes.empty()) break;
    record_producers(r->bytes);
    producer_restore_.replayed_bytes += r->bytes.size();
    offset = r->next_offset;
  }
}

// Kafka's rule: a snapshot when a segment rolls (and at close), so a restart or truncation
// replays at most about one segment. The snapshot covers everything below the log end.
void partition_state::snapshot_producers_if_rolled() {
  if (log_->active_segment_base() != snapshotted_segment_base_) snapshot_producers();
}

void partition_state::snapshot_producers() {
  snapshotted_segment_base_ = log_->active_segment_base();
  const auto leo = log_->log_end_offset();
  if (auto r = producer_snapshots_.write(leo, producers_.encode()); !r) {
    // Not fatal: the next restart replays more of the log.
    spdlog::warn("[{}] writing the producer snapshot at {} failed: {}", id_.to_string(), leo, r.err().to_string());
    return;
  }
  newest_snapshot_ = leo;
}

// A truncation drops the snapshots above the new end first, durably, then restores the
// producer table. `fully`: the log restarts empty at `offset` (no snapshot survives).
storage::result<void> partition_state::truncate_log(int64_t offset, bool fully) {
  if (auto r = producer_snapshots_.remove_above(fully ? -1 : offset); !r) return r;
  if (auto r = fully ? log_->truncate_fully(offset) : log_->truncate_to(offset); !r) return r;
  restore_producer_state();
  return {};
}

void partition_state::record_producers(std::span<const char> batches) {
  storage::batch_cursor cursor(batches);
  while (auto b = cursor.next()) {
    const auto& h = b->first;
    if (h.producer_id >= 0) {
      producers_.record(producer_meta(h), h.base_offset, h.last_offset());
    }
  }
}

// ---- role ----------------------------------------------------------------------------------

void partition_state::set_role(const partition_role& role, int64_t now_ms) {
  if (role.leader_epoch < role_info_.leader_epoch) return;  // older than what we know
  const bool leads = role.leader == role.self && role.leader >= 0;
  const auto before = role_;
  if (leads && before == replica_role::leader && same_partition_role(role, role_info_)) {
    // Same leadership: the store changed the replicas or the ISR (controller, reassignment).
    replication_.update_from_store(role.replicas, role.isr, role.version, now_ms);
    role_info_ = role;
    return;
  }
  if (leads) {
    if (auto r = log_->begin_epoch(role.leader_epoch); !r) {
      spdlog::error("[{}] cannot record leader epoch {}: {}", id_.to_string(), role.leader_epoch, r.err().to_string());
    }
    const auto hw = before == replica_role::leader ? replication_.high_watermark() : follower_hw_;
    replication_.start(role.self, role.replicas, role.isr, role.version, log_->log_end_offset(), log_->flushed_offset(),
                       hw, log_->log_end_offset(), now_ms);
    role_ = replica_role::leader;
    spdlog::info("[{} epoch {}] leader (isr {}), log end offset {}, high watermark {}", id_.to_string(),
                 role.leader_epoch, role.isr.size(), log_->log_end_offset(), replication_.high_watermark());
  } else {
    if (before == replica_role::leader) {
      follower_hw_ = std::min(replication_.high_watermark(), log_->log_end_offset());
      fail_acks(kafka_error::not_leader_or_follower);
    }
    role_ = role.leader < 0 ? replica_role::offline : replica_role::follower;
    if (before == replica_role::leader || !same_partition_role(role, role_info_)) {
      spdlog::info("[{} epoch {}] {} (leader {})", id_.to_string(), role.leader_epoch, to_string(role_), role.leader);
    }
  }
  role_info_ = role;
  // Parked requests of the previous role are answered now (errors or data).
  for (auto& [t, p] : parked_) p.deadline_ms = std::min(p.deadline_ms, now_ms);
  for (auto& [t, p] : parked_replicas_) p.deadline_ms = std::min(p.deadline_ms, now_ms);
}

int64_t partition_state::high_watermark() const {
  return role_ == replica_role::leader ? replication_.high_watermark() : follower_hw_;
}

kafka_error partition_state::not_leading_error() const {
  return role_ == replica_role::leader ? kafka_error::none : kafka_error::not_leader_or_follower;
}

void partition_state::local_progress() {
  if (role_ == replica_role::leader) replication_.on_local(log_->log_end_offset(), log_->flushed_offset());
}

// ---- produce -------------------------------------------------------------------------------

void partition_state::remember_refused(std::span<const char> batches, int64_t now_ms) {
  std::size_t pos = 0;
  while (pos < batches.size()) {
    auto h = storage::parse_batch_header(batches.subspan(pos));
    if (!h || h->size_bytes() == 0) return;
    producers_.refused(producer_meta(*h), now_ms);
    pos += h->size_bytes();
  }
}

partition_state::append_outcome partition_state::append(std::vector<char>& batches, int8_t acks, int64_t now_ms) {
  append_outcome out;
  auto fail = [&](kafka_error e, std::string msg) {
    out.reply.error_code = code(e);
    out.reply.error_message = std::move(msg);
    out.reply.log_start_offset = log_->log_start_offset();
    return out;
  };
  if (role_ != replica_role::leader) {
    remember_refused(batches, now_ms);
    return fail(not_leading_error(), "this replica of " + id_.to_string() + " is not the leader (leader: node " +
                                         std::to_string(role_info_.leader) + ", epoch " +
                                         std::to_string(role_info_.leader_epoch) + ")");
  }
  if (acks != 0 && acks != 1 && acks != -1) return fail(kafka_error::invalid_required_acks, "acks must be 0, 1 or -1");
  if (acks == -1 && static_cast<int32_t>(replication_.isr().size()) < role_info_.min_insync) {
    return fail(kafka_error::not_enough_replicas,
                id_.to_string() + " has " + std::to_string(replication_.isr().size()) +
                    " in-sync replicas, fewer than min.insync.replicas " + std::to_string(role_info_.min_insync));
  }
  // Validate every batch and check producer sequences before touching the log.
  std::vector<char> accepted;
  std::vector<producer_batch_meta> metas;
  std::optional<std::pair<int64_t, int64_t>> duplicate;  // the first duplicate batch's offsets
  int64_t duplicate_last = -1;                             // the last offset of any duplicate
  std::map<int64_t, producer_batch_meta> in_request;  // last accepted batch per producer
  std::size_t pos = 0;
  while (pos < batches.size()) {
    auto rest = std::span<const char>(batches).subspan(pos);
    auto h = storage::validate_batch(rest);
    if (!h) return fail(to_kafka_error(h.err()), h.err().message);
    if (h->size_bytes() > static_cast<std::size_t>(config_.max_message_bytes)) {
      return fail(kafka_error::message_too_large,
                  "batch of " + std::to_string(h->size_bytes()) + " bytes exceeds max.message.bytes " +
                      std::to_string(config_.max_message_bytes) + " of topic " + id_.topic);
    }
    auto meta = producer_meta(*h);
    // A request may carry several batches of one producer: check each against the ones
    // before it in this request, not only against what is already in the log.
    producer_check check;
    if (auto prev = in_request.find(meta.producer_id); meta.producer_id >= 0 && prev != in_request.end()) {
      if (meta.producer_epoch != prev->second.producer_epoch) {
        check.error = kafka_error::invalid_producer_epoch;
      } else if (meta.first_sequence != next_sequence(prev->second.last_sequence)) {
        check.error = kafka_error::out_of_order_sequence_number;
      }
    } else {
      check = producers_.check(meta, now_ms);
    }
    if (check.error != kafka_error::none) {
      return fail(check.error, "producer " + std::to_string(meta.producer_id) + " epoch " +
                                   std::to_string(meta.producer_epoch) + " sequence " +
                                   std::to_string(meta.first_sequence) + " rejected");
    }
    if (check.duplicate_of) {
      if (!duplicate) duplicate = check.duplicate_of;
      duplicate_last = std::max(duplicate_last, check.duplicate_of->second);
    } else {
      accepted.insert(accepted.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(h->size_bytes()));
      metas.push_back(meta);
      if (meta.producer_id >= 0) in_request[meta.producer_id] = meta;
    }
    pos += h->size_bytes();
  }
  if (accepted.empty()) {
    if (!duplicate) return fail(kafka_error::corrupt_message, "produce request holds no record batch");
    out.reply.base_offset = duplicate->first;
    out.reply.last_offset = duplicate_last;  // acks=all waits for every batch of the request
    out.reply.log_start_offset = log_->log_start_offset();
    // A retry of something already in the log: it succeeds with the same offsets once that
    // is as durable as acks asks.
    out.wait_for_ack = acks == -1 && duplicate_last >= replication_.durable_watermark();
    return out;
  }
  auto appended = log_->append(accepted);
  if (!appended) {
    spdlog::error("[{}] append failed: {}", id_.to_string(), appended.err().to_string());
    return fail(to_kafka_error(appended.err()), appended.err().message);
  }
  // Per-batch offsets for the producer table: walk the stored batches.
  storage::batch_cursor cursor(accepted);
  std::size_t i = 0;
  while (auto b = cursor.next()) {
    producers_.record(metas[i++], b->first.base_offset, b->first.last_offset(), now_ms);
  }
  snapshot_producers_if_rolled();
  if (first_unflushed_ms_ < 0) first_unflushed_ms_ = now_ms;
  local_progress();
  out.reply.base_offset = appended->base_offset;
  out.reply.last_offset = appended->last_offset;
  out.reply.log_append_time = appended->log_append_time;
  out.reply.log_start_offset = log_->log_start_offset();
  out.wait_for_ack = acks == -1;
  return out;
}

// ---- consumer fetch ------------------------------------------------------------------------

fetch_reply partition_state::read(const fetch_request& r) {
  fetch_reply out;
  const auto hw = read_limit();
  out.high_watermark = hw;
  out.last_stable_offset = hw;
  out.log_start_offset = log_->log_start_offset();
  out.next_offset = r.offset;
  if (role_ != replica_role::leader) {
    out.error_code = code(not_leading_error());
    return out;
  }
  if (r.offset >= hw && r.offset <= log_->log_end_offset()) return out;  // nothing committed there yet
  auto got = log_->read(r.offset, static_cast<std::size_t>(std::max(r.max_bytes, 1)));
  if (!got) {
    out.error_code = code(to_kafka_error(got.err()));
    if (got.err().code != errc::offset_out_of_range) {
      spdlog::error("[{}] read at offset {} failed: {}", id_.to_string(), r.offset, got.err().to_string());
    }
    return out;
  }
  if (got->next_offset > hw) {
    // Records above the high watermark are not committed: never hand them to consumers.
    auto keep = batches_below(got->bytes, hw, r.offset);
    got->bytes.resize(keep.bytes);
    got->next_offset = keep.next_offset;
  }
  out.records = std::move(got->bytes);
  out.next_offset = got->next_offset;
  return out;
}

bool partition_state::can_answer(const fetch_request& r) const {
  if (role_ != replica_role::leader) return true;  // error reply
  auto leo = log_->log_end_offset();
  if (r.offset < log_->log_start_offset() || r.offset > leo) return true;  // error reply
  if (r.max_wait_ms <= 0) return true;
  if (r.offset >= read_limit()) return false;
  if (r.min_bytes <= 1) return true;
  return false;  // decided by take_ready_fetches with byte counts
}

void partition_state::park(uint64_t token, const fetch_request& r, int64_t now_ms) {
  parked_[token] = parked_fetch{r, now_ms + std::max(r.max_wait_ms, 0)};
}

std::vector<uint64_t> partition_state::take_ready_fetches(int64_t now_ms) {
  std::vector<uint64_t> ready;
  const auto limit = read_limit();
  const auto leo = log_->log_end_offset();
  const bool leading = role_ == replica_role::leader;
  for (auto& [token, p] : parked_) {
    bool ready_now = !leading || p.deadline_ms <= now_ms;
    if (!ready_now && p.request.offset < limit) {
      if (p.request.min_bytes <= 1) {
        ready_now = true;
      } else {
        // Enough bytes? Measure with a bounded read (the whole batches from the offset).
        // Whole batches only: if the read stopped before the limit, more than min_bytes are
        // available.
        auto got = log_->read(p.request.offset, static_cast<std::size_t>(p.request.min_bytes));
        ready_now = !got || batches_below(got->bytes, limit, p.request.offset).bytes >=
                                static_cast<std::size_t>(p.request.min_bytes) ||
                    got->next_offset < limit;
      }
    }
    if (ready_now || p.request.offset > leo || p.request.offset < log_->log_start_offset()) ready.push_back(token);
  }
  return ready;
}

std::optional<fetch_request> partition_state::unpark(uint64_t token) {
  auto it = parked_.find(token);
  if (it == parked_.end()) return std::nullopt;
  auto r = it->second.request;
  parked_.erase(it);
  return r;
}

std::optional<int64_t> partition_state::next_fetch_deadline() const {
  std::optional<int64_t> next;
  for (const auto& [t, p] : parked_) {
    if (!next || p.deadline_ms < *next) next = p.deadline_ms;
  }
  for (const auto& [t, p] : parked_replicas_) {
    if (!next || p.deadline_ms < *next) next = p.deadline_ms;
  }
  return next;
}

// ---- leader side of replication ------------------------------------------------------------

std::optional<replica_fetch_reply> partition_state::replica_fetch(const replica_fetch_request& r, int64_t now_ms) {
  replica_fetch_reply out;
  out.leader_epoch = role_info_.leader_epoch;
  out.log_start_offset = log_->log_start_offset();
  out.log_end_offset = log_->log_end_offset();
  out.high_watermark = high_watermark();
  auto refuse = [&](kafka_error e) {
    out.error_code = code(e);
    return out;
  };
  if (role_ != replica_role::leader) return refuse(kafka_error::not_leader_or_follower);
  if (r.leader_epoch < role_info_.leader_epoch) return refuse(kafka_error::fenced_leader_epoch);
  if (r.leader_epoch > role_info_.leader_epoch) return refuse(kafka_error::unknown_leader_epoch);
  if (!replication_.is_replica(r.replica_id) || r.replica_id == role_info_.self) {
    return refuse(kafka_error::replica_not_available);
  }
  if (auto d = diverging_epoch(log_->epochs(), log_->log_end_offset(), r.last_fetched_epoch, r.fetch_offset)) {
    out.diverging_epoch = d->epoch;
    out.diverging_end_offset = d->end_offset;
    return out;
  }
  if (r.fetch_offset < log_->log_start_offset() || r.fetch_offset > log_->log_end_offset()) {
    return refuse(kafka_error::offset_out_of_range);
  }
  replication_.on_fetch(r.replica_id, r.fetch_offset, r.durable_offset, log_->log_end_offset(), now_ms);
  const bool owes_flush = !pending_acks_.empty() && r.durable_offset < r.fetch_offset;
  if (r.fetch_offset < log_->log_end_offset() || r.max_wait_ms <= 0 || owes_flush) return serve_replica(r, now_ms);
  return std::nullopt;
}

replica_fetch_reply partition_state::serve_replica(const replica_fetch_request& r, int64_t now_ms) {
  (void)now_ms;
  replica_fetch_reply out;
  out.leader_epoch = role_info_.leader_epoch;
  out.log_start_offset = log_->log_start_offset();
  out.log_end_offset = log_->log_end_offset();
  out.high_watermark = high_watermark();
  out.flush_wanted = !pending_acks_.empty();
  if (role_ != replica_role::leader || r.leader_epoch != role_info_.leader_epoch) {
    out.error_code = code(role_ == replica_role::leader ? kafka_error::fenced_leader_epoch
                                                        : kafka_error::not_leader_or_follower);
    return out;
  }
  if (r.fetch_offset >= log_->log_end_offset()) return out;
  auto got = log_->read(r.fetch_offset, static_cast<std::size_t>(std::max(r.max_bytes, 1)));
  if (!got) {
    out.error_code = code(to_kafka_error(got.err()));
    return out;
  }
  out.records = std::move(got->bytes);
  return out;
}

void partition_state::park_replica(uint64_t token, const replica_fetch_request& r, int64_t now_ms) {
  parked_replicas_[token] = parked_replica_fetch{r, now_ms + std::max(r.max_wait_ms, 0)};
}

std::vector<uint64_t> partition_state::take_ready_replica_fetches(int64_t now_ms) {
  std::vector<uint64_t> ready;
  const auto leo = log_->log_end_offset();
  for (const auto& [token, p] : parked_replicas_) {
    const bool stale = role_ != replica_role::leader || p.request.leader_epoch != role_info_.leader_epoch;
    const bool owes_flush = !pending_acks_.empty() && p.request.durable_offset < p.request.fetch_offset;
    if (stale || p.deadline_ms <= now_ms || p.request.fetch_offset < leo || owes_flush) ready.push_back(token);
  }
  return ready;
}

std::optional<replica_fetch_reply> partition_state::answer_parked_replica(uint64_t token, int64_t now_ms) {
  auto it = parked_replicas_.find(token);
  if (it == parked_replicas_.end()) return std::nullopt;
  auto r = it->second.request;
  parked_replicas_.erase(it);
  // Mark it durable-reported so an empty answer is not sent twice for the same flush.
  return serve_replica(r, now_ms);
}

std::optional<isr_proposal> partition_state::wanted_isr(int64_t now_ms) {
  if (role_ != replica_role::leader || replication_.replicas().size() <= 1) return std::nullopt;
  auto wanted = replication_.wanted_isr(now_ms, replica_lag_max_ms_);
  if (!wanted) return std::nullopt;
  replication_.proposed(*wanted);
  return isr_proposal{id_.topic, id_.partition, role_info_.leader_epoch, *wanted, replication_.version()};
}

void partition_state::isr_result(const isr_outcome& outcome, int64_t now_ms) {
  if (role_ != replica_role::leader) return;
  if (!outcome.applied) {
    replication_.rejected();
    return;
  }
  if (outcome.version > role_info_.version) {
    role_info_.isr = outcome.isr;
    role_info_.version = outcome.version;
  }
  replication_.applied(outcome.isr, outcome.version, now_ms);
}

// ---- follower side of replication ----------------------------------------------------------

replica_fetch_request partition_state::next_replica_fetch(int32_t max_bytes, int32_t max_wait_ms) const {
  replica_fetch_request r;
  r.replica_id = role_info_.self;
  r.leader_epoch = role_info_.leader_epoch;
  r.fetch_offset = log_->log_end_offset();
  r.last_fetched_epoch = log_->epochs().latest_epoch();
  r.durable_offset = log_->flushed_offset();
  r.max_bytes = max_bytes;
  r.max_wait_ms = max_wait_ms;
  return r;
}

partition_state::follower_step partition_state::apply_replica_fetch(replica_fetch_reply& reply) {
  follower_step step;
  const auto leo = log_->log_end_offset();
  auto truncate = [&](int64_t to) {
    auto r = truncate_log(to, to <= log_->log_start_offset() && to != leo);
    if (!r) {
      spdlog::error("[{}] truncation to {} failed: {}", id_.to_string(), to, r.err().to_string());
      step.error = kafka_error::kafka_storage_error;
      return;
    }
    follower_hw_ = std::min(follower_hw_, log_->log_end_offset());
    step.progressed = true;
  };
  if (reply.error_code == code(kafka_error::offset_out_of_range)) {
    if (leo < reply.log_start_offset) {
      spdlog::warn("[{}] behind the leader's log start {}: restarting the log there", id_.to_string(),
                   reply.log_start_offset);
      auto r = truncate_log(reply.log_start_offset, true);
      if (!r) step.error = kafka_error::kafka_storage_error;
      step.progressed = r.ok();
    } else if (leo > reply.log_end_offset) {
      truncate(reply.log_end_offset);
    } else {
      step.error = kafka_error::offset_out_of_range;
    }
    return step;
  }
  if (reply.error_code != 0) {
    step.error = static_cast<kafka_error>(reply.error_code);
    return step;
  }
  if (reply.diverging_end_offset >= 0) {
    auto to = truncation_offset(log_->epochs(), leo, {reply.diverging_epoch, reply.diverging_end_offset});
    spdlog::info("[{} epoch {}] log diverged from the leader's at epoch {} (ends at {}): truncating {} -> {}",
                 id_.to_string(), role_info_.leader_epoch, reply.diverging_epoch, reply.diverging_end_offset, leo, to);
    truncate(to);
    return step;
  }
  if (!reply.records.empty()) {
    auto appended = log_->append_replicated(reply.records);
    if (!appended) {
      spdlog::error("[{}] replicated append at {} failed: {}", id_.to_string(), leo, appended.err().to_string());
      step.error = to_kafka_error(appended.err());
      return step;
    }
    record_producers(reply.records);
    snapshot_producers_if_rolled();
    if (first_unflushed_ms_ < 0) first_unflushed_ms_ = 0;
    step.progressed = true;
  }
  follower_hw_ = std::min(reply.high_watermark, log_->log_end_offset());
  if (reply.flush_wanted && log_->has_unflushed_data()) {
    flush_requested_ = true;
    step.flush_wanted = true;
  }
  return step;
}

// ---- acks=all ------------------------------------------------------------------------------

void partition_state::await_ack(uint64_t token, int64_t last_offset, int64_t deadline_ms) {
  pending_acks_.emplace(token, pending_ack{last_offset, deadline_ms});
}

void partition_state::fail_acks(kafka_error e) {
  for (const auto& [token, a] : pending_acks_) failed_acks_.push_back({token, e});
  pending_acks_.clear();
}

std::vector<partition_state::ack_result> partition_state::take_acks(int64_t now_ms) {
  std::vector<ack_result> done = std::move(failed_acks_);
  failed_acks_.clear();
  if (role_ != replica_role::leader) return done;
  const auto durable = replication_.durable_watermark();
  const bool enough = static_cast<int32_t>(replication_.isr().size()) >= role_info_.min_insync;
  for (auto it = pending_acks_.begin(); it != pending_acks_.end();) {
    if (it->second.last_offset < durable) {
      done.push_back({it->first, enough ? kafka_error::none : kafka_error::not_enough_replicas_after_append});
      it = pending_acks_.erase(it);
    } else if (it->second.deadline_ms <= now_ms) {
      done.push_back({it->first, kafka_error::request_timed_out});
      it = pending_acks_.erase(it);
    } else {
      ++it;
    }
  }
  return done;
}

std::optional<int64_t> partition_state::next_ack_deadline() const {
  std::optional<int64_t> next;
  for (const auto& [t, a] : pending_acks_) {
    if (!next || a.deadline_ms < *next) next = a.deadline_ms;
  }
  return next;
}

// ---- flush ---------------------------------------------------------------------------------

std::optional<storage::flush_job> partition_state::start_flush_if_due(int64_t now_ms) {
  if (flush_in_flight_ || !log_->has_unflushed_data()) return std::nullopt;
  const auto unflushed = log_->unflushed_records();
  bool due = !pending_acks_.empty() || flush_requested_ ||
             (config_.flush_messages > 0 && unflushed >= static_cast<uint64_t>(config_.flush_messages)) ||
             (config_.flush_ms > 0 && first_unflushed_ms_ >= 0 && now_ms - first_unflushed_ms_ >= config_.flush_ms) ||
             (unflushed == 0);  // only sealed segments / directory entries left: cheap, do it
  if (!due) return std::nullopt;
  flush_in_flight_ = true;
  flush_requested_ = false;
  first_unflushed_ms_ = -1;
  return log_->prepare_flush();
}

void partition_state::finish_flush(const storage::flush_job& job, storage::result<void> outcome) {
  flush_in_flight_ = false;
  const bool failed = !outcome;
  if (failed) {
    spdlog::error("[{}] flush failed: {}", id_.to_string(), outcome.err().to_string());
  }
  if (auto r = log_->complete_flush(job, std::move(outcome)); !r && !failed) {
    spdlog::error("[{}] flush bookkeeping failed: {}", id_.to_string(), r.err().to_string());
  }
  if (failed) {
    // The disk refused the fsync: fail what waits for durability rather than hang.
    fail_acks(kafka_error::kafka_storage_error);
  }
  if (log_->unflushed_records() > 0 && first_unflushed_ms_ < 0) first_unflushed_ms_ = 0;
  local_progress();
}

list_offsets_reply partition_state::list_offsets(int64_t timestamp) {
  list_offsets_reply out;
  if (role_ != replica_role::leader) {
    out.error_code = code(not_leading_error());
    return out;
  }
  // KIP-207: a new leader's high watermark can trail its predecessor's until the followers
  // fetch again. Until it reaches the start of this leader's epoch, "latest" (and a timestamp
  // past it) answer the retriable OFFSET_NOT_AVAILABLE instead of an offset below one a client
  // may already have seen.
  const bool hw_lagging = high_watermark() < replication_.epoch_start_offset();
  if (timestamp == -1) {
    if (hw_lagging) {
      out.error_code = code(kafka_error::offset_not_available);
    } else {
      out.offset = high_watermark();
    }
  } else if (timestamp == -2) {
    out.offset = log_->log_start_offset();
  } else {
    auto found = log_->offset_for_timestamp(timestamp);
    if (!found) {
      out.error_code = code(to_kafka_error(found.err()));
    } else if (*found && **found < high_watermark()) {
      out.offset = **found;
      out.timestamp = timestamp;
    } else if (hw_lagging) {
      out.error_code = code(kafka_error::offset_not_available);
    }
  }
  return out;
}

partition_info partition_state::info() const {
  partition_info p;
  p.partition = id_.partition;
  p.leader_node = role_info_.leader;
  p.leader_epoch = role_info_.leader_epoch;
  p.replicas = role_info_.replicas;
  p.isr = role_ == replica_role::leader ? replication_.isr() : role_info_.isr;
  auto s = log_->stats();
  p.log_start_offset = s.log_start_offset;
  p.high_watermark = high_watermark();
  p.log_end_offset = s.log_end_offset;
  p.size_bytes = static_cast<int64_t>(s.size_bytes);
  p.segments = static_cast<int32_t>(s.segments);
  for (const auto& [base, size] : log_->segment_sizes()) p.segment_list.push_back({base, static_cast<int64_t>(size)});
  p.role = to_string(role_);
  if (role_ == replica_role::leader) p.max_follower_lag = replication_.max_follower_lag(s.log_end_offset);
  return p;
}

void partition_state::housekeeping(int64_t now_ms) {
  if (auto r = log_->tick(); !r) {
    spdlog::error("[{}] housekeeping failed: {}", id_.to_string(), r.err().to_string());
  }
  snapshot_producers_if_rolled();  // an age-based roll
  // Snapshots wholly below the log start are no longer needed, except the newest of them (it
  // holds the producers whose batches retention deleted).
  const auto start = log_->log_start_offset();
  if (start > 0 && start != snapshots_pruned_at_start_) {
    snapshots_pruned_at_start_ = start;
    int64_t keep_from = -1;
    for (auto o : producer_snapshots_.offsets()) {
      if (o <= start) keep_from = o;
    }
    if (keep_from > 0) producer_snapshots_.remove_below(keep_from);
  }
  if (now_ms - last_expiry_ms_ < 30'000) return;
  last_expiry_ms_ = now_ms;
  if (auto gone = producers_.expire(now_ms); gone > 0) {
    spdlog::info("[{}] forgot {} producer id(s) idle for more than {} ms", id_.to_string(), gone,
                 producer_state_table::default_expiration_ms);
  }
}

void partition_state::update_config(const topic_config& cfg) {
  config_ = cfg;
  log_->update_config(make_log_config(cfg));
}

storage::result<void> partition_state::close() {
  pending_acks_.clear();
  parked_.clear();
  parked_replicas_.clear();
  // A restart then replays nothing (unless the log has nothing to replay anyway).
  const auto leo = log_->log_end_offset();
  if (leo > log_->log_start_offset() && newest_snapshot_ != leo) snapshot_producers();
  return log_->close();
}

storage::result<std::vector<std::shared_ptr<partition_state>>> open_partitions(
    const std::string& data_dir, const std::string& topic, const topic_config& cfg, int32_t first, int32_t last) {
  std::vector<std::shared_ptr<partition_state>> out;
  for (int32_t p = first; p < last; ++p) {
    partition_id id{topic, p};
    auto log = storage::partition_log::open(data_dir + "/" + id.dir_name(), make_log_config(cfg));
    if (!log) return std::move(log).take_error();
    out.push_back(std::make_shared<partition_state>(id, std::move(*log), cfg));
  }
  return out;
}

}  // namespace fluxo::actors
