// Authorization on the Kafka listener: Kafka's checks (see actors/security/acl.hpp for the
// rules) against the current snapshot of __fluxo_security.
#include <chrono>
#include <algorithm>
#include <climits>

#include "runtime/kafka_session.hpp"

namespace fluxo::runtime::kafka_impl {

using security::acl_operation;
using security::resource_type;

requester current_requester(self_ptr self) {
  auto it = self->state.connections.find(self->state.current);
  if (it == self->state.connections.end()) return {"User:ANONYMOUS", ""};
  const auto& c = it->second;
  return {c.principal.empty() ? std::string("User:ANONYMOUS") : c.principal, c.peer_host};
}

bool allowed(self_ptr self, const requester& who, acl_operation op, resource_type type, std::string_view name) {
  const auto& o = self->state.options;
  if (!o.authorize || !o.security) return true;
  return o.security->get()->acls.authorize(o.authorizer, who.principal, who.host, op, type, name);
}

bool may_write_some_topic(self_ptr self, const requester& who) {
  const auto& o = self->state.options;
  if (!o.authorize || !o.security) return true;
  return o.security->get()->acls.allows_somewhere(o.authorizer, who.principal, who.host, acl_operation::write,
                                                  resource_type::topic);
}

void with_topic_as(self_ptr self, const requester& who, acl_operation op, const std::string& topic, bool create,
                   std::function<void(int16_t, const std::vector<actors::partition_actor>&)> fn) {
  if (!allowed(self, who, op, resource_type::topic, topic)) {
    fn(actors::code(actors::kafka_error::topic_authorization_failed), {});
    return;
  }
  if (create && !allowed(self, who, acl_operation::create, resource_type::cluster, security::cluster_resource_name) &&
      !allowed(self, who, acl_operation::create, resource_type::topic, topic)) {
    create = false;  // an unknown topic stays unknown (Kafka: UNKNOWN_TOPIC_OR_PARTITION)
  }
  with_topic(self, topic, create, std::move(fn));
}

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

int64_t now_ms() { return steady_now_ms(); }

// Mutes the connection for `ms` (KIP-219): nothing more is read from it until then. Throttles
// of pipelined requests add up: the connection stays muted until the latest one ends.
void mute(self_ptr self, caf::io::connection_handle hdl, int64_t ms) {
  auto it = self->state.connections.find(hdl);
  if (it == self->state.connections.end()) return;
  auto& until = it->second.muted_until_ms;
  const bool was_muted = until > now_ms();
  until = std::max(until, now_ms() + ms);
  if (was_muted) return;  // its timer is running: it re-arms itself until `until`
  self->halt(hdl);
  self->delayed_send(self, std::chrono::milliseconds(ms), unmute_atom::value, hdl);
}

// body = [8 reserved bytes][response]; Produce ends with throttle_time_ms, Fetch starts with it.
// Raises the field to `delay` (a second quota may already have set a longer one).
void raise_throttle(std::vector<char>& body, std::size_t pos, int64_t delay) {
  if (delay <= 0 || body.size() < pos + 4) return;
  const auto current = kafka::reader(std::span<const char>(body).subspan(pos, 4)).int32();
  kafka::writer w(body);
  w.patch_int32(pos, std::max(current, static_cast<int32_t>(std::min<int64_t>(delay, INT32_MAX))));
}

// Where a response's throttle_time_ms is, for the APIs whose throttle a quota sets.
std::optional<std::size_t> throttle_position(const kafka::request_header& h, const std::vector<char>& body) {
  if (h.version < 1 || body.size() < 12) return std::nullopt;
  if (h.key == static_cast<int16_t>(kafka::api_key::produce)) return body.size() - 4;
  if (h.key == static_cast<int16_t>(kafka::api_key::fetch)) return std::size_t{8};
  return std::nullopt;  // others: the muted connection alone holds the client back
}

}  // namespace

std::shared_ptr<request_charge> request_quota(self_ptr self, const kafka::request_header& h) {
  if (!self->state.options.security) return nullptr;
  auto state = self->state.options.security->get();
  if (state->quotas.empty()) return nullptr;
  const auto who = current_requester(self);
  const std::string user = who.principal.starts_with("User:") ? who.principal.substr(5) : who.principal;
  auto quota = state->quotas.find(user, h.client_id.value_or(""), security::quota_store::kind::request);
  if (!quota) return nullptr;
  auto c = std::make_shared<request_charge>();
  c->entity = quota->first;
  c->budget_us_per_s = quota->second;
  c->started = std::chrono::steady_clock::now();
  return c;
}

