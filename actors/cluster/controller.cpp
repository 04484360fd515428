#include "actors/cluster/controller.hpp"

#include <algorithm>
#include <limits>

namespace fluxo::cluster {

namespace {

bool contains(const std::vector<node_id>& v, node_id n) { return std::find(v.begin(), v.end(), n) != v.end(); }

std::vector<node_id> intersect(const std::vector<node_id>& v, const std::set<node_id>& keep) {
  std::vector<node_id> out;
  for (auto n : v) {
    if (keep.count(n) != 0) out.push_back(n);
  }
  return out;
}

std::set<node_id> as_set(const std::vector<node_id>& v) { return {v.begin(), v.end()}; }

void add_reason(partition_change& c, const std::string& why) {
  c.reason += c.reason.empty() ? why : ", " + why;
}

void set_leader(partition_change& c, node_id leader, int64_t controller_epoch) {
  c.next.leader = leader;
  c.next.leader_epoch += 1;
  c.next.controller_epoch = controller_epoch;
  c.leader_changed = true;
}

// Replicas per node over the image, for choosing where a drained replica goes.
std::map<node_id, int32_t> replica_counts(const metadata_image& image) {
  std::map<node_id, int32_t> out;
  for (const auto& [k, p] : image.partitions) {
    for (auto n : p.replicas) ++out[n];
  }
  return out;
}

}  // namespace

std::vector<std::vector<node_id>> assign_replicas(const std::vector<node_id>& nodes, int32_t first, int32_t count,
                                                  int32_t replication_factor,
                                                  const std::map<node_id, int32_t>& leaders_per_node, uint64_t seed) {
  std::vector<std::vector<node_id>> out;
  const auto n = static_cast<int32_t>(nodes.size());
  if (n == 0 || replication_factor < 1 || replication_factor > n) return out;
  // Start on the node leading the fewest partitions (ties broken by the seed).
  int32_t start = 0;
  int32_t best = std::numeric_limits<int32_t>::max();
  for (int32_t i = 0; i < n; ++i) {
    auto idx = static_cast<int32_t>((static_cast<uint64_t>(i) + seed) % static_cast<uint64_t>(n));
    auto it = leaders_per_node.find(nodes[static_cast<std::size_t>(idx)]);
    int32_t load = it == leaders_per_node.end() ? 0 : it->second;
    if (load < best) {
      best = load;
      start = idx;
    }
  }
  int32_t shift = n > 1 ? static_cast<int32_t>((seed / 7) % static_cast<uint64_t>(n - 1)) : 0;
  for (int32_t i = 0; i < count; ++i) {
    if (i > 0 && n > 1 && i % n == 0) ++shift;
    const int32_t lead = (i + start + (first % std::max(n, 1))) % n;
    std::vector<node_id> replicas{nodes[static_cast<std::size_t>(lead)]};
    for (int32_t j = 0; j < replication_factor - 1; ++j) {
      const int32_t idx = (lead + 1 + (shift + j) % (n - 1)) % n;
      replicas.push_back(nodes[static_cast<std::size_t>(idx)]);
    }
    out.push_back(std::move(replicas));
  }
  return out;
}

std::map<node_id, int32_t> preferred_leader_counts(const metadata_image& image) {
  std::map<node_id, int32_t> out;
  for (const auto& [k, p] : image.partitions) {
    if (!p.replicas.empty()) ++out[p.replicas.front()];
  }
  return out;
}

std::optional<node_id> elect_leader(const partition_record& p, const std::set<node_id>& live,
                                    const std::set<node_id>& avoid, bool unclean_allowed) {
  for (auto n : p.replicas) {
    if (live.count(n) != 0 && avoid.count(n) == 0 && p.in_isr(n)) return n;
  }
  if (unclean_allowed) {
    for (auto n : p.replicas) {
      if (live.count(n) != 0 && avoid.count(n) == 0) return n;
    }
  }
  return std::nullopt;
}

int32_t effective_replication_factor(int32_t requested, std::size_t live_nodes) {
  if (requested > 0) return requested;
  return static_cast<int32_t>(std::min<std::size_t>(3, std::max<std::size_t>(live_nodes, 1)));
}

namespace {

// Step 1: reassignment progress (KIP-455).
void advance_reassignment(partition_change& c, const std::set<node_id>& live, int64_t epoch) {
  auto& next = c.next;
  if (next.target_replicas.empty()) return;
  const auto& target = next.target_replicas;
  bool all_added = std::all_of(target.begin(), target.end(), [&](node_id n) { return contains(next.replicas, n); });
  if (!all_added) {
    std::vector<node_id> merged = target;
    for (auto n : next.replicas) {
      if (!contains(merged, n)) merged.push_back(n);
    }
    next.replicas = merged;
    add_reason(c, "reassignment: adding replicas");
    return;
  }
  bool all_in_sync = std::all_of(target.begin(), target.end(), [&](node_id n) { return next.in_isr(n); });
  if (!all_in_sync || next.replicas == target) {
    if (next.replicas == target) {
      next.target_replicas.clear();
      add_reason(c, "reassignment: complete");
    }
    return;
  }
  next.isr = intersect(next.isr, as_set(target));
  next.replicas = target;
  next.target_replicas.clear();
  add_reason(c, "reassignment: dropping old replicas");
  if (!contains(target, next.leader)) {
    if (auto l = elect_leader(next, live, {}, false)) set_leader(c, *l, epoch);
  }
}

// Step 2: a leader that died (or drains) is replaced from the ISR, or the partition goes offline.
void replace_leader(partition_change& c, const std::set<node_id>& live, const std::set<node_id>& draining,
                    bool unclean, int64_t epoch) {
  auto& next = c.next;
  const bool leader_live = next.leader != no_node && live.count(next.leader) != 0;
  const bool leader_draining = leader_live && draining.count(next.leader) != 0;
  if (leader_live && !leader_draining) return;
  auto candidate = elect_leader(next, live, draining, unclean);
  if (!candidate && !leader_live) candidate = elect_leader(next, live, {}, unclean);  // a draining node beats none
  if (!candidate) {
    if (leader_live || next.leader == no_node) return;  // draining with no one to take over, or already offline
    set_leader(c, no_node, epoch);
    add_reason(c, "no live in-sync replica: offline");
    return;
  }
  if (!next.in_isr(*candidate)) {
    next.isr = {*candidate};
    add_reason(c, "unclean election of " + std::to_string(*candidate));
  } else {
    next.isr = intersect(next.isr, live);
    add_reason(c, leader_draining ? "leader drains" : "leader lost");
  }
  set_leader(c, *candidate, epoch);
}

// Step 3: dead followers leave the ISR of a partition whose leader lives.
void drop_dead_followers(partition_change& c, const std::set<node_id>& live) {
  auto& next = c.next;
  if (next.leader == no_node || live.count(next.leader) == 0) return;
  auto kept = intersect(next.isr, live);
  if (kept != next.isr && !kept.empty()) {
    next.isr = kept;
    add_reason(c, "isr: dead replicas removed");
  }
}

// Step 4: leadership back to the preferred replica when it is in sync.
void prefer(partition_change& c, const std::set<node_id>& live, const std::set<node_id>& draining, int64_t epoch) {
  auto& next = c.next;
  if (next.replicas.empty() || !next.target_replicas.empty() || next.leader == no_node) return;
  const auto preferred = next.replicas.front();
  if (preferred == next.leader || live.count(preferred) == 0 || draining.count(preferred) != 0) return;
  if (!next.in_isr(preferred)) return;
  set_leader(c, preferred, epoch);
  add_reason(c, "preferred replica");
}

// Step 5: replicas on draining nodes move to nodes that have none of this partition.
void move_off_draining(partition_change& c, const std::set<node_id>& live, const std::set<node_id>& draining,
                       std::map<node_id, int32_t>& load) {
  auto& next = c.next;
  if (!next.target_replicas.empty()) return;
  std::vector<node_id> target = next.replicas;
  bool moved = false;
  for (auto& r : target) {
    if (draining.count(r) == 0) continue;
    std::optional<node_id> best;
    for (auto n : live) {
      if (draining.count(n) != 0 || contains(target, n)) continue;
      if (!best || load[n] < load[*best]) best = n;
    }
    if (!best) continue;
    --load[r];
    ++load[*best];
    r = *best;
    moved = true;
  }
  if (moved) {
    next.target_replicas = target;
    add_reason(c, "drain: moving replicas");
  }
}

}  // namespace

std::vector<partition_change> decide(const metadata_image& image, int64_t controller_epoch,
                                     const controller_settings& settings) {
  std::vector<partition_change> out;
  std::set<node_id> live;
  for (const auto& [id, n] : image.nodes) live.insert(id);
  std::set<node_id> draining;
  for (const auto& [id, t] : image.draining) draining.insert(id);
  auto load = replica_counts(image);
  for (const auto& [key, p] : image.partitions) {
    auto topic = image.topics.find(key.topic);
    if (topic == image.topics.end()) continue;
    partition_change c{key, p, p.version, {}, false};
    advance_reassignment(c, live, controller_epoch);
    replace_leader(c, live, draining, topic->second.config.unclean_leader_election, controller_epoch);
    drop_dead_followers(c, live);
    if (settings.auto_leader_rebalance && !c.leader_changed) prefer(c, live, draining, controller_epoch);
    move_off_draining(c, live, draining, load);
    if (c.next != p) out.push_back(std::move(c));
  }
  return out;
}

std::vector<partition_change> preferred_elections(const metadata_image& image, int64_t controller_epoch) {
  std::vector<partition_change> out;
  std::set<node_id> live;
  for (const auto& [id, n] : image.nodes) live.insert(id);
  std::set<node_id> draining;
  for (const auto& [id, t] : image.draining) draining.insert(id);
  for (const auto& [key, p] : image.partitions) {
    partition_change c{key, p, p.version, {}, false};
    prefer(c, live, draining, controller_epoch);
    if (c.next != p) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace fluxo::cluster
