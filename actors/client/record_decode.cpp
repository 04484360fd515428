#include "actors/client/record_decode.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "storage/record_batch.hpp"

namespace fluxo::client {

int64_t decode_fetched(const topic_partition& tp, const std::vector<char>& batches, int64_t from,
                       std::vector<consumed_record>& out) {
  int64_t next = from;
  storage::batch_cursor cursor(batches);
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
      spdlog::error("client: undecodable batch in {}/{} at offset {}: {}", tp.topic, tp.partition,
                    b->first.base_offset, status.err().to_string());
    }
    next = std::max(next, b->first.next_offset());
  }
  return next;
}

}  // namespace fluxo::client
