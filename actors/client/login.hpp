// A native client's login on a node port that requires one (`--node-auth required`): SCRAM in
// two auth_atom requests (see actors/broker/node_login.cpp), proving the password without
// sending it and checking the node's signature in return. The node binds the client's CAF node
// to the user until the client's session actor (client_core::session) goes down. Every node a
// client talks to needs its own login: connection::open logs in to the first node, routing
// logs in to each member it connects to. Without a user in the options nothing is sent (the
// node then refuses requests with "log in first"). Includes CAF (internal header).
#pragma once

#include <functional>
#include <memory>

#include "actors/client/client_core.hpp"

namespace fluxo::client {

// From a blocking caller (connection::open, find_coordinator_blocking).
status login_blocking(client_core& core, const actors::node_actor& node);
// From an actor; fn runs on self's thread.
void login_async(caf::event_based_actor* self, std::shared_ptr<client_core> core, actors::node_actor node,
                 std::function<void(status)> fn);

}  // namespace fluxo::client
