#include <algorithm>
#include <nlohmann/json.hpp>

#include "actors/cluster/metadata_store.hpp"

namespace fluxo::cluster {

namespace {
// etcd refuses transactions of more than 128 operations (--max-txn-ops): partitions of big
// topics are written in chunks after the first.
constexpr std::size_t ops_per_txn = 100;

store_error refused(std::string msg) { return {store_errc::invalid, std::move(msg)}; }
}  // namespace

kv_metadata_store::kv_metadata_store(std::shared_ptr<kv_store> kv, std::string cluster_name)
    : kv_(std::move(kv)), keys_(std::move(cluster_name)) {}

store_result<std::string> kv_metadata_store::cluster_id(const std::string& proposed) {
  auto value = nlohmann::json{{"cluster_id", proposed}}.dump();
  auto r = kv_->txn({kv_compare::absent(keys_.cluster())}, {kv_op::put(keys_.cluster(), value)},
                    {kv_op::get(keys_.cluster())});
  if (!r) return std::move(r).take_error();
  if (r->succeeded) return proposed;
  if (r->gets.empty() || r->gets[0].empty()) return refused("the cluster key vanished while being read");
  try {
    return nlohmann::json::parse(r->gets[0][0].value).at("cluster_id").get<std::string>();
  } catch (const std::exception&) {
    return refused(keys_.cluster() + " holds no cluster id: " + r->gets[0][0].value);
  }
}

store_result<void> kv_metadata_store::join(const node_record& self, int64_t ttl_seconds) {
  auto lease = kv_->grant_lease(ttl_seconds);
  if (!lease) return std::move(lease).take_error();
  const auto key = keys_.node(self.id);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto r = kv_->txn({kv_compare::absent(key)}, {kv_op::put(key, encode_node(self), *lease)}, {kv_op::get(key)});
    if (!r) {
      (void)kv_->revoke_lease(*lease);
      return std::move(r).take_error();
    }
    if (r->succeeded) {
      self_ = self;
      lease_ = *lease;
      ttl_seconds_ = ttl_seconds;
      joined_at_ = r->revision;
      return {};
    }
    if (r->gets.empty() || r->gets[0].empty()) continue;  // expired meanwhile: try again
    const auto& held = r->gets[0][0];
    auto other = decode_node(held.value);
    if (other && other->host == self.host && other->port == self.port) {
      // A previous run of this node (we hold its address now, so it is gone): end its session.
      if (auto rv = kv_->revoke_lease(held.lease); !rv) {
        (void)kv_->revoke_lease(*lease);
        return std::move(rv).take_error();
      }
      continue;
    }
    (void)kv_->revoke_lease(*lease);
    return refused("node id " + std::to_string(self.id) + " is already used by a live node at " +
                   (other ? other->host + ":" + std::to_string(other->port) : std::string("an unknown address")) +
                   "; give every node of a cluster its own --node-id");
  }
  (void)kv_->revoke_lease(*lease);
  return refused("could not register node " + std::to_string(self.id) + " (its key kept changing)");
}

store_result<void> kv_metadata_store::keep_alive() {
  if (lease_ == 0) return store_error{store_errc::not_found, "no session"};
  auto r = kv_->keep_alive(lease_);
  if (!r) return std::move(r).take_error();
  return {};
}

void kv_metadata_store::leave() {
  if (lease_ == 0) return;
  (void)kv_->revoke_lease(lease_);
  lease_ = 0;
}

store_result<void> kv_metadata_store::load(metadata_image& image) {
  auto r = kv_->range(keys_.prefix, true);
  if (!r) return std::move(r).take_error();
  image.clear();
  for (const auto& e : r->entries) image.put(e.key, e.value, e.mod_revision, e.create_revision, e.lease);
  image.revision = r->revision;
  watched_revision_ = r->revision;
  return {};
}

