// Kafka handlers for consumer groups (mapped onto fluxo's group coordinator actors, so Kafka
// and native members share groups and committed offsets) and for admin requests (topics and
// configs through the node actor).
#include <limits>
#include <map>
#include <set>
#include <spdlog/spdlog.h>

#include "actors/cluster/topic_registry.hpp"
#include "runtime/kafka_session.hpp"

namespace fluxo::runtime::kafka_impl {

using namespace fluxo::kafka;
using actors::code;
using actors::kafka_error;
using security::acl_operation;
using security::resource_type;

namespace {

int16_t err(kafka_error e) { return code(e); }

// Runs fn with the group's coordinator, or fail(error code) when there is none or when the
// requester may not do `op` on the group (GROUP_AUTHORIZATION_FAILED). With create = false a
// group that does not exist is not created: fn gets a null actor.
void with_group(self_ptr self, const requester& who, acl_operation op, const std::string& group,
                std::function<void(actors::group_actor)> fn, std::function<void(int16_t)> fail, bool create = true) {
  if (group.empty()) {
    fail(err(kafka_error::invalid_group_id));
    return;
  }
  if (!allowed(self, who, op, resource_type::group, group)) {
    fail(err(kafka_error::group_authorization_failed));
    return;
  }
  self->request(self->state.node, self->state.options.request_timeout, actors::coordinator_atom::value, group, create)
      .then(
          [=](const actors::group_actor& g) {
            if (!g && create) return fail(err(kafka_error::coordinator_not_available));
            fn(g);
          },
          // Another node coordinates the group (or none does right now): the client asks
          // FindCoordinator again, as after a coordinator moved in Kafka.
          [=](caf::error&) { fail(err(kafka_error::not_coordinator)); });
}

std::string client_host() { return "/kafka-client"; }

// Configs of a TOPIC need `op` on the topic (TOPIC_AUTHORIZATION_FAILED), of a BROKER on the
// cluster (CLUSTER_AUTHORIZATION_FAILED). Nullopt: allowed.
std::optional<int16_t> config_denied(self_ptr self, int8_t type, const std::string& name, acl_operation op) {
  const auto who = current_requester(self);
  if (type == resource_type_broker) {
    if (allowed(self, who, op, resource_type::cluster, security::cluster_resource_name)) return std::nullopt;
    return err(kafka_error::cluster_authorization_failed);
  }
  if (allowed(self, who, op, resource_type::topic, name)) return std::nullopt;
  return err(kafka_error::topic_authorization_failed);
}

}  // namespace

bool handle_join_group(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_join_group_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto send = [=](const join_group_response& out) { reply(encode_body(encode_join_group_response, v, out)); };
  group::join_request jr;
  jr.member_id = req->member_id;
  jr.group_instance_id = req->group_instance_id;
  jr.client_id = h.client_id.value_or("");
  jr.client_host = client_host();
  jr.session_timeout_ms = req->session_timeout_ms;
  jr.rebalance_timeout_ms = req->rebalance_timeout_ms < 0 ? req->session_timeout_ms : req->rebalance_timeout_ms;
  jr.protocol_type = req->protocol_type;
  for (auto& p : req->protocols) jr.protocols.push_back({p.name, p.metadata});
  jr.require_known_member_id = v >= 4;
  auto timeout = std::chrono::milliseconds(jr.rebalance_timeout_ms) + self->state.options.request_timeout;
  with_group(
      self, current_requester(self), acl_operation::read, req->group_id,
      [=](actors::group_actor g) {
        self->request(g, timeout, actors::join_atom::value, jr)
            .then(
                [=](const group::join_reply& jrep) {
                  join_group_response out;
                  out.error_code = code(jrep.error);
                  out.generation_id = jrep.generation_id;
                  out.protocol_name = jrep.protocol_name;
                  out.leader = jrep.leader_id;
                  out.member_id = jrep.member_id;
                  for (const auto& m : jrep.members) out.members.push_back({m.member_id, m.group_instance_id, m.metadata});
                  send(out);
                },
                [=](caf::error&) {
                  join_group_response out;
                  out.error_code = err(kafka_error::coordinator_not_available);
                  send(out);
                });
      },
      [=](int16_t e) {
        join_group_response out;
        out.error_code = e;
        send(out);
      });
  return true;
}

bool handle_sync_group(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_sync_group_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto send = [=](int16_t e, std::vector<char> assignment) {
    sync_group_response out;
    out.error_code = e;
    out.assignment = std::move(assignment);
    reply(encode_body(encode_sync_group_response, v, out));
  };
  group::sync_request sr{req->member_id, req->generation_id, {}};
  for (auto& a : req->assignments) sr.assignments.push_back({a.member_id, a.assignment});
  with_group(
      self, current_requester(self), acl_operation::read, req->group_id,
      [=](actors::group_actor g) {
        self->request(g, self->state.options.request_timeout * 2, actors::sync_atom::value, sr)
            .then([=](const group::sync_reply& s) { send(code(s.error), s.assignment); },
                  [=](caf::error&) { send(err(kafka_error::coordinator_not_available), {}); });
      },
      [=](int16_t e) { send(e, {}); });
  return true;
}

bool handle_heartbeat(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_heartbeat_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto send = [=](int16_t e) {
    heartbeat_response out;
    out.error_code = e;
    reply(encode_body(encode_heartbeat_response, v, out));
  };
  group::heartbeat_request hr{req->member_id, req->generation_id};
  with_group(
      self, current_requester(self), acl_operation::read, req->group_id,
      [=](actors::group_actor g) {
        self->request(g, self->state.options.request_timeout, actors::heartbeat_atom::value, hr)
            .then([=](const group::heartbeat_reply& hb) { send(code(hb.error)); },
                  [=](caf::error&) { send(err(kafka_error::coordinator_not_available)); });
      },
      send);
  return true;
}

bool handle_leave_group(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_leave_group_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  group::leave_request lr;
  for (const auto& m : req->leaving(v)) lr.member_ids.push_back(m.member_id);
  auto send_error = [=](int16_t e) {
    leave_group_response out;
    out.error_code = e;
    reply(encode_body(encode_leave_group_response, v, out));
  };
  with_group(
      self, current_requester(self), acl_operation::read, req->group_id,
      [=](actors::group_actor g) {
        self->request(g, self->state.options.request_timeout, actors::leave_atom::value, lr)
            .then(
                [=](const group::leave_reply& l) {
                  leave_group_response out;
                  out.error_code = code(l.error);
                  for (const auto& m : l.members) out.members.push_back({m.member_id, std::nullopt, code(m.error)});
                  // v0-2 carry one member: its error is the top-level one.
                  if (v < 3 && out.error_code == 0 && !l.members.empty()) out.error_code = code(l.members.front().error);
                  reply(encode_body(encode_leave_group_response, v, out));
                },
                [=](caf::error&) { send_error(err(kafka_error::coordinator_not_available)); });
      },
      send_error);
  return true;
}

bool handle_offset_commit(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_offset_commit_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto shared = std::make_shared<offset_commit_request>(std::move(*req));
  const auto who = current_requester(self);
  // As Kafka: partitions of topics the requester may not READ get TOPIC_AUTHORIZATION_FAILED,
  // of topics that do not exist (or beyond a topic's partition count)
  // UNKNOWN_TOPIC_OR_PARTITION; only the others reach the group coordinator.
  std::set<std::string> names;
  auto denied = std::make_shared<std::set<std::string>>();
  for (const auto& t : shared->topics) {
    if (allowed(self, who, acl_operation::read, resource_type::topic, t.name)) {
      names.insert(t.name);
    } else {
      denied->insert(t.name);
    }
  }
  auto counts = std::make_shared<std::map<std::string, std::size_t>>();  // absent: unknown topic
  auto exists = [counts](const std::string& t, int32_t p) {
    auto it = counts->find(t);
    return it != counts->end() && p >= 0 && static_cast<std::size_t>(p) < it->second;
  };
  // Answers every partition of the request: unknown ones refused, the others with error_of.
  auto answer = [=](std::function<int16_t(const std::string&, int32_t)> error_of) {
    offset_commit_response out;
    for (const auto& t : shared->topics) {
      offset_commit_response::topic ot{t.name, {}};
      for (const auto& p : t.partitions) {
        ot.partitions.push_back({p.index, denied->count(t.name)        ? err(kafka_error::topic_authorization_failed)
                                          : exists(t.name, p.index) ? error_of(t.name, p.index)
                                                                    : err(kafka_error::unknown_topic_or_partition)});
      }
      out.topics.push_back(std::move(ot));
    }
    reply(encode_body(encode_offset_commit_response, v, out));
  };
  auto commit_known = [=] {
    group::offset_commit_request cr;
    cr.member_id = shared->member_id;
    cr.generation_id = shared->generation_id;
    for (const auto& t : shared->topics) {
      for (const auto& p : t.partitions) {
        if (!exists(t.name, p.index)) continue;
        cr.partitions.push_back({t.name, p.index, p.committed_offset, p.committed_leader_epoch, p.committed_metadata.value_or("")});
      }
    }
    if (cr.partitions.empty()) {
      answer([](const std::string&, int32_t) { return int16_t{0}; });
      return;
    }
    with_group(
        self, who, acl_operation::read, shared->group_id,
        [=](actors::group_actor g) {
          self->request(g, self->state.options.request_timeout, actors::commit_atom::value, cr)
              .then(
                  [=](const group::offset_commit_reply& rep) {
                    std::map<std::pair<std::string, int32_t>, int16_t> errors;
                    for (const auto& p : rep.partitions) errors[{p.topic, p.partition}] = code(p.error);
                    answer([&](const std::string& t, int32_t p) { return errors[{t, p}]; });
                  },
                  [=](caf::error&) {
                    answer([](const std::string&, int32_t) { return err(kafka_error::coordinator_not_available); });
                  });
        },
        [=](int16_t e) { answer([e](const std::string&, int32_t) { return e; }); });
  };
  auto one_looked_up = countdown(names.size(), commit_known);
  for (const auto& name : names) {
    with_topic(self, name, false, [=](int16_t c, const std::vector<actors::partition_actor>& routes) {
      // Only "no such topic" refuses; other lookup errors leave the partitions to the coordinator.
      if (c != err(kafka_error::unknown_topic_or_partition)) {
        (*counts)[name] = c == 0 ? routes.size() : std::numeric_limits<std::size_t>::max();
      }
      one_looked_up();
    });
  }
  return true;
}

bool handle_offset_fetch(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_offset_fetch_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  group::offset_fetch_request fr;
  if (req->topics) {
    std::vector<group::topic_partition> tps;
    for (const auto& t : *req->topics) {
      for (auto p : t.partitions) tps.push_back({t.name, p});
    }
    fr.partitions = std::move(tps);
  }
  auto send_error = [=](int16_t e) {
    offset_fetch_response out;
    out.error_code = e;
    reply(encode_body(encode_offset_fetch_response, v, out));
  };
  with_group(
      self, current_requester(self), acl_operation::describe, req->group_id,
      [=](actors::group_actor g) {
        self->request(g, self->state.options.request_timeout, actors::committed_atom::value, fr)
            .then(
                [=](const group::offset_fetch_reply& rep) {
                  offset_fetch_response out;
                  out.error_code = code(rep.error);
                  std::map<std::string, size_t> index;
                  for (const auto& f : rep.partitions) {
                    auto [it, fresh] = index.emplace(f.topic, out.topics.size());
                    if (fresh) out.topics.push_back({f.topic, {}});
                    offset_fetch_response::partition p;
                    p.index = f.partition;
                    p.committed_offset = f.offset;
                    p.committed_leader_epoch = f.leader_epoch;
                    p.metadata = f.metadata;
                    p.error_code = code(f.error);
                    out.topics[it->second].partitions.push_back(std::move(p));
                  }
                  reply(encode_body(encode_offset_fetch_response, v, out));
                },
                [=](caf::error&) { send_error(err(kafka_error::coordinator_not_available)); });
      },
      send_error);
  return true;
}

bool handle_describe_groups(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_describe_groups_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto out = std::make_shared<describe_groups_response>();
  out->groups.resize(req->groups.size());
  auto done = countdown(req->groups.size(), [=] { reply(encode_body(encode_describe_groups_response, v, *out)); });
  for (size_t i = 0; i < req->groups.size(); ++i) {
    auto id = req->groups[i];
    out->groups[i].group_id = id;
    with_group(
        self, current_requester(self), acl_operation::describe, id,
        [=](actors::group_actor g) {
          if (!g) {
            // As Kafka: a group that does not exist is described as Dead, without an error.
            out->groups[i].group_state = "Dead";
            done();
            return;
          }
          self->request(g, self->state.options.request_timeout, actors::describe_atom::value)
              .then(
                  [=](const group::group_description& d) {
                    auto& o = out->groups[i];
                    o.group_state = std::string(group::to_string(d.state));
                    o.protocol_type = d.protocol_type;
                    o.protocol_data = d.protocol_name;
                    for (const auto& m : d.members) {
                      o.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host, m.metadata, m.assignment});
                    }
                    done();
                  },
                  [=](caf::error&) {
                    out->groups[i].error_code = err(kafka_error::coordinator_not_available);
                    done();
                  });
        },
        [=](int16_t e) {
          out->groups[i].error_code = e;
          done();
        },
        false);
  }
  return true;
}

