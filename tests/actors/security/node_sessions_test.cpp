// Who may do what on the node port (security/node_sessions.hpp), and the client side of SCRAM
// (security/scram_client.hpp) against the server side.
#include <gtest/gtest.h>

#include "actors/security/node_sessions.hpp"
#include "actors/security/scram.hpp"
#include "actors/security/scram_client.hpp"

using namespace fluxo::security;
using verdict = node_sessions::verdict;

namespace {

std::shared_ptr<security_cache> with_acls(std::initializer_list<acl_binding> bindings) {
  auto state = std::make_shared<security_state>();
  for (const auto& b : bindings) state->acls.add(b);
  auto cache = std::make_shared<security_cache>();
  cache->set(state);
  return cache;
}

acl_binding allow(resource_type t, std::string name, std::string principal, acl_operation op, std::string host = "*") {
  return {t, pattern_type::literal, std::move(name), std::move(principal), std::move(host), op, acl_permission::allow};
}

const authorizer_settings supers{{"User:admin"}, false};

}  // namespace

TEST(NodeSessions, ThisProcessAndMembersAreTrustedOthersMustLogIn) {
  node_sessions s(true, with_acls({}), supers, true);
  EXPECT_EQ(s.check("", acl_operation::write, resource_type::topic, "t"), verdict::allowed) << "this process";
  EXPECT_EQ(s.check("node-b", acl_operation::write, resource_type::topic, "t"), verdict::unauthenticated);
  EXPECT_FALSE(s.trusted("node-b"));
  s.set_members({"node-b"});
  EXPECT_EQ(s.check("node-b", acl_operation::write, resource_type::topic, "t"), verdict::allowed);
  EXPECT_TRUE(s.trusted("node-b"));
  s.set_members({});
  EXPECT_FALSE(s.trusted("node-b")) << "a node that left is a stranger again";
}

TEST(NodeSessions, LoggedInUsersGetTheirAclsAndNothingMore) {
  node_sessions s(true,
                  with_acls({allow(resource_type::topic, "orders", "User:app", acl_operation::write),
                             allow(resource_type::topic, "orders", "User:near", acl_operation::read, "10.0.0.1")}),
                  supers, true);
  ASSERT_TRUE(s.admit("client-1", "User:app", "127.0.0.1"));
  EXPECT_EQ(s.check_topic("client-1", acl_operation::write, "orders"), verdict::allowed);
  EXPECT_EQ(s.check_topic("client-1", acl_operation::describe, "orders"), verdict::allowed) << "WRITE implies DESCRIBE";
  EXPECT_EQ(s.check_topic("client-1", acl_operation::read, "orders"), verdict::denied);
  EXPECT_EQ(s.check_topic("client-1", acl_operation::write, "other"), verdict::denied);
  EXPECT_FALSE(s.trusted("client-1")) << "users never pass as nodes";
  EXPECT_EQ(s.check_any("client-1", acl_operation::write, resource_type::topic), verdict::allowed);
  // Host restrictions see the address the client logged in from.
  ASSERT_TRUE(s.admit("client-2", "User:near", "10.0.0.2"));
  EXPECT_EQ(s.check_topic("client-2", acl_operation::read, "orders"), verdict::denied);
  ASSERT_TRUE(s.admit("client-3", "User:near", "10.0.0.1"));
  EXPECT_EQ(s.check_topic("client-3", acl_operation::read, "orders"), verdict::allowed);
}

TEST(NodeSessions, TheSecurityTopicNeedsAlterOnTheCluster) {
  node_sessions s(true, with_acls({allow(resource_type::topic, "__fluxo_security", "User:app", acl_operation::all)}),
                  supers, true);
  ASSERT_TRUE(s.admit("c", "User:app", "h"));
  ASSERT_TRUE(s.admit("a", "User:admin", "h"));
  EXPECT_EQ(s.check_topic("c", acl_operation::read, "__fluxo_security"), verdict::denied)
      << "a topic ACL does not open the users and ACLs";
  EXPECT_EQ(s.check_topic("a", acl_operation::read, "__fluxo_security"), verdict::allowed) << "super user";
  EXPECT_EQ(s.check_topic("x", acl_operation::read, "__fluxo_security"), verdict::unauthenticated);
}

