// Behavior of the node actor: start-up (metadata store, cluster agent, replicas), handlers
// that call the functions of node_internal.hpp, and shutdown.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/broker/node_gate.hpp"
#include "actors/broker/node_internal.hpp"
#include "actors/cluster/etcd_kv_store.hpp"
#include "actors/cluster/local_metadata_store.hpp"
#include "storage/file.hpp"
#include "storage/log_config.hpp"

namespace fluxo::actors {
namespace node_impl {

int64_t now_ms() { return cluster::steady_now_ms(); }
node_id self_id(self_ptr self) { return self->state.options.node_id; }
bool is_internal(const std::string& topic) { return topic == consumer_offsets_topic; }

topic_reply make_reply(const std::string& name, kafka_error e, std::string msg) {
  return topic_reply{name, code(e), std::move(msg)};
}

std::function<void(std::function<void()>)> continue_in(self_ptr self) {
  node_actor me = self;
  return [me](std::function<void()> fn) {
    caf::send_as(me, me, done_atom::value, std::make_shared<node_continuation>(node_continuation{std::move(fn)}));
  };
}

namespace {

// <data-dir>/cluster.json: which cluster and node a data dir belongs to (written once joined).
struct data_dir_identity {
  std::string cluster_id;
  int32_t node_id = -1;
};

std::optional<data_dir_identity> read_identity(const std::string& dir, std::string* error) {
  auto bytes = storage::read_file(dir + "/cluster.json");
  if (!bytes) {
    if (bytes.err().sys_errno == ENOENT) return data_dir_identity{};
    *error = bytes.err().to_string();
    return std::nullopt;
  }
  try {
    auto j = nlohmann::json::parse(bytes->begin(), bytes->end());
    return data_dir_identity{j.at("cluster_id").get<std::string>(), j.at("node_id").get<int32_t>()};
  } catch (const std::exception& e) {
    *error = dir + "/cluster.json is damaged: " + e.what();
    return std::nullopt;
  }
}

std::unique_ptr<cluster::metadata_store> open_store(const node_options& o, std::string* error) {
  if (!o.clustered()) {
    auto local = std::make_unique<cluster::local_metadata_store>(o.data_dir);
    if (auto r = local->open(); !r) {
      *error = r.err().message;
      return nullptr;
    }
    return local;
  }
  std::vector<cluster::etcd_endpoint> endpoints;
  if (auto bad = cluster::parse_etcd_endpoints(o.cluster_store, endpoints)) {
    *error = "--cluster-store: " + *bad;
    return nullptr;
  }
  auto kv = std::make_shared<cluster::etcd_kv_store>(endpoints);
  return std::make_unique<cluster::kv_metadata_store>(kv, o.cluster_name);
}

// Opens the store and the agent; "" or the reason it cannot start.
std::string start(self_ptr self, const node_options& o) {
  auto& st = self->state;
  st.options = o;
  if (!o.clustered()) st.options.offsets_partitions = 1;
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) return "cannot create data dir " + o.data_dir + ": " + ec.message();
  auto lock = storage::dir_lock::acquire(o.data_dir);
  if (!lock) return lock.err().message;
  st.lock = std::move(*lock);
  std::string error;
  auto identity = read_identity(o.data_dir, &error);
  if (!identity) return error;
  if (!o.clustered() && !identity->cluster_id.empty()) {
    return "the data dir " + o.data_dir + " belongs to cluster " + identity->cluster_id + " (node " +
           std::to_string(identity->node_id) + "): start it with --cluster-store, or use another --data-dir";
  }
  if (identity->node_id >= 0 && identity->node_id != o.node_id) {
    return "the data dir " + o.data_dir + " belongs to node " + std::to_string(identity->node_id) +
           ", not node " + std::to_string(o.node_id) + "; start it with --node-id " +
           std::to_string(identity->node_id) + " or use another --data-dir";
  }
  auto store = open_store(st.options, &error);
  if (!store) return error;
  st.flusher = spawn_flusher(self->system());
  cluster::agent_settings as;
  as.self = cluster::node_record::at(o.node_id, o.host, o.port);
  as.self.kafka_host = o.kafka_host;
  as.self.kafka_port = o.kafka_port;
  as.self.http_addr = o.http_addr;
  as.self.caf_node = to_string(self->node());
  as.self.started_ms = storage::system_now_ms();
  as.lease_ttl_seconds = std::max<int64_t>(1, (o.lease_ttl_ms + 999) / 1000);
  as.controller.auto_leader_rebalance = o.auto_leader_rebalance;
  as.cluster_id = identity->cluster_id;
  cluster::agent_callbacks cb;
  node_actor me = self;
  // Sent as the node itself: node-internal messages without a sender are refused (node_gate.hpp).
  cb.on_image = [me](cluster::image_ptr img) { caf::send_as(me, me, image_atom::value, std::move(img)); };
  cb.on_session = [me](bool live) { caf::send_as(me, me, session_atom::value, live); };
  const auto dir = o.data_dir;
  const auto node = o.node_id;
  const bool clustered = o.clustered();
  cb.on_cluster_id = [dir, node, clustered](const std::string& id) {
    if (!clustered) return;
    auto text = nlohmann::json{{"cluster_id", id}, {"node_id", node}}.dump();
    if (auto r = storage::write_file_atomically(dir + "/cluster.json", text); !r) {
      spdlog::error("cannot record the cluster id in {}/cluster.json: {}", dir, r.err().to_string());
    }
  };
  st.agent = clustered ? cluster::start_threaded_agent(std::move(store), as, cb, &error)
                       : cluster::start_inline_agent(std::move(store), as, cb, &error);
  if (!st.agent) return error;
  st.started = true;
  apply_image(self, st.agent->image());
  if (!clustered && (!st.image || st.image->topics.count(consumer_offsets_topic) == 0)) {
    ensure_topic(self, consumer_offsets_topic, offsets_topic_config(st.options), [](int16_t) {});
  }
  spdlog::info("node {}: {} ({} topics) in {}", o.node_id, clustered ? "joined the cluster" : "single node",
               st.image ? st.image->topics.size() : 0, o.data_dir);
  return {};
}

template <class T>
caf::result<T> not_started() {
  return caf::make_error(caf::sec::runtime_error, "the node is starting or stopping");
}

node_info this_node(self_ptr self) {
  const auto& o = self->state.options;
  return node_info{o.node_id, o.host, o.port};
}

// ---- the node port's door (node_gate.hpp) ----------------------------------------------------

using op = security::acl_operation;
using verdict = security::node_sessions::verdict;

topic_reply refused_reply(const std::string& name, const refusal& r) { return make_reply(name, r.error, r.message); }

topic_info refused_topic(const std::string& name, const refusal& r) {
  topic_info out;
  out.name = name;
  out.error_code = code(r.error);
  return out;
}

// A logged-in client's view of a list: the node asks itself (as this process) and keeps what
// `keep` allows for the caller.
template <class T, class... Ts>
caf::result<T> filtered(self_ptr self, std::function<void(T&)> keep, Ts... xs) {
  auto promise = self->make_response_promise<T>();
  self->request(node_actor{self}, caf::infinite, xs...)
      .then(
          [=](T& value) mutable {
            keep(value);
            promise.deliver(std::move(value));
          },
          [=](caf::error& err) mutable { promise.deliver(std::move(err)); });
  return promise;
}

// A filter keeping the topics the caller may DESCRIBE.
std::function<bool(const std::string&)> may_describe_topic(self_ptr self) {
  return [gate = self->state.options.gate, key = caller_key(self)](const std::string& name) {
    return gate->check_topic(key, op::describe, name) == verdict::allowed;
  };
}

refusal cluster_only() {
  return {kafka_error::cluster_authorization_failed, "only the nodes of the cluster may ask this"};
}

// The groups a logged-in client may DESCRIBE (as Kafka's ListGroups).
caf::result<group::group_list> groups_for_caller(self_ptr self, bool local_only) {
  std::function<void(group::group_list&)> keep = [gate = self->state.options.gate, key = caller_key(self)](group::group_list& l) {
    std::erase_if(l.groups, [&](const group::group_overview& g) {
      return gate->check(key, op::describe, security::resource_type::group, g.group_id) != verdict::allowed;
    });
  };
  if (local_only) return filtered<group::group_list>(self, keep, groups_atom::value, true);
  return filtered<group::group_list>(self, keep, groups_atom::value);
}

// Metadata for a logged-in client (as Kafka's): named topics it may not DESCRIBE answer 29, the
// full list leaves them out, and missing topics are auto-created only if it may CREATE them.
caf::result<cluster_metadata> metadata_for_caller(self_ptr self, const std::vector<std::string>& names, bool all,
                                                  bool create) {
  auto may = may_describe_topic(self);
  std::vector<std::string> allowed;
  std::vector<std::string> denied;
  for (const auto& n : names) {
    if (may(n)) {
      allowed.push_back(n);
      if (create && check_create(self->state.options.gate, self, n)) create = false;
    } else {
      denied.push_back(n);
    }
  }
  std::function<void(cluster_metadata&)> keep = [=](cluster_metadata& md) {
    if (all) std::erase_if(md.topics, [&](const topic_info& t) { return !may(t.name); });
    for (const auto& n : denied) {
      topic_info t;
      t.name = n;
      t.error_code = code(kafka_error::topic_authorization_failed);
      md.topics.push_back(std::move(t));
    }
  };
  return filtered<cluster_metadata>(self, keep, metadata_atom::value, allowed, all, create);
}

}  // namespace

// `tag` is unused: CAF 0.17 keeps no argument tuple for a spawn without arguments and then
// dereferences it (undefined behaviour that UBSan reports), so the node is spawned with one.
node_actor::behavior_type node_behavior(self_ptr self, int32_t tag) {
  (void)tag;
  self->set_down_handler([=](caf::down_msg& msg) {
    if (!session_down(self, msg.source)) peer_down(self, msg.source);
  });
  auto gate = [=]() -> const node_gate& { return self->state.options.gate; };
  guard_system_messages(self, [=] { return gate() && gate()->required(); });
  self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
  auto ready = [=] { return self->state.started && !self->state.closing; };
  return {
    [=](start_atom, std::shared_ptr<const node_options> opts) -> std::string {
      if (self->state.started || !node_internal(self->state.options.gate, self)) return "already started";
      auto error = start(self, *opts);
      if (!error.empty()) {
        if (self->state.flusher) self->send_exit(self->state.flusher, caf::exit_reason::user_shutdown);
        self->quit();
      }
      return error;
    },
    [=](create_atom, const create_topic_request& req) -> caf::result<topic_reply> {
      if (!ready()) return not_started<topic_reply>();
      if (auto r = check_create(gate(), self, req.name)) return refused_reply(req.name, *r);
      return create_topic(self, req);
    },
    [=](delete_atom, const std::string& name) -> caf::result<topic_reply> {
      if (!ready()) return not_started<topic_reply>();
      if (auto r = check_topic(gate(), self, op::remove, name)) return refused_reply(name, *r);
      return delete_topic(self, name);
    },
    [=](list_atom) -> caf::result<topic_list> {
      if (!ready()) return not_started<topic_list>();
      if (auto r = check_logged_in(gate(), self)) return refusal_error(*r);
      if (!node_internal(gate(), self)) {
        return filtered<topic_list>(self, [may = may_describe_topic(self)](topic_list& l) {
          std::erase_if(l.topics, [&](const topic_info& t) { return !may(t.name); });
        }, list_atom::value);
      }
      return list_topics(self);
    },
    [=](describe_atom, const std::string& name) -> caf::result<topic_info> {
      if (!ready()) return not_started<topic_info>();
      if (auto r = check_topic(gate(), self, op::describe, name)) return refused_topic(name, *r);
      return describe_topic(self, name);
    },
    [=](alter_atom, const std::string& name, const topic_config& cfg) -> caf::result<topic_reply> {
      if (!ready()) return not_started<topic_reply>();
      if (auto r = check_topic(gate(), self, op::alter_configs, name)) return refused_reply(name, *r);
      return alter_topic(self, name, cfg);
    },
    [=](grow_atom, const std::string& name, int32_t count) -> caf::result<topic_reply> {
      if (!ready()) return not_started<topic_reply>();
      if (auto r = check_topic(gate(), self, op::alter, name)) return refused_reply(name, *r);
      return grow_topic(self, name, count);
    },
    [=](lookup_atom, const std::string& name) -> caf::result<topic_info, std::vector<partition_actor>> {
      if (!ready()) return caf::make_error(caf::sec::runtime_error, "the node is starting or stopping");
      auto& s = self->state;
      if (auto r = check_topic(gate(), self, op::describe, name)) {
        return caf::result<topic_info, std::vector<partition_actor>>(refused_topic(name, *r), std::vector<partition_actor>{});
      }
      const bool known = s.image && s.image->topics.count(name) != 0;
      if (known || !s.options.auto_create_topics || invalid_topic_name(name) || check_create(gate(), self, name)) {
        auto info = placement(self, name);
        return caf::result<topic_info, std::vector<partition_actor>>(info, leader_handles(self, name));
      }
      auto promise = self->make_response_promise<topic_info, std::vector<partition_actor>>();
      ensure_topic(self, name, s.options.default_topic, [=](int16_t) mutable {
        promise.deliver(placement(self, name), leader_handles(self, name));
      });
      return promise;
    },
    [=](producer_atom) -> caf::result<producer_id_reply> {
      if (!ready()) return not_started<producer_id_reply>();
      if (auto r = check_producer_id(gate(), self)) {
        producer_id_reply out;
        out.error_code = code(r->error);
        return out;
      }
      return next_producer_id(self);
    },
    [=](coordinator_atom, const std::string& group_id) -> caf::result<group_actor> {
      if (!ready()) return not_started<group_actor>();
      if (auto r = check_group(gate(), self, op::describe, group_id)) return refusal_error(*r);
      return coordinator_of(self, group_id, true);
    },
    [=](coordinator_atom, const std::string& group_id, bool create) -> caf::result<group_actor> {
      if (!ready()) return not_started<group_actor>();
      if (auto r = check_group(gate(), self, op::describe, group_id)) return refusal_error(*r);
      return coordinator_of(self, group_id, create);
    },
    [=](groups_atom) -> caf::result<group::group_list> {
      if (!ready()) return not_started<group::group_list>();
      if (auto r = check_logged_in(gate(), self)) return refusal_error(*r);
      if (!node_internal(gate(), self)) return groups_for_caller(self, false);
      return list_groups(self, false);
    },
    [=](groups_atom, bool local_only) -> caf::result<group::group_list> {
      if (!ready()) return not_started<group::group_list>();
      if (auto r = check_logged_in(gate(), self)) return refusal_error(*r);
      if (!node_internal(gate(), self)) return groups_for_caller(self, local_only);
      return list_groups(self, local_only);
    },
    [=](node_atom) -> caf::result<node_info> {
      if (!ready()) return not_started<node_info>();
      if (auto r = check_logged_in(gate(), self)) return refusal_error(*r);
      if (groups_ready(self)) return this_node(self);
      auto promise = self->make_response_promise<node_info>();
      self->state.waiting_ready.push_back(promise);
      return promise;
    },
    [=](cluster_atom) -> caf::result<cluster_info> {
      if (!ready()) return not_started<cluster_info>();
      if (auto r = check_logged_in(gate(), self)) return refusal_error(*r);
      return describe_cluster(self);
    },
    [=](metadata_atom, const std::vector<std::string>& names, bool all, bool create) -> caf::result<cluster_metadata> {
      if (!ready()) return not_started<cluster_metadata>();
      if (auto r = check_logged_in(gate(), self)) return refusal_error(*r);
      if (!node_internal(gate(), self)) return metadata_for_caller(self, names, all, create);
      auto answer = [=] {
        cluster_metadata out;
        out.cluster = describe_cluster(self);
        if (all) {
          for (const auto& [name, t] : self->state.image->topics) out.topics.push_back(placement(self, name));
        } else {
          for (const auto& name : names) out.topics.push_back(placement(self, name));
        }
        return out;
      };
      std::vector<std::string> missing;
      if (create && self->state.options.auto_create_topics && !all) {
        for (const auto& n : names) {
          if (!self->state.image->topics.count(n) && !invalid_topic_name(n)) missing.push_back(n);
        }
      }
      if (missing.empty()) return answer();
      auto promise = self->make_response_promise<cluster_metadata>();
      auto left = std::make_shared<std::size_t>(missing.size());
      for (const auto& n : missing) {
        ensure_topic(self, n, self->state.options.default_topic, [=](int16_t) mutable {
          if (--*left == 0) promise.deliver(answer());
        });
      }
      return promise;
    },
    [=](locate_atom, const std::string& group_id) -> caf::result<coordinator_location> {
      if (!ready()) return not_started<coordinator_location>();
      if (auto r = check_group(gate(), self, op::describe, group_id)) {
        coordinator_location out;
        out.error_code = code(r->error);
        out.error_message = r->message;
        return out;
      }
      return locate(self, group_id);
    },
    [=](replica_atom, const std::string& topic, int32_t partition) -> caf::result<partition_actor> {
      if (!node_internal(gate(), self)) return refusal_error(cluster_only());
      auto it = self->state.partitions.find({topic, partition});
      return it == self->state.partitions.end() ? partition_actor{} : it->second.actor;
    },
    [=](local_atom) -> caf::result<topic_list> {
      if (!ready()) return not_started<topic_list>();
      if (!node_internal(gate(), self)) return refusal_error(cluster_only());
      return local_stats(self);
    },
    [=](hello_atom, int32_t id) {
      if (!self->current_sender() || !node_internal(gate(), self)) {
        spdlog::warn("node {}: a hello as node {} from {}, which is not a member of the cluster: ignored", self_id(self),
                     id, caller_key(self));
        return;
      }
      peer_hello(self, id, caf::actor_cast<node_actor>(self->current_sender()));
    },
    [=](peer_atom, int32_t id) -> caf::result<caf::strong_actor_ptr> {
      if (!node_internal(gate(), self)) return refusal_error(cluster_only());
      auto promise = self->make_response_promise<caf::strong_actor_ptr>();
      with_peer(self, id, [=](node_actor peer) mutable { promise.deliver(caf::actor_cast<caf::strong_actor_ptr>(peer)); });
      return promise;
    },
    [=](auth_atom, const std::string& mechanism, const std::string& message, const caf::actor& session)
        -> caf::result<std::string> { return login_step(self, mechanism, message, session); },
    [=](reassign_atom, const reassign_request& req) -> caf::result<topic_reply> {
      if (!ready()) return not_started<topic_reply>();
      if (auto r = check_cluster(gate(), self, op::alter)) return refused_reply(req.topic, *r);
      return reassign(self, req.topic, req.partition, req.replicas);
    },
    [=](elect_atom) -> caf::result<topic_reply> {
      if (!ready()) return not_started<topic_reply>();
      if (auto r = check_cluster(gate(), self, op::alter)) return refused_reply("", *r);
      return elect_preferred(self);
    },
    [=](drain_atom, int32_t node, bool on) -> caf::result<topic_reply> {
      if (!ready()) return not_started<topic_reply>();
      if (auto r = check_cluster(gate(), self, op::alter)) return refused_reply("", *r);
      return drain(self, node, on);
    },
    [=](isr_atom, const isr_proposal& proposal) {
      if (node_internal(gate(), self)) forward_isr(self, proposal);
    },
    [=](leader_lost_atom, const std::string& topic, int32_t partition) {
      if (node_internal(gate(), self)) leader_lost(self, {topic, partition});
    },
    [=](image_atom, std::shared_ptr<const cluster::metadata_image> image) {
      if (ready()) apply_image(self, std::move(image));
    },
    [=](session_atom, bool live) {
      if (ready() && node_internal(gate(), self)) session_changed(self, live);
    },
    [=](done_atom, std::shared_ptr<node_continuation> next) {
      if (!self->state.closing) next->run();
    },
    [=](tick_atom) {
      if (!node_internal(gate(), self)) return;
      if (ready()) node_tick(self);
      self->delayed_send(self, std::chrono::milliseconds(500), tick_atom::value);
    },
    [=](close_atom) -> caf::result<bool> {
      if (!node_internal(gate(), self)) return refusal_error(cluster_only());
      auto& s = self->state;
      auto promise = self->make_response_promise<bool>();
      if (s.closing) {
        promise.deliver(false);
        return promise;
      }
      s.closing = true;
      close_all(self, [=](bool ok) mutable {
        auto& st = self->state;
        if (st.agent) st.agent->stop();  // leaves the cluster: others take over at once
        if (st.flusher) self->send_exit(st.flusher, caf::exit_reason::user_shutdown);
        promise.deliver(ok);
        self->quit();
      });
      return promise;
    },
  };
}

}  // namespace node_impl

node_actor spawn_node_actor(caf::actor_system& sys) { return sys.spawn(node_impl::node_behavior, int32_t{0}); }

std::string start_node(caf::actor_system& sys, const node_actor& node, const node_options& options) {
  caf::scoped_actor self{sys};
  std::string error = "the node did not answer";
  self->request(node, std::chrono::seconds(120), start_atom::value, std::make_shared<const node_options>(options))
      .receive([&](const std::string& e) { error = e; }, [&](caf::error& err) { error = sys.render(err); });
  return error;
}

caf::expected<node_actor> spawn_node(caf::actor_system& sys, const node_options& options) {
  auto node = spawn_node_actor(sys);
  auto error = start_node(sys, node, options);
  if (!error.empty()) return caf::make_error(caf::sec::runtime_error, error);
  return node;
}

}  // namespace fluxo::actors
