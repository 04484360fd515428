// Layouts for OffsetCommit and OffsetFetch (see offsets.hpp).
#include "runtime/kafka/offsets.hpp"

#include "runtime/kafka/codec.hpp"

namespace fluxo::kafka {

namespace {

template <class IO, class M>
void offset_commit_request_layout(IO& io, int16_t v, M& m) {
  io.str(m.group_id);
  if (v >= 1) {
    io.i32(m.generation_id);
    io.str(m.member_id);
  }
  if (v >= 7) io.nstr(m.group_instance_id);
  if (v >= 2 && v <= 4) io.i64(m.retention_time_ms);
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.array(t.partitions, [&](auto& p) {
      io.i32(p.index);
      io.i64(p.committed_offset);
      if (v >= 6) io.i32(p.committed_leader_epoch);
      if (v == 1) io.i64(p.commit_timestamp);
      io.nstr(p.committed_metadata);
    });
  });
}

template <class IO, class M>
void offset_commit_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 3) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.array(
        t.partitions,
        [&](auto& p) {
          io.i32(p.index);
          io.i16(p.error_code);
        },
        6);
  });
}

template <class IO, class M>
void offset_fetch_request_layout(IO& io, int16_t v, M& m) {
  io.str(m.group_id);
  auto topic = [&](auto& t) {
    io.str(t.name);
    io.i32_array(t.partitions);
  };
  if (v >= 2) {
    io.nullable_array(m.topics, topic, 6);
  } else {
    io.nonnull_array(m.topics, topic, 6);
  }
}

template <class IO, class M>
void offset_fetch_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 3) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.array(t.partitions, [&](auto& p) {
      io.i32(p.index);
      io.i64(p.committed_offset);
      if (v >= 5) io.i32(p.committed_leader_epoch);
      io.nstr(p.metadata);
      io.i16(p.error_code);
    });
  });
  if (v >= 2) io.i16(m.error_code);
}

}  // namespace

FLUXO_KAFKA_CODEC(offset_commit_request, api_key::offset_commit)
FLUXO_KAFKA_CODEC(offset_commit_response, api_key::offset_commit)
FLUXO_KAFKA_CODEC(offset_fetch_request, api_key::offset_fetch)
FLUXO_KAFKA_CODEC(offset_fetch_response, api_key::offset_fetch)

}  // namespace fluxo::kafka
