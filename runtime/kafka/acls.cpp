// Layouts for DescribeAcls, CreateAcls and DeleteAcls (see acls.hpp).
#include "runtime/kafka/acls.hpp"

#include "runtime/kafka/codec.hpp"

namespace fluxo::kafka {

namespace {

template <class IO, class F>
void filter_layout(IO& io, int16_t v, F& f) {
  io.i8(f.resource_type);
  io.nstr(f.resource_name);
  if (v >= 1) io.i8(f.pattern_type);
  io.nstr(f.principal);
  io.nstr(f.host);
  io.i8(f.operation);
  io.i8(f.permission_type);
}

template <class IO, class C>
void creation_layout(IO& io, int16_t v, C& c) {
  io.i8(c.resource_type);
  io.str(c.resource_name);
  if (v >= 1) io.i8(c.pattern_type);
  io.str(c.principal);
  io.str(c.host);
  io.i8(c.operation);
  io.i8(c.permission_type);
}

template <class IO, class M>
void describe_acls_request_layout(IO& io, int16_t v, M& m) {
  filter_layout(io, v, m.filter);
}

template <class IO, class M>
void describe_acls_response_layout(IO& io, int16_t v, M& m) {
  io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.nstr(m.error_message);
  io.array(m.resources, [&](auto& r) {
    io.i8(r.resource_type);
    io.str(r.resource_name);
    if (v >= 1) io.i8(r.pattern_type);
    io.array(r.acls, [&](auto& a) {
      io.str(a.principal);
      io.str(a.host);
      io.i8(a.operation);
      io.i8(a.permission_type);
    });
  });
}

template <class IO, class M>
void create_acls_request_layout(IO& io, int16_t v, M& m) {
  io.array(m.creations, [&](auto& c) { creation_layout(io, v, c); }, 9);
}

template <class IO, class M>
void create_acls_response_layout(IO& io, int16_t, M& m) {
  io.i32(m.throttle_time_ms);
  io.array(m.results, [&](auto& r) {
    io.i16(r.error_code);
    io.nstr(r.error_message);
  });
}

template <class IO, class M>
void delete_acls_request_layout(IO& io, int16_t v, M& m) {
  io.array(m.filters, [&](auto& f) { filter_layout(io, v, f); }, 9);
}

template <class IO, class M>
void delete_acls_response_layout(IO& io, int16_t v, M& m) {
  io.i32(m.throttle_time_ms);
  io.array(m.filter_results, [&](auto& fr) {
    io.i16(fr.error_code);
    io.nstr(fr.error_message);
    io.array(fr.matching_acls, [&](auto& a) {
      io.i16(a.error_code);
      io.nstr(a.error_message);
      creation_layout(io, v, a.acl);
    });
  });
}

}  // namespace

FLUXO_KAFKA_CODEC(describe_acls_request, api_key::describe_acls)
FLUXO_KAFKA_CODEC(describe_acls_response, api_key::describe_acls)
FLUXO_KAFKA_CODEC(create_acls_request, api_key::create_acls)
FLUXO_KAFKA_CODEC(create_acls_response, api_key::create_acls)
FLUXO_KAFKA_CODEC(delete_acls_request, api_key::delete_acls)
FLUXO_KAFKA_CODEC(delete_acls_response, api_key::delete_acls)

}  // namespace fluxo::kafka