bool handle_list_groups(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_list_groups_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  const auto who = current_requester(self);
  self->request(self->state.node, self->state.options.request_timeout, actors::groups_atom::value)
      .then(
          [=](const group::group_list& groups) {
            list_groups_response out;
            // Kafka: every group with DESCRIBE on the cluster, else those the requester may describe.
            const bool all =
                allowed(self, who, acl_operation::describe, resource_type::cluster, security::cluster_resource_name);
            for (const auto& g : groups.groups) {
              if (all || allowed(self, who, acl_operation::describe, resource_type::group, g.group_id)) {
                out.groups.push_back({g.group_id, g.protocol_type});
              }
            }
            reply(encode_body(encode_list_groups_response, v, out));
          },
          [=](caf::error&) {
            list_groups_response out;
            out.error_code = err(kafka_error::coordinator_not_available);
            reply(encode_body(encode_list_groups_response, v, out));
          });
  return true;
}

bool handle_delete_groups(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_delete_groups_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto out = std::make_shared<delete_groups_response>();
  out->results.resize(req->groups_names.size());
  auto done = countdown(req->groups_names.size(), [=] { reply(encode_body(encode_delete_groups_response, v, *out)); });
  for (size_t i = 0; i < req->groups_names.size(); ++i) {
    auto id = req->groups_names[i];
    out->results[i].group_id = id;
    with_group(
        self, current_requester(self), acl_operation::remove, id,
        [=](actors::group_actor g) {
          self->request(g, self->state.options.request_timeout, actors::delete_atom::value)
              .then(
                  [=](const group::delete_group_reply& d) {
                    out->results[i].error_code = code(d.error);
                    done();
                  },
                  [=](caf::error&) {
                    out->results[i].error_code = err(kafka_error::coordinator_not_available);
                    done();
                  });
        },
        [=](int16_t e) {
          out->results[i].error_code = e;
          done();
        });
  }
  return true;
}

