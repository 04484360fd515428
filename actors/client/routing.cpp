#include "actors/client/routing.hpp"
#include "actors/broker/node_gate.hpp"
#include "actors/broker/node_port.hpp"
#include "actors/client/login.hpp"

#include <set>
#include <spdlog/spdlog.h>

namespace fluxo::client {

using namespace fluxo::actors;

namespace {

void remember(client_core& core, const cluster_info& info) {
  std::lock_guard lock(core.members_mtx);
  core.connected_id = info.self_id;
  for (const auto& n : info.nodes) {
    auto& m = core.members[n.id];
    if (m.host != n.host || m.port != n.port) {
      m.handle = node_actor{};  // restarted elsewhere: connect again
      m.host = n.host;
      m.port = n.port;
    }
  }
}

}  // namespace

// A client attached to a broker's node (its HTTP API) uses the node's own connections to its
// peers: dialing them a second time would race with those (see with_peer in node_replicas.cpp).
bool attached(const client_core& core) { return !core.cfg; }
constexpr auto peer_lookup_timeout = std::chrono::seconds(10);
// A leader's node answers a lookup in milliseconds; one that went away never does (CAF sends no
// error for a request to a dead remote actor), and a refresh must not wait the whole request
// timeout on it while the cluster has elected another leader.
constexpr auto leader_lookup_timeout = std::chrono::milliseconds(3000);

void watch_leader(caf::event_based_actor* self, std::set<caf::actor_addr>& watched, const partition_actor& leader) {
  if (leader && watched.insert(caf::actor_cast<caf::actor_addr>(leader)).second) self->monitor(leader);
}

void leader_gone(client_core& core, std::set<caf::actor_addr>& watched, const caf::down_msg& dm) {
  watched.erase(dm.source);
  std::lock_guard lock(core.members_mtx);
  for (auto& [id, m] : core.members) {
    if (m.handle && m.handle.node() == dm.source.node() && id != core.connected_id) m.handle = node_actor{};
  }
}

void member_node(caf::event_based_actor* self, std::shared_ptr<client_core> core, int32_t id,
                 std::function<void(node_actor)> fn) {
  bool known = false;
  {
    std::lock_guard lock(core->members_mtx);
    known = core->connected_id >= 0;
  }
  if (!known) {
    // Which member is the node we connected to? Learn the cluster first.
    self->request(core->node, core->timeout, cluster_atom::value)
        .then(
            [=](const cluster_info& info) {
              remember(*core, info);
              member_node(self, core, id, fn);
            },
            [=](caf::error&) { fn(node_actor{}); });
    return;
  }
  std::string host;
  int32_t port = 0;
  {
    std::lock_guard lock(core->members_mtx);
    if (id == core->connected_id) return fn(core->node);
    auto it = core->members.find(id);
    if (it == core->members.end()) return fn(node_actor{});
    if (it->second.handle) return fn(it->second.handle);
    host = it->second.host;
    port = it->second.port;
  }
  if (attached(*core)) {
    self->request(core->node, peer_lookup_timeout, peer_atom::value, id)
        .then([=](caf::strong_actor_ptr& ptr) { fn(caf::actor_cast<node_actor>(std::move(ptr))); },
              [=](caf::error&) { fn(node_actor{}); });
    return;
  }
  auto mm = node_port_middleman(*core->sys);
  self->request(mm, std::chrono::seconds(5), caf::connect_atom::value, host, static_cast<uint16_t>(port))
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            auto handle = caf::actor_cast<node_actor>(std::move(ptr));
            // Each node needs its own login (when it asks for one).
            login_async(self, core, handle, [=](status st) {
              if (!st.ok()) {
                spdlog::warn("client: node {} at {}:{}: {}", id, host, port, st.message);
                return fn(node_actor{});
              }
              {
                std::lock_guard lock(core->members_mtx);
                auto& m = core->members[id];
                if (m.host == host && m.port == port) m.handle = handle;
              }
              fn(handle);
            });
          },
          [=](caf::error& err) {
            spdlog::debug("client: node {} at {}:{} unreachable: {}", id, host, port, self->system().render(err));
            fn(node_actor{});
          });
}

