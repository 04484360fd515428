#include "runtime/listener_spec.hpp"

#include <set>

#include "actors/common/address.hpp"

namespace fluxo::runtime {

std::string_view protocol_name(listener_protocol p) {
  switch (p) {
    case listener_protocol::plaintext:
      return "PLAINTEXT";
    case listener_protocol::ssl:
      return "SSL";
    case listener_protocol::sasl_plaintext:
      return "SASL_PLAINTEXT";
    case listener_protocol::sasl_ssl:
      return "SASL_SSL";
  }
  return "?";
}

std::optional<std::vector<listener_spec>> parse_listeners(std::string_view text, std::string* error) {
  std::vector<listener_spec> out;
  std::set<listener_protocol> protocols;
  std::set<uint16_t> ports;
  auto fail = [&](std::string why) -> std::optional<std::vector<listener_spec>> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    listener_spec spec;
    if (auto sep = item.find("://"); sep != std::string_view::npos) {
      auto name = item.substr(0, sep);
      if (name == "PLAINTEXT") {
        spec.protocol = listener_protocol::plaintext;
      } else if (name == "SASL_PLAINTEXT") {
        spec.protocol = listener_protocol::sasl_plaintext;
      } else if (name == "SSL") {
        spec.protocol = listener_protocol::ssl;
      } else if (name == "SASL_SSL") {
        spec.protocol = listener_protocol::sasl_ssl;
      } else {
        return fail("unknown listener protocol '" + std::string(name) + "' (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)");
      }
      item.remove_prefix(sep + 3);
    }
    if (!actors::split_host_port(std::string(item), spec.host, spec.port)) {
      return fail("listener address must be host:port, got '" + std::string(item) + "'");
    }
    if (!protocols.insert(spec.protocol).second) {
      return fail("listener protocol " + std::string(protocol_name(spec.protocol)) + " is given twice");
    }
    if (spec.port != 0 && !ports.insert(spec.port).second) {
      return fail("listener port " + std::to_string(spec.port) + " is given twice");
    }
    out.push_back(std::move(spec));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.empty()) return fail("no listener given");
  return out;
}

}  // namespace fluxo::runtime