void handled(self_ptr self, caf::io::connection_handle hdl, request_charge& charge, bool has_response) {
  charge.handled_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - charge.started).count();
  charge.handler_returned = true;
  if (has_response && !charge.replied) return;  // charged with the response
  const auto delay = self->state.quota_buckets[{charge.entity, security::quota_store::kind::request}].take(
      charge.handled_us, now_ms(), charge.budget_us_per_s);
  if (delay > 0) mute(self, hdl, delay);
}

responder charged(self_ptr self, caf::io::connection_handle hdl, const kafka::request_header& h,
                  std::shared_ptr<request_charge> charge, responder inner) {
  return [self, hdl, h, charge, inner = std::move(inner)](std::vector<char> body) {
    const auto replying = std::chrono::steady_clock::now();
    auto& bucket = self->state.quota_buckets[{charge->entity, security::quota_store::kind::request}];
    charge->replied = true;
    const auto delay = bucket.take(charge->handler_returned ? charge->handled_us : 0, now_ms(), charge->budget_us_per_s);
    if (auto pos = throttle_position(h, body)) raise_throttle(body, *pos, delay);
    inner(std::move(body));
    // Encoding the frame and sending it (TLS included) counts toward the next throttle; a
    // handler that answered before returning has it in handled_us already.
    if (charge->handler_returned) {
      const double sending_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - replying).count();
      bucket.take(sending_us, now_ms(), charge->budget_us_per_s);
    }
    if (delay > 0) mute(self, hdl, delay);
  };
}

void unmute(self_ptr self, caf::io::connection_handle hdl) {
  auto it = self->state.connections.find(hdl);
  if (it == self->state.connections.end()) return;
  const auto left = it->second.muted_until_ms - now_ms();
  if (left > 0) {
    self->delayed_send(self, std::chrono::milliseconds(left), unmute_atom::value, hdl);
    return;
  }
  // First what was read while muted; the socket is read again only once that is done (else
  // a client that pipelines would pile up more and more here).
  handle_frames(self, hdl);
  it = self->state.connections.find(hdl);
  if (it != self->state.connections.end() && it->second.muted_until_ms <= now_ms()) self->trigger(hdl);
}

responder throttled(self_ptr self, caf::io::connection_handle hdl, const kafka::request_header& h,
                    std::size_t request_bytes, responder inner) {
  const bool produce = h.key == static_cast<int16_t>(kafka::api_key::produce);
  if ((!produce && h.key != static_cast<int16_t>(kafka::api_key::fetch)) || h.version < 1 || !self->state.options.security) {
    return inner;
  }
  auto state = self->state.options.security->get();
  if (state->quotas.empty()) return inner;
  const auto who = current_requester(self);
  const std::string user = who.principal.starts_with("User:") ? who.principal.substr(5) : who.principal;
  auto quota = state->quotas.find(user, h.client_id.value_or(""),
                                  produce ? security::quota_store::kind::produce : security::quota_store::kind::fetch);
  if (!quota) return inner;
  const auto key = std::make_pair(quota->first, produce ? security::quota_store::kind::produce
                                                         : security::quota_store::kind::fetch);
  const double rate = quota->second;
  auto patch = raise_throttle;
  if (produce) {
    // A produce request's size is known now: mute at once, so that no more is read while it
    // is appended (reading on until its response would let a pipelining client run ahead).
    const auto delay = self->state.quota_buckets[key].take(static_cast<double>(request_bytes), now_ms(), rate);
    if (delay > 0) mute(self, hdl, delay);
    return [delay, patch, inner = std::move(inner)](std::vector<char> body) {
      patch(body, body.size() - 4, delay);
      inner(std::move(body));
    };
  }
  return [self, hdl, key, rate, patch, inner = std::move(inner)](std::vector<char> body) {
    const auto delay = self->state.quota_buckets[key].take(static_cast<double>(body.size()), now_ms(), rate);
    patch(body, 8, delay);
    inner(std::move(body));
    if (delay > 0) mute(self, hdl, delay);
  };
}

}  // namespace fluxo::runtime::kafka_impl
