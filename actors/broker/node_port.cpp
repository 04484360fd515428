#include "actors/broker/node_port.hpp"

#include <caf/io/all.hpp>
// Not caf/openssl/all.hpp: its unpublish.hpp does not compile with CAF 0.17.6 (it uses 0.18's
// unpublish_atom_v); unpublishing goes to the OpenSSL middleman actor directly below.
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

// ---- OpenSSL's error queue under CAF 0.17's TLS sessions ----------------------------------------
// CAF 0.17's OpenSSL sessions never drain the thread's error queue: the only call that would
// (session::get_ssl_error) sits inside a CAF_LOG_INFO, which is compiled out in Debian's build.
// A peer that closes without TLS's close_notify (any client process that exits) leaves
// "unexpected eof while reading" queued on the multiplexer thread, and from then on SSL_get_error
// answers SSL_ERROR_SSL for an ordinary "would block" on every other connection of that thread:
// CAF closes them all. In a cluster with --node-tls, every native client that went away cut the
// nodes off from each other (ISR shrinks, acks=all refused). OpenSSL requires the queue to be
// empty before each I/O call ("SSL_get_error"); these definitions, which the dynamic linker
// prefers over libssl's for the whole process, empty it and call libssl's own.
namespace {
template <class Fn>
Fn libssl_function(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}
}  // namespace

extern "C" {
int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = libssl_function<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}
int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = libssl_function<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}
int SSL_accept(SSL* ssl) {
  static const auto real = libssl_function<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}
int SSL_connect(SSL* ssl) {
  static const auto real = libssl_function<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}
}

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
