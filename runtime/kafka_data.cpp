// Kafka handlers for metadata, the data path (Produce, Fetch, ListOffsets, InitProducerId) and
// FindCoordinator. Record batches pass through untouched: Produce hands them to partition
// actors as they came (compressed or not), Fetch returns the bytes stored on disk.
#include <spdlog/spdlog.h>

#include "runtime/kafka_session.hpp"

namespace fluxo::runtime::kafka_impl {

using namespace fluxo::kafka;
using actors::code;
using actors::kafka_error;

namespace {

int16_t err(kafka_error e) { return code(e); }

metadata_response::broker this_broker(self_ptr self) {
  const auto& o = self->state.options;
  return {o.node_id, o.advertised_host, o.advertised_port, std::nullopt};
}

metadata_response::topic topic_entry(self_ptr self, const actors::topic_info& info) {
  metadata_response::topic t;
  t.name = info.name;
  t.error_code = info.error_code;
  t.is_internal = info.internal || info.name == "__consumer_offsets";
  const auto node = self->state.options.node_id;
  if (info.error_code == 0) {
    for (int32_t p = 0; p < static_cast<int32_t>(info.partitions.size()); ++p) {
      t.partitions.push_back({0, p, node, {node}, {node}, {}});
    }
  }
  return t;
}

}  // namespace

bool handle_metadata(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_metadata_request(r, h.version);
  if (!req) return false;
  auto out = std::make_shared<metadata_response>();
  out->brokers.push_back(this_broker(self));
  out->cluster_id = "fluxo";
  out->controller_id = self->state.options.node_id;
  auto version = h.version;
  auto finish = [out, version, reply] { reply(encode_body(encode_metadata_response, version, *out)); };
  if (req->wants_all_topics(h.version)) {
    self->request(self->state.node, self->state.options.request_timeout, actors::list_atom::value)
        .then(
            [=](const actors::topic_list& list) {
              for (const auto& t : list.topics) out->topics.push_back(topic_entry(self, t));
              finish();
            },
            [=](caf::error&) { finish(); });
    return true;
  }
  const bool create = req->allow_auto_topic_creation || h.version < 4;
  auto names = *req->topics;
  out->topics.resize(names.size());
  auto done = countdown(names.size(), finish);
  for (size_t i = 0; i < names.size(); ++i) {
    auto name = names[i];
    auto fill = [=](const actors::topic_info& info) {
      out->topics[i] = topic_entry(self, info);
      out->topics[i].name = name;
      done();
    };
    auto failed = [=](caf::error&) {
      out->topics[i].name = name;
      out->topics[i].error_code = err(kafka_error::leader_not_available);
      done();
    };
    if (create) {
      self->request(self->state.node, self->state.options.request_timeout, actors::lookup_atom::value, name)
          .then([=](const actors::topic_info& info, const std::vector<actors::partition_actor>& parts) {
            if (info.error_code == 0 && !parts.empty()) self->state.routes[name] = parts;
            fill(info);
          }, failed);
    } else {
      self->request(self->state.node, self->state.options.request_timeout, actors::describe_atom::value, name)
          .then(fill, failed);
    }
  }
  return true;
}

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
  const auto timeout = std::max(self->state.options.request_timeout, std::chrono::milliseconds(req->timeout_ms));
  for (size_t ti = 0; ti < req->topics.size(); ++ti) {
    auto& topic = req->topics[ti];
    out->responses[ti].name = topic.name;
    out->responses[ti].partitions.resize(topic.partitions.size());
    auto data = std::make_shared<produce_request::topic>(std::move(topic));
    with_topic(self, data->name, true, [=](int16_t code_, const std::vector<actors::partition_actor>& routes) {
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
        self->request(routes[static_cast<size_t>(part.index)], timeout, actors::produce_atom::value,
                      actors::produce_request{std::move(*part.records), static_cast<int8_t>(acks)})
            .then(
                [=](const actors::produce_reply& pr) {
                  auto& s = out->responses[ti].partitions[pi];
                  s.error_code = pr.error_code;
                  s.base_offset = pr.base_offset;
                  s.log_append_time_ms = pr.log_append_time;
                  s.log_start_offset = pr.log_start_offset;
                  if (pr.error_code != 0) {
                    spdlog::info("kafka: produce to {}/{} rejected: {} {}", data->name, s.index,
                                 actors::kafka_error_name(pr.error_code), pr.error_message);
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

void fill(fetch_response::partition& s, actors::fetch_reply& f) {
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
                fill(s, f);
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
  for (size_t ti = 0; ti < plan->request.topics.size(); ++ti) {
    with_topic(self, plan->request.topics[ti].name, false,
               [=](int16_t code_, const std::vector<actors::partition_actor>& routes) {
                 for (size_t i = 0; i < plan->slots.size(); ++i) {
                   if (plan->slots[i].first != ti) continue;
                   auto idx = plan->request.topics[ti].partitions[plan->slots[i].second].index;
                   if (code_ != 0 || idx < 0 || idx >= static_cast<int32_t>(routes.size())) {
                     slot_of(*plan, i).error_code = code_ != 0 ? code_ : err(kafka_error::unknown_topic_or_partition);
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
    with_topic(self, topic->name, false, [=](int16_t code_, const std::vector<actors::partition_actor>& routes) {
      for (size_t pi = 0; pi < topic->partitions.size(); ++pi) {
        const auto& p = topic->partitions[pi];
        auto& s = out->topics[ti].partitions[pi];
        s.index = p.index;
        if (code_ != 0 || p.index < 0 || p.index >= static_cast<int32_t>(routes.size())) {
          s.error_code = code_ != 0 ? code_ : err(kafka_error::unknown_topic_or_partition);
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

bool handle_find_coordinator(self_ptr self, const request_header& h, reader& r, responder reply) {
  auto req = decode_find_coordinator_request(r, h.version);
  if (!req) return false;
  find_coordinator_response out;
  const auto& o = self->state.options;
  if (req->key_type != 0) {
    out.error_code = err(kafka_error::coordinator_not_available);
    out.error_message = "transactions are not supported";
  } else {
    out.node_id = o.node_id;
    out.host = o.advertised_host;
    out.port = o.advertised_port;
  }
  reply(encode_body(encode_find_coordinator_response, h.version, out));
  return true;
}

}  // namespace fluxo::runtime::kafka_impl
