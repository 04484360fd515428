#include "actors/security/scram_client.hpp"

namespace fluxo::security {

namespace {

// User names escape ',' and '=' (RFC 5802 5.1).
std::string escape_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ',') out += "=2C";
    else if (c == '=') out += "=3D";
    else out += c;
  }
  return out;
}

}  // namespace

scram_client::scram_client(scram_mechanism m, std::string user, std::string password, std::string nonce)
    : mechanism_(m), user_(std::move(user)), password_(std::move(password)), nonce_(std::move(nonce)) {
  if (nonce_.empty()) nonce_ = base64_encode(random_bytes(24));
}

std::string scram_client::bare() const { return "n=" + escape_name(user_) + ",r=" + nonce_; }

std::string scram_client::first() const { return "n,," + bare(); }

std::optional<std::string> scram_client::final(std::string_view server_first, std::string* error) {
  std::string nonce;
  std::optional<std::string> salt;
  int64_t iterations = 0;
  for (std::string_view rest = server_first; !rest.empty();) {
    auto comma = rest.find(',');
    auto part = rest.substr(0, comma);
    if (part.starts_with("r=")) nonce = part.substr(2);
    else if (part.starts_with("s=")) salt = base64_decode(part.substr(2));
    else if (part.starts_with("i=")) {
      iterations = 0;
      for (char c : part.substr(2)) {
        if (c < '0' || c > '9' || iterations > max_scram_iterations) {
          iterations = -1;
          break;
        }
        iterations = iterations * 10 + (c - '0');
      }
    } else if (part.starts_with("e=")) {
      *error = "the server refused: " + std::string(part.substr(2));
      return std::nullopt;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (nonce.size() <= nonce_.size() || !nonce.starts_with(nonce_)) {
    *error = "the server's nonce does not extend ours";
    return std::nullopt;
  }
  if (!salt || salt->empty()) {
    *error = "the server sent no valid salt";
    return std::nullopt;
  }
  if (iterations < min_scram_iterations || iterations > max_scram_iterations) {
    *error = "the server asked for an iteration count outside [4096, 16384]";
    return std::nullopt;
  }
  salted_ = scram_salted_password(mechanism_, password_, *salt, static_cast<int32_t>(iterations));
  const std::string without_proof = "c=biws,r=" + nonce;
  auth_message_ = bare() + "," + std::string(server_first) + "," + without_proof;
  auto proof = scram_hmac(mechanism_, salted_, "Client Key");
  const auto signature = scram_hmac(mechanism_, scram_hash(mechanism_, proof), auth_message_);
  for (std::size_t i = 0; i < proof.size() && i < signature.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  return without_proof + ",p=" + base64_encode(proof);
}

bool scram_client::verify(std::string_view server_final) const {
  if (salted_.empty() || !server_final.starts_with("v=")) return false;
  const auto expected = scram_hmac(mechanism_, scram_hmac(mechanism_, salted_, "Server Key"), auth_message_);
  auto got = base64_decode(server_final.substr(2));
  return got && *got == expected;
}

}  // namespace fluxo::security
