// Layouts for Produce, Fetch, ListOffsets and InitProducerId (see produce_fetch.hpp).
#include "runtime/kafka/produce_fetch.hpp"

#include "runtime/kafka/codec.hpp"

namespace fluxo::kafka {

namespace {

template <class IO, class M>
void produce_request_layout(IO& io, int16_t, M& m) {
  io.nstr(m.transactional_id);
  io.i16(m.acks);
  io.i32(m.timeout_ms);
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.array(t.partitions, [&](auto& p) {
      io.i32(p.index);
      io.nbytes(p.records);
    });
  });
}

template <class IO, class M>
void produce_response_layout(IO& io, int16_t v, M& m) {
  io.array(m.responses, [&](auto& t) {
    io.str(t.name);
    io.array(t.partitions, [&](auto& p) {
      io.i32(p.index);
      io.i16(p.error_code);
      io.i64(p.base_offset);
      io.i64(p.log_append_time_ms);
      if (v >= 5) io.i64(p.log_start_offset);
    });
  });
  io.i32(m.throttle_time_ms);
}

template <class IO, class M>
void fetch_request_layout(IO& io, int16_t v, M& m) {
  io.i32(m.replica_id);
  io.i32(m.max_wait_ms);
  io.i32(m.min_bytes);
  io.i32(m.max_bytes);
  io.i8(m.isolation_level);
  if (v >= 7) {
    io.i32(m.session_id);
    io.i32(m.session_epoch);
  }
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.array(t.partitions, [&](auto& p) {
      io.i32(p.index);
      if (v >= 9) io.i32(p.current_leader_epoch);
      io.i64(p.fetch_offset);
      if (v >= 5) io.i64(p.log_start_offset);
      io.i32(p.partition_max_bytes);
    });
  });
  if (v >= 7) {
    io.array(m.forgotten_topics, [&](auto& t) {
      io.str(t.name);
      io.i32_array(t.partitions);
    });
  }
  if (v >= 11) io.str(m.rack_id);
}

template <class IO, class M>
void fetch_response_layout(IO& io, int16_t v, M& m) {
  io.i32(m.throttle_time_ms);
  if (v >= 7) {
    io.i16(m.error_code);
    io.i32(m.session_id);
  }
  io.array(m.responses, [&](auto& t) {
    io.str(t.name);
    io.array(t.partitions, [&](auto& p) {
      io.i32(p.index);
      io.i16(p.error_code);
      io.i64(p.high_watermark);
      io.i64(p.last_stable_offset);
      if (v >= 5) io.i64(p.log_start_offset);
      io.nullable_array(p.aborted_transactions, [&](auto& a) {
        io.i64(a.producer_id);
        io.i64(a.first_offset);
      });
      if (v >= 11) io.i32(p.preferred_read_replica);
      io.nbytes(p.records);
    });
  });
}

template <class IO, class M>
void list_offsets_request_layout(IO& io, int16_t v, M& m) {
  io.i32(m.replica_id);
  if (v >= 2) io.i8(m.isolation_level);
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.array(t.partitions, [&](auto& p) {
      io.i32(p.index);
      io.i64(p.timestamp);
    });
  });
}

template <class IO, class M>
void list_offsets_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 2) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.array(t.partitions, [&](auto& p) {
      io.i32(p.index);
      io.i16(p.error_code);
      io.i64(p.timestamp);
      io.i64(p.offset);
    });
  });
}

template <class IO, class M>
void init_producer_id_request_layout(IO& io, int16_t, M& m) {
  io.nstr(m.transactional_id);
  io.i32(m.transaction_timeout_ms);
}

template <class IO, class M>
void init_producer_id_response_layout(IO& io, int16_t, M& m) {
  io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.i64(m.producer_id);
  io.i16(m.producer_epoch);
}

}  // namespace

FLUXO_KAFKA_CODEC(produce_request, api_key::produce)
FLUXO_KAFKA_CODEC(produce_response, api_key::produce)
FLUXO_KAFKA_CODEC(fetch_request, api_key::fetch)
FLUXO_KAFKA_CODEC(fetch_response, api_key::fetch)
FLUXO_KAFKA_CODEC(list_offsets_request, api_key::list_offsets)
FLUXO_KAFKA_CODEC(list_offsets_response, api_key::list_offsets)
FLUXO_KAFKA_CODEC(init_producer_id_request, api_key::init_producer_id)
FLUXO_KAFKA_CODEC(init_producer_id_response, api_key::init_producer_id)

std::size_t cap_fetch_response(fetch_response& m, int32_t max_bytes) {
  const std::size_t limit = max_bytes > 0 ? static_cast<std::size_t>(max_bytes) : 0;
  std::size_t kept = 0;
  for (auto& t : m.responses) {
    for (auto& p : t.partitions) {
      if (!p.records || p.records->empty()) continue;
      if (kept > 0 && kept + p.records->size() > limit) {
        p.records->clear();
        continue;
      }
      kept += p.records->size();
    }
  }
  return kept;
}

}  // namespace fluxo::kafka
