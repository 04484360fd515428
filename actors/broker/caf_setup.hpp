// CAF configuration tuned for small machines (see ../shared/docs/caf-0.17.md): a sharing
// scheduler with few threads, middleman without extra workers, heartbeats on so that a stopped
// peer is detected. Used by the broker and by the native client alike.
#pragma once

#include <cstdint>
#include <string>

namespace caf {
class actor_system_config;
}

namespace fluxo::actors {

// Mutual TLS on the CAF node port (libcaf_openssl): this side's certificate and key, and the CA
// that must have signed the other side's certificate. All three or none (plain TCP). CAF checks
// no host name: every certificate of the CA is accepted, so the CA must be the cluster's own.
struct node_tls_files {
  std::string cert, key, ca;
  bool enabled() const { return !cert.empty(); }
};

struct caf_tuning {
  int32_t scheduler_threads = 2;
  int64_t heartbeat_ms = 1000;
  int64_t connection_timeout_ms = 10000;
  node_tls_files node_tls;
};

// "" when the files can be used for the node port, else what is wrong with them (missing one,
// unreadable, a key of another certificate) — CAF itself would only fail the first handshake.
std::string check_node_tls_files(const node_tls_files& files);

// Loads the middleman (and the OpenSSL module when node_tls is enabled) and registers fluxo's
// types. Then publish and connect through node_port.hpp.
void configure_caf(caf::actor_system_config& cfg, const caf_tuning& tuning);

}  // namespace fluxo::actors
