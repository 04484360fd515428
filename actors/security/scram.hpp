// SCRAM (RFC 5802, RFC 7677; Kafka's KIP-84): stored credentials and the server side of one
// exchange. Pure logic over OpenSSL's primitives (PBKDF2, HMAC, digests, RAND_bytes); no I/O.
//
// Stored credential (what Kafka kept in /config/users/<name>, never the password):
//   SaltedPassword = PBKDF2-HMAC-H(password, salt, iterations)
//   StoredKey      = H(HMAC(SaltedPassword, "Client Key"))
//   ServerKey      = HMAC(SaltedPassword, "Server Key")
// Text form (as Kafka writes it): "salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>".
//
// Exchange (server side):
//   client-first  "n,,n=<user>,r=<client nonce>[,extensions]"   (gs2 header "n,," or "y,,";
//                 channel binding "p=" is refused; ',' and '=' in names are "=2C" / "=3D")
//   server-first  "r=<client nonce><server nonce>,s=<b64 salt>,i=<iterations>"
//   client-final  "c=<b64 gs2 header>,r=<nonce>,p=<b64 ClientProof>"
//   server-final  "v=<b64 ServerSignature>"
// AuthMessage = client-first-bare "," server-first "," client-final-without-proof; the client
// proves ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage) with H(ClientKey) = StoredKey.
// An unknown user gets a made-up salt and fails only at the proof, like a wrong password, so
// that the exchange does not tell which user names exist.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fluxo::security {

// SHA-1 is for the RFC 5802 test vectors only; brokers offer SHA-256 and SHA-512 (Kafka's).
enum class scram_mechanism { sha1, sha256, sha512 };

constexpr int32_t min_scram_iterations = 4096;   // Kafka's minimum and default
constexpr int32_t max_scram_iterations = 16384;  // Kafka's maximum

// "SCRAM-SHA-256" / "SCRAM-SHA-512" (SCRAM-SHA-1 is not offered).
std::optional<scram_mechanism> parse_scram_mechanism(std::string_view name);
std::string_view scram_mechanism_name(scram_mechanism m);

struct scram_credential {
  std::string salt;        // raw bytes
  std::string stored_key;  // raw bytes
  std::string server_key;  // raw bytes
  int32_t iterations = min_scram_iterations;
  bool operator==(const scram_credential&) const = default;
};

scram_credential derive_scram_credential(scram_mechanism m, std::string_view password, std::string_view salt,
                                         int32_t iterations);
// A new credential with a random 32-byte salt.
scram_credential new_scram_credential(scram_mechanism m, std::string_view password,
                                      int32_t iterations = min_scram_iterations);
// Whether `password` is the one the credential was made from (used for SASL/PLAIN).
bool scram_password_matches(scram_mechanism m, const scram_credential& c, std::string_view password);

std::string format_scram_credential(const scram_credential& c);
// Nullopt if malformed or iterations outside [min, max].
std::optional<scram_credential> parse_scram_credential(std::string_view text);

// Primitives (exposed for the client side of tests and the CLI).
std::string scram_salted_password(scram_mechanism m, std::string_view password, std::string_view salt,
                                  int32_t iterations);
std::string scram_hmac(scram_mechanism m, std::string_view key, std::string_view data);
std::string scram_hash(scram_mechanism m, std::string_view data);
std::string base64_encode(std::string_view raw);
std::optional<std::string> base64_decode(std::string_view text);
std::string random_bytes(std::size_t n);

// SCRAM user names: "=2C" -> ',' and "=3D" -> '='; nullopt for any other '=' escape.
std::optional<std::string> scram_unescape_name(std::string_view name);

// The server side of one SCRAM exchange (two client messages).
class scram_server {
 public:
  // lookup(user) -> the user's credential for this mechanism, if any.
  template <class Lookup>
  scram_server(scram_mechanism m, Lookup lookup, std::string server_nonce = {})
      : mechanism_(m), server_nonce_(std::move(server_nonce)) {
    lookup_ = [l = std::move(lookup)](const std::string& user) -> std::optional<scram_credential> { return l(user); };
  }

  struct step_result {
    bool ok = false;        // false: the exchange failed (see error); no more steps
    bool done = false;      // true after the client's final message was verified
    std::string reply;      // the server message to send (server-first or server-final)
    std::string error;      // why it failed, for the log (never a password or proof)
  };

  step_result step(std::string_view client_message);
  const std::string& user() const { return user_; }

 private:
  step_result first(std::string_view msg);
  step_result final(std::string_view msg);

  scram_mechanism mechanism_;
  std::function<std::optional<scram_credential>(const std::string&)> lookup_;
  std::string server_nonce_;
  int stage_ = 0;  // 0: awaiting client-first, 1: awaiting client-final, 2: finished
  std::string user_;
  bool known_user_ = false;
  scram_credential credential_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string client_nonce_;
  std::string nonce_;
};

}  // namespace fluxo::security
