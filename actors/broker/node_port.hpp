// The CAF node port, where native clients and the other nodes of a cluster reach a node's actor:
// plain TCP, or mutual TLS when the actor system was configured with node TLS files
// (configure_caf, libcaf_openssl). Every publish and connect goes through here so that both
// sides always agree; a TLS port refuses plain peers and peers whose certificate is not from
// the CA (the handshake fails), and a plain port cannot be used by a TLS client.
#pragma once

#include <cstdint>
#include <string>

#include "actors/broker/node_actor.hpp"

namespace fluxo::actors {

bool node_port_uses_tls(caf::actor_system& sys);
// Publishes `node` at host:port (0 = any free); the bound port.
caf::expected<uint16_t> publish_node_port(caf::actor_system& sys, const node_actor& node, uint16_t port,
                                          const std::string& host);
void unpublish_node_port(caf::actor_system& sys, const node_actor& node, uint16_t port);
// Connects to the node actor published at host:port (blocking).
caf::expected<node_actor> connect_node_port(caf::actor_system& sys, const std::string& host, uint16_t port);
// The middleman actor to ask asynchronously: request(mm, timeout, connect_atom, host, port)
// answers (node_id, strong_actor_ptr, std::set<std::string>).
caf::actor node_port_middleman(caf::actor_system& sys);

}  // namespace fluxo::actors
