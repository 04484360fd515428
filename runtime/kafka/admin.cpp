// Layouts for the admin APIs (see admin.hpp).
#include "runtime/kafka/admin.hpp"

#include "runtime/kafka/codec.hpp"

namespace fluxo::kafka {

namespace {

template <class IO, class M>
void create_topics_request_layout(IO& io, int16_t v, M& m) {
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.i32(t.num_partitions);
    io.i16(t.replication_factor);
    io.array(
        t.assignments,
        [&](auto& a) {
          io.i32(a.index);
          io.i32_array(a.broker_ids);
        },
        8);
    io.array(
        t.configs,
        [&](auto& c) {
          io.str(c.name);
          io.nstr(c.value);
        },
        4);
  });
  io.i32(m.timeout_ms);
  if (v >= 1) io.boolean(m.validate_only);
}

template <class IO, class M>
void create_topics_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 2) io.i32(m.throttle_time_ms);
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.i16(t.error_code);
    if (v >= 1) io.nstr(t.error_message);
  });
}

template <class IO, class M>
void delete_topics_request_layout(IO& io, int16_t, M& m) {
  io.str_array(m.topic_names);
  io.i32(m.timeout_ms);
}

template <class IO, class M>
void delete_topics_response_layout(IO& io, int16_t v, M& m) {
  if (v >= 1) io.i32(m.throttle_time_ms);
  io.array(
      m.responses,
      [&](auto& res) {
        io.str(res.name);
        io.i16(res.error_code);
      },
      4);
}

template <class IO, class M>
void describe_configs_request_layout(IO& io, int16_t v, M& m) {
  io.array(m.resources, [&](auto& res) {
    io.i8(res.resource_type);
    io.str(res.resource_name);
    io.nullable_str_array(res.configuration_keys);
  });
  if (v >= 1) io.boolean(m.include_synonyms);
}

template <class IO, class M>
void describe_configs_response_layout(IO& io, int16_t v, M& m) {
  io.i32(m.throttle_time_ms);
  io.array(m.results, [&](auto& res) {
    io.i16(res.error_code);
    io.nstr(res.error_message);
    io.i8(res.resource_type);
    io.str(res.resource_name);
    io.array(res.configs, [&](auto& c) {
      io.str(c.name);
      io.nstr(c.value);
      io.boolean(c.read_only);
      if (v == 0) {
        io.boolean(c.is_default);
      } else {
        io.i8(c.config_source);
      }
      io.boolean(c.is_sensitive);
      if (v >= 1) {
        io.array(
            c.synonyms,
            [&](auto& s) {
              io.str(s.name);
              io.nstr(s.value);
              io.i8(s.source);
            },
            5);
      }
    });
  });
}

template <class IO, class M>
void alter_configs_request_layout(IO& io, int16_t, M& m) {
  io.array(m.resources, [&](auto& res) {
    io.i8(res.resource_type);
    io.str(res.resource_name);
    io.array(
        res.configs,
        [&](auto& c) {
          io.str(c.name);
          io.nstr(c.value);
        },
        4);
  });
  io.boolean(m.validate_only);
}

template <class IO, class M>
void alter_configs_response_layout(IO& io, int16_t, M& m) {
  io.i32(m.throttle_time_ms);
  io.array(
      m.responses,
      [&](auto& res) {
        io.i16(res.error_code);
        io.nstr(res.error_message);
        io.i8(res.resource_type);
        io.str(res.resource_name);
      },
      7);
}

template <class IO, class M>
void create_partitions_request_layout(IO& io, int16_t, M& m) {
  io.array(m.topics, [&](auto& t) {
    io.str(t.name);
    io.i32(t.count);
    io.nullable_array(
        t.assignments, [&](auto& a) { io.i32_array(a.broker_ids); }, 4);
  });
  io.i32(m.timeout_ms);
  io.boolean(m.validate_only);
}

template <class IO, class M>
void create_partitions_response_layout(IO& io, int16_t, M& m) {
  io.i32(m.throttle_time_ms);
  io.array(
      m.results,
      [&](auto& res) {
        io.str(res.name);
        io.i16(res.error_code);
        io.nstr(res.error_message);
      },
      6);
}

}  // namespace

FLUXO_KAFKA_CODEC(create_topics_request, api_key::create_topics)
FLUXO_KAFKA_CODEC(create_topics_response, api_key::create_topics)
FLUXO_KAFKA_CODEC(delete_topics_request, api_key::delete_topics)
FLUXO_KAFKA_CODEC(delete_topics_response, api_key::delete_topics)
FLUXO_KAFKA_CODEC(describe_configs_request, api_key::describe_configs)
FLUXO_KAFKA_CODEC(describe_configs_response, api_key::describe_configs)
FLUXO_KAFKA_CODEC(alter_configs_request, api_key::alter_configs)
FLUXO_KAFKA_CODEC(alter_configs_response, api_key::alter_configs)
FLUXO_KAFKA_CODEC(create_partitions_request, api_key::create_partitions)
FLUXO_KAFKA_CODEC(create_partitions_response, api_key::create_partitions)

}  // namespace fluxo::kafka
