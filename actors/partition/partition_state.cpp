#include "actors/partition/partition_state.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

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

partition_state::partition_state(partition_id id, std::unique_ptr<storage::partition_log> log, topic_config cfg)
    : id_(std::move(id)), log_(std::move(log)), config_(std::move(cfg)) {
  rebuild_producer_state();
}

void partition_state::rebuild_producer_state() {
  int64_t offset = log_->log_start_offset();
  while (offset < log_->log_end_offset()) {
    auto r = log_->read(offset, 4 << 20);
    if (!r || r->bytes.empty()) break;
    storage::batch_cursor cursor(r->bytes);
    while (auto b = cursor.next()) {
      const auto& h = b->first;
      if (h.producer_id >= 0) {
        producers_.record({h.producer_id, h.producer_epoch, h.base_sequence,
                           static_cast<int32_t>((static_cast<int64_t>(h.base_sequence) + h.last_offset_delta) % (int64_t{INT32_MAX} + 1))},
                          h.base_offset, h.last_offset());
      }
    }
    offset = r->next_offset;
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
  if (acks != 0 && acks != 1 && acks != -1) return fail(kafka_error::invalid_required_acks, "acks must be 0, 1 or -1");
  // Validate every batch and check producer sequences before touching the log.
  std::vector<char> accepted;
  std::vector<producer_batch_meta> metas;
  std::optional<std::pair<int64_t, int64_t>> duplicate;
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
    producer_batch_meta meta{h->producer_id, h->producer_epoch, h->base_sequence,
                             static_cast<int32_t>((static_cast<int64_t>(h->base_sequence) + h->last_offset_delta) %
                                                  (int64_t{INT32_MAX} + 1))};
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
      check = producers_.check(meta);
    }
    if (check.error != kafka_error::none) {
      return fail(check.error, "producer " + std::to_string(meta.producer_id) + " epoch " +
                                   std::to_string(meta.producer_epoch) + " sequence " +
                                   std::to_string(meta.first_sequence) + " rejected");
    }
    if (check.duplicate_of) {
      if (!duplicate) duplicate = check.duplicate_of;
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
    out.reply.last_offset = duplicate->second;
    out.reply.log_start_offset = log_->log_start_offset();
    return out;  // a retry of something already in the log: success, same offsets
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
    producers_.record(metas[i++], b->first.base_offset, b->first.last_offset());
  }
  if (first_unflushed_ms_ < 0) first_unflushed_ms_ = now_ms;
  out.reply.base_offset = appended->base_offset;
  out.reply.last_offset = appended->last_offset;
  out.reply.log_append_time = appended->log_append_time;
  out.reply.log_start_offset = log_->log_start_offset();
  out.wait_for_flush = acks == -1;
  return out;
}

fetch_reply partition_state::read(const fetch_request& r) {
  fetch_reply out;
  out.high_watermark = log_->log_end_offset();
  out.last_stable_offset = out.high_watermark;
  out.log_start_offset = log_->log_start_offset();
  out.next_offset = r.offset;
  if (r.offset == out.high_watermark) return out;
  auto got = log_->read(r.offset, static_cast<std::size_t>(std::max(r.max_bytes, 1)));
  if (!got) {
    out.error_code = code(to_kafka_error(got.err()));
    if (got.err().code != errc::offset_out_of_range) {
      spdlog::error("[{}] read at offset {} failed: {}", id_.to_string(), r.offset, got.err().to_string());
    }
    return out;
  }
  out.records = std::move(got->bytes);
  out.next_offset = got->next_offset;
  return out;
}

bool partition_state::can_answer(const fetch_request& r) const {
  auto leo = log_->log_end_offset();
  if (r.offset < log_->log_start_offset() || r.offset > leo) return true;  // error reply
  if (r.max_wait_ms <= 0) return true;
  if (r.offset == leo) return false;
  if (r.min_bytes <= 1) return true;
  return false;  // decided by take_ready_fetches with byte counts
}

void partition_state::park(uint64_t token, const fetch_request& r, int64_t now_ms) {
  parked_[token] = parked_fetch{r, now_ms + std::max(r.max_wait_ms, 0)};
}

