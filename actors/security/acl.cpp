#include "actors/security/acl.hpp"

#include <nlohmann/json.hpp>

namespace fluxo::security {

namespace {

template <class E>
struct names {
  E value;
  std::string_view name;
};

constexpr names<resource_type> resource_names[] = {{resource_type::any, "ANY"},
                                                   {resource_type::topic, "TOPIC"},
                                                   {resource_type::group, "GROUP"},
                                                   {resource_type::cluster, "CLUSTER"},
                                                   {resource_type::transactional_id, "TRANSACTIONAL_ID"}};
constexpr names<pattern_type> pattern_names[] = {{pattern_type::any, "ANY"},
                                                 {pattern_type::match, "MATCH"},
                                                 {pattern_type::literal, "LITERAL"},
                                                 {pattern_type::prefixed, "PREFIXED"}};
constexpr names<acl_operation> operation_names[] = {
    {acl_operation::any, "ANY"},
    {acl_operation::all, "ALL"},
    {acl_operation::read, "READ"},
    {acl_operation::write, "WRITE"},
    {acl_operation::create, "CREATE"},
    {acl_operation::remove, "DELETE"},
    {acl_operation::alter, "ALTER"},
    {acl_operation::describe, "DESCRIBE"},
    {acl_operation::cluster_action, "CLUSTER_ACTION"},
    {acl_operation::describe_configs, "DESCRIBE_CONFIGS"},
    {acl_operation::alter_configs, "ALTER_CONFIGS"},
    {acl_operation::idempotent_write, "IDEMPOTENT_WRITE"}};
constexpr names<acl_permission> permission_names[] = {
    {acl_permission::any, "ANY"}, {acl_permission::deny, "DENY"}, {acl_permission::allow, "ALLOW"}};

template <class E, std::size_t N>
std::string_view lookup(const names<E> (&table)[N], E v) {
  for (const auto& n : table) {
    if (n.value == v) return n.name;
  }
  return "UNKNOWN";
}

template <class E, std::size_t N>
std::optional<E> parse(const names<E> (&table)[N], std::string_view s) {
  for (const auto& n : table) {
    if (n.name == s) return n.value;
  }
  return std::nullopt;
}

// Whether a binding's resource pattern covers the resource `name` of the same type.
bool pattern_covers(const acl_binding& b, std::string_view name) {
  if (b.pattern == pattern_type::literal) return b.name == name || b.name == "*";
  if (b.pattern == pattern_type::prefixed) return name.starts_with(b.name);
  return false;
}

bool operation_covers(acl_operation granted, acl_operation asked, acl_permission permission) {
  if (granted == asked || granted == acl_operation::all) return true;
  if (permission != acl_permission::allow) return false;
  if (asked == acl_operation::describe) {
    return granted == acl_operation::read || granted == acl_operation::write || granted == acl_operation::remove ||
           granted == acl_operation::alter;
  }
  return asked == acl_operation::describe_configs && granted == acl_operation::alter_configs;
}

}  // namespace

std::string_view name_of(resource_type t) { return lookup(resource_names, t); }
std::string_view name_of(pattern_type t) { return lookup(pattern_names, t); }
std::string_view name_of(acl_operation o) { return lookup(operation_names, o); }
std::string_view name_of(acl_permission p) { return lookup(permission_names, p); }

bool acl_filter::matches(const acl_binding& b) const {
  if (resource != resource_type::any && resource != b.resource) return false;
  if (principal && *principal != b.principal) return false;
  if (host && *host != b.host) return false;
  if (operation != acl_operation::any && operation != b.operation) return false;
  if (permission != acl_permission::any && permission != b.permission) return false;
  switch (pattern) {
    case pattern_type::any:
      return !name || *name == b.name;
    case pattern_type::match:
      return !name || pattern_covers(b, *name);
    case pattern_type::literal:
    case pattern_type::prefixed:
      return b.pattern == pattern && (!name || *name == b.name);
  }
  return false;
}

std::optional<std::string> invalid_binding(const acl_binding& b) {
  if (b.resource == resource_type::any || lookup(resource_names, b.resource) == "UNKNOWN") {
    return "the resource type must be TOPIC, GROUP, CLUSTER or TRANSACTIONAL_ID";
  }
  if (b.pattern != pattern_type::literal && b.pattern != pattern_type::prefixed) {
    return "the pattern type must be LITERAL or PREFIXED";
  }
  if (b.name.empty()) return "the resource name is empty";
  if (b.resource == resource_type::cluster && b.name != cluster_resource_name) {
    return "the CLUSTER resource is named kafka-cluster";
  }
  if (b.pattern == pattern_type::prefixed && b.name == "*") return "a PREFIXED pattern cannot be *";
  if (!b.principal.starts_with("User:") || b.principal.size() == 5) return "the principal must be User:<name> or User:*";
  if (b.host.empty()) return "the host is empty (use * for any)";
  if (b.operation == acl_operation::any || lookup(operation_names, b.operation) == "UNKNOWN") {
    return "unknown operation";
  }
  if (b.permission != acl_permission::allow && b.permission != acl_permission::deny) {
    return "the permission must be ALLOW or DENY";
  }
  return std::nullopt;
}

std::string acl_record_key(const acl_binding& b) {
  nlohmann::json j = {name_of(b.resource), name_of(b.pattern), b.name,          b.principal,
                      b.host,              name_of(b.operation), name_of(b.permission)};
  return "acl:" + j.dump();
}

std::optional<acl_binding> parse_acl_record_key(std::string_view key) {
  if (!key.starts_with("acl:")) return std::nullopt;
  auto j = nlohmann::json::parse(key.substr(4), nullptr, false);
  if (!j.is_array() || j.size() != 7) return std::nullopt;
  for (const auto& e : j) {
    if (!e.is_string()) return std::nullopt;
  }
  auto rt = parse(resource_names, j[0].get<std::string>());
  auto pt = parse(pattern_names, j[1].get<std::string>());
  auto op = parse(operation_names, j[5].get<std::string>());
  auto perm = parse(permission_names, j[6].get<std::string>());
  if (!rt || !pt || !op || !perm) return std::nullopt;
  acl_binding b{*rt, *pt, j[2].get<std::string>(), j[3].get<std::string>(), j[4].get<std::string>(), *op, *perm};
  if (invalid_binding(b)) return std::nullopt;
  return b;
}

std::vector<acl_binding> acl_store::matching(const acl_filter& f) const {
  std::vector<acl_binding> out;
  for (const auto& b : acls_) {
    if (f.matches(b)) out.push_back(b);
  }
  return out;
}

bool acl_store::authorize(const authorizer_settings& s, const std::string& principal, const std::string& host,
                          acl_operation op, resource_type type, std::string_view name) const {
  if (s.super_users.count(principal)) return true;
  bool any_for_resource = false;
  bool allowed = false;
  for (const auto& b : acls_) {
    if (b.resource != type || !pattern_covers(b, name)) continue;
    any_for_resource = true;
    if (b.principal != principal && b.principal != "User:*") continue;
    if (b.host != "*" && b.host != host) continue;
    if (!operation_covers(b.operation, op, b.permission)) continue;
    if (b.permission == acl_permission::deny) return false;
    allowed = true;
  }
  return allowed || (!any_for_resource && s.allow_everyone_if_no_acl);
}

bool acl_store::allows_somewhere(const authorizer_settings& s, const std::string& principal, const std::string& host,
                                 acl_operation op, resource_type type) const {
  if (s.super_users.count(principal)) return true;
  for (const auto& b : acls_) {
    if (b.resource != type || b.permission != acl_permission::allow) continue;
    if ((b.principal == principal || b.principal == "User:*") && (b.host == "*" || b.host == host) &&
        operation_covers(b.operation, op, b.permission) && authorize(s, principal, host, op, type, b.name)) {
      return true;
    }
  }
  return false;
}

}  // namespace fluxo::security
