// The node's replicas follow its metadata image: open the partitions assigned here, give each
// its role (for a follower, with the leader's partition actor from the leader's node), retire
// what moved away, keep topic actors current, and gather log statistics across nodes.
#include <filesystem>
#include <spdlog/spdlog.h>

#include "actors/broker/node_internal.hpp"
#include "actors/security/node_sessions.hpp"
#include "actors/broker/node_port.hpp"
#include "actors/cluster/topic_rules.hpp"
#include "actors/partition/partition_state.hpp"

namespace fluxo::actors::node_impl {

namespace {

constexpr auto stats_timeout = std::chrono::seconds(3);

partition_settings settings_for(self_ptr self) {
  auto& st = self->state;
  partition_settings s;
  s.tick_ms = st.options.tick_ms;
  s.replica_lag_max_ms = st.options.replica_lag_max_ms;
  s.gate = st.options.gate;
  if (st.options.clustered()) {
    auto deadline = st.agent->lease_deadline();
    auto generation = st.agent->session_generation();
    s.may_lead = [deadline, generation](int64_t session) {
      return session == generation->load() && cluster::steady_now_ms() < deadline->load();
    };
  }
  return s;
}

// The role this node gives its replica now: while the session is lost it leads nothing, and a
// leadership carries the session it was given in.
partition_role effective_role(self_ptr self, partition_role role) {
  if (!self->state.session_live && role.leader == role.self) role.leader = -1;
  role.session = self->state.agent ? self->state.agent->session_generation()->load() : 0;
  return role;
}

void send_role(self_ptr self, local_partition& lp, const partition_role& role, replica_source source) {
  lp.role = role;
  lp.role_sent = true;
  self->send(lp.actor, role_atom::value, role, std::move(source));
}

void resolve_leader(self_ptr self, const partition_key& key);

void update_role(self_ptr self, const partition_key& key, const partition_role& planned) {
  auto& lp = self->state.partitions.at(key);
  auto role = effective_role(self, planned);
  const bool follower = role.leader >= 0 && role.leader != role.self;
  if (!follower) {
    if (!lp.role_sent || lp.role != role) send_role(self, lp, role, replica_source{});
    lp.source = replica_source{};
    lp.source_node = -1;
    return;
  }
  if (lp.source && lp.source_node == role.leader) {
    if (!lp.role_sent || lp.role != role) send_role(self, lp, role, lp.source);
    return;
  }
  // A new leader: stop fetching from the old one now, fetch from the new one once found.
  if (!lp.role_sent || lp.role != role) send_role(self, lp, role, replica_source{});
  lp.source = replica_source{};
  lp.source_node = -1;
  resolve_leader(self, key);
}

void resolve_leader(self_ptr self, const partition_key& key) {
  auto it = self->state.partitions.find(key);
  if (it == self->state.partitions.end() || it->second.resolving) return;
  auto leader = it->second.role.leader;
  if (leader < 0 || leader == self_id(self)) return;
  it->second.resolving = true;
  with_peer(self, leader, [=](node_actor peer) {
    auto lp = self->state.partitions.find(key);
    if (lp == self->state.partitions.end()) return;
    if (!peer) {
      lp->second.resolving = false;
      return;  // retried by the tick
    }
    self->request(peer, peer_timeout, replica_atom::value, key.topic, key.partition)
        .then(
            [=](const partition_actor& handle) {
              auto l = self->state.partitions.find(key);
              if (l == self->state.partitions.end()) return;
              l->second.resolving = false;
              if (!handle || l->second.role.leader != leader) return;
              l->second.source = handle;
              l->second.source_node = leader;
              send_role(self, l->second, l->second.role, handle);
            },
            [=](caf::error& err) {
              spdlog::warn("[{}] cannot reach the leader on node {}: {}", key.to_string(), leader, self->system().render(err));
              auto l = self->state.partitions.find(key);
              if (l != self->state.partitions.end()) l->second.resolving = false;
            });
  });
}

bool open_replica(self_ptr self, const cluster::local_replica& r) {
  auto& st = self->state;
  auto opened = open_partitions(st.options.data_dir, r.key.topic, r.config, r.key.partition, r.key.partition + 1);
  if (!opened) {
    spdlog::error("[{}] cannot open its log: {}; this replica is unavailable", r.key.to_string(),
                  opened.err().to_string());
    return false;
  }
  auto& lp = st.partitions[r.key];
  lp.core = opened->front();
  lp.actor = spawn_partition(self->system(), lp.core, st.flusher, settings_for(self), replica_node{self});
  return true;
}

// The replica is no longer assigned here: close it and remove its data.
void retire(self_ptr self, const partition_key& key, partition_actor actor) {
  const auto dir = self->state.options.data_dir + "/" + partition_id{key.topic, key.partition}.dir_name();
  auto remove = [dir, key] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) spdlog::error("[{}] could not remove {}: {}", key.to_string(), dir, ec.message());
  };
  spdlog::info("[{}] no longer assigned to this node: closing and removing its data", key.to_string());
  self->request(actor, std::chrono::seconds(30), close_atom::value)
      .then([=](bool) { remove(); }, [=](caf::error&) { remove(); });
}

