// Kafka handlers for metadata, the data path (Produce, Fetch, ListOffsets, InitProducerId) and
// FindCoordinator. Record batches pass through untouched: Produce hands them to partition
// actors as they came (compressed or not), Fetch returns the bytes stored on disk.
#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <spdlog/spdlog.h>

#include "runtime/kafka_session.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::runtime::kafka_impl {

using namespace fluxo::kafka;
using actors::code;
using actors::kafka_error;
using security::acl_operation;
using security::resource_type;

namespace {

int16_t err(kafka_error e) { return code(e); }

metadata_response::topic topic_entry(const actors::topic_info& info, const std::set<int32_t>& live) {
  metadata_response::topic t;
  t.name = info.name;
  t.error_code = info.error_code;
  t.is_internal = info.internal || info.name == "__consumer_offsets";
  if (info.error_code != 0) return t;
  for (const auto& p : info.partitions) {
    metadata_response::partition mp;
    mp.index = p.partition;
    mp.leader_id = p.leader_node;
    mp.replica_nodes = p.replicas;
    mp.isr_nodes = p.isr;
    for (auto r : p.replicas) {
      if (!live.count(r)) mp.offline_replicas.push_back(r);
    }
    if (p.leader_node < 0) mp.error_code = err(kafka_error::leader_not_available);
    t.partitions.push_back(std::move(mp));
  }
  return t;
}

}  // namespace

// Every live node with its advertised Kafka address, and the placement of the topics asked
// for (leader, replicas, ISR), from the node's image of the cluster.
bool handle_metadata(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_metadata_request(r, h.version);
  if (!req) return false;
  const bool all = req->wants_all_topics(h.version);
  std::vector<std::string> names = all ? std::vector<std::string>{} : *req->topics;
  const auto who = current_requester(self);
  // Auto-creation needs CREATE on the cluster or on every topic asked for.
  const bool create =
      (req->allow_auto_topic_creation || h.version < 4) &&
      (allowed(self, who, acl_operation::create, resource_type::cluster, security::cluster_resource_name) ||
       std::all_of(names.begin(), names.end(), [&](const std::string& n) {
         return allowed(self, who, acl_operation::create, resource_type::topic, n);
       }));
  auto version = h.version;
  auto fallback = [=] {
    metadata_response out;
    const auto& o = self->state.options;
    out.brokers.push_back({o.node_id, o.advertised_host, o.advertised_port, std::nullopt});
    out.cluster_id = "fluxo";
    out.controller_id = o.node_id;
    for (const auto& n : names) {
      metadata_response::topic t;
      t.name = n;
      t.error_code = err(kafka_error::leader_not_available);
      out.topics.push_back(std::move(t));
    }
    reply(encode_body(encode_metadata_response, version, out));
  };
  self->request(self->state.node, self->state.options.request_timeout, actors::metadata_atom::value, names, all,
                create)
      .then(
          [=](const actors::cluster_metadata& md) {
            metadata_response out;
            std::set<int32_t> live;
            const auto& o = self->state.options;
            for (const auto& n : md.cluster.nodes) {
              live.insert(n.id);
              // This node: the address of the listener asked (clients stay on its protocol).
              // Other nodes register their first listener only (see docs/security.md).
              if (n.id == o.node_id) {
                out.brokers.push_back({n.id, o.advertised_host, o.advertised_port, std::nullopt});
              } else if (n.kafka_port > 0) {
                out.brokers.push_back({n.id, n.kafka_host, n.kafka_port, std::nullopt});
              }
            }
            if (out.brokers.empty()) {
              out.brokers.push_back({o.node_id, o.advertised_host, o.advertised_port, std::nullopt});
            }
            out.cluster_id = md.cluster.cluster_id.empty() ? std::string("fluxo") : md.cluster.cluster_id;
            out.controller_id = md.cluster.controller_id >= 0 ? md.cluster.controller_id : self->state.options.node_id;
            for (const auto& t : md.topics) {
              // Topics the requester may not DESCRIBE: left out of "all topics", refused when named.
              if (!allowed(self, who, acl_operation::describe, resource_type::topic, t.name)) {
                if (all) continue;
                metadata_response::topic denied;
                denied.name = t.name;
                denied.error_code = err(kafka_error::topic_authorization_failed);
                out.topics.push_back(std::move(denied));
                continue;
              }
              out.topics.push_back(topic_entry(t, live));
            }
            reply(encode_body(encode_metadata_response, version, out));
          },
          [=](caf::error&) { fallback(); });
  return true;
}

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The producer fields of the first batch of a partition's records (idempotent producers send
// one batch per partition), or nullopt.
std::optional<actors::producer_batch_meta> first_batch_producer(std::span<const char> records) {
  auto h = storage::parse_batch_header(records);
  if (!h || h->producer_id < 0) return std::nullopt;
  return actors::producer_meta(*h);
}

