// The broker's HTTP port (docs/http-api.md): JSON admin API, /metrics, /healthz, /readyz and the
// web console. Served by cpp-httplib on its own threads; every question goes to the broker's
// actors through a client::connection attached to this node (so this header has no CAF).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/client/client.hpp"
#include "actors/security/acl.hpp"

namespace fluxo::security {
class security_cache;
}

namespace fluxo::runtime::http {

struct http_server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port
  // Shown by /api/v1/node.
  int32_t node_id = 0;
  std::string node_addr;
  std::string kafka_addr;
  std::string data_dir;
  std::string version;

  // Security (docs/security.md, "HTTP port"). HTTPS when tls_cert is set.
  std::string tls_cert, tls_key;
  // The users and ACLs of __fluxo_security (needed for logins and the authorizer).
  std::shared_ptr<security::security_cache> security;
  bool require_login = false;       // every route but /healthz, /readyz, the console's files, login
  bool metrics_need_login = false;  // /metrics too (DESCRIBE on CLUSTER)
  bool authorize = false;           // Kafka's ACLs decide (see runtime/http/access.cpp)
  security::authorizer_settings authorizer;
};

struct server_context;  // runtime/http/api.hpp

class http_server {
 public:
  // Binds and starts serving; nullptr with `error` set when the address cannot be used.
  static std::unique_ptr<http_server> start(http_server_options options, std::unique_ptr<client::connection> conn,
                                            std::string* error);
  ~http_server();  // stops serving and joins its threads
  uint16_t port() const;
  // /readyz answers 503 from now on (the broker is shutting down).
  void set_stopping();

 private:
  http_server() = default;
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace fluxo::runtime::http
