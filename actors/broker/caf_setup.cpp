#include "actors/broker/caf_setup.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "actors/broker/node_actor.hpp"
#include "actors/broker/topic_actor.hpp"

namespace fluxo::actors {

void configure_caf(caf::actor_system_config& cfg, const caf_tuning& t) {
  cfg.load<caf::io::middleman>();
  register_types(cfg);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", static_cast<size_t>(t.scheduler_threads));
  cfg.set("middleman.workers", size_t{0});
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(t.heartbeat_ms)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::milliseconds(t.connection_timeout_ms)});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  if (t.node_tls.enabled()) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = t.node_tls.cert;
    cfg.openssl_key = t.node_tls.key;
    cfg.openssl_cafile = t.node_tls.ca;
  }
}

std::string check_node_tls_files(const node_tls_files& f) {
  if (f.cert.empty() || f.key.empty() || f.ca.empty()) {
    return "the node port's TLS needs a certificate, its key and the CA of the other nodes and clients (all three)";
  }
  for (const auto* path : {&f.cert, &f.key, &f.ca}) {
    if (!std::ifstream(*path)) return "cannot read " + *path;
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_method()), SSL_CTX_free);
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx.get(), f.cert.c_str()) != 1) return "cannot load the certificate " + f.cert;
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), f.key.c_str(), SSL_FILETYPE_PEM) != 1) return "cannot load the private key " + f.key;
  if (SSL_CTX_check_private_key(ctx.get()) != 1) return "the key " + f.key + " does not belong to the certificate " + f.cert;
  if (SSL_CTX_load_verify_locations(ctx.get(), f.ca.c_str(), nullptr) != 1) return "cannot load the CA file " + f.ca;
  ERR_clear_error();
  return "";
}

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::fluxo>();
  cfg.add_message_type<partition_actor>("fluxo::partition_actor");
  cfg.add_message_type<topic_actor>("fluxo::topic_actor");
  cfg.add_message_type<node_actor>("fluxo::node_actor");
  cfg.add_message_type<group_actor>("fluxo::group_actor");
}

}  // namespace fluxo::actors