// The batches refused on connection `conn` for a partition (created when `create`).
actors::producer_state_table* refusals(self_ptr self, caf::io::connection_handle conn, const std::string& topic,
                                       int32_t partition, bool create) {
  auto it = self->state.connections.find(conn);
  if (it == self->state.connections.end()) return nullptr;
  auto& refused = it->second.refused;
  if (!create) {
    if (refused.empty()) return nullptr;  // the usual case: no map lookup per produce
    auto r = refused.find({topic, partition});
    return r == refused.end() ? nullptr : &r->second;
  }
  return &refused[{topic, partition}];
}

void log_rejection(self_ptr self, const std::string& topic, int32_t partition, int16_t code,
                   const std::string& message) {
  auto& entry = self->state.rejections[{topic, partition, code}];
  const auto now = steady_ms();
  if (now - entry.last_ms < 5000) {
    ++entry.suppressed;
    return;
  }
  if (entry.suppressed > 0) {
    spdlog::info("kafka: produce to {}/{} rejected: {} {} ({} more since the last report)", topic, partition,
                 actors::kafka_error_name(code), message, entry.suppressed);
  } else {
    spdlog::info("kafka: produce to {}/{} rejected: {} {}", topic, partition, actors::kafka_error_name(code), message);
  }
  entry = {now, 0};
}

}  // namespace

bool handle_produce(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_produce_request(r, h.version);
  if (!req) return false;
  auto out = std::make_shared<produce_response>();
  auto version = h.version;
  size_t parts = 0;
  for (const auto& t : req->topics) parts += t.partitions.size();
  auto done = countdown(parts, [out, version, reply] { reply(encode_body(encode_produce_response, version, *out)); });
  out->responses.resize(req->topics.size());
  const auto acks = req->acks;
  const auto conn = self->state.current;
  const auto req_timeout_ms = req->timeout_ms;
  const auto timeout = std::max(self->state.options.request_timeout, std::chrono::milliseconds(req->timeout_ms));
  const auto who = current_requester(self);
  for (size_t ti = 0; ti < req->topics.size(); ++ti) {
    auto& topic = req->topics[ti];
    out->responses[ti].name = topic.name;
    out->responses[ti].partitions.resize(topic.partitions.size());
    auto data = std::make_shared<produce_request::topic>(std::move(topic));
    with_topic_as(self, who, acl_operation::write, data->name, true, [=](int16_t code_, const std::vector<actors::partition_actor>& routes) {
      for (size_t pi = 0; pi < data->partitions.size(); ++pi) {
        auto& slot = out->responses[ti].partitions[pi];
        auto& part = data->partitions[pi];
        slot.index = part.index;
        if (code_ != 0 || part.index < 0 || part.index >= static_cast<int32_t>(routes.size())) {
          slot.error_code = code_ != 0 ? code_ : err(kafka_error::unknown_topic_or_partition);
          done();
          continue;
        }
        if (!part.records || part.records->empty()) {
          slot.error_code = err(kafka_error::corrupt_message);
          done();
          continue;
        }
        const auto producer = first_batch_producer(*part.records);
        auto* refused = producer ? refusals(self, conn, data->name, part.index, false) : nullptr;
        if (!routes[static_cast<size_t>(part.index)] ||
            (refused && refused->behind_refused(*producer, steady_ms()))) {
          // Another node leads it (or this batch was sent behind one told so): the client
          // refreshes its metadata, resends from the refused batch, and goes to the leader.
          slot.error_code = err(kafka_error::not_leader_or_follower);
          if (producer) {
            if (!refused) refused = refusals(self, conn, data->name, part.index, true);
            if (refused) refused->refused(*producer, steady_ms());
          }
          forget_topic(self, data->name);
          done();
          continue;
        }
        actors::produce_request preq;
        preq.batches = std::move(*part.records);
        preq.acks = static_cast<int8_t>(acks);
        preq.timeout_ms = std::max(req_timeout_ms, 1);
        self->request(routes[static_cast<size_t>(part.index)], timeout, actors::produce_atom::value, std::move(preq))
            .then(
                [=](const actors::produce_reply& pr) {
                  auto& s = out->responses[ti].partitions[pi];
                  s.error_code = pr.error_code;
                  s.base_offset = pr.base_offset;
                  s.log_append_time_ms = pr.log_append_time;
                  s.log_start_offset = pr.log_start_offset;
                  if (pr.error_code != 0) {
                    if (pr.error_code == err(kafka_error::not_leader_or_follower)) forget_topic(self, data->name);
                    log_rejection(self, data->name, s.index, pr.error_code, pr.error_message);
                  }
                  done();
                },
                [=](caf::error& e) {
                  forget_topic(self, data->name);
                  out->responses[ti].partitions[pi].error_code = err(kafka_error::request_timed_out);
                  spdlog::warn("kafka: produce to {} failed: {}", data->name, self->system().render(e));
                  done();
                });
      }
    });
  }
  return true;
}

