// Who is asking, on the broker's HTTP port (admin API, console, /metrics): the same users as the
// Kafka listener (users.hpp), presented in one of two ways.
//
//   Basic      "Authorization: Basic base64(user:password)" on every request (curl -u, scripts).
//              The password is checked against the user's SCRAM credential (PBKDF2, ms each),
//              so a verified header is remembered for `basic_cache_ms`, keyed by its SHA-256.
//   Session    POST /api/v1/login with user and password returns a random 256-bit token, sent
//              back by the browser as the cookie "fluxo_session" (HttpOnly, SameSite=Strict).
//              A session ends on logout, after `session_idle_ms` without use, after
//              `session_max_ms` in all, and at once when its user is deleted or changes password.
//
// Invariants: no password and no token is ever stored in clear (tokens and Basic headers are
// kept as SHA-256 digests); every answer reflects the current users snapshot (a remembered
// login is valid only while the user's credentials are those it was checked against); memory is
// bounded (`max_sessions_per_user` — a user's own oldest session goes first — then
// `max_sessions` and `max_cached_headers`: the oldest entries go first). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "actors/security/users.hpp"

namespace fluxo::security {

inline constexpr std::string_view session_cookie_name = "fluxo_session";

// "Basic dXNlcjpwYXNz" -> ("user", "pass"); nullopt for any other scheme or malformed text.
std::optional<std::pair<std::string, std::string>> parse_basic_authorization(std::string_view header);
// The value of cookie `name` in a Cookie header ("a=1; fluxo_session=XYZ"), if present.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

struct http_login_settings {
  int64_t session_idle_ms = 60LL * 60 * 1000;        // 1 h without a request
  int64_t session_max_ms = 12LL * 60 * 60 * 1000;    // 12 h after login
  int64_t basic_cache_ms = 5LL * 60 * 1000;          // a verified Basic header, 5 min
  std::size_t max_sessions = 10000;
  std::size_t max_sessions_per_user = 100;  // a user's oldest go first (no one logs others out)
  std::size_t max_cached_headers = 1000;
};

class http_login {
 public:
  using users_source = std::function<std::shared_ptr<const user_store>()>;
  http_login(users_source users, http_login_settings settings = {});

  // The user of a Basic Authorization header, or nullopt (wrong, unknown, malformed).
  std::optional<std::string> basic_user(std::string_view authorization_header, int64_t now_ms);
  // Starts a session: its token, or nullopt when the user and password do not match.
  std::optional<std::string> login(std::string_view user, std::string_view password, int64_t now_ms);
  // The user of a live session token (and marks it used), or nullopt.
  std::optional<std::string> session_user(std::string_view token, int64_t now_ms);
  void logout(std::string_view token);
  std::size_t sessions() const;

 private:
  struct remembered {
    std::string user;
    std::string fingerprint;  // the user's credentials when checked (see fingerprint_of)
    int64_t created_ms = 0;
    int64_t used_ms = 0;
  };
  bool still_valid(const remembered& r, int64_t now_ms, int64_t idle_ms, int64_t max_ms) const;
  // The least recently used entry (of `of_user`, or of anyone when empty) goes.
  static void erase_least_recent(std::map<std::string, remembered>& m, std::string_view of_user);
  static void evict_oldest(std::map<std::string, remembered>& m, std::size_t max);

  users_source users_;
  http_login_settings settings_;
  mutable std::mutex mu_;
  std::map<std::string, remembered> sessions_;  // SHA-256(token) -> session
  std::map<std::string, remembered> basic_;     // SHA-256(header) -> verified login
};

// Identifies a user's current credentials (changes when the password or the user does); empty
// when the user does not exist.
std::string fingerprint_of(const user_store& users, std::string_view user);

}  // namespace fluxo::security
