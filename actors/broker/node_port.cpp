#include "actors/broker/node_port.hpp"

#include <caf/io/all.hpp>
// Not caf/openssl/all.hpp: its unpublish.hpp does not compile with CAF 0.17.6 (it uses 0.18's
// unpublish_atom_v); unpublishing goes to the OpenSSL middleman actor directly below.
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>

namespace fluxo::actors {

bool node_port_uses_tls(caf::actor_system& sys) { return sys.has_openssl_manager(); }

caf::expected<uint16_t> publish_node_port(caf::actor_system& sys, const node_actor& node, uint16_t port,
                                          const std::string& host) {
  // SO_REUSEADDR, as Kafka binds: a restart right after a kill does not wait for the old
  // connections in TIME_WAIT. On Linux it never lets two live listeners share a port.
  if (node_port_uses_tls(sys)) return caf::openssl::publish(node, port, host.c_str(), true);
  return sys.middleman().publish(node, port, host.c_str(), true);
}

void unpublish_node_port(caf::actor_system& sys, const node_actor& node, uint16_t port) {
  if (node_port_uses_tls(sys)) {
    caf::anon_send(sys.openssl_manager().actor_handle(), caf::unpublish_atom::value, node.address(), port);
  } else {
    sys.middleman().unpublish(node, port);
  }
}

caf::expected<node_actor> connect_node_port(caf::actor_system& sys, const std::string& host, uint16_t port) {
  if (node_port_uses_tls(sys)) return caf::openssl::remote_actor<node_actor>(sys, host, port);
  return sys.middleman().remote_actor<node_actor>(host, port);
}

caf::actor node_port_middleman(caf::actor_system& sys) {
  if (node_port_uses_tls(sys)) return caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle());
  return caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
}

}  // namespace fluxo::actors