namespace {

struct fetch_plan {
  fetch_request request;
  fetch_response response;
  std::vector<std::pair<size_t, size_t>> slots;  // (topic index, partition index)
  std::vector<actors::partition_actor> targets;  // per slot; invalid when unknown
  std::size_t bytes = 0;
  bool answered = false;
};

fetch_response::partition& slot_of(fetch_plan& plan, size_t i) {
  return plan.response.responses[plan.slots[i].first].partitions[plan.slots[i].second];
}

void fill(self_ptr self, const std::string& topic, fetch_response::partition& s, actors::fetch_reply& f) {
  if (f.error_code == code(kafka_error::not_leader_or_follower)) forget_topic(self, topic);
  s.error_code = f.error_code;
  s.high_watermark = f.high_watermark;
  s.last_stable_offset = f.last_stable_offset;
  s.log_start_offset = f.log_start_offset;
  s.records = std::move(f.records);
}

// One round of fetches over every known partition; `wait_ms` > 0 long-polls.
void fetch_round(self_ptr self, std::shared_ptr<fetch_plan> plan, int32_t wait_ms, std::function<void()> after) {
  auto done = countdown(plan->slots.size(), after);
  for (size_t i = 0; i < plan->slots.size(); ++i) {
    if (!plan->targets[i]) {
      done();
      continue;
    }
    const auto& req_part = plan->request.topics[plan->slots[i].first].partitions[plan->slots[i].second];
    actors::fetch_request fr{req_part.fetch_offset, std::max(req_part.partition_max_bytes, 1), wait_ms, 1};
    self->request(plan->targets[i], self->state.options.request_timeout + std::chrono::milliseconds(wait_ms),
                  actors::fetch_atom::value, fr)
        .then(
            [=](actors::fetch_reply& f) {
              auto& s = slot_of(*plan, i);
              const bool has_data = !f.records.empty();
              if (!plan->answered) {
                plan->bytes += f.records.size();
                fill(self, plan->request.topics[plan->slots[i].first].name, s, f);
              }
              // A long-poll answer with data completes the request at once.
              if (wait_ms > 0 && has_data && !plan->answered) after();
              done();
            },
            [=](caf::error&) {
              slot_of(*plan, i).error_code = err(kafka_error::request_timed_out);
              done();
            });
  }
}

}  // namespace

