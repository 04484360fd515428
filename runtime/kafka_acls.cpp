// DescribeAcls, CreateAcls and DeleteAcls on the Kafka listener. Bindings live in
// __fluxo_security (see actors/security/acl.hpp); creating and deleting write records there
// (acks=all) and answer once they are written; every node's reader applies them within about
// half a second. DESCRIBE on the cluster lists ACLs, ALTER on the cluster changes them.
#include <spdlog/spdlog.h>

#include "runtime/kafka_session.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::runtime::kafka_impl {

namespace {

using namespace fluxo::kafka;
using actors::code;
using actors::kafka_error;
using security::acl_binding;
using security::acl_operation;
using security::resource_type;

int16_t err(kafka_error e) { return code(e); }

bool cluster_allowed(self_ptr self, acl_operation op) {
  return allowed(self, current_requester(self), op, resource_type::cluster, security::cluster_resource_name);
}

security::acl_filter to_filter(const acl_filter_fields& f) {
  security::acl_filter out;
  out.resource = static_cast<resource_type>(f.resource_type);
  out.pattern = static_cast<security::pattern_type>(f.pattern_type);
  out.name = f.resource_name;
  out.principal = f.principal;
  out.host = f.host;
  out.operation = static_cast<acl_operation>(f.operation);
  out.permission = static_cast<security::acl_permission>(f.permission_type);
  return out;
}

acl_binding to_binding(const acl_creation& c) {
  return {static_cast<resource_type>(c.resource_type), static_cast<security::pattern_type>(c.pattern_type),
          c.resource_name,
          c.principal,
          c.host,
          static_cast<acl_operation>(c.operation),
          static_cast<security::acl_permission>(c.permission_type)};
}

acl_creation to_wire(const acl_binding& b) {
  return {static_cast<int8_t>(b.resource), b.name,
          static_cast<int8_t>(b.pattern), b.principal,
          b.host, static_cast<int8_t>(b.operation),
          static_cast<int8_t>(b.permission)};
}

std::vector<acl_binding> current_acls(self_ptr self, const security::acl_filter& f) {
  const auto& sec = self->state.options.security;
  return sec ? sec->get()->acls.matching(f) : std::vector<acl_binding>{};
}

// Writes ACL records (value "1" adds, null removes) to __fluxo_security with acks=all; done(error
// code, message) once written or refused.
void write_acl_records(self_ptr self, const std::vector<std::pair<acl_binding, bool>>& changes,
                       std::function<void(int16_t, std::string)> done) {
  if (changes.empty()) return done(0, {});
  storage::batch_builder builder;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& [b, add] : changes) {
    const auto key = security::acl_record_key(b);
    builder.append(now, key, add ? std::optional<std::string_view>("1") : std::nullopt);
  }
  auto batch = builder.build();
  if (!batch) return done(err(kafka_error::unknown_server_error), batch.err().message);
  auto bytes = std::make_shared<std::vector<char>>(std::move(*batch));
  with_internal_topic(self, std::string(security::security_topic),
                      [=](int16_t c, const std::vector<actors::partition_actor>& routes) {
                        if (c != 0 || routes.empty() || !routes[0]) {
                          return done(c != 0 ? c : err(kafka_error::not_leader_or_follower),
                                      "the security topic is not available on this node");
                        }
                        actors::produce_request req;
                        req.batches = *bytes;
                        req.acks = -1;
                        self->request(routes[0], self->state.options.request_timeout, actors::produce_atom::value,
                                      std::move(req))
                            .then([=](const actors::produce_reply& pr) { done(pr.error_code, pr.error_message); },
                                  [=](caf::error&) { done(err(kafka_error::request_timed_out), "timed out"); });
                      });
}

}  // namespace

bool handle_describe_acls(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_describe_acls_request(r, h.version);
  if (!req) return false;
  describe_acls_response out;
  if (!cluster_allowed(self, acl_operation::describe)) {
    out.error_code = err(kafka_error::cluster_authorization_failed);
    out.error_message = "not authorized to describe ACLs";
  } else {
    std::map<std::tuple<int8_t, std::string, int8_t>, std::vector<describe_acls_response::acl>> by_resource;
    for (const auto& b : current_acls(self, to_filter(req->filter))) {
      // v0 knows LITERAL resources only.
      if (h.version == 0 && b.pattern != security::pattern_type::literal) continue;
      by_resource[{static_cast<int8_t>(b.resource), b.name, static_cast<int8_t>(b.pattern)}].push_back(
          {b.principal, b.host, static_cast<int8_t>(b.operation), static_cast<int8_t>(b.permission)});
    }
    for (auto& [res, acls] : by_resource) {
      out.resources.push_back({std::get<0>(res), std::get<1>(res), std::get<2>(res), std::move(acls)});
    }
  }
  reply(encode_body(encode_describe_acls_response, h.version, out));
  return true;
}

bool handle_create_acls(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_create_acls_request(r, h.version);
  if (!req) return false;
  auto out = std::make_shared<create_acls_response>();
  out->results.resize(req->creations.size());
  const bool may = cluster_allowed(self, acl_operation::alter);
  std::vector<std::pair<acl_binding, bool>> changes;
  std::vector<std::size_t> written;  // indexes of the creations being written
  for (std::size_t i = 0; i < req->creations.size(); ++i) {
    auto b = to_binding(req->creations[i]);
    if (!may) {
      out->results[i] = {err(kafka_error::cluster_authorization_failed), std::string("not authorized to create ACLs")};
    } else if (auto bad = security::invalid_binding(b)) {
      out->results[i] = {err(kafka_error::invalid_request), *bad};
    } else {
      changes.emplace_back(b, true);
      written.push_back(i);
    }
  }
  auto v = h.version;
  const auto who = current_requester(self).principal;
  write_acl_records(self, changes, [=](int16_t e, std::string msg) {
    for (auto i : written) {
      out->results[i].error_code = e;
      if (e != 0) out->results[i].error_message = msg;
    }
    if (e == 0 && !written.empty()) spdlog::info("kafka: {} created {} ACLs", who, written.size());
    reply(encode_body(encode_create_acls_response, v, *out));
  });
  return true;
}

bool handle_delete_acls(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_delete_acls_request(r, h.version);
  if (!req) return false;
  auto out = std::make_shared<delete_acls_response>();
  out->filter_results.resize(req->filters.size());
  const bool may = cluster_allowed(self, acl_operation::alter);
  std::vector<std::pair<acl_binding, bool>> changes;
  std::set<acl_binding> removing;
  for (std::size_t i = 0; i < req->filters.size(); ++i) {
    auto& fr = out->filter_results[i];
    if (!may) {
      fr.error_code = err(kafka_error::cluster_authorization_failed);
      fr.error_message = "not authorized to delete ACLs";
      continue;
    }
    for (const auto& b : current_acls(self, to_filter(req->filters[i]))) {
      fr.matching_acls.push_back({0, std::nullopt, to_wire(b)});
      if (removing.insert(b).second) changes.emplace_back(b, false);
    }
  }
  auto v = h.version;
  write_acl_records(self, changes, [=](int16_t e, std::string msg) {
    if (e != 0) {
      for (auto& fr : out->filter_results) {
        for (auto& m : fr.matching_acls) {
          m.error_code = e;
          m.error_message = msg;
        }
      }
    }
    reply(encode_body(encode_delete_acls_response, v, *out));
  });
  return true;
}

}  // namespace fluxo::runtime::kafka_impl