void sync_topic_actors(self_ptr self) {
  auto& st = self->state;
  std::map<std::string, std::vector<partition_actor>> handles;
  for (const auto& [key, lp] : st.partitions) {
    auto t = st.image->topics.find(key.topic);
    if (t == st.image->topics.end()) continue;
    auto& v = handles[key.topic];
    v.resize(static_cast<std::size_t>(t->second.config.partitions));
    if (key.partition < t->second.config.partitions) v[static_cast<std::size_t>(key.partition)] = lp.actor;
  }
  for (auto it = st.topics.begin(); it != st.topics.end();) {
    if (handles.count(it->first)) {
      ++it;
      continue;
    }
    caf::anon_send(it->second, close_atom::value);
    st.topic_configs.erase(it->first);
    it = st.topics.erase(it);
  }
  for (auto& [name, parts] : handles) {
    const auto& cfg = st.image->topics.at(name).config;
    auto t = st.topics.find(name);
    if (t == st.topics.end()) {
      st.topics[name] = spawn_topic(self->system(), name, cfg, parts);
      st.topic_configs[name] = cfg;
      continue;
    }
    if (st.topic_configs[name] != cfg) {
      caf::anon_send(t->second, alter_atom::value, cfg);
      st.topic_configs[name] = cfg;
    }
    self->send(t->second, partitions_atom::value, parts, cfg);
  }
}

void update_counts(self_ptr self) {
  topic_counts counts;
  for (const auto& [name, t] : self->state.image->topics) {
    if (!is_internal(name)) counts.counts[name] = t.config.partitions;
  }
  if (counts.counts != self->state.counts.counts) {
    self->state.counts = std::move(counts);
    broadcast_counts(self);
  }
}

}  // namespace

const cluster::node_record* member(self_ptr self, node_id id) {
  const auto& img = self->state.image;
  if (!img) return nullptr;
  auto it = img->nodes.find(id);
  return it == img->nodes.end() ? nullptr : &it->second;
}

