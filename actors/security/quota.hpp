// Client quotas (Kafka's producer_byte_rate / consumer_byte_rate / request_percentage) and the
// throttle they impose. Pure logic; time is an argument.
//
// A quota belongs to an entity: a user ("User:<name>" principal's name, or the default for every
// user) and/or a client id (or the default for every client id). The one that applies to a
// request is Kafka's most specific match, in this order:
//   user + client id, user + default client, user, default user + client id,
//   default user + default client, default user, client id, default client.
// Stored in __fluxo_security as key "quota:" + JSON [user, client] (each a name, "<default>",
// or null for "not part of the entity"), value JSON {"producer_byte_rate": n,
// "consumer_byte_rate": n, "request_percentage": n}; a tombstone removes it.
//
// request_percentage (KIP-124) is the share of one broker thread the entity's requests may
// take, in percent (100 = one whole thread): the listener charges each request the time it
// spends handling it (decoding, dispatching, encoding and sending its response; not the time a
// long-poll fetch or an acks=all produce waits), as microseconds against a budget of
// percentage × 10 000 µs per second.
//
// Throttling is a token bucket per entity instance: it refills at the quota's rate and holds
// at most one second of it; a request that takes more than is there is answered at once, with
// throttle_time_ms = how long the bucket needs to come back to zero, and the connection is
// muted for that long (KIP-219). The long-run rate is the quota.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fluxo::security {

inline constexpr std::string_view default_entity = "<default>";

struct quota_entity {
  std::optional<std::string> user;       // a name or "<default>"; nullopt: not part of it
  std::optional<std::string> client_id;  // likewise
  auto operator<=>(const quota_entity&) const = default;
};

struct quota_config {
  std::optional<double> producer_byte_rate;
  std::optional<double> consumer_byte_rate;
  std::optional<double> request_percentage;
  bool operator==(const quota_config&) const = default;
};

std::string quota_record_key(const quota_entity& e);
std::optional<quota_entity> parse_quota_record_key(std::string_view key);
std::string format_quota_config(const quota_config& c);
std::optional<quota_config> parse_quota_config(std::string_view value);

class quota_store {
 public:
  void set(const quota_entity& e, const quota_config& c) { quotas_[e] = c; }
  void remove(const quota_entity& e) { quotas_.erase(e); }
  const std::map<quota_entity, quota_config>& all() const { return quotas_; }
  bool empty() const { return quotas_.empty(); }

  // The quota that applies to a user (name, empty when anonymous) and client id, with the
  // entity it was found under (throttling is shared by the requests of that entity).
  // kind::request answers the budget in µs of thread time per second (percentage × 10 000).
  enum class kind { produce, fetch, request };
  std::optional<std::pair<quota_entity, double>> find(std::string_view user, std::string_view client_id, kind k) const;

 private:
  std::map<quota_entity, quota_config> quotas_;
};

// The token bucket of one entity (bytes, or µs of thread time for request quotas).
class byte_rate_limiter {
 public:
  // Takes `bytes` at `now_ms` under `rate` units/s; returns the throttle time in ms (0: none).
  int64_t take(double bytes, int64_t now_ms, double rate);

 private:
  double tokens_ = 0;
  int64_t last_ms_ = -1;
};

}  // namespace fluxo::security