// ---- admin ------------------------------------------------------------------------------------

bool handle_create_topics(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_create_topics_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto out = std::make_shared<create_topics_response>();
  out->topics.resize(req->topics.size());
  auto done = countdown(req->topics.size(), [=] { reply(encode_body(encode_create_topics_response, v, *out)); });
  const auto who = current_requester(self);
  for (size_t i = 0; i < req->topics.size(); ++i) {
    const auto& t = req->topics[i];
    out->topics[i].name = t.name;
    actors::topic_config cfg;
    cfg.partitions = t.num_partitions > 0 ? t.num_partitions : static_cast<int32_t>(std::max<size_t>(t.assignments.size(), 1));
    cfg.replication_factor = t.replication_factor;  // -1: the default; checked against the nodes by the node
    std::map<std::string, std::string> entries;
    for (const auto& c : t.configs) {
      if (c.value) entries[c.name] = *c.value;
    }
    if (!allowed(self, who, acl_operation::create, resource_type::cluster, security::cluster_resource_name) &&
        !allowed(self, who, acl_operation::create, resource_type::topic, t.name)) {
      out->topics[i].error_code = err(kafka_error::topic_authorization_failed);
      out->topics[i].error_message = "not authorized to create topic " + t.name;
      done();
      continue;
    }
    if (auto bad = actors::apply_config_map(cfg, entries)) {
      out->topics[i].error_code = err(kafka_error::invalid_config);
      out->topics[i].error_message = *bad;
      done();
      continue;
    }
    self->request(self->state.node, self->state.options.request_timeout, actors::create_atom::value,
                  actors::create_topic_request{t.name, cfg, req->validate_only})
        .then(
            [=](const actors::topic_reply& tr) {
              out->topics[i].error_code = tr.error_code;
              if (tr.error_code != 0) out->topics[i].error_message = tr.error_message;
              done();
            },
            [=](caf::error&) {
              out->topics[i].error_code = err(kafka_error::request_timed_out);
              done();
            });
  }
  return true;
}