void apply_image(self_ptr self, cluster::image_ptr image) {
  auto& st = self->state;
  if (!image) return;
  auto previous = st.image;
  st.image = image;
  if (st.options.gate) {
    // Peers are recognised on the node port by the node ids they registered.
    std::set<std::string> members;
    for (const auto& [id, n] : image->nodes) {
      if (id != self_id(self) && !n.caf_node.empty()) members.insert(n.caf_node);
    }
    st.options.gate->set_members(std::move(members));
  }
  for (const auto& problem : image->problems) spdlog::warn("cluster metadata: {}", problem);
  const auto self_node = self_id(self);
  auto plan = cluster::plan_local_replicas(*image, self_node);
  std::set<partition_key> wanted;
  for (const auto& r : plan) {
    if (!st.partitions.count(r.key) && !open_replica(self, r)) continue;
    wanted.insert(r.key);
    update_role(self, r.key, r.role);
  }
  // Retire what moved away or was deleted, never on an image that knows no cluster (a store
  // that was wiped must not wipe the data).
  const bool trustworthy = !image->cluster_id.empty();
  for (auto it = st.partitions.begin(); it != st.partitions.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    const bool topic_now = image->topics.count(it->first.topic) != 0;
    const bool topic_before = previous && previous->topics.count(it->first.topic) != 0;
    if (!trustworthy || (!topic_now && !topic_before)) {
      ++it;
      continue;
    }
    retire(self, it->first, it->second.actor);
    it = st.partitions.erase(it);
  }
  sync_topic_actors(self);
  update_counts(self);
  if (previous) {
    for (const auto& [name, t] : previous->topics) {
      if (image->topics.count(name)) continue;
      for (auto& [id, g] : st.groups) self->send(g, topic_gone_atom::value, name);  // drop its offsets
    }
  }
  // Group coordinators live on the leaders of __consumer_offsets partitions.
  for (const auto& [key, lp] : st.partitions) {
    if (key.topic != consumer_offsets_topic) continue;
    offsets_leadership(self, key.partition, lp.role.leader == self_node && st.session_live);
  }
  for (auto it = st.offsets.begin(); it != st.offsets.end();) {
    auto lp = st.partitions.find({consumer_offsets_topic, it->first});
    if (lp == st.partitions.end()) {
      auto p = it->first;
      ++it;
      offsets_leadership(self, p, false);
    } else {
      ++it;
    }
  }
  check_pending(self);
  if (groups_ready(self)) {
    const auto& o = st.options;
    for (auto& p : st.waiting_ready) p.deliver(node_info{o.node_id, o.host, o.port});
    st.waiting_ready.clear();
  }
}

void session_changed(self_ptr self, bool live) {
  auto& st = self->state;
  st.session_live = live;
  spdlog::warn("node {}: cluster session {}", self_id(self), live ? "renewed" : "lost: leading nothing until renewed");
  if (st.image) apply_image(self, st.image);
}

void leader_lost(self_ptr self, const partition_key& key) {
  auto it = self->state.partitions.find(key);
  if (it == self->state.partitions.end()) return;
  it->second.source = replica_source{};
  it->second.source_node = -1;
  resolve_leader(self, key);
}

void forward_isr(self_ptr self, const isr_proposal& proposal) {
  auto& st = self->state;
  const partition_key key{proposal.topic, proposal.partition};
  auto post = continue_in(self);
  const auto me = self_id(self);
  st.agent->submit([=](cluster::metadata_store& store, const cluster::metadata_image& image) {
    isr_outcome outcome;
    const auto* current = image.partition(key);
    if (current && current->leader == me && current->leader_epoch == proposal.leader_epoch) {
      auto next = *current;
      next.isr = proposal.isr;
      auto written = store.update_partition(key, next, proposal.expected_version);
      if (written && *written > 0) {
        outcome.applied = true;
        outcome.version = *written;
        outcome.isr = proposal.isr;
      } else if (!written) {
        spdlog::warn("[{}] ISR change not written: {}", key.to_string(), written.err().to_string());
      }
    }
    post([=] {
      auto it = self->state.partitions.find(key);
      if (it != self->state.partitions.end()) self->send(it->second.actor, isr_atom::value, outcome);
    });
  });
}

void node_tick(self_ptr self) {
  for (auto& [key, lp] : self->state.partitions) {
    const bool follower = lp.role.leader >= 0 && lp.role.leader != lp.role.self;
    if (follower && !lp.source && !lp.resolving) resolve_leader(self, key);
  }
  tend_peers(self);
  expire_logins(self);
  check_pending(self);
}

// ---- peers --------------------------------------------------------------------------------

// Exactly one connection between two nodes: the node with the lower id dials and then says
// hello; the other waits for that (up to peer_wait_ms, then its requests fail and are retried
// like any unreachable peer's). When both dial at once, CAF closes one connection as redundant,
// and with TLS on the node port that raced into both connections closing again and again.
namespace {
constexpr int64_t peer_wait_ms = 3000;
bool dials(self_ptr self, node_id id) { return self_id(self) < id; }
}  // namespace

