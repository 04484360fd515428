#include "actors/partition/producer_state.hpp"

#include <climits>

namespace fluxo::actors {

int32_t next_sequence(int32_t seq) { return seq == INT32_MAX ? 0 : seq + 1; }

producer_check producer_state_table::check(const producer_batch_meta& b) const {
  producer_check out;
  if (b.producer_id < 0) return out;
  auto it = producers_.find(b.producer_id);
  if (it == producers_.end()) {
    if (b.first_sequence != 0) out.error = kafka_error::unknown_producer_id;
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
  if (b.first_sequence != next_sequence(e.last_sequence)) {
    out.error = kafka_error::out_of_order_sequence_number;
  }
  return out;
}

void producer_state_table::record(const producer_batch_meta& b, int64_t first_offset, int64_t last_offset) {
  if (b.producer_id < 0) return;
  auto& e = producers_[b.producer_id];
  if (b.producer_epoch != e.epoch) {
    e.epoch = b.producer_epoch;
    e.recent.clear();
  }
  e.last_sequence = b.last_sequence;
  e.recent.push_back({b.first_sequence, b.last_sequence, first_offset, last_offset});
  while (e.recent.size() > cached_batches) e.recent.pop_front();
}

}  // namespace fluxo::actors
