#include "actors/security/quota.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace fluxo::security {

namespace {

nlohmann::json part(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(nullptr); }

}  // namespace

std::string quota_record_key(const quota_entity& e) {
  return "quota:" + nlohmann::json::array({part(e.user), part(e.client_id)}).dump();
}

std::optional<quota_entity> parse_quota_record_key(std::string_view key) {
  if (!key.starts_with("quota:")) return std::nullopt;
  auto j = nlohmann::json::parse(key.substr(6), nullptr, false);
  if (!j.is_array() || j.size() != 2) return std::nullopt;
  quota_entity e;
  for (int i = 0; i < 2; ++i) {
    if (j[i].is_null()) continue;
    if (!j[i].is_string() || j[i].get<std::string>().empty()) return std::nullopt;
    (i == 0 ? e.user : e.client_id) = j[i].get<std::string>();
  }
  if (!e.user && !e.client_id) return std::nullopt;
  return e;
}

std::string format_quota_config(const quota_config& c) {
  nlohmann::json j = nlohmann::json::object();
  if (c.producer_byte_rate) j["producer_byte_rate"] = *c.producer_byte_rate;
  if (c.consumer_byte_rate) j["consumer_byte_rate"] = *c.consumer_byte_rate;
  if (c.request_percentage) j["request_percentage"] = *c.request_percentage;
  return j.dump();
}

std::optional<quota_config> parse_quota_config(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  quota_config c;
  for (const auto& [name, slot] : {std::pair{"producer_byte_rate", &c.producer_byte_rate},
                                   std::pair{"consumer_byte_rate", &c.consumer_byte_rate},
                                   std::pair{"request_percentage", &c.request_percentage}}) {
    if (!j.contains(name)) continue;
    if (!j[name].is_number() || j[name].get<double>() <= 0) return std::nullopt;
    *slot = j[name].get<double>();
  }
  return c;
}

std::optional<std::pair<quota_entity, double>> quota_store::find(std::string_view user, std::string_view client_id,
                                                                 kind k) const {
  const std::string u(user), c(client_id), d(default_entity);
  using opt = std::optional<std::string>;
  const quota_entity order[] = {
      {opt(u), opt(c)}, {opt(u), opt(d)}, {opt(u), std::nullopt}, {opt(d), opt(c)},
      {opt(d), opt(d)}, {opt(d), std::nullopt}, {std::nullopt, opt(c)}, {std::nullopt, opt(d)},
  };
  for (const auto& e : order) {
    if ((e.user && e.user->empty()) || (e.client_id && e.client_id->empty())) continue;
    auto it = quotas_.find(e);
    if (it == quotas_.end()) continue;
    const auto& q = it->second;
    auto rate = k == kind::produce ? q.producer_byte_rate : k == kind::fetch ? q.consumer_byte_rate : q.request_percentage;
    if (!rate) continue;
    if (k == kind::request) *rate *= 10'000.0;  // percent of one thread -> µs per second
    // The throttled entity is the concrete one: defaults are per user / client id, as in Kafka.
    quota_entity concrete{e.user ? opt(e.user == d ? u : *e.user) : std::nullopt,
                          e.client_id ? opt(e.client_id == d ? c : *e.client_id) : std::nullopt};
    return std::make_pair(concrete, *rate);
  }
  return std::nullopt;
}

int64_t byte_rate_limiter::take(double bytes, int64_t now_ms, double rate) {
  if (last_ms_ < 0) {
    tokens_ = rate;  // a full bucket: one second of burst
    last_ms_ = now_ms;
  }
  tokens_ = std::min(rate, tokens_ + rate * static_cast<double>(now_ms - last_ms_) / 1000.0);
  last_ms_ = now_ms;
  tokens_ -= bytes;
  if (tokens_ >= 0) return 0;
  return static_cast<int64_t>(std::ceil(-tokens_ / rate * 1000.0));
}

}  // namespace fluxo::security
