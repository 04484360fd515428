#include "actors/broker/node_gate.hpp"

#include <caf/actor_proxy.hpp>
#include <caf/message.hpp>
#include <caf/scheduled_actor.hpp>
#include <spdlog/spdlog.h>
#include <caf/node_id.hpp>
#include <caf/sec.hpp>

namespace fluxo::actors {

using security::acl_operation;
using security::node_sessions;
using security::resource_type;

namespace {

constexpr std::string_view refusal_prefix = "refused:";

refusal not_logged_in() {
  return {kafka_error::sasl_authentication_failed,
          "log in first: this broker's node port requires a user (fluxo: --user and --password-file; "
          "client library: connection_options::user and password)"};
}

// Every ACL check: this process goes on at once (the Kafka listener's hot path); other callers
// get node_sessions' verdict, shaped as Kafka's error for the resource type.
std::optional<refusal> check_resource(const node_gate& gate, caf::local_actor* self, acl_operation op,
                                      resource_type type, std::string_view name) {
  if (!gate || !gate->required()) return std::nullopt;
  const auto key = caller_key(self);
  if (key.empty()) return std::nullopt;
  const auto v = type == resource_type::topic ? gate->check_topic(key, op, name) : gate->check(key, op, type, name);
  switch (v) {
    case node_sessions::verdict::allowed:
      return std::nullopt;
    case node_sessions::verdict::unauthenticated:
      return not_logged_in();
    case node_sessions::verdict::denied:
      break;
  }
  const auto denied = type == resource_type::topic   ? kafka_error::topic_authorization_failed
                      : type == resource_type::group ? kafka_error::group_authorization_failed
                                                     : kafka_error::cluster_authorization_failed;
  const auto what = type == resource_type::topic   ? "topic '" + std::string(name) + "'"
                    : type == resource_type::group ? "group '" + std::string(name) + "'"
                                                   : std::string("the cluster");
  return refusal{denied, gate->who(key).principal + " may not " + std::string(security::name_of(op)) + " " + what};
}

}  // namespace

std::string caller_key(caf::local_actor* self) {
  const auto& sender = self->current_sender();
  if (!sender) return "?";
  // A proxy is never this process, whatever node id the other side claimed when it connected
  // (CAF does not refuse a peer that claims this node's own id).
  if (sender->node() == self->node() && !dynamic_cast<caf::actor_proxy*>(sender->get())) return {};
  return to_string(sender->node());
}

void guard_system_messages(caf::scheduled_actor* self, std::function<bool()> required) {
  // Exit and error messages arrive from anyone who has a handle (also without a sender), and
  // CAF's defaults end the actor: with logins required only this process may stop it.
  self->set_exit_handler([self, required](caf::exit_msg& msg) {
    if (!required() || caller_key(self).empty()) {
      if (msg.reason) self->quit(msg.reason);
      return;
    }
    spdlog::warn("{}: ignored an exit message from {}", self->name(), caller_key(self));
  });
  self->set_error_handler([self, required](caf::error& err) {
    if (!required() || caller_key(self).empty()) {
      self->quit(std::move(err));
      return;
    }
    spdlog::warn("{}: ignored an error message from {}", self->name(), caller_key(self));
  });
}

std::optional<refusal> check_topic(const node_gate& gate, caf::local_actor* self, acl_operation op,
                                   std::string_view topic) {
  return check_resource(gate, self, op, resource_type::topic, topic);
}

std::optional<refusal> check_group(const node_gate& gate, caf::local_actor* self, acl_operation op,
                                   std::string_view group) {
  return check_resource(gate, self, op, resource_type::group, group);
}

std::optional<refusal> check_cluster(const node_gate& gate, caf::local_actor* self, acl_operation op) {
  return check_resource(gate, self, op, resource_type::cluster, "kafka-cluster");
}

std::optional<refusal> check_create(const node_gate& gate, caf::local_actor* self, std::string_view topic) {
  auto r = check_cluster(gate, self, acl_operation::create);
  if (r && r->error == kafka_error::cluster_authorization_failed) r = check_topic(gate, self, acl_operation::create, topic);
  return r;
}

std::optional<refusal> check_producer_id(const node_gate& gate, caf::local_actor* self) {
  auto r = check_cluster(gate, self, acl_operation::idempotent_write);
  if (!r || r->error != kafka_error::cluster_authorization_failed) return r;
  const auto key = caller_key(self);
  if (gate->check_any(key, acl_operation::write, resource_type::topic) == node_sessions::verdict::allowed) {
    return std::nullopt;
  }
  return r;
}

std::optional<refusal> check_logged_in(const node_gate& gate, caf::local_actor* self) {
  if (!gate || !gate->required()) return std::nullopt;
  if (gate->who(caller_key(self)).what != node_sessions::caller::kind::anonymous) return std::nullopt;
  return not_logged_in();
}

bool node_internal(const node_gate& gate, caf::local_actor* self) {
  if (!gate || !gate->required()) return true;
  const auto key = caller_key(self);
  return key != "?" && gate->trusted(key);
}

caf::error refusal_error(const refusal& r) {
  return caf::make_error(caf::sec::runtime_error, std::string(refusal_prefix) + std::to_string(code(r.error)) + ":" +
                                                      r.message);
}

std::optional<refusal> refusal_from(const caf::error& err) {
  if (err.category() != caf::atom("system") || err.code() != static_cast<uint8_t>(caf::sec::runtime_error)) {
    return std::nullopt;
  }
  const auto& ctx = err.context();
  if (ctx.size() != 1 || !ctx.match_element<std::string>(0)) return std::nullopt;
  std::string_view text = ctx.get_as<std::string>(0);
  if (!text.starts_with(refusal_prefix)) return std::nullopt;
  text.remove_prefix(refusal_prefix.size());
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int value = 0;
  const auto digits = text.substr(0, colon);
  if (digits.empty() || digits.size() > 4) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value == 0) return std::nullopt;  // "refused" with no error is no refusal
  return refusal{static_cast<kafka_error>(value), std::string(text.substr(colon + 1))};
}

}  // namespace fluxo::actors