bool handle_delete_topics(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_delete_topics_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto out = std::make_shared<delete_topics_response>();
  out->responses.resize(req->topic_names.size());
  auto done = countdown(req->topic_names.size(), [=] { reply(encode_body(encode_delete_topics_response, v, *out)); });
  for (size_t i = 0; i < req->topic_names.size(); ++i) {
    auto name = req->topic_names[i];
    out->responses[i].name = name;
    if (name == security::security_topic ||
        !allowed(self, current_requester(self), acl_operation::remove, resource_type::topic, name)) {
      out->responses[i].error_code = err(kafka_error::topic_authorization_failed);
      done();
      continue;
    }
    forget_topic(self, name);
    self->request(self->state.node, self->state.options.request_timeout, actors::delete_atom::value, name)
        .then(
            [=](const actors::topic_reply& tr) {
              out->responses[i].error_code = tr.error_code;
              done();
            },
            [=](caf::error&) {
              out->responses[i].error_code = err(kafka_error::request_timed_out);
              done();
            });
  }
  return true;
}

bool handle_create_partitions(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_create_partitions_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto out = std::make_shared<create_partitions_response>();
  out->results.resize(req->topics.size());
  auto done = countdown(req->topics.size(), [=] { reply(encode_body(encode_create_partitions_response, v, *out)); });
  for (size_t i = 0; i < req->topics.size(); ++i) {
    auto t = req->topics[i];
    out->results[i].name = t.name;
    if (!allowed(self, current_requester(self), acl_operation::alter, resource_type::topic, t.name)) {
      out->results[i].error_code = err(kafka_error::topic_authorization_failed);
      out->results[i].error_message = "not authorized to alter topic " + t.name;
      done();
      continue;
    }
    forget_topic(self, t.name);
    if (req->validate_only) {
      done();
      continue;
    }
    self->request(self->state.node, self->state.options.request_timeout, actors::grow_atom::value, t.name, t.count)
        .then(
            [=](const actors::topic_reply& tr) {
              out->results[i].error_code = tr.error_code;
              if (tr.error_code != 0) out->results[i].error_message = tr.error_message;
              done();
            },
            [=](caf::error&) {
              out->results[i].error_code = err(kafka_error::request_timed_out);
              done();
            });
  }
  return true;
}

