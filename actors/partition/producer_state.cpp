#include "actors/partition/producer_state.hpp"

#include <climits>

namespace fluxo::actors {

int32_t next_sequence(int32_t seq) { return seq == INT32_MAX ? 0 : seq + 1; }

producer_batch_meta producer_meta(const storage::batch_header& h) {
  return {h.producer_id, h.producer_epoch, h.base_sequence,
          static_cast<int32_t>((static_cast<int64_t>(h.base_sequence) + h.last_offset_delta) % (int64_t{INT32_MAX} + 1))};
}

bool sequence_after(int32_t a, int32_t b) {
  const int64_t space = int64_t{INT32_MAX} + 1;
  const int64_t d = ((static_cast<int64_t>(a) - b) % space + space) % space;
  return d > 0 && d < space / 2;
}

bool producer_state_table::fenced(const producer_batch_meta& b, int32_t expected_first, int64_t now_ms) const {
  auto it = refused_.find(b.producer_id);
  if (it == refused_.end()) return false;
  const auto& r = it->second;
  return r.epoch == b.producer_epoch && r.first_sequence == expected_first && now_ms - r.at_ms <= refused_fence_ms &&
         sequence_after(b.first_sequence, r.first_sequence);
}

producer_check producer_state_table::check(const producer_batch_meta& b, int64_t now_ms) const {
  producer_check out;
  if (b.producer_id < 0) return out;
  auto it = producers_.find(b.producer_id);
  if (it == producers_.end()) {
    if (b.first_sequence != 0) {
      out.error = fenced(b, 0, now_ms) ? kafka_error::not_leader_or_follower : kafka_error::unknown_producer_id;
    }
    return out;
  }
  const auto& e = it->second;
  if (b.producer_epoch < e.epoch) {
    out.error = kafka_error::invalid_producer_epoch;
    return out;
  }
  if (b.producer_epoch > e.epoch) {
    if (b.first_sequence != 0) out.error = kafka_error::out_of_order_sequence_number;
    return out;
  }
  for (const auto& c : e.recent) {
    if (c.first_sequence == b.first_sequence && c.last_sequence == b.last_sequence) {
      out.duplicate_of = std::make_pair(c.first_offset, c.last_offset);
      return out;
    }
  }
  if (const auto expected = next_sequence(e.last_sequence); b.first_sequence != expected) {
    out.error = fenced(b, expected, now_ms) ? kafka_error::not_leader_or_follower
                                            : kafka_error::out_of_order_sequence_number;
  }
  return out;
}

bool producer_state_table::behind_refused(const producer_batch_meta& b, int64_t now_ms) {
  auto it = refused_.find(b.producer_id);
  if (b.producer_id < 0 || it == refused_.end()) return false;
  const auto& r = it->second;
  if (r.epoch == b.producer_epoch && now_ms - r.at_ms <= refused_fence_ms &&
      sequence_after(b.first_sequence, r.first_sequence)) {
    return true;
  }
  refused_.erase(it);
  return false;
}

void producer_state_table::refused(const producer_batch_meta& b, int64_t now_ms) {
  if (b.producer_id < 0) return;
  auto [it, inserted] = refused_.try_emplace(b.producer_id, refused_batch{b.producer_epoch, b.first_sequence, now_ms});
  auto& r = it->second;
  // Keep the earliest refused batch of a run: the client resends from there.
  if (!inserted && (r.epoch != b.producer_epoch || now_ms - r.at_ms > refused_fence_ms ||
                    !sequence_after(b.first_sequence, r.first_sequence))) {
    r = refused_batch{b.producer_epoch, b.first_sequence, now_ms};
  }
}

void producer_state_table::record(const producer_batch_meta& b, int64_t first_offset, int64_t last_offset) {
  if (b.producer_id < 0) return;
  auto& e = producers_[b.producer_id];
  if (b.producer_epoch != e.epoch) {
    e.epoch = b.producer_epoch;
    e.recent.clear();
  }
  if (auto r = refused_.find(b.producer_id);
      r != refused_.end() && (r->second.epoch != b.producer_epoch || r->second.first_sequence == b.first_sequence)) {
    refused_.erase(r);  // the refused batch came again (or the producer moved on)
  }
  e.last_sequence = b.last_sequence;
  e.recent.push_back({b.first_sequence, b.last_sequence, first_offset, last_offset});
  while (e.recent.size() > cached_batches) e.recent.pop_front();
}

}  // namespace fluxo::actors
