// Access control lists with Kafka's model and codes (KIP-11, KIP-290), and the authorizer's
// decision. Pure logic, no I/O.
//
// An ACL binding: resource (type, name, pattern LITERAL or PREFIXED), principal ("User:alice"
// or "User:*"), host ("*" or an address), operation, ALLOW or DENY. Kafka's rules, as
// AclAuthorizer applies them:
//   - super users may do everything;
//   - an ACL applies to a resource when its pattern matches (LITERAL: the same name, or "*";
//     PREFIXED: the name starts with it), its principal is the requester's or User:*, and its
//     host is the client's address or "*";
//   - a DENY for the operation (or ALL) wins over any ALLOW;
//   - ALLOW for the operation or ALL permits it; READ, WRITE, DELETE and ALTER also permit
//     DESCRIBE, and ALTER_CONFIGS permits DESCRIBE_CONFIGS;
//   - a resource no ACL applies to at all is open only with allow_everyone_if_no_acl.
//
// Stored in __fluxo_security (see users.hpp) as key "acl:" + JSON array
// [resource type, pattern type, resource name, principal, host, operation, permission] (names
// of the codes, e.g. "TOPIC"), value "1"; a tombstone removes the binding.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace fluxo::security {

// Kafka's codes (AclOperation, ResourceType, PatternType, AclPermissionType).
enum class resource_type : int8_t { any = 1, topic = 2, group = 3, cluster = 4, transactional_id = 5 };
enum class pattern_type : int8_t { any = 1, match = 2, literal = 3, prefixed = 4 };
enum class acl_operation : int8_t {
  any = 1,
  all = 2,
  read = 3,
  write = 4,
  create = 5,
  remove = 6,  // DELETE
  alter = 7,
  describe = 8,
  cluster_action = 9,
  describe_configs = 10,
  alter_configs = 11,
  idempotent_write = 12,
};
enum class acl_permission : int8_t { any = 1, deny = 2, allow = 3 };

inline constexpr std::string_view cluster_resource_name = "kafka-cluster";

struct acl_binding {
  resource_type resource = resource_type::topic;
  pattern_type pattern = pattern_type::literal;
  std::string name;
  std::string principal;
  std::string host = "*";
  acl_operation operation = acl_operation::all;
  acl_permission permission = acl_permission::allow;
  auto tie() const { return std::tie(resource, pattern, name, principal, host, operation, permission); }
  bool operator<(const acl_binding& o) const { return tie() < o.tie(); }
  bool operator==(const acl_binding& o) const { return tie() == o.tie(); }
};

// A DescribeAcls / DeleteAcls filter: nullopt or ANY matches everything; pattern MATCH matches
// the bindings that would apply to the named resource (literal, wildcard and prefixes).
struct acl_filter {
  resource_type resource = resource_type::any;
  pattern_type pattern = pattern_type::any;
  std::optional<std::string> name;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  acl_operation operation = acl_operation::any;
  acl_permission permission = acl_permission::any;
  bool matches(const acl_binding& b) const;
};

// Why a binding cannot be created (INVALID_REQUEST's message), or nullopt if it is valid.
std::optional<std::string> invalid_binding(const acl_binding& b);

std::string_view name_of(resource_type t);
std::string_view name_of(pattern_type t);
std::string_view name_of(acl_operation o);
std::string_view name_of(acl_permission p);

std::string acl_record_key(const acl_binding& b);
std::optional<acl_binding> parse_acl_record_key(std::string_view key);

struct authorizer_settings {
  std::set<std::string> super_users;        // "User:admin"
  bool allow_everyone_if_no_acl = false;
};

class acl_store {
 public:
  void add(const acl_binding& b) { acls_.insert(b); }
  void remove(const acl_binding& b) { acls_.erase(b); }
  const std::set<acl_binding>& all() const { return acls_; }
  std::vector<acl_binding> matching(const acl_filter& f) const;

  // The decision for one request: may `principal` from `host` do `op` on the resource?
  bool authorize(const authorizer_settings& s, const std::string& principal, const std::string& host,
                 acl_operation op, resource_type type, std::string_view name) const;
  // Whether some resource of `type` allows `op` to the principal (KIP-679's WRITE on any topic).
  bool allows_somewhere(const authorizer_settings& s, const std::string& principal, const std::string& host,
                        acl_operation op, resource_type type) const;

 private:
  std::set<acl_binding> acls_;
};

}  // namespace fluxo::security