// BROKER <this node's id> (or "", the default broker config): the settings this node runs with.
// Another broker's id is refused, as Kafka does (clients send it to that broker).
void describe_broker_configs(self_ptr self, const describe_configs_request::resource& res,
                             describe_configs_response::result& o) {
  const auto& opts = self->state.options;
  if (!res.resource_name.empty() && res.resource_name != std::to_string(opts.node_id)) {
    o.error_code = err(kafka_error::invalid_request);
    o.error_message = "this is broker " + std::to_string(opts.node_id) + "; ask broker " + res.resource_name + " itself";
    return;
  }
  auto entries = opts.broker_configs;
  const int32_t bound = opts.port != 0 ? opts.port : opts.advertised_port;
  const std::string protocol(protocol_name(opts.protocol));
  entries.push_back({"listeners", protocol + "://" + opts.host + ":" + std::to_string(bound)});
  entries.push_back(
      {"advertised.listeners", protocol + "://" + opts.advertised_host + ":" + std::to_string(opts.advertised_port)});
  for (const auto& [name, value] : entries) {
    if (res.configuration_keys &&
        std::find(res.configuration_keys->begin(), res.configuration_keys->end(), name) == res.configuration_keys->end()) {
      continue;
    }
    describe_configs_response::config c;
    c.name = name;
    c.value = value;
    c.read_only = true;
    c.config_source = static_cast<int8_t>(config_source::static_broker_config);
    o.configs.push_back(std::move(c));
  }
}

