// The client side of one SCRAM exchange (RFC 5802 section 3, RFC 7677), for fluxo's native
// clients logging in on the CAF node port. Pure logic; the messages are those of scram.hpp:
//   first()               -> client-first   "n,,n=<user>,r=<client nonce>"
//   final(server-first)   -> client-final   "c=biws,r=<nonce>,p=<b64 ClientProof>"
//   verify(server-final)  -> whether "v=<b64 ServerSignature>" proves the server knew the
//                            credential (a client that skips this may talk to an impostor)
// The server's nonce must extend the client's, the salt must decode and the iteration count
// must lie in [4096, 16384]; anything else fails with a reason (never the password).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actors/security/scram.hpp"

namespace fluxo::security {

class scram_client {
 public:
  // An empty nonce draws 24 random bytes (base64); tests pass a fixed one.
  scram_client(scram_mechanism m, std::string user, std::string password, std::string nonce = {});

  std::string first() const;
  // The client-final message, or nullopt with *error set when server-first is unacceptable.
  std::optional<std::string> final(std::string_view server_first, std::string* error);
  bool verify(std::string_view server_final) const;

 private:
  std::string bare() const;

  scram_mechanism mechanism_;
  std::string user_;
  std::string password_;
  std::string nonce_;
  std::string salted_;
  std::string auth_message_;
};

}  // namespace fluxo::security
