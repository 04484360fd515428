// Everything __fluxo_security holds, as one immutable snapshot: users (users.hpp), ACL
// bindings (acl.hpp) and client quotas (quota.hpp). The reader of the topic applies records in log order and publishes a new
// snapshot through security_cache; listeners read the current one without waiting.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "actors/security/acl.hpp"
#include "actors/security/quota.hpp"
#include "actors/security/users.hpp"

namespace fluxo::security {

struct security_state {
  user_store users;
  acl_store acls;
  quota_store quotas;

  enum class applied { user, acl, quota, other, malformed };
  // Applies one record of __fluxo_security (a null value deletes).
  applied apply(std::string_view key, const std::optional<std::string_view>& value);
};

// Shared between the reader of __fluxo_security and the listeners (other threads).
class security_cache {
 public:
  std::shared_ptr<const security_state> get() const {
    std::lock_guard<std::mutex> g(mu_);
    return current_;
  }
  void set(std::shared_ptr<const security_state> s) {
    std::lock_guard<std::mutex> g(mu_);
    current_ = std::move(s);
  }
  // The users of the current snapshot (sharing its ownership).
  std::shared_ptr<const user_store> users() const {
    auto s = get();
    return std::shared_ptr<const user_store>(s, &s->users);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const security_state> current_ = std::make_shared<security_state>();
};

}  // namespace fluxo::security