store_result<bool> kv_metadata_store::follow(metadata_image& image, std::chrono::milliseconds max_wait) {
  auto r = kv_->watch(keys_.prefix, watched_revision_ + 1, max_wait);
  if (!r) {
    if (r.err().code == store_errc::compacted) {
      if (auto l = load(image); !l) return std::move(l).take_error();
      return true;
    }
    return std::move(r).take_error();
  }
  if (r->events.empty()) return false;
  for (const auto& ev : r->events) {
    if (ev.what == kv_event::kind::put) {
      image.put(ev.entry.key, ev.entry.value, ev.entry.mod_revision, ev.entry.create_revision, ev.entry.lease);
    } else {
      image.erase(ev.entry.key);
    }
  }
  watched_revision_ = std::max(watched_revision_, r->revision);
  image.revision = watched_revision_;
  return true;
}

store_result<controller_record> kv_metadata_store::campaign() {
  const auto key = keys_.controller();
  auto r = kv_->txn({kv_compare::absent(key)}, {kv_op::put(key, encode_controller(self_.id), lease_), kv_op::get(key)},
                    {kv_op::get(key)});
  if (!r) return std::move(r).take_error();
  if (r->gets.empty() || r->gets[0].empty()) return controller_record{};  // expired meanwhile
  const auto& held = r->gets[0][0];
  auto id = decode_controller(held.value);
  return controller_record{id.value_or(no_node), held.create_revision};
}

store_result<bool> kv_metadata_store::write_partition(const partition_change& change, int64_t controller_epoch) {
  const auto key = keys_.partition(change.key);
  auto r = kv_->txn({kv_compare::created_at(keys_.controller(), controller_epoch),
                     kv_compare::mod_is(key, change.expected_version)},
                    {kv_op::put(key, encode_partition(change.next))}, {});
  if (!r) return std::move(r).take_error();
  return r->succeeded;
}

store_result<std::vector<bool>> metadata_store::write_partitions(const std::vector<partition_change>& changes,
                                                                 int64_t controller_epoch) {
  std::vector<bool> out;
  for (const auto& c : changes) {
    auto r = write_partition(c, controller_epoch);
    if (!r) return std::move(r).take_error();
    out.push_back(*r);
  }
  return out;
}

store_result<std::vector<bool>> kv_metadata_store::write_partitions(const std::vector<partition_change>& changes,
                                                                    int64_t controller_epoch) {
  std::vector<bool> out;
  out.reserve(changes.size());
  constexpr std::size_t per_txn = 60;  // compares + puts stay under etcd's 128 operations
  for (std::size_t from = 0; from < changes.size(); from += per_txn) {
    const auto to = std::min(changes.size(), from + per_txn);
    std::vector<kv_compare> cmp{kv_compare::created_at(keys_.controller(), controller_epoch)};
    std::vector<kv_op> ops;
    for (auto i = from; i < to; ++i) {
      const auto key = keys_.partition(changes[i].key);
      cmp.push_back(kv_compare::mod_is(key, changes[i].expected_version));
      ops.push_back(kv_op::put(key, encode_partition(changes[i].next)));
    }
    auto r = kv_->txn(cmp, ops, {});
    if (!r) return std::move(r).take_error();
    if (r->succeeded) {
      out.insert(out.end(), to - from, true);
      continue;
    }
    // Some compare failed: one at a time, so the others still go through.
    for (auto i = from; i < to; ++i) {
      auto one = write_partition(changes[i], controller_epoch);
      if (!one) return std::move(one).take_error();
      out.push_back(*one);
    }
  }
  return out;
}

store_result<int64_t> kv_metadata_store::update_partition(const partition_key& k, const partition_record& next,
                                                          int64_t expected_version) {
  const auto key = keys_.partition(k);
  auto r = kv_->txn({kv_compare::mod_is(key, expected_version)}, {kv_op::put(key, encode_partition(next))}, {});
  if (!r) return std::move(r).take_error();
  return r->succeeded ? r->revision : int64_t{0};
}

