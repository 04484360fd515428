#include "actors/security/scram.hpp"

#include <openssl/crypto.h>
#include <cctype>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace fluxo::security {

namespace {

const EVP_MD* digest(scram_mechanism m) {
  switch (m) {
    case scram_mechanism::sha1:
      return EVP_sha1();
    case scram_mechanism::sha256:
      return EVP_sha256();
    case scram_mechanism::sha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

std::string scram_salted_password(scram_mechanism m, std::string_view password, std::string_view salt,
                                  int32_t iterations) {
  std::string out(static_cast<std::size_t>(EVP_MD_get_size(digest(m))), '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        digest(m), static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data())) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return out;
}

namespace {

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "k=v" attributes of a SCRAM message, in order.
std::vector<std::pair<char, std::string_view>> attributes(std::string_view msg) {
  std::vector<std::pair<char, std::string_view>> out;
  while (!msg.empty()) {
    auto comma = msg.find(',');
    auto part = msg.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') return {};
    out.emplace_back(part[0], part.substr(2));
    if (comma == std::string_view::npos) break;
    msg.remove_prefix(comma + 1);
  }
  return out;
}

bool printable_nonce(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return true;
}

}  // namespace

std::optional<scram_mechanism> parse_scram_mechanism(std::string_view name) {
  if (name == "SCRAM-SHA-256") return scram_mechanism::sha256;
  if (name == "SCRAM-SHA-512") return scram_mechanism::sha512;
  return std::nullopt;
}

std::string_view scram_mechanism_name(scram_mechanism m) {
  switch (m) {
    case scram_mechanism::sha1:
      return "SCRAM-SHA-1";
    case scram_mechanism::sha256:
      return "SCRAM-SHA-256";
    case scram_mechanism::sha512:
      return "SCRAM-SHA-512";
  }
  return "?";
}

std::string scram_hmac(scram_mechanism m, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(digest(m), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &len)) {
    throw std::runtime_error("HMAC failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string scram_hash(scram_mechanism m, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, digest(m), nullptr) != 1) throw std::runtime_error("digest failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string base64_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(raw.data()),
                           static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3 + 1, '\0');
  auto n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                           static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes: take them off.
  std::size_t len = static_cast<std::size_t>(n);
  for (auto it = text.rbegin(); it != text.rend() && *it == '=' && len > 0; ++it) --len;
  out.resize(len);
  // Canonical base64 only: padding at the end alone and no stray bits (found by fuzz_sasl:
  // "/=3D" decoded to something that encodes differently).
  if (base64_encode(out) != text) return std::nullopt;
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::optional<std::string> scram_unescape_name(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == ',') return std::nullopt;
    if (name[i] != '=') {
      out += name[i];
      continue;
    }
    auto esc = name.substr(i, 3);
    if (esc == "=2C") {
      out += ',';
    } else if (esc == "=3D") {
      out += '=';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

scram_credential derive_scram_credential(scram_mechanism m, std::string_view password, std::string_view salt,
                                         int32_t iterations) {
  auto salted = scram_salted_password(m, password, salt, iterations);
  return {std::string(salt), scram_hash(m, scram_hmac(m, salted, "Client Key")), scram_hmac(m, salted, "Server Key"),
          iterations};
}

scram_credential new_scram_credential(scram_mechanism m, std::string_view password, int32_t iterations) {
  return derive_scram_credential(m, password, random_bytes(32), iterations);
}

bool scram_password_matches(scram_mechanism m, const scram_credential& c, std::string_view password) {
  return equal_secret(derive_scram_credential(m, password, c.salt, c.iterations).stored_key, c.stored_key);
}

std::string format_scram_credential(const scram_credential& c) {
  return "salt=" + base64_encode(c.salt) + ",stored_key=" + base64_encode(c.stored_key) +
         ",server_key=" + base64_encode(c.server_key) + ",iterations=" + std::to_string(c.iterations);
}

std::optional<scram_credential> parse_scram_credential(std::string_view text) {
  scram_credential c;
  int seen = 0;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto key = part.substr(0, eq);
    auto value = part.substr(eq + 1);
    if (key == "iterations") {
      try {
        c.iterations = std::stoi(std::string(value));
      } catch (...) {
        return std::nullopt;
      }
      seen |= 8;
    } else {
      auto raw = base64_decode(value);
      if (!raw) return std::nullopt;
      if (key == "salt") {
        c.salt = *raw, seen |= 1;
      } else if (key == "stored_key") {
        c.stored_key = *raw, seen |= 2;
      } else if (key == "server_key") {
        c.server_key = *raw, seen |= 4;
      }
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (seen != 15 || c.iterations < min_scram_iterations || c.iterations > max_scram_iterations || c.salt.empty()) {
    return std::nullopt;
  }
  return c;
}

scram_server::step_result scram_server::step(std::string_view client_message) {
  if (stage_ == 0) return first(client_message);
  if (stage_ == 1) return final(client_message);
  step_result out;
  out.error = "the SCRAM exchange is already finished";
  return out;
}

scram_server::step_result scram_server::first(std::string_view msg) {
  step_result out;
  stage_ = 2;  // any failure ends the exchange
  // gs2 header: "n," or "y," (no channel binding), then an optional "a=<authzid>", then ','.
  if (msg.size() < 3 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',') {
    out.error = msg.starts_with("p=") ? "channel binding is not supported" : "malformed SCRAM client-first message";
    return out;
  }
  auto second_comma = msg.find(',', 2);
  if (second_comma == std::string_view::npos) {
    out.error = "malformed SCRAM client-first message";
    return out;
  }
  auto authzid = msg.substr(2, second_comma - 2);
  gs2_header_ = std::string(msg.substr(0, second_comma + 1));
  client_first_bare_ = std::string(msg.substr(second_comma + 1));
  auto attrs = attributes(client_first_bare_);
  if (attrs.size() < 2 || attrs[0].first != 'n' || attrs[1].first != 'r' || !printable_nonce(attrs[1].second)) {
    out.error = "malformed SCRAM client-first message";
    return out;
  }
  auto user = scram_unescape_name(attrs[0].second);
  if (!user || user->empty()) {
    out.error = "malformed SCRAM user name";
    return out;
  }
  user_ = *user;
  if (!authzid.empty() && (authzid.size() < 3 || authzid.substr(0, 2) != "a=" ||
                           scram_unescape_name(authzid.substr(2)) != user_)) {
    out.error = "the authorization id differs from the user name";
    return out;
  }
  if (auto c = lookup_(user_)) {
    credential_ = *c;
    known_user_ = true;
  } else {
    // A stable made-up salt, so that probing names learns nothing (see the header).
    credential_ = scram_credential{scram_hash(mechanism_, "fluxo-unknown-user:" + user_).substr(0, 32), {}, {},
                                   min_scram_iterations};
  }
  if (server_nonce_.empty()) {
    server_nonce_ = base64_encode(random_bytes(24));
  }
  client_nonce_ = std::string(attrs[1].second);
  nonce_ = client_nonce_ + server_nonce_;
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(credential_.salt) + ",i=" + std::to_string(credential_.iterations);
  out.ok = true;
  out.reply = server_first_;
  stage_ = 1;
  return out;
}

scram_server::step_result scram_server::final(std::string_view msg) {
  step_result out;
  stage_ = 2;
  auto proof_at = msg.rfind(",p=");
  if (proof_at == std::string_view::npos) {
    out.error = "malformed SCRAM client-final message";
    return out;
  }
  auto without_proof = msg.substr(0, proof_at);
  auto attrs = attributes(without_proof);
  if (attrs.size() < 2 || attrs[0].first != 'c' || attrs[1].first != 'r') {
    out.error = "malformed SCRAM client-final message";
    return out;
  }
  if (attrs[0].second != base64_encode(gs2_header_)) {
    out.error = "the channel binding of the client-final message differs from the client-first";
    return out;
  }
  // librdkafka < 2.3 repeats its own nonce in front of the server's (Kafka only checks that the
  // nonce ends with the server's); accept exactly that form too.
  if (attrs[1].second != nonce_ && attrs[1].second != client_nonce_ + nonce_) {
    out.error = "the client-final message carries another nonce";
    return out;
  }
  auto proof = base64_decode(msg.substr(proof_at + 3));
  if (!proof) {
    out.error = "malformed SCRAM client proof";
    return out;
  }
  if (!known_user_) {
    out.error = "unknown user";
    return out;
  }
  const std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  auto client_signature = scram_hmac(mechanism_, credential_.stored_key, auth_message);
  if (proof->size() != client_signature.size()) {
    out.error = "wrong password";
    return out;
  }
  std::string client_key(client_signature.size(), '\0');
  for (std::size_t i = 0; i < client_key.size(); ++i) client_key[i] = static_cast<char>((*proof)[i] ^ client_signature[i]);
  if (!equal_secret(scram_hash(mechanism_, client_key), credential_.stored_key)) {
    out.error = "wrong password";
    return out;
  }
  out.ok = true;
  out.done = true;
  out.reply = "v=" + base64_encode(scram_hmac(mechanism_, credential_.server_key, auth_message));
  return out;
}

}  // namespace fluxo::security
