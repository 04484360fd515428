#include "actors/partition/producer_state.hpp"

#include <climits>

#include "storage/byte_order.hpp"

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

void producer_state_table::record(const producer_batch_meta& b, int64_t first_offset, int64_t last_offset,
                                  int64_t now_ms) {
  if (b.producer_id < 0) return;
  auto& e = producers_[b.producer_id];
  e.last_seen_ms = now_ms;
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

std::size_t producer_state_table::expire(int64_t now_ms, int64_t idle_ms) {
  std::size_t gone = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    auto& seen = it->second.last_seen_ms;
    if (seen < 0) seen = now_ms;  // replayed: the clock starts now
    if (now_ms - seen > idle_ms) {
      it = producers_.erase(it);
      ++gone;
    } else {
      ++it;
    }
  }
  return gone;
}

namespace {

constexpr uint16_t snapshot_version = 1;

struct writer {
  std::vector<char>& out;
  template <class T>
  void put(T v) {
    const auto at = out.size();
    out.resize(at + sizeof(T));
    storage::store_be<T>(out.data() + at, v);
  }
};

struct reader {
  std::span<const char> in;
  std::size_t at = 0;
  bool ok = true;
  template <class T>
  T get() {
    if (!ok || in.size() - at < sizeof(T)) {
      ok = false;
      return T{};
    }
    auto v = storage::load_be<T>(in.data() + at);
    at += sizeof(T);
    return v;
  }
};

}  // namespace

std::vector<char> producer_state_table::encode() const {
  std::vector<char> out;
  out.reserve(6 + producers_.size() * (15 + cached_batches * 24));
  writer w{out};
  w.put<uint16_t>(snapshot_version);
  w.put<uint32_t>(static_cast<uint32_t>(producers_.size()));
  for (const auto& [pid, e] : producers_) {
    w.put<int64_t>(pid);
    w.put<int16_t>(e.epoch);
    w.put<int32_t>(e.last_sequence);
    w.put<uint8_t>(static_cast<uint8_t>(e.recent.size()));
    for (const auto& c : e.recent) {
      w.put<int32_t>(c.first_sequence);
      w.put<int32_t>(c.last_sequence);
      w.put<int64_t>(c.first_offset);
      w.put<int64_t>(c.last_offset);
    }
  }
  return out;
}

bool producer_state_table::restore(std::span<const char> payload) {
  reader r{payload};
  if (r.get<uint16_t>() != snapshot_version || !r.ok) return false;
  const auto count = r.get<uint32_t>();
  std::unordered_map<int64_t, entry> restored;
  for (uint32_t i = 0; i < count && r.ok; ++i) {
    const auto pid = r.get<int64_t>();
    entry e;
    e.epoch = r.get<int16_t>();
    e.last_sequence = r.get<int32_t>();
    const auto n = r.get<uint8_t>();
    if (n > cached_batches) return false;
    for (uint8_t k = 0; k < n && r.ok; ++k) {
      cached_batch c{};
      c.first_sequence = r.get<int32_t>();
      c.last_sequence = r.get<int32_t>();
      c.first_offset = r.get<int64_t>();
      c.last_offset = r.get<int64_t>();
      e.recent.push_back(c);
    }
    if (pid < 0) return false;
    restored[pid] = std::move(e);
  }
  if (!r.ok || r.at != payload.size()) return false;
  producers_ = std::move(restored);
  return true;
}

bool producer_state_table::same_producers(const producer_state_table& o) const {
  if (producers_.size() != o.producers_.size()) return false;
  for (const auto& [pid, e] : producers_) {
    auto it = o.producers_.find(pid);
    if (it == o.producers_.end()) return false;
    const auto& f = it->second;
    if (e.epoch != f.epoch || e.last_sequence != f.last_sequence || e.recent.size() != f.recent.size()) return false;
    for (std::size_t i = 0; i < e.recent.size(); ++i) {
      const auto& a = e.recent[i];
      const auto& b = f.recent[i];
      if (a.first_sequence != b.first_sequence || a.last_sequence != b.last_sequence ||
          a.first_offset != b.first_offset || a.last_offset != b.last_offset) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace fluxo::actors
