// CAF <-> msgpack bridge: how message structs from messages.hpp cross node boundaries.
//
// inspect() for each struct hands CAF one byte string, the msgpack map of the struct's named
// fields (MSGPACK_DEFINE_MAP). Decoding ignores unknown fields and keeps defaults for missing
// ones. A byte string that is not a valid map for the struct fails deserialization with
// caf::sec::invalid_argument instead of producing a half-filled message.
//
// Include only in translation units that already use CAF (actor code and type IDs).
#pragma once

#include <caf/error.hpp>
#include <caf/sec.hpp>
#include <type_traits>
#include <vector>

#include "actors/group/group_types.hpp"
#include "actors/broker/broker_messages.hpp"

namespace fluxo::wire {

// msgpack's output stream concept (write(data, n)) over a byte vector: encode() packs straight
// into the bytes it returns, with no intermediate sbuffer to grow and copy.
// (GCC 12 reports a false -Wstringop-overflow for vector::insert once inlined into msgpack's
// packer, a known false positive; the vector bounds the append itself.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
struct vector_writer {
  std::vector<char>& out;
  void write(const char* data, std::size_t n) { out.insert(out.end(), data, data + n); }
};

// Room for the struct's fields; messages that carry record bytes (fetch and replica fetch
// replies: records, produce requests: batches) reserve for those as well, so a 1 MiB replica
// fetch reply is packed without reallocating.
template <class T>
std::size_t encoded_size_hint(const T& x) {
  constexpr std::size_t fields = 256;
  if constexpr (requires { x.records.size(); }) {
    return fields + x.records.size();
  } else if constexpr (requires { x.batches.size(); }) {
    return fields + x.batches.size();
  } else {
    return fields;
  }
}

template <class T>
std::vector<char> encode(const T& x) {
  std::vector<char> out;
  out.reserve(encoded_size_hint(x));
  vector_writer writer{out};
  msgpack::pack(writer, x);
  return out;
}
#pragma GCC diagnostic pop

// BIN and STR payloads stay where they are in `bytes` while the map is converted (msgpack would
// otherwise copy them into its zone first): convert() copies each once, into the struct, and
// `bytes` outlives the unpacked object.
inline bool reference_payloads(msgpack::type::object_type type, std::size_t, void*) {
  return type == msgpack::type::BIN || type == msgpack::type::STR;
}

template <class T>
bool decode(const std::vector<char>& bytes, T& x) {
  try {
    auto handle = msgpack::unpack(bytes.data(), bytes.size(), reference_payloads);
    handle.get().convert(x);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

template <class Inspector, class T>
typename Inspector::result_type inspect_msgpack(Inspector& f, T& x) {
  if constexpr (Inspector::reads_state) {
    auto bytes = encode(x);
    return f(bytes);
  } else {
    std::vector<char> bytes;
    if constexpr (std::is_void_v<typename Inspector::result_type>) {
      f(bytes);
      decode(bytes, x);
    } else {
      auto err = f(bytes);
      if (err) return err;
      if (!decode(bytes, x)) return caf::make_error(caf::sec::invalid_argument);
      return err;
    }
  }
}

}  // namespace fluxo::wire

// Declares inspect() for a message struct in its own namespace (found by ADL).
#define FLUXO_WIRE_MESSAGE(type)                                       \
  template <class Inspector>                                           \
  typename Inspector::result_type inspect(Inspector& f, type& x) {     \
    return ::fluxo::wire::inspect_msgpack(f, x);                       \
  }

namespace fluxo::actors {
FLUXO_WIRE_MESSAGE(topic_config)
FLUXO_WIRE_MESSAGE(create_topic_request)
FLUXO_WIRE_MESSAGE(topic_reply)
FLUXO_WIRE_MESSAGE(partition_info)
FLUXO_WIRE_MESSAGE(topic_info)
FLUXO_WIRE_MESSAGE(topic_list)
FLUXO_WIRE_MESSAGE(node_info)
FLUXO_WIRE_MESSAGE(produce_request)
FLUXO_WIRE_MESSAGE(produce_reply)
FLUXO_WIRE_MESSAGE(fetch_request)
FLUXO_WIRE_MESSAGE(fetch_reply)
FLUXO_WIRE_MESSAGE(list_offsets_request)
FLUXO_WIRE_MESSAGE(list_offsets_reply)
FLUXO_WIRE_MESSAGE(producer_id_reply)
FLUXO_WIRE_MESSAGE(record_send)
FLUXO_WIRE_MESSAGE(topic_counts)
FLUXO_WIRE_MESSAGE(replica_fetch_request)
FLUXO_WIRE_MESSAGE(replica_fetch_reply)
FLUXO_WIRE_MESSAGE(partition_role)
FLUXO_WIRE_MESSAGE(isr_proposal)
FLUXO_WIRE_MESSAGE(isr_outcome)
FLUXO_WIRE_MESSAGE(cluster_node)
FLUXO_WIRE_MESSAGE(cluster_info)
FLUXO_WIRE_MESSAGE(cluster_metadata)
FLUXO_WIRE_MESSAGE(coordinator_location)
FLUXO_WIRE_MESSAGE(reassign_request)
}  // namespace fluxo::actors

namespace fluxo::group {
FLUXO_WIRE_MESSAGE(join_request)
FLUXO_WIRE_MESSAGE(join_reply)
FLUXO_WIRE_MESSAGE(sync_request)
FLUXO_WIRE_MESSAGE(sync_reply)
FLUXO_WIRE_MESSAGE(heartbeat_request)
FLUXO_WIRE_MESSAGE(heartbeat_reply)
FLUXO_WIRE_MESSAGE(leave_request)
FLUXO_WIRE_MESSAGE(leave_reply)
FLUXO_WIRE_MESSAGE(offset_commit_request)
FLUXO_WIRE_MESSAGE(offset_commit_reply)
FLUXO_WIRE_MESSAGE(offset_fetch_request)
FLUXO_WIRE_MESSAGE(offset_fetch_reply)
FLUXO_WIRE_MESSAGE(group_description)
FLUXO_WIRE_MESSAGE(group_overview)
FLUXO_WIRE_MESSAGE(group_list)
FLUXO_WIRE_MESSAGE(delete_group_reply)
}  // namespace fluxo::group
