// Layouts for ApiVersions and Metadata (see metadata.hpp).
#include "runtime/kafka/metadata.hpp"

#include "actors/common/kafka_error.hpp"
#include "runtime/kafka/codec.hpp"

namespace fluxo::kafka {

namespace {

template <class IO, class M>
void api_versions_request_layout(IO&, int16_t, M&) {}

template <class IO, class M>
void api_versions_response_layout(IO& io, int16_t v, M& m) {
  io.i16(m.error_code);
  io.array(
      m.api_keys,
      [&](auto& a) {
        io.i16(a.key);
        io.i16(a.min_version);
        io.i16(a.max_version);
      },
      6);
  if (v >= 1) io.i32(m.throttle_time_ms);
}

template <class IO, class M>
void metadata_request_layout(IO& io, int16_t v, M& m) {
  auto name = [&](auto& s) { io.str(s); };
  if (v == 0) {
    io.nonnull_array(m.topics, name, 2);
  } else {
    io.nullable_array(m.topics, name, 2);
  }
  if (v >= 4) io.boolean(m.allow_auto_topic_creation);
}

template <class IO, class M>
void metadata_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 3) io.i32(m.throttle_time_ms);
  io.array(m.brokers, [&](auto& b) {
    io.i32(b.node_id);
    io.str(b.host);
    io.i32(b.port);
    if (v >= 1) io.nstr(b.rack);
  });
  if (v >= 2) io.nstr(m.cluster_id);
  if (v >= 1) io.i32(m.controller_id);
  io.array(m.topics, [&](auto& t) {
    io.i16(t.error_code);
    io.str(t.name);
    if (v >= 1) io.boolean(t.is_internal);
    io.array(t.partitions, [&](auto& p) {
      io.i16(p.error_code);
      io.i32(p.index);
      io.i32(p.leader_id);
      io.i32_array(p.replica_nodes);
      io.i32_array(p.isr_nodes);
      if (v >= 5) io.i32_array(p.offline_replicas);
    });
  });
}

}  // namespace

FLUXO_KAFKA_CODEC(api_versions_request, api_key::api_versions)
FLUXO_KAFKA_CODEC(api_versions_response, api_key::api_versions)
FLUXO_KAFKA_CODEC(metadata_request, api_key::metadata)
FLUXO_KAFKA_CODEC(metadata_response, api_key::metadata)

api_versions_reply make_api_versions_reply(int16_t request_version) {
  api_versions_reply reply;
  if (is_supported(api_key::api_versions, request_version)) {
    reply.version = request_version;
  } else {
    reply.version = 0;
    reply.response.error_code = actors::code(actors::kafka_error::unsupported_version);
  }
  for (const auto& r : supported_apis) {
    reply.response.api_keys.push_back({static_cast<int16_t>(r.key), r.min, r.max});
  }
  return reply;
}

}  // namespace fluxo::kafka
