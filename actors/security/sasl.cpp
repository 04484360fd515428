#include "actors/security/sasl.hpp"

#include <algorithm>

namespace fluxo::security {

using actors::kafka_error;

std::optional<std::vector<std::string>> parse_sasl_mechanisms(std::string_view list, std::string* error) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto name = list.substr(0, comma);
    if (name != "PLAIN" && !parse_scram_mechanism(name)) {
      if (error) *error = "unknown SASL mechanism '" + std::string(name) + "' (known: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN)";
      return std::nullopt;
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (out.empty()) {
    if (error) *error = "no SASL mechanism given";
    return std::nullopt;
  }
  return out;
}

kafka_error sasl_authenticator::handshake(std::string_view mechanism, std::shared_ptr<const user_store> users) {
  if (phase_ != phase::awaiting_handshake) return kafka_error::illegal_sasl_state;
  if (std::find(enabled_.begin(), enabled_.end(), mechanism) == enabled_.end()) {
    return kafka_error::unsupported_sasl_mechanism;
  }
  mechanism_ = std::string(mechanism);
  users_ = std::move(users);
  if (auto m = parse_scram_mechanism(mechanism)) {
    scram_.emplace(*m, [users = users_, m = *m](const std::string& u) { return users->find(u, m); });
  }
  phase_ = phase::exchanging;
  return kafka_error::none;
}

sasl_authenticator::token_result sasl_authenticator::fail(kafka_error e, std::string why) {
  phase_ = phase::failed;
  token_result out;
  out.error = e;
  out.log_reason = std::move(why);
  out.error_message = e == kafka_error::sasl_authentication_failed
                          ? "Authentication failed during authentication due to invalid credentials with SASL mechanism " +
                                mechanism_
                          : "SASL authentication is not expected now";
  return out;
}

sasl_authenticator::token_result sasl_authenticator::authenticate(std::string_view token) {
  if (phase_ != phase::exchanging) return fail(kafka_error::illegal_sasl_state, "a SASL token outside an exchange");
  if (!scram_) {
    // PLAIN: authzid NUL authcid NUL password.
    auto first = token.find('\0');
    auto second = first == std::string_view::npos ? first : token.find('\0', first + 1);
    if (second == std::string_view::npos) {
      return fail(kafka_error::sasl_authentication_failed, "malformed PLAIN token");
    }
    auto authzid = token.substr(0, first);
    auto user = token.substr(first + 1, second - first - 1);
    auto password = token.substr(second + 1);
    user_ = std::string(user);
    if (!authzid.empty() && authzid != user) {
      return fail(kafka_error::sasl_authentication_failed, "the authorization id differs from the user name");
    }
    if (!users_->password_matches(user, password)) {
      const bool known = users_->find(user, scram_mechanism::sha256) || users_->find(user, scram_mechanism::sha512);
      return fail(kafka_error::sasl_authentication_failed, known ? "wrong password" : "unknown user");
    }
    phase_ = phase::authenticated;
    return {};
  }
  auto step = scram_->step(token);
  user_ = scram_->user();
  if (!step.ok) {
    return fail(kafka_error::sasl_authentication_failed, step.error);
  }
  token_result out;
  out.reply = std::move(step.reply);
  if (step.done) phase_ = phase::authenticated;
  return out;
}

}  // namespace fluxo::security
