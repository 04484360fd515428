#include "actors/security/http_login.hpp"

#include <algorithm>

namespace fluxo::security {

namespace {

std::string digest(std::string_view secret) { return scram_hash(scram_mechanism::sha256, secret); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

}  // namespace

std::optional<std::pair<std::string, std::string>> parse_basic_authorization(std::string_view header) {
  header = trim(header);
  auto space = header.find(' ');
  if (space == std::string_view::npos || !iequals(header.substr(0, space), "Basic")) return std::nullopt;
  auto decoded = base64_decode(trim(header.substr(space + 1)));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    auto semi = cookie_header.find(';');
    auto pair = trim(cookie_header.substr(0, semi));
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) return std::string(trim(pair.substr(eq + 1)));
    if (semi == std::string_view::npos) break;
    cookie_header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string fingerprint_of(const user_store& users, std::string_view user) {
  std::string out;
  for (auto m : {scram_mechanism::sha256, scram_mechanism::sha512}) {
    if (auto c = users.find(user, m)) out += std::string(scram_mechanism_name(m)) + ":" + c->stored_key + ";";
  }
  return out.empty() ? out : digest(out);
}

http_login::http_login(users_source users, http_login_settings settings)
    : users_(std::move(users)), settings_(settings) {}

bool http_login::still_valid(const remembered& r, int64_t now_ms, int64_t idle_ms, int64_t max_ms) const {
  if (now_ms - r.used_ms > idle_ms || now_ms - r.created_ms > max_ms) return false;
  auto users = users_();
  return users && fingerprint_of(*users, r.user) == r.fingerprint;
}

void http_login::erase_least_recent(std::map<std::string, remembered>& m, std::string_view of_user) {
  auto oldest = m.end();
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (!of_user.empty() && it->second.user != of_user) continue;
    if (oldest == m.end() || it->second.used_ms < oldest->second.used_ms) oldest = it;
  }
  if (oldest != m.end()) m.erase(oldest);
}

void http_login::evict_oldest(std::map<std::string, remembered>& m, std::size_t max) {
  while (m.size() > max) erase_least_recent(m, {});
}

std::optional<std::string> http_login::basic_user(std::string_view authorization_header, int64_t now_ms) {
  const auto key = digest(authorization_header);
  {
    std::lock_guard<std::mutex> g(mu_);
    if (auto it = basic_.find(key); it != basic_.end()) {
      if (still_valid(it->second, now_ms, settings_.basic_cache_ms, settings_.basic_cache_ms)) return it->second.user;
      basic_.erase(it);
    }
  }
  auto credentials = parse_basic_authorization(authorization_header);
  if (!credentials) return std::nullopt;
  auto users = users_();
  // Checked outside the lock: PBKDF2 takes milliseconds.
  if (!users || !users->password_matches(credentials->first, credentials->second)) return std::nullopt;
  std::lock_guard<std::mutex> g(mu_);
  // The cache ages from the check, not from use: a header is re-verified every basic_cache_ms.
  basic_[key] = remembered{credentials->first, fingerprint_of(*users, credentials->first), now_ms, now_ms};
  evict_oldest(basic_, settings_.max_cached_headers);
  return credentials->first;
}

std::optional<std::string> http_login::login(std::string_view user, std::string_view password, int64_t now_ms) {
  auto users = users_();
  if (!users || !users->password_matches(user, password)) return std::nullopt;
  std::string token;
  for (unsigned char c : random_bytes(32)) {
    static constexpr char hex[] = "0123456789abcdef";
    token += hex[c >> 4];
    token += hex[c & 15];
  }
  std::lock_guard<std::mutex> g(mu_);
  // A user at its own cap loses its own oldest session; only then the pool's oldest goes.
  const auto mine = std::count_if(sessions_.begin(), sessions_.end(), [&](const auto& kv) { return kv.second.user == user; });
  if (static_cast<std::size_t>(mine) >= settings_.max_sessions_per_user) erase_least_recent(sessions_, user);
  sessions_[digest(token)] = remembered{std::string(user), fingerprint_of(*users, user), now_ms, now_ms};
  evict_oldest(sessions_, settings_.max_sessions);
  return token;
}

std::optional<std::string> http_login::session_user(std::string_view token, int64_t now_ms) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sessions_.find(digest(token));
  if (it == sessions_.end()) return std::nullopt;
  if (!still_valid(it->second, now_ms, settings_.session_idle_ms, settings_.session_max_ms)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.used_ms = now_ms;
  return it->second.user;
}

void http_login::logout(std::string_view token) {
  std::lock_guard<std::mutex> g(mu_);
  sessions_.erase(digest(token));
}

std::size_t http_login::sessions() const {
  std::lock_guard<std::mutex> g(mu_);
  return sessions_.size();
}

}  // namespace fluxo::security