void resolve_topic(caf::event_based_actor* self, std::shared_ptr<client_core> core, const std::string& topic,
                   std::function<void(topic_route)> fn) {
  self->request(core->node, core->timeout, metadata_atom::value, std::vector<std::string>{topic}, false, true)
      .then(
          [=](cluster_metadata& md) {
            remember(*core, md.cluster);
            topic_route out;
            if (md.topics.empty()) {
              out.st = status{code(kafka_error::unknown_topic_or_partition), "topic '" + topic + "' is unknown"};
              return fn(std::move(out));
            }
            out.info = std::move(md.topics.front());
            if (out.info.error_code != 0) {
              out.st = status{out.info.error_code, "topic '" + topic + "': " + std::string(kafka_error_name(out.info.error_code))};
              return fn(std::move(out));
            }
            out.partitions.resize(out.info.partitions.size());
            std::set<int32_t> leaders;
            for (const auto& p : out.info.partitions) {
              if (p.leader_node >= 0) leaders.insert(p.leader_node);
            }
            auto result = std::make_shared<topic_route>(std::move(out));
            auto pending = std::make_shared<std::size_t>(leaders.size());
            if (leaders.empty()) return fn(std::move(*result));
            for (auto leader : leaders) {
              member_node(self, core, leader, [=](node_actor node) {
                auto finish = [=] {
                  if (--*pending == 0) fn(std::move(*result));
                };
                if (!node) return finish();
                self->request(node, std::min<std::chrono::milliseconds>(core->timeout, leader_lookup_timeout),
                              lookup_atom::value, topic)
                    .then(
                        [=](const topic_info&, const std::vector<partition_actor>& parts) {
                          for (std::size_t i = 0; i < result->info.partitions.size() && i < parts.size(); ++i) {
                            if (result->info.partitions[i].leader_node == leader && parts[i]) result->partitions[i] = parts[i];
                          }
                          finish();
                        },
                        [=](caf::error&) {
                          {
                            std::lock_guard lock(core->members_mtx);
                            if (leader != core->connected_id) core->members[leader].handle = node_actor{};
                          }
                          finish();
                        });
              });
            }
          },
          [=](caf::error& err) {
            topic_route out;
            out.st = transport_error(self->system(), err);
            fn(std::move(out));
          });
}

void find_coordinator(caf::event_based_actor* self, std::shared_ptr<client_core> core, const std::string& group_id,
                      bool create, std::function<void(caf::expected<group_actor>)> fn) {
  self->request(core->node, core->timeout, locate_atom::value, group_id)
      .then(
          [=](const coordinator_location& loc) {
            if (loc.error_code != 0) {
              return fn(refusal_error({static_cast<kafka_error>(loc.error_code),
                                       std::string(kafka_error_name(loc.error_code)) + ": " + loc.error_message}));
            }
            {
              std::lock_guard lock(core->members_mtx);
              auto& m = core->members[loc.node_id];
              if (m.host != loc.host || m.port != loc.port) {
                m.host = loc.host;
                m.port = loc.port;
                m.handle = node_actor{};
              }
            }
            member_node(self, core, loc.node_id, [=](node_actor node) {
              if (!node) return fn(caf::make_error(caf::sec::cannot_connect_to_node, "coordinator node unreachable"));
              self->request(node, core->timeout, coordinator_atom::value, group_id, create)
                  .then([=](const group_actor& g) { fn(g); }, [=](caf::error& err) { fn(std::move(err)); });
            });
          },
          [=](caf::error& err) { fn(std::move(err)); });
}

caf::expected<group_actor> find_coordinator_blocking(client_core& core, const std::string& group_id, bool create) {
  caf::scoped_actor self{*core.sys};
  caf::expected<group_actor> out = caf::make_error(caf::sec::request_timeout);
  coordinator_location loc;
  bool located = false;
  self->request(core.node, core.timeout, locate_atom::value, group_id)
      .receive([&](const coordinator_location& l) { loc = l; located = true; },
               [&](caf::error& err) { out = std::move(err); });
  if (!located) return out;
  if (loc.error_code != 0) {
    return refusal_error({static_cast<kafka_error>(loc.error_code),
                          std::string(kafka_error_name(loc.error_code)) + ": " + loc.error_message});
  }
  if (core.connected_id < 0) {
    self->request(core.node, core.timeout, cluster_atom::value)
        .receive([&](const cluster_info& info) { remember(core, info); }, [](caf::error&) {});
  }
  node_actor node;
  {
    std::lock_guard lock(core.members_mtx);
    if (loc.node_id == core.connected_id) {
      node = core.node;
    } else {
      auto& m = core.members[loc.node_id];
      if (m.handle && m.host == loc.host && m.port == loc.port) node = m.handle;
    }
  }
  if (!node && attached(core)) {
    self->request(core.node, peer_lookup_timeout, peer_atom::value, loc.node_id)
        .receive([&](caf::strong_actor_ptr& ptr) { node = caf::actor_cast<node_actor>(std::move(ptr)); },
                 [](caf::error&) {});
    if (!node) return caf::make_error(caf::sec::cannot_connect_to_node, "coordinator node unreachable");
  }
  if (!node) {
    auto remote = connect_node_port(*core.sys, loc.host, static_cast<uint16_t>(loc.port));
    if (!remote) return remote.error();
    node = *remote;
    if (auto st = login_blocking(core, node); !st.ok()) {
      return caf::make_error(caf::sec::cannot_connect_to_node, "coordinator node: " + st.message);
    }
    std::lock_guard lock(core.members_mtx);
    auto& m = core.members[loc.node_id];
    m.host = loc.host;
    m.port = loc.port;
    m.handle = node;
  }
  self->request(node, core.timeout, coordinator_atom::value, group_id, create)
      .receive([&](const group_actor& g) { out = g; }, [&](caf::error& err) { out = std::move(err); });
  return out;
}

}  // namespace fluxo::client
