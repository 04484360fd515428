// SaslHandshake (key 17, v0-1) and SaslAuthenticate (key 36, v0-1), never flexible.
//
//   SaslHandshake request:     mechanism string
//   SaslHandshake response:    error_code int16, mechanisms [string]
//   SaslAuthenticate request:  auth_bytes bytes
//   SaslAuthenticate response: error_code int16, error_message nullable_string, auth_bytes bytes,
//                              session_lifetime_ms int64 (v1+; 0 = no re-authentication)
// After SaslHandshake v0 the tokens travel as bare frames instead (int32 size + token, no
// header; KIP-152); the listener handles those.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

struct sasl_handshake_request {
  std::string mechanism;
  bool operator==(const sasl_handshake_request&) const = default;
};

struct sasl_handshake_response {
  int16_t error_code = 0;
  std::vector<std::string> mechanisms;
  bool operator==(const sasl_handshake_response&) const = default;
};

struct sasl_authenticate_request {
  std::vector<char> auth_bytes;
  bool operator==(const sasl_authenticate_request&) const = default;
};

struct sasl_authenticate_response {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<char> auth_bytes;
  int64_t session_lifetime_ms = 0;
  bool operator==(const sasl_authenticate_response&) const = default;
};

std::optional<sasl_handshake_request> decode_sasl_handshake_request(reader& r, int16_t version);
void encode_sasl_handshake_request(writer& w, int16_t version, const sasl_handshake_request& m);
std::optional<sasl_handshake_response> decode_sasl_handshake_response(reader& r, int16_t version);
void encode_sasl_handshake_response(writer& w, int16_t version, const sasl_handshake_response& m);
std::optional<sasl_authenticate_request> decode_sasl_authenticate_request(reader& r, int16_t version);
void encode_sasl_authenticate_request(writer& w, int16_t version, const sasl_authenticate_request& m);
std::optional<sasl_authenticate_response> decode_sasl_authenticate_response(reader& r, int16_t version);
void encode_sasl_authenticate_response(writer& w, int16_t version, const sasl_authenticate_response& m);

}  // namespace fluxo::kafka
