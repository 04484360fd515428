#include "actors/security/node_sessions.hpp"

namespace fluxo::security {

node_sessions::node_sessions(bool required, std::shared_ptr<const security_cache> data, authorizer_settings authz,
                             bool authorize)
    : required_(required), data_(std::move(data)), authz_(std::move(authz)), authorize_(authorize) {}

void node_sessions::set_members(std::set<std::string> keys) {
  std::unique_lock lock(mu_);
  members_ = std::move(keys);
}

bool node_sessions::admit(const std::string& key, const std::string& principal, const std::string& host) {
  std::unique_lock lock(mu_);
  auto [it, fresh] = sessions_.try_emplace(key, session{principal, host, 0});
  if (!fresh && it->second.principal != principal) return false;
  it->second.host = host;
  ++it->second.logins;
  return true;
}

void node_sessions::forget(const std::string& key, const std::string& principal) {
  std::unique_lock lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end() || it->second.principal != principal) return;
  if (--it->second.logins <= 0) sessions_.erase(it);
}

std::size_t node_sessions::sessions() const {
  std::shared_lock lock(mu_);
  return sessions_.size();
}

node_sessions::caller node_sessions::who(const std::string& key) const {
  caller c;
  if (key.empty()) {
    c.what = caller::kind::local;
    return c;
  }
  std::shared_lock lock(mu_);
  if (members_.count(key)) {
    c.what = caller::kind::member;
    return c;
  }
  if (auto it = sessions_.find(key); it != sessions_.end()) {
    c.what = caller::kind::user;
    c.principal = it->second.principal;
    c.host = it->second.host;
  }
  return c;
}

bool node_sessions::trusted(const std::string& key) const {
  if (!required_ || key.empty()) return true;
  auto k = who(key).what;
  return k == caller::kind::local || k == caller::kind::member;
}

node_sessions::verdict node_sessions::check(const std::string& key, acl_operation op, resource_type type,
                                            std::string_view name) const {
  if (!required_ || key.empty()) return verdict::allowed;
  const auto c = who(key);
  switch (c.what) {
    case caller::kind::local:
    case caller::kind::member:
      return verdict::allowed;
    case caller::kind::anonymous:
      return verdict::unauthenticated;
    case caller::kind::user:
      break;
  }
  if (!authorize_) return verdict::allowed;
  auto state = data_->get();
  return state->acls.authorize(authz_, c.principal, c.host, op, type, name) ? verdict::allowed : verdict::denied;
}

node_sessions::verdict node_sessions::check_any(const std::string& key, acl_operation op, resource_type type) const {
  if (!required_ || key.empty()) return verdict::allowed;
  const auto c = who(key);
  if (c.what == caller::kind::anonymous) return verdict::unauthenticated;
  if (c.what != caller::kind::user || !authorize_) return verdict::allowed;
  auto state = data_->get();
  return state->acls.allows_somewhere(authz_, c.principal, c.host, op, type) ? verdict::allowed : verdict::denied;
}

node_sessions::verdict node_sessions::check_topic(const std::string& key, acl_operation op,
                                                  std::string_view topic) const {
  if (topic == security_topic) {
    // Whatever the operation: it holds every user's credential and every ACL.
    return check(key, acl_operation::alter, resource_type::cluster, "kafka-cluster");
  }
  return check(key, op, resource_type::topic, topic);
}

}  // namespace fluxo::security
