// Authorization on the Kafka listener: Kafka's checks (see actors/security/acl.hpp for the
// rules) against the current snapshot of __fluxo_security.
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

}  // namespace fluxo::runtime::kafka_impl
