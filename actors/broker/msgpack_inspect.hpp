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

template <class T>
std::vector<char> encode(const T& x) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, x);
  return std::vector<char>(buf.data(), buf.data() + buf.size());
}

template <class T>
bool decode(const std::vector<char>& bytes, T& x) {
  try {
    auto handle = msgpack::unpack(bytes.data(), bytes.size());
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
