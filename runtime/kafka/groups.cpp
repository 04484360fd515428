// Layouts for the group membership APIs (see groups.hpp).
#include "runtime/kafka/groups.hpp"

#include "runtime/kafka/codec.hpp"

namespace fluxo::kafka {

namespace {

template <class IO, class M>
void find_coordinator_request_layout(IO& io, int16_t v, M& m) {
  io.str(m.key);
  if (v >= 1) io.i8(m.key_type);
}

template <class IO, class M>
void find_coordinator_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  if (v >= 1) io.nstr(m.error_message);
  io.i32(m.node_id);
  io.str(m.host);
  io.i32(m.port);
}

template <class IO, class M>
void join_group_request_layout(IO& io, int16_t v, M& m) {
  io.str(m.group_id);
  io.i32(m.session_timeout_ms);
  if (v >= 1) io.i32(m.rebalance_timeout_ms);
  io.str(m.member_id);
  if (v >= 5) io.nstr(m.group_instance_id);
  io.str(m.protocol_type);
  io.array(
      m.protocols,
      [&](auto& p) {
        io.str(p.name);
        io.bytes(p.metadata);
      },
      6);
}

template <class IO, class M>
void join_group_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 2) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.i32(m.generation_id);
  io.str(m.protocol_name);
  io.str(m.leader);
  io.str(m.member_id);
  io.array(m.members, [&](auto& mem) {
    io.str(mem.member_id);
    if (v >= 5) io.nstr(mem.group_instance_id);
    io.bytes(mem.metadata);
  });
}

template <class IO, class M>
void heartbeat_request_layout(IO& io, int16_t v, M& m) {
  io.str(m.group_id);
  io.i32(m.generation_id);
  io.str(m.member_id);
  if (v >= 3) io.nstr(m.group_instance_id);
}

template <class IO, class M>
void heartbeat_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
}

template <class IO, class M>
void leave_group_request_layout(IO& io, int16_t v, M& m) {
  io.str(m.group_id);
  if (v <= 2) {
    io.str(m.member_id);
  } else {
    io.array(
        m.members,
        [&](auto& mem) {
          io.str(mem.member_id);
          io.nstr(mem.group_instance_id);
        },
        4);
  }
}

template <class IO, class M>
void leave_group_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  if (v >= 3) {
    io.array(m.members, [&](auto& mem) {
      io.str(mem.member_id);
      io.nstr(mem.group_instance_id);
      io.i16(mem.error_code);
    });
  }
}

template <class IO, class M>
void sync_group_request_layout(IO& io, int16_t v, M& m) {
  io.str(m.group_id);
  io.i32(m.generation_id);
  io.str(m.member_id);
  if (v >= 3) io.nstr(m.group_instance_id);
  io.array(
      m.assignments,
      [&](auto& a) {
        io.str(a.member_id);
        io.bytes(a.assignment);
      },
      6);
}

template <class IO, class M>
void sync_group_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.bytes(m.assignment);
}

template <class IO, class M>
void describe_groups_request_layout(IO& io, int16_t v, M& m) {
  io.str_array(m.groups);
  if (v >= 3) io.boolean(m.include_authorized_operations);
}

template <class IO, class M>
void describe_groups_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.array(m.groups, [&](auto& g) {
    io.i16(g.error_code);
    io.str(g.group_id);
    io.str(g.group_state);
    io.str(g.protocol_type);
    io.str(g.protocol_data);
    io.array(g.members, [&](auto& mem) {
      io.str(mem.member_id);
      if (v >= 4) io.nstr(mem.group_instance_id);
      io.str(mem.client_id);
      io.str(mem.client_host);
      io.bytes(mem.member_metadata);
      io.bytes(mem.member_assignment);
    });
    if (v >= 3) io.i32(g.authorized_operations);
  });
}

template <class IO, class M>
void list_groups_request_layout(IO&, int16_t, M&) {}

template <class IO, class M>
void list_groups_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.array(
      m.groups,
      [&](auto& g) {
        io.str(g.group_id);
        io.str(g.protocol_type);
      },
      4);
}

template <class IO, class M>
void delete_groups_request_layout(IO& io, int16_t, M& m) {
  io.str_array(m.groups_names);
}

template <class IO, class M>
void delete_groups_response_layout(IO& io, int16_t, M& m) {
  io.i32(m.throttle_time_ms);
  io.array(
      m.results,
      [&](auto& res) {
        io.str(res.group_id);
        io.i16(res.error_code);
      },
      4);
}

}  // namespace

FLUXO_KAFKA_CODEC(find_coordinator_request, api_key::find_coordinator)
FLUXO_KAFKA_CODEC(find_coordinator_response, api_key::find_coordinator)
FLUXO_KAFKA_CODEC(join_group_request, api_key::join_group)
FLUXO_KAFKA_CODEC(join_group_response, api_key::join_group)
FLUXO_KAFKA_CODEC(heartbeat_request, api_key::heartbeat)
FLUXO_KAFKA_CODEC(heartbeat_response, api_key::heartbeat)
FLUXO_KAFKA_CODEC(leave_group_request, api_key::leave_group)
FLUXO_KAFKA_CODEC(leave_group_response, api_key::leave_group)
FLUXO_KAFKA_CODEC(sync_group_request, api_key::sync_group)
FLUXO_KAFKA_CODEC(sync_group_response, api_key::sync_group)
FLUXO_KAFKA_CODEC(describe_groups_request, api_key::describe_groups)
FLUXO_KAFKA_CODEC(describe_groups_response, api_key::describe_groups)
FLUXO_KAFKA_CODEC(list_groups_request, api_key::list_groups)
FLUXO_KAFKA_CODEC(list_groups_response, api_key::list_groups)
FLUXO_KAFKA_CODEC(delete_groups_request, api_key::delete_groups)
FLUXO_KAFKA_CODEC(delete_groups_response, api_key::delete_groups)

}  // namespace fluxo::kafka