void with_peer(self_ptr self, node_id id, std::function<void(node_actor)> fn) {
  if (id == self_id(self)) return fn(node_actor{self});
  const auto* rec = member(self, id);
  if (!rec) return fn(node_actor{});
  auto& peer = self->state.peers[id];
  if (!dials(self, id)) {
    if (peer.handle) return fn(peer.handle);  // from its hello; cleared when it goes down
    if (peer.waiting.empty()) peer.waiting_since_ms = now_ms();
    peer.waiting.push_back(std::move(fn));
    return;
  }
  if (peer.handle && peer.host == rec->host && peer.port == rec->port) return fn(peer.handle);
  if (peer.host != rec->host || peer.port != rec->port) {
    peer.handle = node_actor{};  // restarted elsewhere
    peer.host = rec->host;
    peer.port = rec->port;
  }
  peer.waiting.push_back(std::move(fn));
  if (peer.connecting || now_ms() < peer.retry_at_ms) {
    if (!peer.connecting) {
      auto waiting = std::move(peer.waiting);
      peer.waiting.clear();
      for (auto& w : waiting) w(node_actor{});
    }
    return;
  }
  peer.connecting = true;
  auto mm = node_port_middleman(self->system());
  const auto host = rec->host;
  const auto port = static_cast<uint16_t>(rec->port);
  auto finish = [=](node_actor handle) {
    auto& p = self->state.peers[id];
    p.connecting = false;
    if (handle) {
      spdlog::info("node {}: connected to node {} at {}:{}", self_id(self), id, host, port);
      p.handle = handle;
      self->monitor(handle);
      self->send(handle, hello_atom::value, self_id(self));
    } else {
      p.retry_at_ms = now_ms() + 500;
    }
    auto waiting = std::move(p.waiting);
    p.waiting.clear();
    for (auto& w : waiting) w(handle);
  };
  self->request(mm, peer_timeout, caf::connect_atom::value, host, port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            if (!ptr) {
              spdlog::warn("node {}: {}:{} has no published actor", id, host, port);
              return finish(node_actor{});
            }
            finish(caf::actor_cast<node_actor>(std::move(ptr)));
          },
          [=](caf::error& err) {
            spdlog::warn("node {}: cannot reach {}:{}: {}", id, host, port, self->system().render(err));
            finish(node_actor{});
          });
}

void peer_hello(self_ptr self, node_id id, node_actor handle) {
  if (!handle || id == self_id(self) || dials(self, id)) return;
  auto& p = self->state.peers[id];
  if (p.handle == handle) return;
  spdlog::info("node {}: node {} connected", self_id(self), id);
  p.handle = handle;
  self->monitor(handle);
  auto waiting = std::move(p.waiting);
  p.waiting.clear();
  p.waiting_since_ms = 0;
  for (auto& w : waiting) w(handle);
}

namespace {
bool logins_required(self_ptr self) { return self->state.options.gate && self->state.options.gate->required(); }
}  // namespace

void tend_peers(self_ptr self) {
  const auto& img = self->state.image;
  if (!img) return;
  for (const auto& [id, rec] : img->nodes) {
    if (id == self_id(self) || !dials(self, id) || !img->is_live(id)) continue;
    auto& p = self->state.peers[id];
    if (!p.handle && !p.connecting && now_ms() >= p.retry_at_ms) with_peer(self, id, [](node_actor) {});
    // With logins on the node port a hello is taken only from a registered member: one sent
    // before the peer's image showed this node again (a restart) was ignored, so say it again
    // (a peer that has it already ignores a repeat).
    if (p.handle && logins_required(self)) self->send(p.handle, hello_atom::value, self_id(self));
  }
  // Requests waiting for a peer that dials this node: given up after peer_wait_ms, or at once
  // when it is no longer a member (else they would wait forever).
  for (auto& [id, p] : self->state.peers) {
    if (dials(self, id) || p.waiting.empty()) continue;
    if (img->is_live(id) && now_ms() - p.waiting_since_ms <= peer_wait_ms) continue;
    auto waiting = std::move(p.waiting);
    p.waiting.clear();
    for (auto& w : waiting) w(node_actor{});
  }
}