bool handle_fetch(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_fetch_request(r, h.version);
  if (!req) return false;
  auto plan = std::make_shared<fetch_plan>();
  plan->request = std::move(*req);
  auto version = h.version;
  auto& resp = plan->response;
  resp.responses.resize(plan->request.topics.size());
  for (size_t ti = 0; ti < plan->request.topics.size(); ++ti) {
    const auto& t = plan->request.topics[ti];
    resp.responses[ti].name = t.name;
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      fetch_response::partition p;
      p.index = t.partitions[pi].index;
      resp.responses[ti].partitions.push_back(p);
      plan->slots.emplace_back(ti, pi);
    }
  }
  plan->targets.resize(plan->slots.size());
  auto respond = [=] {
    if (plan->answered) return;
    plan->answered = true;
    cap_fetch_response(plan->response, plan->request.max_bytes);
    reply(encode_body(encode_fetch_response, version, plan->response));
  };
  auto start = [=] {
    // First round answers at once; if it found less than min_bytes, long-poll once.
    fetch_round(self, plan, 0, [=] {
      if (plan->bytes >= static_cast<size_t>(std::max(plan->request.min_bytes, 1)) || plan->request.max_wait_ms <= 0) {
        respond();
        return;
      }
      fetch_round(self, plan, plan->request.max_wait_ms, respond);
    });
  };
  // Resolve partition actors topic by topic.
  auto resolved = countdown(plan->request.topics.size(), start);
  const auto who = current_requester(self);
  for (size_t ti = 0; ti < plan->request.topics.size(); ++ti) {
    with_topic_as(self, who, acl_operation::read, plan->request.topics[ti].name, false,
               [=](int16_t code_, const std::vector<actors::partition_actor>& routes) {
                 for (size_t i = 0; i < plan->slots.size(); ++i) {
                   if (plan->slots[i].first != ti) continue;
                   auto idx = plan->request.topics[ti].partitions[plan->slots[i].second].index;
                   if (code_ != 0 || idx < 0 || idx >= static_cast<int32_t>(routes.size())) {
                     slot_of(*plan, i).error_code = code_ != 0 ? code_ : err(kafka_error::unknown_topic_or_partition);
                   } else if (!routes[static_cast<size_t>(idx)]) {
                     slot_of(*plan, i).error_code = err(kafka_error::not_leader_or_follower);
                     forget_topic(self, plan->request.topics[ti].name);
                   } else {
                     plan->targets[i] = routes[static_cast<size_t>(idx)];
                   }
                 }
                 resolved();
               });
  }
  return true;
}

bool handle_list_offsets(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_list_offsets_request(r, h.version);
  if (!req) return false;
  auto out = std::make_shared<list_offsets_response>();
  auto version = h.version;
  size_t parts = 0;
  for (const auto& t : req->topics) parts += t.partitions.size();
  auto done = countdown(parts, [=] { reply(encode_body(encode_list_offsets_response, version, *out)); });
  out->topics.resize(req->topics.size());
  for (size_t ti = 0; ti < req->topics.size(); ++ti) {
    auto topic = std::make_shared<list_offsets_request::topic>(req->topics[ti]);
    out->topics[ti].name = topic->name;
    out->topics[ti].partitions.resize(topic->partitions.size());
    with_topic_as(self, current_requester(self), acl_operation::describe, topic->name, false,
                  [=](int16_t code_, const std::vector<actors::partition_actor>& routes) {
      for (size_t pi = 0; pi < topic->partitions.size(); ++pi) {
        const auto& p = topic->partitions[pi];
        auto& s = out->topics[ti].partitions[pi];
        s.index = p.index;
        if (code_ != 0 || p.index < 0 || p.index >= static_cast<int32_t>(routes.size())) {
          s.error_code = code_ != 0 ? code_ : err(kafka_error::unknown_topic_or_partition);
          done();
          continue;
        }
        if (!routes[static_cast<size_t>(p.index)]) {
          s.error_code = err(kafka_error::not_leader_or_follower);
          forget_topic(self, topic->name);
          done();
          continue;
        }
        self->request(routes[static_cast<size_t>(p.index)], self->state.options.request_timeout,
                      actors::offsets_atom::value, actors::list_offsets_request{p.timestamp})
            .then(
                [=](const actors::list_offsets_reply& lr) {
                  auto& slot = out->topics[ti].partitions[pi];
                  slot.error_code = lr.error_code;
                  slot.offset = lr.offset;
                  slot.timestamp = lr.timestamp;
                  done();
                },
                [=](caf::error&) {
                  out->topics[ti].partitions[pi].error_code = err(kafka_error::request_timed_out);
                  done();
                });
      }
    });
  }
  return true;
}

