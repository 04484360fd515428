// SCRAM and SASL: the RFC 5802 (SHA-1) and RFC 7677 (SHA-256) exchanges verbatim, round trips
// through a client written from RFC 5802 section 3, the stored credential format, and the
// PLAIN / SCRAM state machine of one connection.
#include <gtest/gtest.h>

#include "actors/security/sasl.hpp"
#include "actors/security/scram.hpp"
#include "actors/security/users.hpp"

using namespace fluxo::security;
using fluxo::actors::kafka_error;

namespace {

struct rfc_case {
  scram_mechanism mechanism;
  std::string client_first, server_nonce, server_first, client_final, server_final, salt_b64;
};

void run_rfc_case(const rfc_case& c) {
  const auto credential = derive_scram_credential(c.mechanism, "pencil", *base64_decode(c.salt_b64), 4096);
  scram_server server(
      c.mechanism,
      [&](const std::string& u) -> std::optional<scram_credential> {
        if (u == "user") return credential;
        return std::nullopt;
      },
      c.server_nonce);
  auto first = server.step(c.client_first);
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.reply, c.server_first);
  auto final = server.step(c.client_final);
  ASSERT_TRUE(final.ok) << final.error;
  EXPECT_TRUE(final.done);
  EXPECT_EQ(final.reply, c.server_final);
  EXPECT_EQ(server.user(), "user");
}

// The client of RFC 5802 section 3: the client-final message for a server-first message.
struct scram_client {
  scram_client(scram_mechanism mechanism, std::string u, std::string p)
      : m(mechanism), user(std::move(u)), password(std::move(p)) {}
  scram_mechanism m;
  std::string user, password, nonce = "clientnonce123";
  std::string auth_message, salted;

