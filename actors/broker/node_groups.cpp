// Group coordinators: a group lives on the partition abs(hash(group)) % N of __consumer_offsets
// (Kafka's placement) and is coordinated by that partition's leader. When this node starts
// leading such a partition it reads the partition's log (through its partition actor, up to the
// log end) and rebuilds the coordinator of every group stored there before answering requests
// for them; when it stops leading, those coordinators stop and other nodes answer.
#include <spdlog/spdlog.h>

#include "actors/broker/node_internal.hpp"
#include "actors/group/consumer_group.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::actors::node_impl {

namespace {

constexpr auto scan_timeout = std::chrono::seconds(30);

using group_history = std::map<std::string, std::vector<group::group_record>>;

void decode_into(const std::vector<char>& bytes, group_history& out) {
  storage::batch_cursor cursor(bytes);
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
}

partition_actor offsets_actor(self_ptr self, int32_t partition) {
  auto it = self->state.partitions.find({consumer_offsets_topic, partition});
  return it == self->state.partitions.end() ? partition_actor{} : it->second.actor;
}

group_actor start_group(self_ptr self, const std::string& id, const std::vector<group::group_record>& history,
                        int32_t partition) {
  auto& st = self->state;
  auto core = std::make_shared<group::consumer_group>(id, group::group_config{}, group::member_id_generator{st.rng()});
  for (const auto& rec : history) core->replay(rec);
  auto g = spawn_group(self->system(), core, offsets_actor(self, partition), st.counts, st.options.gate);
  st.groups[id] = g;
  st.offsets[partition].groups.insert(id);
  return g;
}

void finish_load(self_ptr self, int32_t partition, uint64_t session, const group_history& history) {
  auto it = self->state.offsets.find(partition);
  if (it == self->state.offsets.end() || it->second.load_session != session) return;  // leadership moved meanwhile
  for (const auto& [id, records] : history) {
    if (!self->state.groups.count(id)) start_group(self, id, records, partition);
  }
  auto& op = self->state.offsets[partition];
  op.loading = false;
  op.loaded = true;
  spdlog::info("[{}/{}] coordinating {} consumer groups", consumer_offsets_topic, partition, op.groups.size());
  auto waiting = std::move(op.waiting);
  op.waiting.clear();
  for (auto& w : waiting) w();
  if (groups_ready(self)) {
    const auto& o = self->state.options;
    for (auto& p : self->state.waiting_ready) p.deliver(node_info{o.node_id, o.host, o.port});
    self->state.waiting_ready.clear();
  }
}

void scan(self_ptr self, int32_t partition, uint64_t session, int64_t offset, std::shared_ptr<group_history> history) {
  auto actor = offsets_actor(self, partition);
  if (!actor) return;
  self->request(actor, scan_timeout, scan_atom::value, offset)
      .then(
          [=](fetch_reply& reply) {
            auto it = self->state.offsets.find(partition);
            if (it == self->state.offsets.end() || it->second.load_session != session) return;
            if (reply.error_code != 0) {
              spdlog::error("[{}/{}] reading groups at offset {} failed: {}; retrying", consumer_offsets_topic, partition,
                            offset, kafka_error_name(reply.error_code));
              return scan(self, partition, session, offset, history);
            }
            if (reply.records.empty() || reply.next_offset <= offset) return finish_load(self, partition, session, *history);
            decode_into(reply.records, *history);
            scan(self, partition, session, reply.next_offset, history);
          },
          [=](caf::error& err) {
            spdlog::error("[{}/{}] reading groups failed: {}", consumer_offsets_topic, partition,
                          self->system().render(err));
            auto it = self->state.offsets.find(partition);
            if (it != self->state.offsets.end() && it->second.load_session == session) it->second.loading = false;
          });
}

int32_t offsets_partition_count(self_ptr self) {
  const auto& img = self->state.image;
  if (!img) return 0;
  auto t = img->topics.find(consumer_offsets_topic);
  return t == img->topics.end() ? 0 : t->second.config.partitions;
}

// Calls fn with the group's coordinator once known here (loading first if needed): the actor,
// an invalid handle (no such group and not creating), or an error (not the coordinator).
void find_coordinator(self_ptr self, const std::string& group_id, bool create,
                      std::function<void(caf::expected<group_actor>)> fn) {
  auto& st = self->state;
  const auto count = offsets_partition_count(self);
  if (count == 0) {
    if (!create) return fn(group_actor{});
    ensure_topic(self, consumer_offsets_topic, offsets_topic_config(st.options), [=](int16_t err) {
      if (err != 0 || offsets_partition_count(self) == 0) {
        return fn(caf::make_error(caf::sec::runtime_error, "__consumer_offsets is not available"));
      }
      find_coordinator(self, group_id, create, fn);
    });
    return;
  }
  const auto partition = cluster::offsets_partition_for(group_id, count);
  auto lp = st.partitions.find({consumer_offsets_topic, partition});
  if (lp == st.partitions.end() || lp->second.role.leader != self_id(self) || !st.session_live) {
    return fn(caf::make_error(caf::sec::runtime_error, "this node is not the coordinator of group " + group_id));
  }
  auto& op = st.offsets[partition];
  if (!op.loaded) {
    if (!op.loading) offsets_leadership(self, partition, true);
    st.offsets[partition].waiting.push_back([=] { find_coordinator(self, group_id, create, fn); });
    return;
  }
  if (auto g = st.groups.find(group_id); g != st.groups.end()) return fn(g->second);
  if (!create) return fn(group_actor{});
  spdlog::info("[group {}] created", group_id);
  fn(start_group(self, group_id, {}, partition));
}

}  // namespace

