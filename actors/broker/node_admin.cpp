// Topic and cluster changes: validated here, written to the metadata store by the cluster agent
// (never on an actor thread), answered once this node's image shows them, so a client that
// asks again right after sees its change.
#include <spdlog/spdlog.h>

#include "actors/broker/node_internal.hpp"
#include "actors/cluster/topic_rules.hpp"
#include "storage/log_config.hpp"

namespace fluxo::actors::node_impl {

namespace {

std::string new_topic_id(std::mt19937_64& rng) {
  // A random (version 4) UUID, Kafka's topic id.
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::vector<node_id> assignable_nodes(const cluster::metadata_image& img) {
  std::vector<node_id> out;
  for (const auto& [id, n] : img.nodes) {
    if (!img.draining.count(id)) out.push_back(id);
  }
  if (out.empty()) out = img.live_nodes();  // every node drains: still place the topic
  return out;
}

std::vector<cluster::partition_record> initial_records(const std::vector<std::vector<node_id>>& sets) {
  std::vector<cluster::partition_record> out;
  for (const auto& s : sets) {
    cluster::partition_record r;
    r.replicas = s;
    r.leader = s.front();
    r.isr = s;
    out.push_back(std::move(r));
  }
  return out;
}

topic_reply storage_failure(const std::string& name, const cluster::store_error& e) {
  return make_reply(name, kafka_error::kafka_storage_error, "the metadata store refused: " + e.to_string());
}

// Creates the topic (checks done by the caller) and replies once this node's image has it.
void create_with(self_ptr self, const std::string& name, topic_config cfg, std::function<void(topic_reply)> reply) {
  auto post = continue_in(self);
  const auto seed = self->state.rng();
  const auto topic_id = new_topic_id(self->state.rng);
  self->state.agent->submit([=](cluster::metadata_store& store, const cluster::metadata_image& img) {
    auto nodes = assignable_nodes(img);
    const auto rf = cluster::effective_replication_factor(cfg.replication_factor, nodes.size());
    auto sets = cluster::assign_replicas(nodes, 0, cfg.partitions, rf, cluster::preferred_leader_counts(img), seed);
    if (sets.empty()) {
      return post([=] {
        reply(make_reply(name, kafka_error::invalid_replication_factor,
                         "replication factor " + std::to_string(rf) + " is larger than the " +
                             std::to_string(nodes.size()) + " nodes of the cluster"));
      });
    }
    cluster::topic_record t;
    t.name = name;
    t.topic_id = topic_id;
    t.config = cfg;
    t.config.replication_factor = static_cast<int16_t>(rf);
    auto written = store.create_topic(t, initial_records(sets));
    post([=] {
      if (!written) return reply(storage_failure(name, written.err()));
      if (*written) spdlog::info("[{}] created: {} partitions, replication factor {}", name, cfg.partitions, rf);
      await_visible(
          self,
          [=](const cluster::metadata_image& image) {
            auto it = image.topics.find(name);
            return it != image.topics.end() &&
                   static_cast<int32_t>(image.partitions_of(name).size()) == it->second.config.partitions;
          },
          [=](bool timed_out) {
            if (timed_out) {
              return reply(make_reply(name, kafka_error::request_timed_out,
                                      "the topic was written but this node did not see it in time"));
            }
            reply(*written ? make_reply(name)
                           : make_reply(name, kafka_error::topic_already_exists, "topic '" + name + "' already exists"));
          });
    });
  });
}

// The checks of CreateTopics, Kafka's error codes. nullopt: go ahead.
std::optional<topic_reply> refuse_creation(self_ptr self, const create_topic_request& req) {
  const auto& name = req.name;
  if (auto bad = invalid_topic_name(name)) return make_reply(name, kafka_error::invalid_topic_exception, *bad);
  const auto& img = *self->state.image;
  if (img.topics.count(name)) {
    return make_reply(name, kafka_error::topic_already_exists, "topic '" + name + "' already exists");
  }
  if (auto bad = invalid_topic_config(req.config)) {
    auto e = req.config.partitions < 1 ? kafka_error::invalid_partitions : kafka_error::invalid_config;
    return make_reply(name, e, *bad);
  }
  const auto nodes = img.nodes.size();
  const auto rf = cluster::effective_replication_factor(req.config.replication_factor, nodes);
  if (rf > static_cast<int32_t>(nodes)) {
    return make_reply(name, kafka_error::invalid_replication_factor,
                      "replication factor " + std::to_string(rf) + " is larger than the " + std::to_string(nodes) +
                          (nodes == 1 ? " node" : " nodes") + " of the cluster");
  }
  return std::nullopt;
}

}  // namespace

void await_visible(self_ptr self, std::function<bool(const cluster::metadata_image&)> visible,
                   std::function<void(bool timed_out)> reply) {
  auto& st = self->state;
  if (st.image && visible(*st.image)) return reply(false);
  st.pending.push_back(pending_change{std::move(visible), std::move(reply),
                                      now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(admin_wait).count()});
}

void check_pending(self_ptr self) {
  auto& st = self->state;
  if (st.pending.empty()) return;
  const auto now = now_ms();
  auto pending = std::move(st.pending);
  st.pending.clear();
  for (auto& p : pending) {
    if (st.image && p.visible(*st.image)) {
      p.reply(false);
    } else if (now >= p.deadline_ms) {
      p.reply(true);
    } else {
      st.pending.push_back(std::move(p));
    }
  }
}

caf::result<topic_reply> create_topic(self_ptr self, const create_topic_request& req) {
  if (auto refused = refuse_creation(self, req)) return *refused;
  if (req.validate_only) return make_reply(req.name);
  auto promise = self->make_response_promise<topic_reply>();
  create_with(self, req.name, req.config, [=](topic_reply r) mutable { promise.deliver(std::move(r)); });
  return promise;
}

void ensure_topic(self_ptr self, const std::string& name, const topic_config& cfg, std::function<void(int16_t)> fn) {
  auto& st = self->state;
  if (st.image && st.image->topics.count(name)) return fn(0);
  create_topic_request req{name, cfg, false};
  if (auto refused = refuse_creation(self, req); refused && refused->error_code != code(kafka_error::topic_already_exists)) {
    spdlog::warn("[{}] cannot create: {}", name, refused->error_message);
    return fn(refused->error_code);
  }
  create_with(self, name, cfg, [=](topic_reply r) {
    fn(r.error_code == code(kafka_error::topic_already_exists) ? int16_t{0} : r.error_code);
  });
}

caf::result<topic_reply> delete_topic(self_ptr self, const std::string& name) {
  if (!self->state.image->topics.count(name)) {
    return make_reply(name, kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist");
  }
  if (is_internal(name)) return make_reply(name, kafka_error::policy_violation, "internal topic " + name + " cannot be deleted");
  auto promise = self->make_response_promise<topic_reply>();
  auto post = continue_in(self);
  self->state.agent->submit([=](cluster::metadata_store& store, const cluster::metadata_image&) {
    auto deleted = store.delete_topic(name);
    post([=]() mutable {
      if (!deleted) return (void)promise.deliver(storage_failure(name, deleted.err()));
      spdlog::info("[{}] deleted", name);
      await_visible(
          self, [=](const cluster::metadata_image& img) { return img.topics.count(name) == 0; },
          [=](bool timed_out) mutable {
            promise.deliver(timed_out ? make_reply(name, kafka_error::request_timed_out, "deletion not seen in time")
                                      : make_reply(name));
          });
    });
  });
  return promise;
}

caf::result<topic_reply> alter_topic(self_ptr self, const std::string& name, const topic_config& cfg) {
  const auto& img = *self->state.image;
  auto t = img.topics.find(name);
  if (t == img.topics.end()) return make_reply(name, kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist");
  if (auto bad = invalid_topic_config(cfg)) return make_reply(name, kafka_error::invalid_config, *bad);
  if (cfg.partitions != t->second.config.partitions) {
    return make_reply(name, kafka_error::invalid_config, "change partitions with grow (CreatePartitions)");
  }
  auto next = cfg;
  next.replication_factor = t->second.config.replication_factor;  // moved with reassignments only
  auto promise = self->make_response_promise<topic_reply>();
  auto post = continue_in(self);
  self->state.agent->submit([=](cluster::metadata_store& store, const cluster::metadata_image& image) {
    auto current = image.topics.find(name);
    if (current == image.topics.end()) {
      return post([=]() mutable { promise.deliver(make_reply(name, kafka_error::unknown_topic_or_partition, "deleted meanwhile")); });
    }
    auto updated = current->second;
    updated.config = next;
    auto written = store.update_topic(updated);
    post([=]() mutable {
      if (!written) return (void)promise.deliver(storage_failure(name, written.err()));
      if (!*written) return (void)promise.deliver(make_reply(name, kafka_error::invalid_request, "the topic changed meanwhile; try again"));
      await_visible(
          self,
          [=](const cluster::metadata_image& i) {
            auto it = i.topics.find(name);
            return it != i.topics.end() && it->second.config == next;
          },
          [=](bool timed_out) mutable {
            promise.deliver(timed_out ? make_reply(name, kafka_error::request_timed_out, "change not seen in time")
                                      : make_reply(name));
          });
    });
  });
  return promise;
}

caf::result<topic_reply> grow_topic(self_ptr self, const std::string& name, int32_t count) {
  const auto& img = *self->state.image;
  auto t = img.topics.find(name);
  if (t == img.topics.end()) return make_reply(name, kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist");
  const auto current = t->second.config.partitions;
  if (count <= current) {
    return make_reply(name, kafka_error::invalid_partitions,
                      "topic " + name + " has " + std::to_string(current) + " partitions; the count can only grow");
  }
  auto grown = t->second.config;
  grown.partitions = count;
  if (auto bad = invalid_topic_config(grown)) return make_reply(name, kafka_error::invalid_partitions, *bad);
  auto promise = self->make_response_promise<topic_reply>();
  auto post = continue_in(self);
  const auto seed = self->state.rng();
  self->state.agent->submit([=](cluster::metadata_store& store, const cluster::metadata_image& image) {
    auto it = image.topics.find(name);
    if (it == image.topics.end() || it->second.config.partitions != current) {
      return post([=]() mutable { promise.deliver(make_reply(name, kafka_error::invalid_request, "the topic changed meanwhile")); });
    }
    auto updated = it->second;
    updated.config.partitions = count;
    const auto rf = std::max<int32_t>(1, updated.config.replication_factor);
    auto sets = cluster::assign_replicas(assignable_nodes(image), current, count - current, rf,
                                         cluster::preferred_leader_counts(image), seed);
    if (sets.empty()) {
      return post([=]() mutable {
        promise.deliver(make_reply(name, kafka_error::invalid_replication_factor, "not enough nodes for the new partitions"));
      });
    }
    auto written = store.add_partitions(updated, current, initial_records(sets));
    post([=]() mutable {
      if (!written) return (void)promise.deliver(storage_failure(name, written.err()));
      spdlog::info("[{}] grew to {} partitions", name, count);
      await_visible(
          self,
          [=](const cluster::metadata_image& i) {
            auto x = i.topics.find(name);
            return x != i.topics.end() && x->second.config.partitions == count &&
                   static_cast<int32_t>(i.partitions_of(name).size()) == count;
          },
          [=](bool timed_out) mutable {
            promise.deliver(timed_out ? make_reply(name, kafka_error::request_timed_out, "growth not seen in time")
                                      : make_reply(name));
          });
    });
  });
  return promise;
}

caf::result<topic_reply> reassign(self_ptr self, const std::string& topic, int32_t partition,
                                  const std::vector<int32_t>& replicas) {
  const auto label = topic + "/" + std::to_string(partition);
  const auto& img = *self->state.image;
  const auto* p = img.partition({topic, partition});
  if (!p) return make_reply(label, kafka_error::unknown_topic_or_partition, label + " does not exist");
  std::set<int32_t> distinct(replicas.begin(), replicas.end());
  if (replicas.empty() || distinct.size() != replicas.size()) {
    return make_reply(label, kafka_error::invalid_replication_factor, "replicas must be distinct node ids, at least one");
  }
  for (auto n : replicas) {
    if (!img.is_live(n)) return make_reply(label, kafka_error::broker_not_available, "node " + std::to_string(n) + " is not live");
  }
  auto promise = self->make_response_promise<topic_reply>();
  auto post = continue_in(self);
  self->state.agent->submit([=](cluster::metadata_store& store, const cluster::metadata_image& image) {
    const auto* current = image.partition({topic, partition});
    if (!current) return post([=]() mutable { promise.deliver(make_reply(label, kafka_error::unknown_topic_or_partition, "gone")); });
    auto next = *current;
    next.target_replicas = replicas;
    auto written = store.update_partition({topic, partition}, next, current->version);
    post([=]() mutable {
      if (!written) return (void)promise.deliver(storage_failure(label, written.err()));
      if (*written == 0) return (void)promise.deliver(make_reply(label, kafka_error::invalid_request, "the partition changed meanwhile; try again"));
      spdlog::info("[{}] reassignment to {} replicas requested", label, replicas.size());
      promise.deliver(make_reply(label));
    });
  });
  return promise;
}

caf::result<topic_reply> elect_preferred(self_ptr self) {
  const auto& img = *self->state.image;
  const auto controller = img.controller.id;
  if (controller == self_id(self)) {
    self->state.agent->request_preferred_elections();
    return make_reply("", kafka_error::none, "preferred-replica elections requested");
  }
  if (controller < 0) return make_reply("", kafka_error::coordinator_not_available, "the cluster has no controller right now");
  auto promise = self->make_response_promise<topic_reply>();
  with_peer(self, controller, [=](node_actor peer) mutable {
    if (!peer) return (void)promise.deliver(make_reply("", kafka_error::broker_not_available, "the controller is unreachable"));
    self->request(peer, peer_timeout, elect_atom::value)
        .then([=](const topic_reply& r) mutable { promise.deliver(r); },
              [=](caf::error& e) mutable {
                promise.deliver(make_reply("", kafka_error::request_timed_out, self->system().render(e)));
              });
  });
  return promise;
}

caf::result<topic_reply> drain(self_ptr self, int32_t node, bool on) {
  if (!self->state.options.clustered()) {
    return make_reply("", kafka_error::invalid_request, "a single node cannot be drained (run a cluster: --cluster-store)");
  }
  if (on && !self->state.image->is_live(node)) {
    return make_reply("", kafka_error::broker_not_available, "node " + std::to_string(node) + " is not live");
  }
  auto promise = self->make_response_promise<topic_reply>();
  auto post = continue_in(self);
  self->state.agent->submit([=](cluster::metadata_store& store, const cluster::metadata_image&) {
    auto r = store.set_draining(node, on, storage::system_now_ms());
    post([=]() mutable {
      if (!r) return (void)promise.deliver(storage_failure("", r.err()));
      spdlog::info("node {} {}", node, on ? "drains: its leaders and replicas move away" : "no longer drains");
      promise.deliver(make_reply(""));
    });
  });
  return promise;
}

caf::result<producer_id_reply> next_producer_id(self_ptr self) {
  auto& st = self->state;
  if (st.next_producer_id < st.producer_block_end) return producer_id_reply{0, st.next_producer_id++, 0};
  auto promise = self->make_response_promise<producer_id_reply>();
  st.waiting_ids.push_back(promise);
  if (st.reserving_ids) return promise;
  st.reserving_ids = true;
  auto post = continue_in(self);
  constexpr int64_t block = 1000;
  st.agent->submit([=](cluster::metadata_store& store, const cluster::metadata_image&) {
    auto first = store.reserve_producer_ids(block);
    post([=] {
      auto& s = self->state;
      s.reserving_ids = false;
      auto waiting = std::move(s.waiting_ids);
      s.waiting_ids.clear();
      if (!first) {
        spdlog::error("cannot reserve producer ids: {}", first.err().to_string());
        for (auto& w : waiting) w.deliver(producer_id_reply{code(kafka_error::kafka_storage_error), -1, 0});
        return;
      }
      s.next_producer_id = *first;
      s.producer_block_end = *first + block;
      for (auto& w : waiting) {
        if (s.next_producer_id < s.producer_block_end) {
          w.deliver(producer_id_reply{0, s.next_producer_id++, 0});
        } else {
          w.deliver(producer_id_reply{code(kafka_error::kafka_storage_error), -1, 0});
        }
      }
    });
  });
  return promise;
}

}  // namespace fluxo::actors::node_impl
