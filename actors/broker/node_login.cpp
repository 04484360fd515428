// Logins of native clients on the node port (--node-auth required): a SCRAM exchange of two
// steps through auth_atom, keyed by the client's CAF node. The first step looks up the
// client's address (for the log and for ACL host restrictions) and answers server-first; the
// second checks the proof, binds the client's node to "User:<name>" in the gate
// (security::node_sessions) and monitors the client's session actor: when it goes down — the
// client closed, or its connection dropped and CAF killed the proxy — the binding ends, so a
// later process that reuses the node id must log in again. Failures are logged with the
// address and the reason (never a password) and refused with SASL_AUTHENTICATION_FAILED.
// Unfinished exchanges expire after 30 s; at most 1000 run at once.
#include <spdlog/spdlog.h>

#include "actors/broker/node_gate.hpp"
#include "actors/broker/node_internal.hpp"
#include "actors/broker/node_port.hpp"
#include "actors/security/scram.hpp"

namespace fluxo::actors::node_impl {

namespace {

constexpr int64_t login_expiry_ms = 30'000;
constexpr std::size_t max_logins = 1000;

caf::error login_failed(const std::string& mechanism) {
  return refusal_error({kafka_error::sasl_authentication_failed,
                        "Authentication failed during authentication due to invalid credentials with SASL mechanism " +
                            mechanism});
}

}  // namespace

caf::result<std::string> login_step(self_ptr self, const std::string& mechanism, const std::string& message,
                                    const caf::actor& session) {
  auto& st = self->state;
  const auto& gate = st.options.gate;
  if (!gate || !gate->required()) return std::string{};  // an open port: nothing to prove
  const auto key = caller_key(self);
  if (key.empty()) return std::string{};  // this process
  if (key == "?") return login_failed(mechanism);
  // One exchange per requesting actor: a client may log in from two of its actors at once.
  const auto exchange_key = key + "/" + std::to_string(self->current_sender()->id());
  auto it = st.logins.find(exchange_key);
  if (it == st.logins.end()) {
    // The first step.
    auto m = security::parse_scram_mechanism(mechanism);
    if (!m) {
      return refusal_error({kafka_error::unsupported_sasl_mechanism,
                            "the node port takes SCRAM-SHA-256 or SCRAM-SHA-512, not '" + mechanism + "'"});
    }
    if (st.logins.size() >= max_logins) {
      return refusal_error({kafka_error::sasl_authentication_failed, "too many logins under way; try again"});
    }
    auto users = gate->data().users();
    login_exchange ex;
    ex.mechanism = mechanism;
    ex.started_ms = now_ms();
    ex.scram = std::make_unique<security::scram_server>(*m, [users, m = *m](const std::string& u) { return users->find(u, m); });
    auto step = ex.scram->step(message);
    if (!step.ok) {
      spdlog::warn("node port: login from {} refused: {}", key, step.error);
      return login_failed(mechanism);
    }
    st.logins.emplace(exchange_key, std::move(ex));
    // The client's address, for the log and host-restricted ACLs. (The node first: making the
    // promise takes the sender out of the current message.)
    auto node = self->current_sender()->node();
    auto promise = self->make_response_promise<std::string>();
    self->request(node_port_middleman(self->system()), std::chrono::seconds(5), caf::get_atom::value, node)
        .then(
            [=](const caf::node_id&, const std::string& host, uint16_t) mutable {
              if (auto i = self->state.logins.find(exchange_key); i != self->state.logins.end()) i->second.host = host;
              promise.deliver(step.reply);
            },
            [=](caf::error&) mutable { promise.deliver(step.reply); });
    return promise;
  }
  // The second step.
  auto ex = std::move(it->second);
  st.logins.erase(it);
  const std::string host = ex.host.empty() ? key : ex.host;
  auto step = ex.scram->step(message);
  const auto user = ex.scram->user();
  if (!step.ok || !step.done) {
    spdlog::warn("node port: login of '{}' from {} failed: {}", user, host, step.ok ? "incomplete exchange" : step.error);
    return login_failed(ex.mechanism);
  }
  if (!session || to_string(session.node()) != key) {
    spdlog::warn("node port: login of '{}' from {} names no session actor of its own", user, host);
    return login_failed(ex.mechanism);
  }
  const auto principal = "User:" + user;
  if (auto known = st.sessions.find(session.address()); known != st.sessions.end()) {
    // The same session logging in again (a second connection of the client to this node).
    if (known->second.principal != principal) {
      return refusal_error({kafka_error::sasl_authentication_failed,
                            "this client process is already logged in as another user (one user per process)"});
    }
    return step.reply;
  }
  if (!gate->admit(key, principal, ex.host)) {
    spdlog::warn("node port: login of '{}' from {} refused: that client process is logged in as another user", user,
                 host);
    return refusal_error({kafka_error::sasl_authentication_failed,
                          "this client process is already logged in as another user (one user per process)"});
  }
  st.sessions.emplace(session.address(), login_session{key, principal});
  self->monitor(session);
  spdlog::info("node port: {} logged in from {} ({})", principal, host, ex.mechanism);
  return step.reply;
}

bool session_down(self_ptr self, const caf::actor_addr& who) {
  auto& st = self->state;
  auto it = st.sessions.find(who);
  if (it == st.sessions.end()) return false;
  if (st.options.gate) st.options.gate->forget(it->second.key, it->second.principal);
  spdlog::info("node port: session of {} ended", it->second.principal);
  st.sessions.erase(it);
  return true;
}

void expire_logins(self_ptr self) {
  const auto now = now_ms();
  std::erase_if(self->state.logins, [&](const auto& kv) { return now - kv.second.started_ms > login_expiry_ms; });
}

}  // namespace fluxo::actors::node_impl
