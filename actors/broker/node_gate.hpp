// The node port's door check at the top of every handler another CAF node can reach: the node
// actor's, the partition actors' (their handles go to clients) and the group coordinators'.
// Who is who (this process, a cluster member, a logged-in user, anyone) is decided by
// security::node_sessions; here the caller's CAF node id is taken from the message and a
// refusal is shaped for the reply:
//   not logged in  SASL_AUTHENTICATION_FAILED (58) "log in first ..."
//   denied         TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED (29/30/31) naming what is missing
// Replies with an error_code field carry the code; others fail with a caf::error whose context
// is "refused:<code>:<message>" (refusal_from on the client turns it back into a code).
// A message without a sender (CAF's anon_send, also from another node) cannot be traced to a
// node: with logins required every checked handler refuses it, so the node's own actors always
// send with a sender (send_as, self->send). A null gate = open port.
// Includes CAF (internal header).
#pragma once

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/local_actor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "actors/common/kafka_error.hpp"
#include "actors/security/node_sessions.hpp"

namespace fluxo::actors {

using node_gate = std::shared_ptr<security::node_sessions>;

struct refusal {
  kafka_error error = kafka_error::none;
  std::string message;
};

// The caller's key for node_sessions: "" for this process, "?" for a message without sender.
std::string caller_key(caf::local_actor* self);

// nullopt: go on.
std::optional<refusal> check_topic(const node_gate& gate, caf::local_actor* self, security::acl_operation op,
                                   std::string_view topic);
std::optional<refusal> check_group(const node_gate& gate, caf::local_actor* self, security::acl_operation op,
                                   std::string_view group);
std::optional<refusal> check_cluster(const node_gate& gate, caf::local_actor* self, security::acl_operation op);
// CREATE on the cluster or on the topic (Kafka's CreateTopics and auto-creation).
std::optional<refusal> check_create(const node_gate& gate, caf::local_actor* self, std::string_view topic);
// IDEMPOTENT_WRITE on the cluster, or WRITE on some topic (KIP-679): a producer id.
std::optional<refusal> check_producer_id(const node_gate& gate, caf::local_actor* self);
// Logged in (any user), a member or this process.
std::optional<refusal> check_logged_in(const node_gate& gate, caf::local_actor* self);
// This process or a member (node-internal handlers).
bool node_internal(const node_gate& gate, caf::local_actor* self);
// While required() holds, exit and error messages that do not come from this process are
// ignored (CAF's defaults would end the actor).
void guard_system_messages(caf::scheduled_actor* self, std::function<bool()> required);

caf::error refusal_error(const refusal& r);
// The refusal inside an error made by refusal_error, if it is one.
std::optional<refusal> refusal_from(const caf::error& err);

}  // namespace fluxo::actors
