// Logins on the HTTP port (actors/security/http_login.hpp): Basic headers, session tokens, and
// how both end (logout, idle, age, a changed password, a deleted user, memory bounds).
#include <gtest/gtest.h>

#include "actors/security/http_login.hpp"

using namespace fluxo::security;

namespace {

// A users snapshot the test replaces, as the reader of __fluxo_security does.
struct users_fixture {
  std::shared_ptr<const user_store> current = std::make_shared<user_store>();

  void set_password(const std::string& user, const std::string& password) {
    auto next = std::make_shared<user_store>(*current);
    next->apply(scram_record_key(scram_mechanism::sha256, user),
                format_scram_credential(new_scram_credential(scram_mechanism::sha256, password)));
    current = next;
  }
  void remove(const std::string& user) {
    auto next = std::make_shared<user_store>(*current);
    next->apply(scram_record_key(scram_mechanism::sha256, user), std::nullopt);
    current = next;
  }
  http_login::users_source source() {
    return [this] { return current; };
  }
};

std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + base64_encode(user + ":" + password);
}

}  // namespace

TEST(HttpLogin, ParsesBasicHeadersAndCookies) {
  auto c = parse_basic_authorization("Basic " + base64_encode("alice:pa:ss"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "alice");
  EXPECT_EQ(c->second, "pa:ss");  // only the first colon separates
  EXPECT_TRUE(parse_basic_authorization("basic " + base64_encode("a:b")));
  EXPECT_FALSE(parse_basic_authorization("Bearer abc"));
  EXPECT_FALSE(parse_basic_authorization("Basic !!!"));
  EXPECT_FALSE(parse_basic_authorization("Basic " + base64_encode("nocolon")));
  EXPECT_FALSE(parse_basic_authorization("Basic " + base64_encode(":password")));
  EXPECT_FALSE(parse_basic_authorization(""));

  EXPECT_EQ(cookie_value("a=1; fluxo_session=abc; b=2", "fluxo_session"), "abc");
  EXPECT_EQ(cookie_value("fluxo_session=xyz", "fluxo_session"), "xyz");
  EXPECT_FALSE(cookie_value("other_fluxo_session=1; a=2", "fluxo_session"));
  EXPECT_FALSE(cookie_value("", "fluxo_session"));
}

TEST(HttpLogin, BasicChecksThePasswordAndRemembersOnlyWhileCredentialsStay) {
  users_fixture users;
  users.set_password("alice", "secret");
  http_login login(users.source());
  EXPECT_EQ(login.basic_user(basic("alice", "secret"), 0), "alice");
  EXPECT_EQ(login.basic_user(basic("alice", "secret"), 1000), "alice");  // remembered
  EXPECT_FALSE(login.basic_user(basic("alice", "wrong"), 0));
  EXPECT_FALSE(login.basic_user(basic("mallory", "secret"), 0));
  EXPECT_FALSE(login.basic_user("Basic garbage", 0));

  users.set_password("alice", "changed");
  EXPECT_FALSE(login.basic_user(basic("alice", "secret"), 2000)) << "a remembered header outlived a password change";
  EXPECT_EQ(login.basic_user(basic("alice", "changed"), 2000), "alice");
  users.remove("alice");
  EXPECT_FALSE(login.basic_user(basic("alice", "changed"), 3000));
}

TEST(HttpLogin, SessionsEndOnLogoutIdleAgeAndCredentialChange) {
  users_fixture users;
  users.set_password("alice", "secret");
  users.set_password("bob", "pw");
  http_login_settings s;
  s.session_idle_ms = 1000;
  s.session_max_ms = 5000;
  http_login login(users.source(), s);

  EXPECT_FALSE(login.login("alice", "wrong", 0));
  EXPECT_FALSE(login.login("nobody", "secret", 0));
  auto token = login.login("alice", "secret", 0);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->size(), 64u);
  EXPECT_NE(login.login("alice", "secret", 0), token) << "tokens must be random";
  EXPECT_EQ(login.session_user(*token, 900), "alice");
  EXPECT_EQ(login.session_user(*token, 1800), "alice");  // use keeps it alive
  auto forged = *token;
  forged[0] = forged[0] == '0' ? '1' : '0';
  EXPECT_FALSE(login.session_user(forged, 1800)) << "another token";
  EXPECT_FALSE(login.session_user(*token, 2900)) << "idle for more than session_idle_ms";

  auto old = login.login("alice", "secret", 10000);
  for (int64_t t = 10500; t <= 14500; t += 500) ASSERT_EQ(login.session_user(*old, t), "alice");
  EXPECT_FALSE(login.session_user(*old, 15001)) << "older than session_max_ms";

  auto a = login.login("alice", "secret", 20000);
  auto b = login.login("bob", "pw", 20000);
  login.logout(*a);
  EXPECT_FALSE(login.session_user(*a, 20001));
  users.set_password("bob", "new");
  EXPECT_FALSE(login.session_user(*b, 20002)) << "a session outlived a password change";
}

TEST(HttpLogin, MemoryIsBounded) {
  users_fixture users;
  users.set_password("alice", "secret");
  http_login_settings s;
  s.max_sessions = 3;
  http_login login(users.source(), s);
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i) tokens.push_back(*login.login("alice", "secret", i));
  EXPECT_EQ(login.sessions(), 3u);
  EXPECT_FALSE(login.session_user(tokens[0], 10)) << "the oldest session goes first";
  EXPECT_EQ(login.session_user(tokens[4], 10), "alice");
}

TEST(HttpLogin, AUserCannotLogOthersOut) {
  users_fixture users;
  users.set_password("alice", "secret");
  users.set_password("mallory", "pw");
  http_login_settings s;
  s.max_sessions = 10;
  s.max_sessions_per_user = 3;
  http_login login(users.source(), s);
  auto alice = login.login("alice", "secret", 0);
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(login.login("mallory", "pw", i));
  EXPECT_EQ(login.session_user(*alice, 30), "alice") << "mallory's logins pushed alice out";
  EXPECT_EQ(login.sessions(), 4u);
}
