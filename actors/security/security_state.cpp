#include "actors/security/security_state.hpp"

namespace fluxo::security {

security_state::applied security_state::apply(std::string_view key, const std::optional<std::string_view>& value) {
  if (key.starts_with("acl:")) {
    auto b = parse_acl_record_key(key);
    if (!b) return applied::malformed;
    if (value) {
      acls.add(*b);
    } else {
      acls.remove(*b);
    }
    return applied::acl;
  }
  if (key.starts_with("quota:")) {
    auto e = parse_quota_record_key(key);
    if (!e) return applied::malformed;
    if (!value) {
      quotas.remove(*e);
      return applied::quota;
    }
    auto c = parse_quota_config(*value);
    if (!c) return applied::malformed;
    quotas.set(*e, *c);
    return applied::quota;
  }
  switch (users.apply(key, value)) {
    case user_store::applied::user:
      return applied::user;
    case user_store::applied::malformed:
      return applied::malformed;
    case user_store::applied::other:
      break;
  }
  return applied::other;
}

}  // namespace fluxo::security