topic_config offsets_topic_config(const node_options& options) {
  topic_config cfg;
  cfg.partitions = options.clustered() ? options.offsets_partitions : 1;
  cfg.cleanup_policy = "compact";
  cfg.retention_ms = -1;
  cfg.segment_bytes = 64LL << 20;
  return cfg;
}

void offsets_leadership(self_ptr self, int32_t partition, bool leads) {
  auto& st = self->state;
  if (leads) {
    auto& op = st.offsets[partition];
    if (op.loaded || op.loading) return;
    op.loading = true;
    scan(self, partition, ++op.load_session, 0, std::make_shared<group_history>());
    return;
  }
  auto it = st.offsets.find(partition);
  if (it == st.offsets.end()) return;
  if (!it->second.groups.empty()) {
    spdlog::info("[{}/{}] no longer led here: {} group coordinators move away", consumer_offsets_topic, partition,
                 it->second.groups.size());
  }
  for (const auto& id : it->second.groups) {
    if (auto g = st.groups.find(id); g != st.groups.end()) {
      self->send_exit(g->second, caf::exit_reason::user_shutdown);
      st.groups.erase(g);
    }
  }
  auto waiting = std::move(it->second.waiting);
  st.offsets.erase(it);
  for (auto& w : waiting) w();  // they find another coordinator now
}

caf::result<group_actor> coordinator_of(self_ptr self, const std::string& group_id, bool create) {
  if (group_id.empty()) return caf::make_error(caf::sec::invalid_argument, "empty group id");
  auto promise = self->make_response_promise<group_actor>();
  find_coordinator(self, group_id, create, [=](caf::expected<group_actor> g) mutable {
    if (g) {
      promise.deliver(*g);
    } else {
      promise.deliver(g.error());
    }
  });
  return promise;
}

coordinator_location locate(self_ptr self, const std::string& group_id) {
  coordinator_location out;
  const auto count = offsets_partition_count(self);
  if (count == 0) {
    // Created on first use, as Kafka does; the client asks again.
    ensure_topic(self, consumer_offsets_topic, offsets_topic_config(self->state.options), [](int16_t) {});
    out.error_code = code(kafka_error::coordinator_not_available);
    out.error_message = "__consumer_offsets is being created";
    return out;
  }
  const auto* p = self->state.image->partition({consumer_offsets_topic, cluster::offsets_partition_for(group_id, count)});
  const auto* leader = p ? member(self, p->leader) : nullptr;
  if (!leader) {
    out.error_code = code(kafka_error::coordinator_not_available);
    out.error_message = "the partition of __consumer_offsets holding group " + group_id + " has no leader";
    return out;
  }
  out.node_id = leader->id;
  out.host = leader->host;
  out.port = leader->port;
  out.kafka_host = leader->kafka_host;
  out.kafka_port = leader->kafka_port;
  return out;
}

namespace {
group::group_list sorted(group::group_list list) {
  std::sort(list.groups.begin(), list.groups.end(),
            [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
  return list;
}
}  // namespace

caf::result<group::group_list> list_groups(self_ptr self, bool local_only) {
  auto& st = self->state;
  auto promise = self->make_response_promise<group::group_list>();
  auto out = std::make_shared<group::group_list>();
  std::vector<node_id> peers;
  if (!local_only && st.image) {
    for (const auto& [id, n] : st.image->nodes) {
      if (id != self_id(self)) peers.push_back(id);
    }
  }
  auto pending = std::make_shared<std::size_t>(st.groups.size() + peers.size() + 1);
  auto done = [=]() mutable {
    if (--*pending == 0) promise.deliver(sorted(std::move(*out)));
  };
  for (auto& [id, g] : st.groups) {
    self->request(g, std::chrono::seconds(10), describe_atom::value)
        .then(
            [=](const group::group_description& d) mutable {
              if (d.state != group::group_state::dead) {
                out->groups.push_back({d.group_id, d.protocol_type, d.state, static_cast<int32_t>(d.members.size())});
              }
              done();
            },
            [=](caf::error&) mutable { done(); });
  }
  for (auto id : peers) {
    with_peer(self, id, [=](node_actor peer) mutable {
      if (!peer) return done();
      self->request(peer, std::chrono::seconds(10), groups_atom::value, true)
          .then(
              [=](const group::group_list& theirs) mutable {
                out->groups.insert(out->groups.end(), theirs.groups.begin(), theirs.groups.end());
                done();
              },
              [=](caf::error&) mutable { done(); });
    });
  }
  done();
  return promise;
}

void broadcast_counts(self_ptr self) {
  for (auto& [id, g] : self->state.groups) self->send(g, partitions_atom::value, self->state.counts);
}

void stop_groups(self_ptr self) {
  for (auto& [id, g] : self->state.groups) self->send_exit(g, caf::exit_reason::user_shutdown);
  self->state.groups.clear();
  self->state.offsets.clear();
}

bool groups_ready(self_ptr self) {
  auto& st = self->state;
  if (!st.options.clustered() && offsets_partition_count(self) == 0) return false;
  for (const auto& [key, lp] : st.partitions) {
    if (key.topic != consumer_offsets_topic || lp.role.leader != self_id(self)) continue;
    auto it = st.offsets.find(key.partition);
    if (it == st.offsets.end() || !it->second.loaded) return false;
  }
  return true;
}

}  // namespace fluxo::actors::node_impl
