// One member of a consumer group, as the coordinator tracks it.
//
// Liveness (Kafka's classic rules), see expiry_deadline():
//  - a member waiting in a JoinGroup is kept alive: the rebalance timeout bounds the wait, not the
//    session timeout; except a *new* member, which gives up after new_member_join_timeout (its
//    client may have gone away during a long rebalance and will retry with a fresh join);
//  - a member waiting in a SyncGroup is kept alive until the assignment (or an error) goes out;
//  - otherwise it expires session_timeout_ms after its last heartbeat (or join/sync/commit, which
//    count as heartbeats).
// At most one JoinGroup and one SyncGroup of a member are parked at a time; a newer one replaces
// the older, which is answered at once so that every request gets exactly one reply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/group/group_types.hpp"

namespace fluxo::group {

struct member {
  std::string id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::vector<group_protocol> protocols;  // in the member's order of preference
  bytes assignment;                       // of the current generation, once distributed
  uint64_t join_seq = 0;                  // order of arrival: the earliest member leads
  std::optional<request_id> pending_join;
  std::optional<request_id> pending_sync;
  bool is_new = true;                     // joined, but no generation formed with it yet
  int64_t joined_at_ms = 0;
  int64_t last_heartbeat_ms = 0;

  bool supports(std::string_view protocol) const {
    for (const auto& p : protocols)
      if (p.name == protocol) return true;
    return false;
  }

  // The member's metadata for `protocol` (empty if it does not support it).
  bytes metadata_for(std::string_view protocol) const {
    for (const auto& p : protocols)
      if (p.name == protocol) return p.metadata;
    return {};
  }

  // When the member is to be removed unless something resets its timer; nullopt = kept alive.
  std::optional<int64_t> expiry_deadline(int32_t new_member_join_timeout_ms) const {
    if (pending_join) {
      if (is_new) return joined_at_ms + new_member_join_timeout_ms;
      return std::nullopt;
    }
    if (pending_sync) return std::nullopt;
    return last_heartbeat_ms + session_timeout_ms;
  }
};

}  // namespace fluxo::group