void peer_down(self_ptr self, const caf::actor_addr& who) {
  for (auto& [id, peer] : self->state.peers) {
    if (peer.handle && peer.handle.address() == who) {
      spdlog::info("node {}: lost the connection to node {}", self_id(self), id);
      peer.handle = node_actor{};
      for (auto& [key, lp] : self->state.partitions) {
        if (lp.source_node == id) {
          lp.source = replica_source{};
          lp.source_node = -1;
        }
      }
    }
  }
}

// ---- placement and statistics -------------------------------------------------------------

topic_info placement(self_ptr self, const std::string& topic) {
  topic_info info;
  info.name = topic;
  const auto& img = self->state.image;
  auto t = img ? img->topics.find(topic) : decltype(img->topics.end()){};
  if (!img || t == img->topics.end()) {
    info.error_code = code(invalid_topic_name(topic) ? kafka_error::invalid_topic_exception
                                                     : kafka_error::unknown_topic_or_partition);
    return info;
  }
  info.config = t->second.config;
  info.internal = is_internal(topic);
  info.topic_id = t->second.topic_id;
  for (int32_t p = 0; p < t->second.config.partitions; ++p) {
    const auto* rec = img->partition({topic, p});
    if (rec) {
      info.partitions.push_back(cluster::placement_info(p, *rec));
    } else {
      partition_info missing;
      missing.partition = p;
      missing.leader_node = -1;
      info.partitions.push_back(missing);
    }
  }
  return info;
}

std::vector<partition_actor> leader_handles(self_ptr self, const std::string& topic) {
  std::vector<partition_actor> out;
  const auto& img = self->state.image;
  if (!img) return out;
  auto t = img->topics.find(topic);
  if (t == img->topics.end()) return out;
  out.resize(static_cast<std::size_t>(t->second.config.partitions));
  for (const auto& [key, lp] : self->state.partitions) {
    if (key.topic == topic && key.partition < static_cast<int32_t>(out.size()) && lp.role.leader == self_id(self)) {
      out[static_cast<std::size_t>(key.partition)] = lp.actor;
    }
  }
  return out;
}

cluster_info describe_cluster(self_ptr self) {
  auto& st = self->state;
  cluster_info out;
  out.self_id = self_id(self);
  out.single_node = !st.options.clustered();
  out.store = st.options.clustered() ? st.options.cluster_store + " (" + st.options.cluster_name + ")"
                                     : "local files in " + st.options.data_dir;
  if (st.agent) {
    out.controller_changes = static_cast<int64_t>(st.agent->controller_changes());
    out.leader_elections = static_cast<int64_t>(st.agent->leader_elections());
  }
  if (!st.image) return out;
  out.cluster_id = st.image->cluster_id;
  out.controller_id = st.image->controller.id;
  out.controller_epoch = st.image->controller.epoch;
  for (const auto& [id, n] : st.image->nodes) {
    out.nodes.push_back(cluster_node{id, n.host, n.port, n.kafka_host, n.kafka_port, n.http_addr,
                                     st.image->draining.count(id) != 0});
  }
  return out;
}

