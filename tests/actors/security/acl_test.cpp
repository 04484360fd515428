// The authorizer's decisions (Kafka's AclAuthorizer rules), filters, and the record form of
// ACL bindings in __fluxo_security.
#include <gtest/gtest.h>

#include "actors/security/acl.hpp"

using namespace fluxo::security;

namespace {

acl_binding allow(resource_type t, std::string name, std::string principal, acl_operation op,
                  pattern_type p = pattern_type::literal, std::string host = "*") {
  return {t, p, std::move(name), std::move(principal), std::move(host), op, acl_permission::allow};
}

acl_binding deny(resource_type t, std::string name, std::string principal, acl_operation op) {
  auto b = allow(t, std::move(name), std::move(principal), op);
  b.permission = acl_permission::deny;
  return b;
}

const authorizer_settings closed{{"User:root"}, false};

}  // namespace

TEST(Authorizer, LiteralPrefixedAndWildcardResources) {
  acl_store acls;
  acls.add(allow(resource_type::topic, "orders", "User:alice", acl_operation::read));
  acls.add(allow(resource_type::topic, "logs.", "User:bob", acl_operation::write, pattern_type::prefixed));
  acls.add(allow(resource_type::topic, "*", "User:carol", acl_operation::describe));
  EXPECT_TRUE(acls.authorize(closed, "User:alice", "1.2.3.4", acl_operation::read, resource_type::topic, "orders"));
  EXPECT_FALSE(acls.authorize(closed, "User:alice", "1.2.3.4", acl_operation::write, resource_type::topic, "orders"));
  EXPECT_FALSE(acls.authorize(closed, "User:alice", "1.2.3.4", acl_operation::read, resource_type::topic, "orders2"));
  EXPECT_TRUE(acls.authorize(closed, "User:bob", "h", acl_operation::write, resource_type::topic, "logs.app"));
  EXPECT_FALSE(acls.authorize(closed, "User:bob", "h", acl_operation::write, resource_type::topic, "log"));
  EXPECT_TRUE(acls.authorize(closed, "User:carol", "h", acl_operation::describe, resource_type::topic, "anything"));
  EXPECT_FALSE(acls.authorize(closed, "User:carol", "h", acl_operation::read, resource_type::topic, "anything"));
  EXPECT_FALSE(acls.authorize(closed, "User:alice", "h", acl_operation::read, resource_type::group, "orders"))
      << "another resource type";
}

TEST(Authorizer, DenyWinsAndImpliedDescribe) {
  acl_store acls;
  acls.add(allow(resource_type::topic, "t", "User:*", acl_operation::all));
  acls.add(deny(resource_type::topic, "t", "User:mallory", acl_operation::write));
  EXPECT_TRUE(acls.authorize(closed, "User:anyone", "h", acl_operation::write, resource_type::topic, "t"));
  EXPECT_FALSE(acls.authorize(closed, "User:mallory", "h", acl_operation::write, resource_type::topic, "t"));
  EXPECT_TRUE(acls.authorize(closed, "User:mallory", "h", acl_operation::read, resource_type::topic, "t"));
  acl_store implied;
  implied.add(allow(resource_type::topic, "t", "User:a", acl_operation::write));
  implied.add(allow(resource_type::topic, "t", "User:b", acl_operation::alter_configs));
  EXPECT_TRUE(implied.authorize(closed, "User:a", "h", acl_operation::describe, resource_type::topic, "t"));
  EXPECT_FALSE(implied.authorize(closed, "User:a", "h", acl_operation::describe_configs, resource_type::topic, "t"));
  EXPECT_TRUE(implied.authorize(closed, "User:b", "h", acl_operation::describe_configs, resource_type::topic, "t"));
  EXPECT_FALSE(implied.authorize(closed, "User:b", "h", acl_operation::describe, resource_type::topic, "t"));
  // A DENY of READ does not deny DESCRIBE (implication is for ALLOW only).
  acl_store d;
  d.add(allow(resource_type::topic, "t", "User:a", acl_operation::describe));
  d.add(deny(resource_type::topic, "t", "User:a", acl_operation::read));
  EXPECT_TRUE(d.authorize(closed, "User:a", "h", acl_operation::describe, resource_type::topic, "t"));
}