TEST(NodeSessions, OneUserPerClientNodeUntilItsSessionsEnd) {
  node_sessions s(true, with_acls({}), supers, false);
  ASSERT_TRUE(s.admit("c", "User:app", "h"));
  ASSERT_TRUE(s.admit("c", "User:app", "h")) << "the same user again (a second connection of the process)";
  EXPECT_FALSE(s.admit("c", "User:admin", "h")) << "another user from the same node";
  EXPECT_EQ(s.who("c").principal, "User:app");
  EXPECT_EQ(s.check_topic("c", acl_operation::write, "t"), verdict::allowed) << "no authorizer: users may do all";
  s.forget("c", "User:app");
  EXPECT_EQ(s.who("c").principal, "User:app") << "one login still lives";
  s.forget("c", "User:app");
  EXPECT_EQ(s.check_topic("c", acl_operation::write, "t"), verdict::unauthenticated) << "all sessions ended";
  EXPECT_EQ(s.sessions(), 0u);
  ASSERT_TRUE(s.admit("c", "User:admin", "h")) << "a new process may reuse the node id after logging in";
}

TEST(NodeSessions, AnOpenPortAllowsEveryone) {
  node_sessions s(false, with_acls({}), supers, true);
  EXPECT_EQ(s.check_topic("anyone", acl_operation::write, "__fluxo_security"), verdict::allowed);
  EXPECT_TRUE(s.trusted("anyone"));
}

TEST(ScramClient, LogsInAgainstTheServerAndChecksItsSignature) {
  for (auto m : {scram_mechanism::sha256, scram_mechanism::sha512}) {
    const auto credential = new_scram_credential(m, "s3cret, with=signs", 4096);
    auto lookup = [&](const std::string& u) -> std::optional<scram_credential> {
      if (u == "a,b=c") return credential;
      return std::nullopt;
    };
    scram_server server(m, lookup);
    scram_client client(m, "a,b=c", "s3cret, with=signs");
    auto first = server.step(client.first());
    ASSERT_TRUE(first.ok) << first.error;
    std::string why;
    auto final = client.final(first.reply, &why);
    ASSERT_TRUE(final) << why;
    auto done = server.step(*final);
    ASSERT_TRUE(done.ok && done.done) << done.error;
    EXPECT_TRUE(client.verify(done.reply));
    EXPECT_FALSE(client.verify("v=" + base64_encode(std::string(64, 'x')))) << "an impostor's signature";

    scram_server again(m, lookup);
    scram_client wrong(m, "a,b=c", "guess");
    auto f2 = again.step(wrong.first());
    auto fin2 = wrong.final(f2.reply, &why);
    ASSERT_TRUE(fin2);
    EXPECT_FALSE(again.step(*fin2).ok) << "a wrong password fails at the proof";
  }
}

TEST(ScramClient, RefusesAServerFirstMessageItCannotTrust) {
  scram_client c(scram_mechanism::sha256, "u", "p", "clientnonce");
  std::string why;
  EXPECT_FALSE(c.final("r=othernonce123,s=c2FsdA==,i=4096", &why)) << "nonce not extended";
  EXPECT_NE(why.find("nonce"), std::string::npos);
  EXPECT_FALSE(c.final("r=clientnonceXYZ,s=c2FsdA==,i=10", &why)) << "too few iterations";
  EXPECT_FALSE(c.final("r=clientnonceXYZ,s=c2FsdA==,i=99999999999999999999", &why)) << "overflowing count";
  EXPECT_FALSE(c.final("r=clientnonceXYZ,i=4096", &why)) << "no salt";
  EXPECT_FALSE(c.final("e=other-error", &why));
  EXPECT_TRUE(c.final("r=clientnonceXYZ,s=c2FsdA==,i=4096", &why)) << why;
}