namespace {

using stats_map = std::map<partition_key, partition_info>;

// Statistics of this node's leader replicas (filtered to one topic when given).
void gather_local(self_ptr self, const std::string& only, std::function<void(stats_map)> fn) {
  std::vector<std::pair<partition_key, partition_actor>> leaders;
  for (const auto& [key, lp] : self->state.partitions) {
    if ((only.empty() || key.topic == only) && lp.role.leader == self_id(self)) leaders.emplace_back(key, lp.actor);
  }
  auto out = std::make_shared<stats_map>();
  if (leaders.empty()) return fn(*out);
  auto pending = std::make_shared<std::size_t>(leaders.size());
  for (const auto& [key, actor] : leaders) {
    auto k = key;
    self->request(actor, stats_timeout, info_atom::value)
        .then(
            [=](const partition_info& info) {
              (*out)[k] = info;
              if (--*pending == 0) fn(*out);
            },
            [=](caf::error&) {
              if (--*pending == 0) fn(*out);
            });
  }
}

// Statistics of every leader replica in the cluster (this node's and its live peers').
void gather_all(self_ptr self, const std::string& only, std::function<void(stats_map)> fn) {
  std::set<node_id> others;
  if (self->state.image) {
    for (const auto& [key, p] : self->state.image->partitions) {
      if ((only.empty() || key.topic == only) && p.leader >= 0 && p.leader != self_id(self)) others.insert(p.leader);
    }
  }
  auto out = std::make_shared<stats_map>();
  auto pending = std::make_shared<std::size_t>(others.size() + 1);
  auto part_done = [=] {
    if (--*pending == 0) fn(*out);
  };
  gather_local(self, only, [=](stats_map local) {
    out->insert(local.begin(), local.end());
    part_done();
  });
  for (auto peer_id : others) {
    with_peer(self, peer_id, [=](node_actor peer) {
      if (!peer) return part_done();
      self->request(peer, stats_timeout, local_atom::value)
          .then(
              [=](const topic_list& list) {
                for (const auto& t : list.topics) {
                  if (!only.empty() && t.name != only) continue;
                  for (const auto& pi : t.partitions) out->emplace(partition_key{t.name, pi.partition}, pi);
                }
                part_done();
              },
              [=](caf::error&) { part_done(); });
    });
  }
}

// Placement from the image, statistics from the leader.
void merge_stats(topic_info& info, const stats_map& stats) {
  for (auto& p : info.partitions) {
    auto it = stats.find({info.name, p.partition});
    if (it == stats.end()) continue;
    const auto& s = it->second;
    p.log_start_offset = s.log_start_offset;
    p.high_watermark = s.high_watermark;
    p.log_end_offset = s.log_end_offset;
    p.size_bytes = s.size_bytes;
    p.segments = s.segments;
    p.segment_list = s.segment_list;
    p.mailbox_depth = s.mailbox_depth;
    p.max_follower_lag = s.max_follower_lag;
    p.role = s.role;
    if (!s.isr.empty()) p.isr = s.isr;  // the leader's view is the freshest
  }
}

}  // namespace

caf::result<topic_list> local_stats(self_ptr self) {
  auto promise = self->make_response_promise<topic_list>();
  gather_local(self, "", [=](stats_map stats) mutable {
    std::map<std::string, topic_info> by_topic;
    for (auto& [key, info] : stats) {
      auto& t = by_topic[key.topic];
      t.name = key.topic;
      t.partitions.push_back(std::move(info));
    }
    topic_list out;
    for (auto& [name, t] : by_topic) out.topics.push_back(std::move(t));
    promise.deliver(std::move(out));
  });
  return promise;
}

caf::result<topic_info> describe_topic(self_ptr self, const std::string& name) {
  auto info = placement(self, name);
  if (info.error_code != 0) return info;
  auto promise = self->make_response_promise<topic_info>();
  gather_all(self, name, [=](stats_map stats) mutable {
    auto out = info;
    merge_stats(out, stats);
    promise.deliver(std::move(out));
  });
  return promise;
}

caf::result<topic_list> list_topics(self_ptr self) {
  auto promise = self->make_response_promise<topic_list>();
  gather_all(self, "", [=](stats_map stats) mutable {
    topic_list out;
    if (self->state.image) {
      for (const auto& [name, t] : self->state.image->topics) {
        auto info = placement(self, name);
        merge_stats(info, stats);
        out.topics.push_back(std::move(info));
      }
    }
    promise.deliver(std::move(out));
  });
  return promise;
}

void close_all(self_ptr self, std::function<void(bool)> done) {
  auto& st = self->state;
  stop_groups(self);
  for (auto& [name, t] : st.topics) caf::anon_send(t, close_atom::value);
  st.topics.clear();
  if (st.partitions.empty()) return done(true);
  auto pending = std::make_shared<std::size_t>(st.partitions.size());
  auto ok = std::make_shared<bool>(true);
  for (auto& [key, lp] : st.partitions) {
    self->request(lp.actor, std::chrono::seconds(60), close_atom::value)
        .then(
            [=](bool closed) {
              *ok = *ok && closed;
              if (--*pending == 0) done(*ok);
            },
            [=](caf::error&) {
              *ok = false;
              if (--*pending == 0) done(false);
            });
  }
  st.partitions.clear();
}

}  // namespace fluxo::actors::node_impl