  std::string first() const { return "n,," + bare(); }
  std::string bare() const { return "n=" + user + ",r=" + nonce; }
  std::string final(const std::string& server_first) {
    std::string full_nonce, salt;
    int iterations = 0;
    for (std::string_view rest = server_first; !rest.empty();) {
      auto comma = rest.find(',');
      auto part = rest.substr(0, comma);
      if (part.starts_with("r=")) full_nonce = part.substr(2);
      if (part.starts_with("s=")) salt = *base64_decode(part.substr(2));
      if (part.starts_with("i=")) iterations = std::stoi(std::string(part.substr(2)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    salted = scram_salted_password(m, password, salt, iterations);
    const std::string without_proof = "c=biws,r=" + full_nonce;
    auth_message = bare() + "," + server_first + "," + without_proof;
    auto client_key = scram_hmac(m, salted, "Client Key");
    auto signature = scram_hmac(m, scram_hash(m, client_key), auth_message);
    for (std::size_t i = 0; i < client_key.size(); ++i) client_key[i] = static_cast<char>(client_key[i] ^ signature[i]);
    return without_proof + ",p=" + base64_encode(client_key);
  }
  std::string expected_server_final() const {
    return "v=" + base64_encode(scram_hmac(m, scram_hmac(m, salted, "Server Key"), auth_message));
  }
};

}  // namespace

TEST(Scram, Rfc5802Sha1ExchangeVerbatim) {
  run_rfc_case({scram_mechanism::sha1, "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j",
                "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
                "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", "QSXCR+Q6sek8bf92"});
}

TEST(Scram, Rfc7677Sha256ExchangeVerbatim) {
  run_rfc_case({scram_mechanism::sha256, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "W22ZaJ0SNY7soEsUEjb6gQ=="});
}

TEST(Scram, Sha512RoundTripWithANewCredential) {
  auto cred = new_scram_credential(scram_mechanism::sha512, "s3cret", 4096);
  EXPECT_EQ(cred.salt.size(), 32u);
  EXPECT_EQ(cred.stored_key.size(), 64u);
  scram_server server(scram_mechanism::sha512, [&](const std::string&) { return std::optional(cred); });
  scram_client client{scram_mechanism::sha512, "alice", "s3cret"};
  auto first = server.step(client.first());
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_TRUE(first.reply.starts_with("r=" + client.nonce));
  auto final = server.step(client.final(first.reply));
  ASSERT_TRUE(final.ok) << final.error;
  EXPECT_EQ(final.reply, client.expected_server_final());
}

TEST(Scram, AWrongPasswordAndAnUnknownUserFailAtTheProofAlike) {
  auto cred = new_scram_credential(scram_mechanism::sha256, "right");
  auto lookup = [&](const std::string& u) -> std::optional<scram_credential> {
    if (u == "alice") return cred;
    return std::nullopt;
  };
  for (auto [user, password, why] : {std::tuple{"alice", "wrong", "wrong password"},
                                     std::tuple{"mallory", "right", "unknown user"}}) {
    scram_server server(scram_mechanism::sha256, lookup);
    scram_client client{scram_mechanism::sha256, user, password};
    auto first = server.step(client.first());
    ASSERT_TRUE(first.ok) << "an unknown user still gets a challenge: " << first.error;
    auto final = server.step(client.final(first.reply));
    EXPECT_FALSE(final.ok);
    EXPECT_EQ(final.error, why);
    EXPECT_TRUE(final.reply.empty());
  }
  // The made-up salt of an unknown name is stable (asking twice learns nothing new).
  scram_server a(scram_mechanism::sha256, lookup), b(scram_mechanism::sha256, lookup);
  auto sa = a.step("n,,n=ghost,r=abc").reply, sb = b.step("n,,n=ghost,r=abc").reply;
  EXPECT_EQ(sa.substr(sa.find(",s=")), sb.substr(sb.find(",s=")));
}

TEST(Scram, MalformedMessagesAreRefused) {
  auto cred = new_scram_credential(scram_mechanism::sha256, "pw");
  auto lookup = [&](const std::string&) { return std::optional(cred); };
  for (std::string bad : {"", "x,,n=a,r=b", "p=tls-unique,,n=a,r=b", "n,,r=b,n=a", "n,,n=a", "n,,n=a=x,r=b",
                          "n,a=other,n=a,r=b", "n,,n=,r=b"}) {
    scram_server server(scram_mechanism::sha256, lookup);
    EXPECT_FALSE(server.step(bad).ok) << bad;
  }
  scram_server server(scram_mechanism::sha256, lookup);
  ASSERT_TRUE(server.step("n,,n=a,r=abc").ok);
  EXPECT_FALSE(server.step("c=biws,r=abcSOMETHINGELSE,p=AAAA").ok) << "another nonce";
  EXPECT_FALSE(server.step("c=biws,r=x,p=AAAA").ok) << "the exchange ended at the first failure";
}

TEST(Scram, AcceptsLibrdkafkasRepeatedClientNonce) {
  // librdkafka < 2.3 sends r=<client nonce><server's r> (Kafka only checks the suffix).
  auto cred = new_scram_credential(scram_mechanism::sha256, "pw");
  scram_server server(scram_mechanism::sha256, [&](const std::string&) { return std::optional(cred); }, "SRV");
  scram_client client(scram_mechanism::sha256, "u", "pw");
  auto first = server.step(client.first());
  ASSERT_TRUE(first.ok);
  auto final = client.final(first.reply);
  final.replace(final.find("r=") + 2, 0, client.nonce);  // r=<cnonce><cnonce><snonce>
  // The proof covers the message as sent: sign it again.
  std::string without_proof = final.substr(0, final.find(",p="));
  std::string auth = client.bare() + "," + first.reply + "," + without_proof;
  auto client_key = scram_hmac(scram_mechanism::sha256, client.salted, "Client Key");
  auto signature = scram_hmac(scram_mechanism::sha256, scram_hash(scram_mechanism::sha256, client_key), auth);
  for (std::size_t i = 0; i < client_key.size(); ++i) client_key[i] = static_cast<char>(client_key[i] ^ signature[i]);
  auto result = server.step(without_proof + ",p=" + base64_encode(client_key));
  EXPECT_TRUE(result.ok) << result.error;
  scram_server strict(scram_mechanism::sha256, [&](const std::string&) { return std::optional(cred); }, "SRV");
  ASSERT_TRUE(strict.step(client.first()).ok);
  EXPECT_FALSE(strict.step("c=biws,r=other" + client.nonce + "SRV,p=AAAA").ok) << "any other prefix is refused";
}

TEST(Scram, NamesAreUnescapedAsTheRfcSays) {
  EXPECT_EQ(scram_unescape_name("a=2Cb=3Dc"), "a,b=c");
  EXPECT_EQ(scram_unescape_name("a=2"), std::nullopt);
  EXPECT_EQ(scram_unescape_name("a=41"), std::nullopt);
}

TEST(ScramCredential, TextFormRoundTripsAndRefusesWeakOrBrokenOnes) {
  auto c = new_scram_credential(scram_mechanism::sha256, "pw", 8192);
  auto text = format_scram_credential(c);
  EXPECT_TRUE(text.starts_with("salt="));
  EXPECT_NE(text.find(",iterations=8192"), std::string::npos);
  EXPECT_EQ(parse_scram_credential(text), c);
  EXPECT_TRUE(scram_password_matches(scram_mechanism::sha256, c, "pw"));
  EXPECT_FALSE(scram_password_matches(scram_mechanism::sha256, c, "pw2"));
  auto weak = c;
  weak.iterations = 1000;
  EXPECT_EQ(parse_scram_credential(format_scram_credential(weak)), std::nullopt);
  EXPECT_EQ(parse_scram_credential("salt=%%%,stored_key=AA==,server_key=AA==,iterations=4096"), std::nullopt);
  EXPECT_EQ(parse_scram_credential("salt=AAAA,iterations=4096"), std::nullopt);
}

TEST(Base64, DecodesWhatItEncodes) {
  for (std::string raw : {std::string(""), std::string("a"), std::string("ab"), std::string("abc"),
                          std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(raw)), raw);
  }
  EXPECT_EQ(base64_decode("abc"), std::nullopt);
  EXPECT_EQ(base64_decode("ab!="), std::nullopt);
  EXPECT_EQ(base64_decode("/=3D"), std::nullopt) << "padding in the middle (a fuzz_sasl finding)";
  EXPECT_EQ(base64_decode("AB=="), std::nullopt) << "stray bits after the last byte";
}

TEST(UserStore, RecordsAddReplaceAndDeleteCredentials) {
  user_store users;
  auto c1 = new_scram_credential(scram_mechanism::sha256, "one");
  auto c2 = new_scram_credential(scram_mechanism::sha256, "two");
  auto key = scram_record_key(scram_mechanism::sha256, "alice");
  EXPECT_EQ(key, "scram/SCRAM-SHA-256/alice");
  EXPECT_EQ(users.apply(key, format_scram_credential(c1)), user_store::applied::user);
  EXPECT_EQ(users.apply(key, format_scram_credential(c2)), user_store::applied::user);
  EXPECT_TRUE(users.password_matches("alice", "two"));
  EXPECT_FALSE(users.password_matches("alice", "one"));
  EXPECT_EQ(users.apply("acl/whatever", std::string_view("x")), user_store::applied::other);
  EXPECT_EQ(users.apply("scram/SCRAM-SHA-1/bob", std::string_view("x")), user_store::applied::malformed);
  EXPECT_EQ(users.apply(key, std::string_view("garbage")), user_store::applied::malformed);
  ASSERT_EQ(users.list().size(), 1u);
  EXPECT_EQ(users.apply(key, std::nullopt), user_store::applied::user);
  EXPECT_EQ(users.size(), 0u);
  EXPECT_FALSE(users.password_matches("alice", "two"));
}

namespace {

std::shared_ptr<const user_store> users_with(const std::string& name, const std::string& password) {
  auto users = std::make_shared<user_store>();
  for (auto m : {scram_mechanism::sha256, scram_mechanism::sha512}) {
    users->apply(scram_record_key(m, name), format_scram_credential(new_scram_credential(m, password)));
  }
  return users;
}

}  // namespace

TEST(Sasl, PlainChecksThePasswordAgainstTheScramCredential) {
  auto users = users_with("alice", "pw");
  sasl_authenticator ok({"PLAIN"});
  ASSERT_EQ(ok.handshake("PLAIN", users), kafka_error::none);
  auto r = ok.authenticate(std::string("\0alice\0pw", 9));
  EXPECT_EQ(r.error, kafka_error::none);
  EXPECT_TRUE(ok.authenticated());
  EXPECT_EQ(ok.principal(), "User:alice");

  sasl_authenticator wrong({"PLAIN"});
  ASSERT_EQ(wrong.handshake("PLAIN", users), kafka_error::none);
  r = wrong.authenticate(std::string("\0alice\0nope", 11));
  EXPECT_EQ(r.error, kafka_error::sasl_authentication_failed);
  EXPECT_EQ(r.log_reason, "wrong password");
  EXPECT_EQ(r.error_message.find("nope"), std::string::npos);
  EXPECT_EQ(wrong.state(), sasl_authenticator::phase::failed);

  sasl_authenticator unknown({"PLAIN"});
  ASSERT_EQ(unknown.handshake("PLAIN", users), kafka_error::none);
  EXPECT_EQ(unknown.authenticate(std::string("\0bob\0pw", 7)).log_reason, "unknown user");
  sasl_authenticator malformed({"PLAIN"});
  ASSERT_EQ(malformed.handshake("PLAIN", users), kafka_error::none);
  EXPECT_EQ(malformed.authenticate("alice").error, kafka_error::sasl_authentication_failed);
}

TEST(Sasl, HandshakeRefusesMechanismsNotEnabledAndASecondHandshake) {
  auto users = users_with("alice", "pw");
  sasl_authenticator a({"SCRAM-SHA-256"});
  EXPECT_EQ(a.handshake("PLAIN", users), kafka_error::unsupported_sasl_mechanism);
  EXPECT_EQ(a.handshake("GSSAPI", users), kafka_error::unsupported_sasl_mechanism);
  EXPECT_EQ(a.handshake("SCRAM-SHA-256", users), kafka_error::none);
  EXPECT_EQ(a.handshake("SCRAM-SHA-256", users), kafka_error::illegal_sasl_state);
  sasl_authenticator b({"PLAIN"});
  EXPECT_EQ(b.authenticate("x").error, kafka_error::illegal_sasl_state) << "a token before the handshake";
}

TEST(Sasl, ScramExchangeAuthenticatesTheConnection) {
  auto users = users_with("alice", "pw");
  for (auto m : {scram_mechanism::sha256, scram_mechanism::sha512}) {
    sasl_authenticator a({"SCRAM-SHA-256", "SCRAM-SHA-512"});
    ASSERT_EQ(a.handshake(scram_mechanism_name(m), users), kafka_error::none);
    scram_client client{m, "alice", "pw"};
    auto first = a.authenticate(client.first());
    ASSERT_EQ(first.error, kafka_error::none) << first.log_reason;
    EXPECT_FALSE(a.authenticated());
    auto final = a.authenticate(client.final(first.reply));
    ASSERT_EQ(final.error, kafka_error::none) << final.log_reason;
    EXPECT_EQ(final.reply, client.expected_server_final());
    EXPECT_TRUE(a.authenticated());
    EXPECT_EQ(a.principal(), "User:alice");
  }
}

TEST(Sasl, MechanismListsAreParsed) {
  std::string err;
  EXPECT_EQ(parse_sasl_mechanisms("SCRAM-SHA-256,PLAIN,PLAIN").value(), (std::vector<std::string>{"SCRAM-SHA-256", "PLAIN"}));
  EXPECT_EQ(parse_sasl_mechanisms("GSSAPI", &err), std::nullopt);
  EXPECT_NE(err.find("GSSAPI"), std::string::npos);
  EXPECT_EQ(parse_sasl_mechanisms("", &err), std::nullopt);
}
