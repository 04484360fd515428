// Behavior of the node (metadata) actor: the topic registry and the entry point for clients.
#include <algorithm>
#include <caf/all.hpp>
#include <filesystem>
#include <map>
#include <random>
#include <spdlog/spdlog.h>

#include "actors/group/consumer_group.hpp"
#include "actors/group/group_records.hpp"
#include "actors/broker/group_actor.hpp"
#include "actors/broker/partition_actor.hpp"
#include "actors/partition/partition_state.hpp"
#include "actors/broker/node_actor.hpp"
#include "actors/broker/topic_actor.hpp"
#include "actors/cluster/topic_registry.hpp"

namespace fluxo::actors {
namespace {

constexpr auto request_timeout = std::chrono::seconds(30);

group::group_list sorted(group::group_list list) {
  std::sort(list.groups.begin(), list.groups.end(),
            [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
  return list;
}

struct node_state {
  node_options options;
  std::unique_ptr<topic_registry> registry;
  std::unique_ptr<producer_id_allocator> producer_ids;
  std::map<std::string, topic_actor> topics;
  flusher_actor flusher;
  std::map<std::string, group_actor> groups;
  std::vector<partition_actor> offsets_partitions;  // of __consumer_offsets
  topic_counts counts;                              // partitions per topic, for groups
  std::mt19937_64 rng{std::random_device{}()};
  bool closing = false;
  static inline const char* name = "fluxo.node";
};

using self_ptr = node_actor::stateful_pointer<node_state>;

topic_reply make_reply(const std::string& name, kafka_error e = kafka_error::none, std::string msg = {}) {
  return topic_reply{name, code(e), std::move(msg)};
}

bool is_internal(const std::string& name) { return name == consumer_offsets_topic; }

void broadcast_counts(self_ptr self) {
  for (auto& [id, g] : self->state.groups) caf::anon_send(g, partitions_atom::value, self->state.counts);
}

// Spawns the partition actors and the topic actor of an opened topic.
std::vector<partition_actor> start_topic(self_ptr self, const std::string& name, const topic_config& cfg,
                                         std::vector<std::shared_ptr<partition_state>> states) {
  auto& st = self->state;
  std::vector<partition_actor> parts;
  for (auto& ps : states) parts.push_back(spawn_partition(self->system(), ps, st.flusher, st.options.tick_ms));
  st.topics[name] = spawn_topic(self->system(), st.options, name, cfg, parts, st.flusher);
  if (!is_internal(name)) st.counts.counts[name] = cfg.partitions;
  if (is_internal(name)) st.offsets_partitions = parts;
  return parts;
}

topic_config offsets_topic_config() {
  topic_config cfg;
  cfg.partitions = 1;
  cfg.cleanup_policy = "compact";
  cfg.retention_ms = -1;
  cfg.segment_bytes = 64LL << 20;
  return cfg;
}

// Reads every group record of __consumer_offsets (before its actors exist), by group.
std::map<std::string, std::vector<group::group_record>> read_group_records(
    const std::vector<std::shared_ptr<partition_state>>& parts) {
  std::map<std::string, std::vector<group::group_record>> out;
  for (auto& ps : parts) {
    auto& log = ps->log();
    int64_t offset = log.log_start_offset();
    while (offset < log.log_end_offset()) {
      auto r = log.read(offset, 4 << 20);
      if (!r || r->bytes.empty()) {
        if (!r) spdlog::error("reading __consumer_offsets at {}: {}", offset, r.err().to_string());
        break;
      }
      storage::batch_cursor cursor(r->bytes);
      while (auto b = cursor.next()) {
        auto decoded = storage::for_each_record(b->second, [&](const storage::record_view& rv) {
          if (!rv.key) return true;
          group::bytes key(rv.key->begin(), rv.key->end());
          std::optional<group::bytes> value;
          if (rv.value) value = group::bytes(rv.value->begin(), rv.value->end());
          if (auto rec = group::decode_record(key, value)) out[group::record_group(*rec)].push_back(std::move(*rec));
          return true;
        });
        if (!decoded) spdlog::error("skipping an undecodable batch of __consumer_offsets: {}", decoded.err().to_string());
      }
      offset = r->next_offset;
    }
  }
  return out;
}

group_actor start_group(self_ptr self, const std::string& id, const std::vector<group::group_record>& history) {
  auto& st = self->state;
  auto core = std::make_shared<group::consumer_group>(id, group::group_config{}, group::member_id_generator{st.rng()});
  for (const auto& rec : history) core->replay(rec);
  auto g = spawn_group(self->system(), core, st.offsets_partitions.at(0), st.counts);
  st.groups[id] = g;
  return g;
}

// A group's coordinator; an unknown group is created with `create`, else answered with an
// invalid handle.
caf::result<group_actor> coordinator_of(self_ptr self, const std::string& group_id, bool create) {
  auto& s = self->state;
  if (group_id.empty()) return caf::make_error(caf::sec::invalid_argument, "empty group id");
  if (auto it = s.groups.find(group_id); it != s.groups.end()) return it->second;
  if (!create) return group_actor{};
  if (s.offsets_partitions.empty() || s.closing) return caf::make_error(caf::sec::runtime_error, "coordinator not available");
  spdlog::info("[group {}] created", group_id);
  return start_group(self, group_id, {});
}

// Creates a topic now: opens its logs, spawns its actor, persists the registry.
topic_reply create_topic(self_ptr self, const create_topic_request& req) {
  auto& st = self->state;
  if (auto bad = invalid_topic_name(req.name)) return make_reply(req.name, kafka_error::invalid_topic_exception, *bad);
  if (st.topics.count(req.name) != 0) {
    return make_reply(req.name, kafka_error::topic_already_exists, "topic '" + req.name + "' already exists");
  }
  if (auto bad = invalid_topic_config(req.config)) {
    auto e = req.config.partitions < 1 ? kafka_error::invalid_partitions : kafka_error::invalid_config;
    return make_reply(req.name, e, *bad);
  }
  if (req.validate_only) return make_reply(req.name);
  auto opened = open_partitions(st.options.data_dir, req.name, req.config, 0, req.config.partitions);
  if (!opened) return make_reply(req.name, kafka_error::kafka_storage_error, opened.err().to_string());
  start_topic(self, req.name, req.config, std::move(*opened));
  broadcast_counts(self);
  st.registry->put(req.name, req.config);
  if (auto r = st.registry->save(); !r) {
    spdlog::error("could not persist topics.json: {}", r.err().to_string());
    return make_reply(req.name, kafka_error::kafka_storage_error, r.err().to_string());
  }
  spdlog::info("[{}] created with {} partitions", req.name, req.config.partitions);
  return make_reply(req.name);
}

node_actor::behavior_type node_behavior(self_ptr self, node_options options,
                                        std::shared_ptr<std::map<std::string, topic_config>> loaded) {
  auto& st = self->state;
  st.options = std::move(options);
  st.registry = std::make_unique<topic_registry>(st.options.data_dir);
  st.producer_ids = std::make_unique<producer_id_allocator>(st.options.data_dir);
  st.flusher = spawn_flusher(self->system());
  std::map<std::string, std::vector<group::group_record>> group_history;
  for (const auto& [name, cfg] : *loaded) {
    auto opened = open_partitions(st.options.data_dir, name, cfg, 0, cfg.partitions);
    if (!opened) {
      spdlog::error("[{}] cannot open its partitions: {}; the topic is unavailable", name, opened.err().to_string());
      continue;
    }
    if (is_internal(name)) group_history = read_group_records(*opened);
    start_topic(self, name, cfg, std::move(*opened));
    st.registry->put(name, cfg);
  }
  if (st.offsets_partitions.empty()) {
    auto reply = create_topic(self, create_topic_request{consumer_offsets_topic, offsets_topic_config(), false});
    if (reply.error_code != 0) spdlog::error("cannot create {}: {}", consumer_offsets_topic, reply.error_message);
  }
  if (!st.offsets_partitions.empty()) {
    for (const auto& [id, history] : group_history) start_group(self, id, history);
  }
  spdlog::info("node {}: {} topics and {} consumer groups loaded from {}", st.options.node_id, st.topics.size(),
               st.groups.size(), st.options.data_dir);
  return {
    [=](create_atom, const create_topic_request& req) { return create_topic(self, req); },
    [=](delete_atom, const std::string& name) -> caf::result<topic_reply> {
      auto& s = self->state;
      auto it = s.topics.find(name);
      if (it == s.topics.end()) {
        return make_reply(name, kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist");
      }
      if (is_internal(name)) {
        return make_reply(name, kafka_error::policy_violation, "internal topic " + name + " cannot be deleted");
      }
      auto topic = it->second;
      s.topics.erase(it);  // unreachable from now on
      s.counts.counts.erase(name);
      broadcast_counts(self);
      for (auto& [id, g] : s.groups) caf::anon_send(g, topic_gone_atom::value, name);
      auto partitions = s.registry->topics().at(name).partitions;
      auto promise = self->make_response_promise<topic_reply>();
      self->request(topic, request_timeout, close_atom::value)
          .then(
              [=](bool) mutable {
                std::error_code ec;
                for (int32_t p = 0; p < partitions; ++p) {
                  std::filesystem::remove_all(self->state.options.data_dir + "/" + partition_id{name, p}.dir_name(), ec);
                }
                self->state.registry->erase(name);
                if (auto r = self->state.registry->save(); !r) {
                  promise.deliver(make_reply(name, kafka_error::kafka_storage_error, r.err().to_string()));
                  return;
                }
                spdlog::info("[{}] deleted", name);
                promise.deliver(make_reply(name));
              },
              [=](caf::error& err) mutable {
                promise.deliver(make_reply(name, kafka_error::request_timed_out, self->system().render(err)));
              });
      return promise;
    },
    [=](list_atom) -> caf::result<topic_list> {
      auto& s = self->state;
      if (s.topics.empty()) return topic_list{};
      auto promise = self->make_response_promise<topic_list>();
      auto out = std::make_shared<std::vector<topic_info>>();
      auto pending = std::make_shared<size_t>(s.topics.size());
      for (auto& [name, topic] : s.topics) {
        auto topic_name = name;
        self->request(topic, request_timeout, describe_atom::value)
            .then(
                [=](topic_info& info) mutable {
                  info.internal = is_internal(info.name);
                  out->push_back(std::move(info));
                  if (--*pending == 0) promise.deliver(topic_list{std::move(*out)});
                },
                [=](caf::error&) mutable {
                  topic_info info;
                  info.name = topic_name;
                  info.error_code = code(kafka_error::request_timed_out);
                  out->push_back(std::move(info));
                  if (--*pending == 0) promise.deliver(topic_list{std::move(*out)});
                });
      }
      return promise;
    },
    [=](describe_atom, const std::string& name) -> caf::result<topic_info> {
      auto it = self->state.topics.find(name);
      if (it == self->state.topics.end()) {
        topic_info info;
        info.name = name;
        info.error_code = code(kafka_error::unknown_topic_or_partition);
        return info;
      }
      return self->delegate(it->second, describe_atom::value);
    },
    [=](alter_atom, const std::string& name, const topic_config& cfg) -> caf::result<topic_reply> {
      auto& s = self->state;
      auto it = s.topics.find(name);
      if (it == s.topics.end()) return make_reply(name, kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist");
      if (auto bad = invalid_topic_config(cfg)) return make_reply(name, kafka_error::invalid_config, *bad);
      auto current = s.registry->topics().at(name);
      if (cfg.partitions != current.partitions) {
        return make_reply(name, kafka_error::invalid_config, "change partitions with grow (CreatePartitions)");
      }
      s.registry->put(name, cfg);
      if (auto r = s.registry->save(); !r) return make_reply(name, kafka_error::kafka_storage_error, r.err().to_string());
      return self->delegate(it->second, alter_atom::value, cfg);
    },
    [=](grow_atom, const std::string& name, int32_t count) -> caf::result<topic_reply> {
      auto it = self->state.topics.find(name);
      if (it == self->state.topics.end()) {
        return make_reply(name, kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist");
      }
      auto promise = self->make_response_promise<topic_reply>();
      self->request(it->second, request_timeout, grow_atom::value, count)
          .then(
              [=](topic_reply& reply) mutable {
                if (reply.error_code == 0) {
                  auto cfg = self->state.registry->topics().at(name);
                  cfg.partitions = count;
                  self->state.registry->put(name, cfg);
                  self->state.counts.counts[name] = count;
                  broadcast_counts(self);
                  if (auto r = self->state.registry->save(); !r) {
                    reply = make_reply(name, kafka_error::kafka_storage_error, r.err().to_string());
                  }
                }
                promise.deliver(reply);
              },
              [=](caf::error& err) mutable {
                promise.deliver(make_reply(name, kafka_error::request_timed_out, self->system().render(err)));
              });
      return promise;
    },
    [=](lookup_atom, const std::string& name) -> caf::result<topic_info, std::vector<partition_actor>> {
      auto& s = self->state;
      auto it = s.topics.find(name);
      if (it == s.topics.end() && s.options.auto_create_topics && !s.closing && !invalid_topic_name(name)) {
        auto reply = create_topic(self, create_topic_request{name, s.options.default_topic, false});
        if (reply.error_code != 0) spdlog::warn("[{}] auto-create failed: {}", name, reply.error_message);
        it = s.topics.find(name);
      }
      if (it == s.topics.end()) {
        topic_info info;
        info.name = name;
        info.error_code = code(invalid_topic_name(name) ? kafka_error::invalid_topic_exception
                                                        : kafka_error::unknown_topic_or_partition);
        return caf::result<topic_info, std::vector<partition_actor>>(info, std::vector<partition_actor>{});
      }
      return self->delegate(it->second, lookup_atom::value);
    },
    [=](coordinator_atom, const std::string& group_id, bool create) { return coordinator_of(self, group_id, create); },
    [=](coordinator_atom, const std::string& group_id) { return coordinator_of(self, group_id, true); },
    [=](groups_atom) -> caf::result<group::group_list> {
      auto& s = self->state;
      if (s.groups.empty()) return group::group_list{};
      auto promise = self->make_response_promise<group::group_list>();
      auto out = std::make_shared<group::group_list>();
      auto pending = std::make_shared<size_t>(s.groups.size());
      for (auto& [id, g] : s.groups) {
        self->request(g, request_timeout, describe_atom::value)
            .then(
                [=](const group::group_description& d) mutable {
                  if (d.state != group::group_state::dead) {
                    out->groups.push_back({d.group_id, d.protocol_type, d.state, static_cast<int32_t>(d.members.size())});
                  }
                  if (--*pending == 0) promise.deliver(sorted(std::move(*out)));
                },
                [=](caf::error&) mutable {
                  if (--*pending == 0) promise.deliver(sorted(std::move(*out)));
                });
      }
      return promise;
    },
    [=](producer_atom) {
      producer_id_reply reply;
      auto id = self->state.producer_ids->next();
      if (!id) {
        reply.error_code = code(kafka_error::kafka_storage_error);
      } else {
        reply.producer_id = *id;
      }
      return reply;
    },
    [=](node_atom) {
      const auto& o = self->state.options;
      return node_info{o.node_id, o.host, o.port};
    },
    [=](close_atom) -> caf::result<bool> {
      auto& s = self->state;
      s.closing = true;
      auto promise = self->make_response_promise<bool>();
      auto pending = std::make_shared<size_t>(s.topics.size());
      auto ok = std::make_shared<bool>(true);
      for (auto& [id, g] : s.groups) self->send_exit(g, caf::exit_reason::user_shutdown);
      s.groups.clear();
      auto finish = [=]() mutable {
        self->send_exit(self->state.flusher, caf::exit_reason::user_shutdown);
        promise.deliver(*ok);
        self->quit();
      };
      if (*pending == 0) {
        finish();
        return promise;
      }
      for (auto& [name, topic] : s.topics) {
        self->request(topic, request_timeout, close_atom::value)
            .then(
                [=](bool closed) mutable {
                  *ok = *ok && closed;
                  if (--*pending == 0) finish();
                },
                [=](caf::error&) mutable {
                  *ok = false;
                  if (--*pending == 0) finish();
                });
      }
      s.topics.clear();
      return promise;
    },
  };
}

}  // namespace

caf::expected<node_actor> spawn_node(caf::actor_system& sys, const node_options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return caf::make_error(caf::sec::runtime_error, "cannot create data dir " + options.data_dir + ": " + ec.message());
  topic_registry registry(options.data_dir);
  if (auto r = registry.load(); !r) return caf::make_error(caf::sec::runtime_error, r.err().to_string());
  auto loaded = std::make_shared<std::map<std::string, topic_config>>(registry.topics());
  return sys.spawn(node_behavior, options, loaded);
}


}  // namespace fluxo::actors
