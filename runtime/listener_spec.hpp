// Kafka listeners as Kafka writes them: "PROTOCOL://host:port[,PROTOCOL://host:port...]",
// a bare "host:port" being PLAINTEXT. Pure parsing, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fluxo::runtime {

enum class listener_protocol { plaintext, ssl, sasl_plaintext, sasl_ssl };

std::string_view protocol_name(listener_protocol p);
inline bool uses_tls(listener_protocol p) { return p == listener_protocol::ssl || p == listener_protocol::sasl_ssl; }
inline bool uses_sasl(listener_protocol p) {
  return p == listener_protocol::sasl_plaintext || p == listener_protocol::sasl_ssl;
}

struct listener_spec {
  listener_protocol protocol = listener_protocol::plaintext;
  std::string host;
  uint16_t port = 0;
  bool operator==(const listener_spec&) const = default;
};

// Nullopt and `error` set for an unknown protocol, a malformed address, a protocol given twice
// or a port used twice (port 0 may repeat: any free port each).
std::optional<std::vector<listener_spec>> parse_listeners(std::string_view text, std::string* error);

}  // namespace fluxo::runtime
