// libFuzzer target: what an unauthenticated client controls in SASL. The input picks a
// mechanism and carries up to two tokens (split at the first 0xff byte); they go through the
// connection's SASL state machine against a store with one user, as the listener feeds them.
// Also the parsers behind it: stored credentials, user names, base64. Any crash, leak or
// undefined behavior is a finding; so is an exchange that authenticates without the password.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "actors/security/sasl.hpp"
#include "actors/security/scram.hpp"
#include "actors/security/users.hpp"

using namespace fluxo::security;

namespace {

std::shared_ptr<const user_store> users() {
  static const auto store = [] {
    auto s = std::make_shared<user_store>();
    for (auto m : {scram_mechanism::sha256, scram_mechanism::sha512}) {
      s->apply(scram_record_key(m, "alice"), format_scram_credential(derive_scram_credential(m, "secret", "salt-salt", 4096)));
    }
    return s;
  }();
  return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const char* mechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI"};
  sasl_authenticator auth({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"});
  if (auth.handshake(mechanisms[data[0] % 4], users()) == fluxo::actors::kafka_error::none) {
    auto split = all.find('\xff');
    auto first = all.substr(0, split);
    auto r = auth.authenticate(first);
    if (r.error == fluxo::actors::kafka_error::none && split != std::string_view::npos) {
      auth.authenticate(all.substr(split + 1));
    }
    // Random bytes cannot know alice's SCRAM proof; PLAIN needs the password itself.
    if (auth.authenticated() && auth.mechanism() != "PLAIN") std::abort();
    if (auth.authenticated() && all.find("secret") == std::string_view::npos) std::abort();
  }
  parse_scram_credential(all);
  scram_unescape_name(all);
  if (auto raw = base64_decode(all)) {
    if (base64_encode(*raw) != all) std::abort();
  }
  return 0;
}
