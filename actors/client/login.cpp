#include "actors/client/login.hpp"

#include "actors/broker/node_gate.hpp"
#include "actors/security/scram_client.hpp"

namespace fluxo::client {

using namespace fluxo::actors;

namespace {

constexpr const char* default_mechanism = "SCRAM-SHA-512";

std::string mechanism_of(const client_core& core) {
  return core.credentials.mechanism.empty() ? default_mechanism : core.credentials.mechanism;
}

status login_error(client_core& core, const caf::error& err) {
  if (auto r = refusal_from(err)) return status{code(r->error), "login as '" + core.credentials.user + "': " + r->message};
  return transport_error(*core.sys, err);
}

security::scram_client client_for(const client_core& core, security::scram_mechanism m) {
  return security::scram_client(m, core.credentials.user, core.credentials.password);
}

status bad_mechanism(const client_core& core) {
  return status{code(kafka_error::unsupported_sasl_mechanism),
                "the node port takes SCRAM-SHA-256 or SCRAM-SHA-512, not '" + mechanism_of(core) + "'"};
}

status unverified(const client_core& core) {
  return status{code(kafka_error::sasl_authentication_failed),
                "login as '" + core.credentials.user + "': the broker did not prove it knows the credential"};
}

}  // namespace

status login_blocking(client_core& core, const node_actor& node) {
  if (core.credentials.user.empty()) return {};
  auto m = security::parse_scram_mechanism(mechanism_of(core));
  if (!m) return bad_mechanism(core);
  auto scram = client_for(core, *m);
  caf::scoped_actor self{*core.sys};
  status out;
  std::string server_first;
  self->request(node, core.timeout, auth_atom::value, mechanism_of(core), scram.first(), core.session)
      .receive([&](std::string& reply) { server_first = std::move(reply); },
               [&](caf::error& err) { out = login_error(core, err); });
  if (!out.ok()) return out;
  if (server_first.empty()) return {};  // the node's port is open: nothing to prove
  std::string why;
  auto final = scram.final(server_first, &why);
  if (!final) return status{code(kafka_error::sasl_authentication_failed), "login as '" + core.credentials.user + "': " + why};
  self->request(node, core.timeout, auth_atom::value, mechanism_of(core), *final, core.session)
      .receive(
          [&](const std::string& server_final) {
            if (!scram.verify(server_final)) out = unverified(core);
          },
          [&](caf::error& err) { out = login_error(core, err); });
  return out;
}

void login_async(caf::event_based_actor* self, std::shared_ptr<client_core> core, node_actor node,
                 std::function<void(status)> fn) {
  if (core->credentials.user.empty()) return fn({});
  auto m = security::parse_scram_mechanism(mechanism_of(*core));
  if (!m) return fn(bad_mechanism(*core));
  auto scram = std::make_shared<security::scram_client>(client_for(*core, *m));
  const auto mechanism = mechanism_of(*core);
  self->request(node, core->timeout, auth_atom::value, mechanism, scram->first(), core->session)
      .then(
          [=](const std::string& server_first) {
            if (server_first.empty()) return fn({});
            std::string why;
            auto final = scram->final(server_first, &why);
            if (!final) {
              return fn(status{code(kafka_error::sasl_authentication_failed),
                               "login as '" + core->credentials.user + "': " + why});
            }
            self->request(node, core->timeout, auth_atom::value, mechanism, *final, core->session)
                .then(
                    [=](const std::string& server_final) { fn(scram->verify(server_final) ? status{} : unverified(*core)); },
                    [=](caf::error& err) { fn(login_error(*core, err)); });
          },
          [=](caf::error& err) { fn(login_error(*core, err)); });
}

}  // namespace fluxo::client
