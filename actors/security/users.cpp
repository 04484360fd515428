#include "actors/security/users.hpp"

namespace fluxo::security {

std::string scram_record_key(scram_mechanism m, std::string_view user) {
  return "scram/" + std::string(scram_mechanism_name(m)) + "/" + std::string(user);
}

bool valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    if (c < 0x21 || c > 0x7e || c == '/') return false;
  }
  return true;
}

user_store::applied user_store::apply(std::string_view key, const std::optional<std::string_view>& value) {
  if (!key.starts_with("scram/")) return applied::other;
  key.remove_prefix(6);
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return applied::malformed;
  auto mechanism = parse_scram_mechanism(key.substr(0, slash));
  auto user = key.substr(slash + 1);
  if (!mechanism || !valid_user_name(user)) return applied::malformed;
  if (!value) {
    if (auto it = users_.find(user); it != users_.end()) {
      it->second.erase(*mechanism);
      if (it->second.empty()) users_.erase(it);
    }
    return applied::user;
  }
  auto credential = parse_scram_credential(*value);
  if (!credential) return applied::malformed;
  users_[std::string(user)][*mechanism] = std::move(*credential);
  return applied::user;
}

std::optional<scram_credential> user_store::find(std::string_view user, scram_mechanism m) const {
  auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  auto c = it->second.find(m);
  if (c == it->second.end()) return std::nullopt;
  return c->second;
}

bool user_store::password_matches(std::string_view user, std::string_view password) const {
  auto it = users_.find(user);
  if (it == users_.end() || it->second.empty()) {
    // As slow as a wrong password: the time of an answer does not tell which users exist.
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    static const auto dummy = derive_scram_credential(scram_mechanism::sha256, "-", "fluxo-no-such-user", min_scram_iterations);
    scram_password_matches(scram_mechanism::sha256, dummy, password);
#endif
    return false;
  }
  const auto& [mechanism, credential] = *it->second.begin();
  return scram_password_matches(mechanism, credential, password);
}

std::vector<user_store::user_entry> user_store::list() const {
  std::vector<user_entry> out;
  for (const auto& [name, creds] : users_) {
    user_entry e{name, {}};
    for (const auto& [m, c] : creds) e.mechanisms.emplace_back(m, c.iterations);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace fluxo::security