TEST(Authorizer, HostsSuperUsersAndResourcesWithoutAcls) {
  acl_store acls;
  acls.add(allow(resource_type::topic, "t", "User:a", acl_operation::read, pattern_type::literal, "10.0.0.1"));
  EXPECT_TRUE(acls.authorize(closed, "User:a", "10.0.0.1", acl_operation::read, resource_type::topic, "t"));
  EXPECT_FALSE(acls.authorize(closed, "User:a", "10.0.0.2", acl_operation::read, resource_type::topic, "t"));
  EXPECT_TRUE(acls.authorize(closed, "User:root", "x", acl_operation::alter, resource_type::cluster, "kafka-cluster"));
  const authorizer_settings open{{}, true};
  EXPECT_FALSE(acls.authorize(closed, "User:a", "h", acl_operation::read, resource_type::topic, "free"));
  EXPECT_TRUE(acls.authorize(open, "User:a", "h", acl_operation::read, resource_type::topic, "free"))
      << "no ACL applies: open with allow_everyone_if_no_acl";
  EXPECT_FALSE(acls.authorize(open, "User:b", "10.0.0.1", acl_operation::read, resource_type::topic, "t"))
      << "an ACL applies to t (for someone else): not open";
}

namespace {

acl_filter filter(resource_type t, pattern_type p = pattern_type::any, std::optional<std::string> name = std::nullopt,
                  std::optional<std::string> principal = std::nullopt) {
  acl_filter f;
  f.resource = t;
  f.pattern = p;
  f.name = std::move(name);
  f.principal = std::move(principal);
  return f;
}

}  // namespace

TEST(AclFilter, AnyMatchLiteralAndPrefixed) {
  acl_store acls;
  acls.add(allow(resource_type::topic, "orders", "User:a", acl_operation::read));
  acls.add(allow(resource_type::topic, "ord", "User:a", acl_operation::read, pattern_type::prefixed));
  acls.add(allow(resource_type::topic, "*", "User:b", acl_operation::write));
  acls.add(allow(resource_type::group, "g", "User:a", acl_operation::read));
  EXPECT_EQ(acls.matching({}).size(), 4u);
  EXPECT_EQ(acls.matching(filter(resource_type::topic)).size(), 3u);
  EXPECT_EQ(acls.matching(filter(resource_type::topic, pattern_type::match, "orders")).size(), 3u);
  EXPECT_EQ(acls.matching(filter(resource_type::topic, pattern_type::literal, "orders")).size(), 1u);
  EXPECT_EQ(acls.matching(filter(resource_type::topic, pattern_type::prefixed)).size(), 1u);
  EXPECT_EQ(acls.matching(filter(resource_type::any, pattern_type::any, std::nullopt, "User:b")).size(), 1u);
}

TEST(AclRecord, KeysRoundTripAndBadBindingsAreRefused) {
  auto b = allow(resource_type::group, "weird/\"name\t", "User:a", acl_operation::describe_configs,
                 pattern_type::prefixed, "10.1.1.1");
  auto key = acl_record_key(b);
  EXPECT_TRUE(key.starts_with("acl:[\"GROUP\",\"PREFIXED\""));
  EXPECT_EQ(parse_acl_record_key(key), b);
  EXPECT_EQ(parse_acl_record_key("acl:[1,2]"), std::nullopt);
  EXPECT_EQ(parse_acl_record_key("acl:not json"), std::nullopt);
  EXPECT_TRUE(invalid_binding(allow(resource_type::cluster, "other", "User:a", acl_operation::alter)));
  EXPECT_TRUE(invalid_binding(allow(resource_type::topic, "t", "alice", acl_operation::read)));
  EXPECT_TRUE(invalid_binding(allow(resource_type::topic, "t", "User:a", acl_operation::any)));
  EXPECT_FALSE(invalid_binding(allow(resource_type::cluster, "kafka-cluster", "User:a", acl_operation::alter)));
}
