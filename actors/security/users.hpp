// The broker's users, as kept in the internal compacted topic __fluxo_security (replicated like
// any topic, so every node of a cluster learns them, and they survive restarts).
//
// Records of __fluxo_security (key and value are UTF-8 text):
//   key "scram/<MECHANISM>/<user>"  value format_scram_credential() (see scram.hpp);
//                                   a null value (tombstone) deletes that credential.
// Other key prefixes are reserved for later records (ACLs) and ignored here. The last record of
// a key wins, so compaction keeps exactly the current users. Passwords are never stored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/security/scram.hpp"

namespace fluxo::security {

inline constexpr std::string_view security_topic = "__fluxo_security";

std::string scram_record_key(scram_mechanism m, std::string_view user);

// User names: 1-255 bytes of printable ASCII without '/' (the record key's separator).
bool valid_user_name(std::string_view name);

class user_store {
 public:
  enum class applied { user, other, malformed };
  // Applies one record of __fluxo_security in log order.
  applied apply(std::string_view key, const std::optional<std::string_view>& value);

  std::optional<scram_credential> find(std::string_view user, scram_mechanism m) const;
  // SASL/PLAIN: whether the password matches any of the user's SCRAM credentials.
  bool password_matches(std::string_view user, std::string_view password) const;

  struct user_entry {
    std::string name;
    std::vector<std::pair<scram_mechanism, int32_t>> mechanisms;  // mechanism, iterations
  };
  std::vector<user_entry> list() const;
  std::size_t size() const { return users_.size(); }

 private:
  std::map<std::string, std::map<scram_mechanism, scram_credential>, std::less<>> users_;
};

}  // namespace fluxo::security
