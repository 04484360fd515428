// Kafka's SASL server for one connection (KIP-43, KIP-152), independent of how tokens travel:
// SaslHandshake names a mechanism, then client tokens are answered until the mechanism is done
// (the listener carries them in SaslAuthenticate requests, or as bare size-prefixed frames
// after SaslHandshake v0). Mechanisms:
//   PLAIN          one token "authzid NUL user NUL password" (authzid empty or the user), the
//                  password checked against the user's stored SCRAM credential
//   SCRAM-SHA-256  / SCRAM-SHA-512: two tokens (see scram.hpp)
// Any failure ends the exchange for good (the connection is closed after its answer).
// The principal of an authenticated connection is "User:<name>".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/common/kafka_error.hpp"
#include "actors/security/scram.hpp"
#include "actors/security/users.hpp"

namespace fluxo::security {

// "SCRAM-SHA-256,PLAIN" -> mechanisms, or an error naming the unknown one.
std::optional<std::vector<std::string>> parse_sasl_mechanisms(std::string_view list, std::string* error = nullptr);

class sasl_authenticator {
 public:
  enum class phase { awaiting_handshake, exchanging, authenticated, failed };

  explicit sasl_authenticator(std::vector<std::string> enabled) : enabled_(std::move(enabled)) {}

  const std::vector<std::string>& mechanisms() const { return enabled_; }
  phase state() const { return phase_; }
  bool authenticated() const { return phase_ == phase::authenticated; }
  const std::string& user() const { return user_; }
  std::string principal() const { return "User:" + user_; }
  const std::string& mechanism() const { return mechanism_; }

  // SaslHandshake: NONE, UNSUPPORTED_SASL_MECHANISM, or ILLEGAL_SASL_STATE (not expected now).
  // `users` is the snapshot this exchange checks against.
  actors::kafka_error handshake(std::string_view mechanism, std::shared_ptr<const user_store> users);

  struct token_result {
    actors::kafka_error error = actors::kafka_error::none;
    std::string error_message;  // for the client: says what failed, never why in detail
    std::string reply;          // the server token
    std::string log_reason;     // for the broker's log (never a password)
  };
  token_result authenticate(std::string_view token);

 private:
  token_result fail(actors::kafka_error e, std::string why);

  std::vector<std::string> enabled_;
  phase phase_ = phase::awaiting_handshake;
  std::string mechanism_;
  std::shared_ptr<const user_store> users_;
  std::optional<scram_server> scram_;
  std::string user_;
};

}  // namespace fluxo::security