namespace {
// Puts partitions [from, ...) of a topic in chunks, each only where the key is still absent.
store_result<void> put_partitions(kv_store& kv, const store_keys& keys, const std::string& topic, int32_t first,
                                  const std::vector<partition_record>& parts, std::size_t from) {
  while (from < parts.size()) {
    std::vector<kv_compare> cmp;
    std::vector<kv_op> ops;
    for (std::size_t i = from; i < parts.size() && ops.size() < ops_per_txn; ++i) {
      auto key = keys.partition({topic, first + static_cast<int32_t>(i)});
      cmp.push_back(kv_compare::absent(key));
      ops.push_back(kv_op::put(key, encode_partition(parts[i])));
    }
    auto r = kv.txn(cmp, ops, {});
    if (!r) return std::move(r).take_error();
    from += ops.size();
  }
  return {};
}
}  // namespace

store_result<bool> kv_metadata_store::create_topic(const topic_record& topic, const std::vector<partition_record>& parts) {
  std::vector<kv_op> ops{kv_op::put(keys_.topic(topic.name), encode_topic(topic))};
  std::size_t first_chunk = std::min(parts.size(), ops_per_txn - 1);
  for (std::size_t i = 0; i < first_chunk; ++i) {
    ops.push_back(kv_op::put(keys_.partition({topic.name, static_cast<int32_t>(i)}), encode_partition(parts[i])));
  }
  auto r = kv_->txn({kv_compare::absent(keys_.topic(topic.name))}, ops, {});
  if (!r) return std::move(r).take_error();
  if (!r->succeeded) return false;
  if (auto rest = put_partitions(*kv_, keys_, topic.name, 0, parts, first_chunk); !rest) return std::move(rest).take_error();
  return true;
}

store_result<bool> kv_metadata_store::update_topic(const topic_record& topic) {
  const auto key = keys_.topic(topic.name);
  auto r = kv_->txn({kv_compare::mod_is(key, topic.version)}, {kv_op::put(key, encode_topic(topic))}, {});
  if (!r) return std::move(r).take_error();
  return r->succeeded;
}

store_result<bool> kv_metadata_store::add_partitions(const topic_record& topic, int32_t first,
                                                     const std::vector<partition_record>& parts) {
  if (auto r = put_partitions(*kv_, keys_, topic.name, first, parts, 0); !r) return std::move(r).take_error();
  return update_topic(topic);
}

store_result<bool> kv_metadata_store::delete_topic(const std::string& name) {
  const auto key = keys_.topic(name);
  kv_compare exists{key, kv_compare::target::create_revision, kv_compare::relation::greater, 0, {}};
  auto r = kv_->txn({exists}, {kv_op::erase(key), kv_op::erase_prefix(keys_.partitions_of(name))}, {});
  if (!r) return std::move(r).take_error();
  return r->succeeded;
}

store_result<void> kv_metadata_store::set_draining(node_id node, bool draining, int64_t now_ms) {
  std::vector<kv_op> ops;
  if (draining) {
    ops.push_back(kv_op::put(keys_.drain(node), nlohmann::json{{"requested_ms", now_ms}}.dump()));
  } else {
    ops.push_back(kv_op::erase(keys_.drain(node)));
  }
  auto r = kv_->txn({}, ops, {});
  if (!r) return std::move(r).take_error();
  return {};
}

store_result<int64_t> kv_metadata_store::reserve_producer_ids(int64_t count) {
  const auto key = keys_.producer_ids();
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto cur = kv_->range(key, false);
    if (!cur) return std::move(cur).take_error();
    int64_t next = 0;
    int64_t rev = 0;
    if (!cur->entries.empty()) {
      rev = cur->entries[0].mod_revision;
      try {
        next = nlohmann::json::parse(cur->entries[0].value).at("next").get<int64_t>();
      } catch (const std::exception&) {
        return refused(key + " is damaged: " + cur->entries[0].value);
      }
    }
    auto cmp = rev == 0 ? kv_compare::absent(key) : kv_compare::mod_is(key, rev);
    auto r = kv_->txn({cmp}, {kv_op::put(key, nlohmann::json{{"next", next + count}}.dump())}, {});
    if (!r) return std::move(r).take_error();
    if (r->succeeded) return next;
  }
  return refused("producer-id reservation kept losing races");
}

}  // namespace fluxo::cluster
