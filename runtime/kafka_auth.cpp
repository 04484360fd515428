// SASL on the Kafka listener: SaslHandshake, SaslAuthenticate and the bare tokens that follow
// SaslHandshake v0 (see kafka_listener.hpp for the rules, actors/security/sasl.hpp for the
// mechanisms).
#include <spdlog/spdlog.h>

#include "runtime/kafka_session.hpp"

namespace fluxo::runtime::kafka_impl {

namespace {

using namespace fluxo::kafka;
using actors::kafka_error;

// Logs a step's outcome; a finished login names the connection's principal.
void log_outcome(connection_state& conn, const security::sasl_authenticator::token_result& result) {
  const auto& sasl = *conn.sasl;
  if (result.error != kafka_error::none) {
    spdlog::warn("kafka: authentication of user '{}' from {} with {} failed: {}", sasl.user(), conn.peer,
                 sasl.mechanism(), result.log_reason);
  } else if (sasl.authenticated()) {
    conn.principal = sasl.principal();
    spdlog::info("kafka: {} authenticated as {} ({})", conn.peer, sasl.principal(), sasl.mechanism());
  }
}

void handshake(self_ptr self, caf::io::connection_handle hdl, const request_header& h, reader& r) {
  auto req = decode_sasl_handshake_request(r, h.version);
  if (!req) return close_connection(self, hdl, "malformed SaslHandshake request: " + r.error());
  auto& conn = self->state.connections.at(hdl);
  sasl_handshake_response resp;
  if (!conn.sasl) {
    // A PLAINTEXT listener has no SASL to offer (Kafka answers the same).
    resp.error_code = actors::code(kafka_error::illegal_sasl_state);
  } else {
    auto err = conn.sasl->handshake(req->mechanism, self->state.options.security->users());
    resp.error_code = actors::code(err);
    resp.mechanisms = conn.sasl->mechanisms();
    if (err == kafka_error::none) {
      conn.bare_tokens = h.version == 0;
    } else {
      spdlog::warn("kafka: SaslHandshake from {} for mechanism '{}': {}", conn.peer, req->mechanism,
                   actors::kafka_error_name(resp.error_code));
      conn.close_when_flushed = true;
    }
  }
  make_responder(self, hdl, h.correlation_id)(encode_body(encode_sasl_handshake_response, h.version, resp));
}

void authenticate(self_ptr self, caf::io::connection_handle hdl, const request_header& h, reader& r) {
  auto req = decode_sasl_authenticate_request(r, h.version);
  if (!req) return close_connection(self, hdl, "malformed SaslAuthenticate request: " + r.error());
  auto& conn = self->state.connections.at(hdl);
  sasl_authenticate_response resp;
  if (!conn.sasl || conn.bare_tokens) {
    resp.error_code = actors::code(kafka_error::illegal_sasl_state);
    resp.error_message = "SaslAuthenticate is not expected now";
    conn.close_when_flushed = true;
  } else {
    auto result = conn.sasl->authenticate(std::string_view(req->auth_bytes.data(), req->auth_bytes.size()));
    log_outcome(conn, result);
    resp.error_code = actors::code(result.error);
    if (result.error != kafka_error::none) {
      resp.error_message = result.error_message;
      conn.close_when_flushed = true;
    }
    resp.auth_bytes.assign(result.reply.begin(), result.reply.end());
  }
  make_responder(self, hdl, h.correlation_id)(encode_body(encode_sasl_authenticate_response, h.version, resp));
}

}  // namespace

void handle_sasl_request(self_ptr self, caf::io::connection_handle hdl, const request_header& h, reader& r) {
  if (h.key == static_cast<int16_t>(api_key::sasl_handshake)) return handshake(self, hdl, h, r);
  authenticate(self, hdl, h, r);
}

void handle_bare_token(self_ptr self, caf::io::connection_handle hdl, const std::vector<char>& token) {
  auto& conn = self->state.connections.at(hdl);
  auto result = conn.sasl->authenticate(std::string_view(token.data(), token.size()));
  log_outcome(conn, result);
  if (result.error != kafka_error::none) {
    // KIP-152: after SaslHandshake v0 a failure just closes the connection.
    return close_connection(self, hdl, "SASL authentication failed");
  }
  if (conn.sasl->authenticated()) conn.bare_tokens = false;
  std::vector<char> frame;
  writer w(frame);
  w.int32(static_cast<int32_t>(result.reply.size()));
  frame.insert(frame.end(), result.reply.begin(), result.reply.end());
  respond_raw(self, hdl, std::move(frame));
}

}  // namespace fluxo::runtime::kafka_impl