bool handle_describe_configs(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_describe_configs_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto out = std::make_shared<describe_configs_response>();
  out->results.resize(req->resources.size());
  auto done = countdown(req->resources.size(), [=] { reply(encode_body(encode_describe_configs_response, v, *out)); });
  for (size_t i = 0; i < req->resources.size(); ++i) {
    auto res = req->resources[i];
    auto& o = out->results[i];
    o.resource_type = res.resource_type;
    o.resource_name = res.resource_name;
    if (auto denied = config_denied(self, res.resource_type, res.resource_name, acl_operation::describe_configs)) {
      o.error_code = *denied;
      o.error_message = "not authorized to describe the configs of " + res.resource_name;
      done();
      continue;
    }
    if (res.resource_type == resource_type_broker) {
      describe_broker_configs(self, res, o);
      done();
      continue;
    }
    if (res.resource_type != resource_type_topic) {
      o.error_code = err(kafka_error::invalid_request);
      o.error_message = "only TOPIC and BROKER resources have configs";
      done();
      continue;
    }
    self->request(self->state.node, self->state.options.request_timeout, actors::describe_atom::value, res.resource_name)
        .then(
            [=](const actors::topic_info& info) {
              auto& slot = out->results[i];
              slot.error_code = info.error_code;
              if (info.error_code == 0) {
                const actors::topic_config defaults;
                auto defaults_map = actors::to_config_map(defaults);
                for (const auto& [name, value] : actors::to_config_map(info.config)) {
                  if (res.configuration_keys &&
                      std::find(res.configuration_keys->begin(), res.configuration_keys->end(), name) ==
                          res.configuration_keys->end()) {
                    continue;
                  }
                  describe_configs_response::config c;
                  c.name = name;
                  c.value = value;
                  c.is_default = defaults_map[name] == value;
                  c.config_source = static_cast<int8_t>(c.is_default ? config_source::default_config
                                                                     : config_source::dynamic_topic_config);
                  slot.configs.push_back(std::move(c));
                }
              }
              done();
            },
            [=](caf::error&) {
              out->results[i].error_code = err(kafka_error::request_timed_out);
              done();
            });
  }
  return true;
}

bool handle_alter_configs(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_alter_configs_request(r, h.version);
  if (!req) return false;
  auto v = h.version;
  auto out = std::make_shared<alter_configs_response>();
  out->responses.resize(req->resources.size());
  auto done = countdown(req->resources.size(), [=] { reply(encode_body(encode_alter_configs_response, v, *out)); });
  const bool validate_only = req->validate_only;
  for (size_t i = 0; i < req->resources.size(); ++i) {
    auto res = req->resources[i];
    out->responses[i].resource_type = res.resource_type;
    out->responses[i].resource_name = res.resource_name;
    if (auto denied = config_denied(self, res.resource_type, res.resource_name, acl_operation::alter_configs)) {
      out->responses[i].error_code = *denied;
      out->responses[i].error_message = "not authorized to alter the configs of " + res.resource_name;
      done();
      continue;
    }
    if (res.resource_type != resource_type_topic) {
      out->responses[i].error_code = err(kafka_error::invalid_request);
      out->responses[i].error_message = "only topic configs can be altered";
      done();
      continue;
    }
    // AlterConfigs replaces the whole set: start from defaults, keep the partition count.
    self->request(self->state.node, self->state.options.request_timeout, actors::describe_atom::value, res.resource_name)
        .then(
            [=](const actors::topic_info& info) {
              if (info.error_code != 0) {
                out->responses[i].error_code = info.error_code;
                done();
                return;
              }
              actors::topic_config cfg;
              cfg.partitions = info.config.partitions;
              std::map<std::string, std::string> entries;
              for (const auto& c : res.configs) {
                if (c.value) entries[c.name] = *c.value;
              }
              if (auto bad = actors::apply_config_map(cfg, entries)) {
                out->responses[i].error_code = err(kafka_error::invalid_config);
                out->responses[i].error_message = *bad;
                done();
                return;
              }
              if (validate_only) {
                done();
                return;
              }
              self->request(self->state.node, self->state.options.request_timeout, actors::alter_atom::value,
                            res.resource_name, cfg)
                  .then(
                      [=](const actors::topic_reply& tr) {
                        out->responses[i].error_code = tr.error_code;
                        if (tr.error_code != 0) out->responses[i].error_message = tr.error_message;
                        done();
                      },
                      [=](caf::error&) {
                        out->responses[i].error_code = err(kafka_error::request_timed_out);
                        done();
                      });
            },
            [=](caf::error&) {
              out->responses[i].error_code = err(kafka_error::request_timed_out);
              done();
            });
  }
  return true;
}

}  // namespace fluxo::runtime::kafka_impl