bool handle_init_producer_id(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_init_producer_id_request(r, h.version);
  if (!req) return false;
  auto version = h.version;
  if (req->transactional_id) {
    init_producer_id_response out;
    out.error_code = err(kafka_error::unsupported_version);  // transactions are not supported yet
    reply(encode_body(encode_init_producer_id_response, version, out));
    return true;
  }
  // An idempotent producer needs IDEMPOTENT_WRITE on the cluster, or WRITE on some topic (KIP-679).
  const auto who = current_requester(self);
  if (!allowed(self, who, acl_operation::idempotent_write, resource_type::cluster, security::cluster_resource_name) &&
      !may_write_some_topic(self, who)) {
    init_producer_id_response out;
    out.error_code = err(kafka_error::cluster_authorization_failed);
    reply(encode_body(encode_init_producer_id_response, version, out));
    return true;
  }
  self->request(self->state.node, self->state.options.request_timeout, actors::producer_atom::value)
      .then(
          [=](const actors::producer_id_reply& pr) {
            init_producer_id_response out;
            out.error_code = pr.error_code;
            out.producer_id = pr.producer_id;
            out.producer_epoch = pr.producer_epoch;
            reply(encode_body(encode_init_producer_id_response, version, out));
          },
          [=](caf::error&) {
            init_producer_id_response out;
            out.error_code = err(kafka_error::request_timed_out);
            reply(encode_body(encode_init_producer_id_response, version, out));
          });
  return true;
}

// The node coordinating the group: the leader of its partition of __consumer_offsets.
bool handle_find_coordinator(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_find_coordinator_request(r, h.version);
  if (!req) return false;
  auto version = h.version;
  if (req->key_type != 0) {
    find_coordinator_response out;
    out.error_code = err(kafka_error::coordinator_not_available);
    out.error_message = "transactions are not supported";
    reply(encode_body(encode_find_coordinator_response, version, out));
    return true;
  }
  if (!allowed(self, current_requester(self), acl_operation::describe, resource_type::group, req->key)) {
    find_coordinator_response out;
    out.error_code = err(kafka_error::group_authorization_failed);
    out.error_message = "not authorized to describe group " + req->key;
    reply(encode_body(encode_find_coordinator_response, version, out));
    return true;
  }
  self->request(self->state.node, self->state.options.request_timeout, actors::locate_atom::value, req->key)
      .then(
          [=](const actors::coordinator_location& loc) {
            find_coordinator_response out;
            out.error_code = loc.error_code;
            if (loc.error_code != 0) {
              out.error_message = loc.error_message;
            } else if (loc.node_id == self->state.options.node_id || loc.kafka_port <= 0) {
              out.node_id = self->state.options.node_id;
              out.host = self->state.options.advertised_host;
              out.port = self->state.options.advertised_port;
            } else {
              out.node_id = loc.node_id;
              out.host = loc.kafka_host;
              out.port = loc.kafka_port;
            }
            reply(encode_body(encode_find_coordinator_response, version, out));
          },
          [=](caf::error&) {
            find_coordinator_response out;
            out.error_code = err(kafka_error::coordinator_not_available);
            reply(encode_body(encode_find_coordinator_response, version, out));
          });
  return true;
}

}  // namespace fluxo::runtime::kafka_impl
