// Options of `fluxo broker`, each declared once (name, default, doc) in add_broker_options().
// They can be given as flags or in a TOML file passed with --config (flags win); `fluxo broker
// --help` lists them all.
#pragma once

#include <cstdint>
#include <string>

#include "actors/broker/node_options.hpp"

namespace CLI {
class App;
}

namespace fluxo::runtime {

struct broker_options {
  actors::node_options node;
  std::string node_addr = "127.0.0.1:4242";  // CAF node address (host:port; port 0 = any free)
  std::string kafka_addr = "127.0.0.1:9092"; // Kafka listeners, [PROTOCOL://]host:port,... ("none" = off)
  std::string sasl_mechanisms = "SCRAM-SHA-256,SCRAM-SHA-512";  // offered on SASL listeners
  std::string tls_cert, tls_key, tls_ca;      // PEM files for SSL / SASL_SSL listeners
  std::string tls_client_auth = "none";       // none | requested | required
  bool node_tls = false;                      // mutual TLS on the CAF node port (same files)
  std::string authorizer;                     // none | acl; default: acl when a listener authenticates
  std::string super_users;                    // "User:a,User:b": allowed everything
  bool allow_everyone_if_no_acl = false;      // a resource no ACL applies to is open
  std::string advertised_kafka_addr;         // what Metadata tells clients (default: kafka_addr)
  std::string advertised_node_addr;          // what other nodes and native clients use (default: node_addr)
  std::string http_addr = "127.0.0.1:8080";  // HTTP API, metrics, console: [http://|https://]host:port or none
  std::string http_auth;                     // none | required; default: required when a listener uses SASL
  std::string node_auth;                     // none | required (native clients log in on the node port); same default
  bool http_metrics_auth = false;            // /metrics needs a user too
  int64_t max_request_bytes = 100LL << 20;   // larger Kafka requests close the connection
  std::string log_level = "info";
  std::string ready_file;                     // if set, written with the bound address when ready
  int32_t scheduler_threads = 2;
  int64_t heartbeat_ms = 1000;                // middleman heartbeats, to detect stopped peers
  int64_t connection_timeout_ms = 10000;
};

void add_broker_options(CLI::App& cmd, broker_options& opts);


}  // namespace fluxo::runtime