std::vector<uint64_t> partition_state::take_ready_fetches(int64_t now_ms) {
  std::vector<uint64_t> ready;
  const auto leo = log_->log_end_offset();
  for (auto& [token, p] : parked_) {
    bool ready_now = p.deadline_ms <= now_ms;
    if (!ready_now && p.request.offset < leo) {
      if (p.request.min_bytes <= 1) {
        ready_now = true;
      } else {
        // Enough bytes? Measure with a bounded read (the whole batches from the offset).
        // Whole batches only: if the read stopped before the end of the log, more than
        // min_bytes are available.
        auto got = log_->read(p.request.offset, static_cast<std::size_t>(p.request.min_bytes));
        ready_now = !got || got->bytes.size() >= static_cast<std::size_t>(p.request.min_bytes) ||
                    got->next_offset < leo;
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
  return next;
}

std::vector<uint64_t> partition_state::take_durable_acks() {
  std::vector<uint64_t> done;
  const auto flushed = log_->flushed_offset();
  for (auto it = pending_acks_.begin(); it != pending_acks_.end();) {
    if (it->second < flushed) {
      done.push_back(it->first);
      it = pending_acks_.erase(it);
    } else {
      ++it;
    }
  }
  return done;
}

std::optional<storage::flush_job> partition_state::start_flush_if_due(int64_t now_ms) {
  if (flush_in_flight_ || !log_->has_unflushed_data()) return std::nullopt;
  const auto unflushed = log_->unflushed_records();
  bool due = !pending_acks_.empty() ||
             (config_.flush_messages > 0 && unflushed >= static_cast<uint64_t>(config_.flush_messages)) ||
             (config_.flush_ms > 0 && first_unflushed_ms_ >= 0 && now_ms - first_unflushed_ms_ >= config_.flush_ms) ||
             (unflushed == 0);  // only sealed segments / directory entries left: cheap, do it
  if (!due) return std::nullopt;
  flush_in_flight_ = true;
  first_unflushed_ms_ = -1;
  return log_->prepare_flush();
}

void partition_state::finish_flush(const storage::flush_job& job, storage::result<void> outcome) {
  flush_in_flight_ = false;
  if (!outcome) {
    spdlog::error("[{}] flush failed: {}", id_.to_string(), outcome.err().to_string());
  }
  if (auto r = log_->complete_flush(job, std::move(outcome)); !r) {
    spdlog::error("[{}] flush bookkeeping failed: {}", id_.to_string(), r.err().to_string());
  }
  if (log_->unflushed_records() > 0 && first_unflushed_ms_ < 0) first_unflushed_ms_ = 0;
}

list_offsets_reply partition_state::list_offsets(int64_t timestamp) {
  list_offsets_reply out;
  if (timestamp == -1) {
    out.offset = log_->log_end_offset();
  } else if (timestamp == -2) {
    out.offset = log_->log_start_offset();
  } else {
    auto found = log_->offset_for_timestamp(timestamp);
    if (!found) {
      out.error_code = code(to_kafka_error(found.err()));
    } else if (*found) {
      out.offset = **found;
      out.timestamp = timestamp;
    }
  }
  return out;
}

partition_info partition_state::info() const {
  partition_info p;
  p.partition = id_.partition;
  p.leader_node = 0;
  p.leader_epoch = 0;
  auto s = log_->stats();
  p.log_start_offset = s.log_start_offset;
  p.high_watermark = s.log_end_offset;
  p.size_bytes = static_cast<int64_t>(s.size_bytes);
  p.segments = static_cast<int32_t>(s.segments);
  for (const auto& [base, size] : log_->segment_sizes()) p.segment_list.push_back({base, static_cast<int64_t>(size)});
  return p;
}

void partition_state::housekeeping() {
  if (auto r = log_->tick(); !r) {
    spdlog::error("[{}] housekeeping failed: {}", id_.to_string(), r.err().to_string());
  }
}

void partition_state::update_config(const topic_config& cfg) {
  config_ = cfg;
  log_->update_config(make_log_config(cfg));
}

storage::result<void> partition_state::close() {
  pending_acks_.clear();
  parked_.clear();
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
