#include "actors/group/consumer_group.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "actors/group/consumer_protocol.hpp"

namespace fluxo::group {
namespace {

join_reply join_error(std::string member_id, kafka_error e) {
  join_reply r;
  r.error = e;
  r.member_id = std::move(member_id);
  return r;
}

sync_reply sync_error(kafka_error e) {
  sync_reply r;
  r.error = e;
  return r;
}

}  // namespace

consumer_group::consumer_group(std::string group_id, group_config cfg, member_id_generator ids)
    : group_id_(std::move(group_id)), cfg_(std::move(cfg)), ids_(ids) {}

// ---- driving ----------------------------------------------------------------------------------

int64_t consumer_group::advance(int64_t now_ms, effects& fx) {
  now_ = std::max(now_, now_ms);
  expire(now_, fx);
  return now_;
}

effects consumer_group::finish(effects& fx) {
  expire(now_, fx);  // a handler may have set a deadline that is already due
  fx.next_deadline = next_deadline();
  return std::move(fx);
}

effects consumer_group::tick(int64_t now_ms) {
  effects fx;
  advance(now_ms, fx);
  return finish(fx);
}

std::optional<int64_t> consumer_group::next_deadline() const {
  std::optional<int64_t> best;
  auto consider = [&](std::optional<int64_t> t) {
    if (t && (!best || *t < *best)) best = t;
  };
  for (const auto& [_, at] : pending_) consider(at);
  for (const auto& [_, m] : members_) consider(m.expiry_deadline(cfg_.new_member_join_timeout_ms));
  if (state_ == group_state::preparing_rebalance) {
    consider(rebalance_deadline_);
    consider(join_ready_at_);
  }
  return best;
}

void consumer_group::expire(int64_t now, effects& fx) {
  // Apply due deadlines one at a time in deadline order, each at its own time: an event may
  // create or cancel others (a session expiry starts a rebalance that has its own deadline).
  enum class kind { pending, member, join_ready, rebalance };
  for (;;) {
    std::optional<int64_t> at;
    kind what = kind::pending;
    std::string who;
    auto consider = [&](std::optional<int64_t> t, kind k, const std::string& id) {
      if (t && *t <= now && (!at || *t < *at)) {
        at = t;
        what = k;
        who = id;
      }
    };
    for (const auto& [id, t] : pending_) consider(t, kind::pending, id);
    for (const auto& [id, m] : members_)
      consider(m.expiry_deadline(cfg_.new_member_join_timeout_ms), kind::member, id);
    if (state_ == group_state::preparing_rebalance) {
      consider(join_ready_at_, kind::join_ready, {});
      consider(rebalance_deadline_, kind::rebalance, {});
    }
    if (!at) return;
    switch (what) {
      case kind::pending:
        pending_.erase(who);
        if (state_ == group_state::preparing_rebalance) try_complete_join(*at, fx);
        break;
      case kind::member: {
        const bool joining = members_.at(who).pending_join.has_value();
        remove_member(*at, who,
                      joining ? "member " + who + " removed: JoinGroup timed out"
                              : "member " + who + " session timeout",
                      fx);
        break;
      }
      case kind::join_ready:
        join_ready_at_.reset();
        try_complete_join(*at, fx);
        break;
      case kind::rebalance:
        complete_join(*at, fx);
        break;
    }
  }
}

// ---- JoinGroup --------------------------------------------------------------------------------

effects consumer_group::join(int64_t now_ms, request_id rid, const join_request& req) {
  effects fx;
  const int64_t now = advance(now_ms, fx);
  handle_join(now, rid, req, fx);
  try_complete_join(now, fx);
  return finish(fx);
}

void consumer_group::handle_join(int64_t now, request_id rid, const join_request& req,
                                 effects& fx) {
  auto fail = [&](std::string id, kafka_error e) {
    fx.replies.push_back({rid, join_error(std::move(id), e)});
  };
  if (state_ == group_state::dead)
    return fail(req.member_id, kafka_error::coordinator_not_available);
  if (req.session_timeout_ms < cfg_.min_session_timeout_ms ||
      req.session_timeout_ms > cfg_.max_session_timeout_ms)
    return fail(req.member_id, kafka_error::invalid_session_timeout);
  if (!supports_protocols(req))
    return fail(req.member_id, kafka_error::inconsistent_group_protocol);

  if (req.member_id.empty()) {
    std::string id = new_member_id(req.client_id);
    if (req.require_known_member_id) {
      // JoinGroup v4+: the client must come back with this id; until then it only reserves it.
      pending_[id] = now + req.session_timeout_ms;
      return fail(std::move(id), kafka_error::member_id_required);
    }
    return add_member(now, rid, id, req, fx);
  }
  if (auto p = pending_.find(req.member_id); p != pending_.end()) {
    pending_.erase(p);
    return add_member(now, rid, req.member_id, req, fx);
  }
  auto it = members_.find(req.member_id);
  if (it == members_.end()) return fail(req.member_id, kafka_error::unknown_member_id);
  member& m = it->second;
  const bool same_metadata = m.protocols == req.protocols;
  switch (state_) {
    case group_state::preparing_rebalance:
      update_member(m, rid, req, fx);
      break;
    case group_state::completing_rebalance:
      if (same_metadata) {
        // Lost its JoinGroup response: answer again for the current generation.
        fx.replies.push_back({rid, current_join_reply(m)});
      } else {
        note(now, "member " + m.id + " rejoined with new metadata");
        update_member(m, rid, req, fx);
        prepare_rebalance(now, fx);
      }
      break;
    case group_state::stable:
      if (m.id == leader_ || !same_metadata) {
        // A leader's JoinGroup asks for a rebalance (e.g. it saw topic metadata change).
        note(now, (m.id == leader_ ? "leader " : "member ") + m.id +
                      (same_metadata ? " rejoined" : " rejoined with new metadata"));
        update_member(m, rid, req, fx);
        prepare_rebalance(now, fx);
      } else {
        fx.replies.push_back({rid, current_join_reply(m)});
      }
      break;
    case group_state::empty:
    case group_state::dead:
      fail(req.member_id, kafka_error::unknown_member_id);
      break;
  }
}

// The joiner must speak the group's protocol type and share a protocol with every other member
// (for server-side assignment: an assignor the coordinator knows).
bool consumer_group::supports_protocols(const join_request& req) const {
  if (req.protocol_type.empty() || req.protocols.empty()) return false;
  const bool native = req.protocol_type == cfg_.native_protocol_type;
  bool others = false;
  for (const auto& [id, m] : members_) others = others || id != req.member_id;
  if (others && req.protocol_type != protocol_type_) return false;
  for (const auto& p : req.protocols) {
    if (native && !is_known_assignor(p.name)) continue;
    bool all = true;
    for (const auto& [id, m] : members_)
      if (id != req.member_id && !m.supports(p.name)) all = false;
    if (all) return true;
  }
  return false;
}

void consumer_group::add_member(int64_t now, request_id rid, const std::string& id,
                                const join_request& req, effects& fx) {
  member m;
  m.id = id;
  m.group_instance_id = req.group_instance_id;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = std::max(req.rebalance_timeout_ms, 0);
  m.protocols = req.protocols;
  m.join_seq = next_join_seq_++;
  m.pending_join = rid;
  m.is_new = true;
  m.joined_at_ms = now;
  m.last_heartbeat_ms = now;
  if (members_.empty()) protocol_type_ = req.protocol_type;
  if (leader_.empty()) leader_ = id;
  members_.emplace(id, std::move(m));
  note(now, "member " + id + " joined");
  // During the initial rebalance of an Empty group, each newcomer buys the others some time.
  if (state_ == group_state::preparing_rebalance && join_ready_at_ && rebalance_deadline_)
    join_ready_at_ = std::min(now + cfg_.initial_rebalance_delay_ms, *rebalance_deadline_);
  maybe_prepare_rebalance(now, fx);
}

void consumer_group::update_member(member& m, request_id rid, const join_request& req,
                                   effects& fx) {
  if (m.pending_join) {
    // Superseded by this newer JoinGroup: answered now so it is not left without a reply.
    fx.replies.push_back({*m.pending_join, join_error(m.id, kafka_error::rebalance_in_progress)});
  }
  m.protocols = req.protocols;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = std::max(req.rebalance_timeout_ms, 0);
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.pending_join = rid;
  if (members_.size() == 1) protocol_type_ = req.protocol_type;  // nobody else to agree with
}

join_reply consumer_group::current_join_reply(const member& m) const {
  join_reply r;
  r.generation_id = generation_;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_name_;
  r.leader_id = leader_;
  r.member_id = m.id;
  if (m.id == leader_ && state_ != group_state::stable) {
    for (const member* o : in_join_order())
      r.members.push_back({o->id, o->group_instance_id, o->metadata_for(protocol_name_)});
  }
  if (server_assigned()) r.assignment = m.assignment;
  return r;
}

// ---- rebalance --------------------------------------------------------------------------------

void consumer_group::maybe_prepare_rebalance(int64_t now, effects& fx) {
  if (state_ == group_state::stable || state_ == group_state::completing_rebalance ||
      state_ == group_state::empty)
    prepare_rebalance(now, fx);
}

void consumer_group::prepare_rebalance(int64_t now, effects& fx) {
  if (state_ == group_state::completing_rebalance)
    reset_sync(now, kafka_error::rebalance_in_progress, fx);
  int32_t timeout = 0;
  for (const auto& [_, m] : members_) timeout = std::max(timeout, m.rebalance_timeout_ms);
  join_ready_at_.reset();
  if (state_ == group_state::empty && cfg_.initial_rebalance_delay_ms > 0) {
    timeout = std::max(timeout, cfg_.initial_rebalance_delay_ms);
    join_ready_at_ = now + cfg_.initial_rebalance_delay_ms;
  }
  rebalance_deadline_ = now + timeout;
  state_ = group_state::preparing_rebalance;
  try_complete_join(now, fx);  // nobody to wait for (the last member left) completes at once
}

void consumer_group::try_complete_join(int64_t now, effects& fx) {
  if (state_ != group_state::preparing_rebalance) return;
  if (join_ready_at_ && now < *join_ready_at_) return;
  if (!pending_.empty()) return;  // ids handed out with MEMBER_ID_REQUIRED are expected back
  for (const auto& [_, m] : members_)
    if (!m.pending_join) return;
  complete_join(now, fx);
}

// Forms the next generation from the members that rejoined; the others are removed.
void consumer_group::complete_join(int64_t now, effects& fx) {
  std::vector<std::string> gone;
  for (const auto& [id, m] : members_)
    if (!m.pending_join) gone.push_back(id);
  for (const auto& id : gone) {
    note(now, "member " + id + " removed: did not rejoin within the rebalance timeout");
    members_.erase(id);
  }
  rebalance_deadline_.reset();
  join_ready_at_.reset();
  ++generation_;
  if (members_.empty()) {
    state_ = group_state::empty;
    leader_.clear();
    protocol_name_.clear();
    last_assignment_.clear();
    note(now, "generation " + std::to_string(generation_) + ": group is empty");
    fx.records.push_back(metadata_record(now));
    return;
  }
  if (!members_.count(leader_)) leader_ = in_join_order().front()->id;
  protocol_name_ = select_protocol();
  for (auto& [_, m] : members_) m.assignment.clear();
  state_ = group_state::completing_rebalance;
  note(now, "generation " + std::to_string(generation_) + " formed: " +
                std::to_string(members_.size()) + " member(s), leader " + leader_ +
                ", protocol " + protocol_name_);
  if (server_assigned()) {
    assign_server_side();
    state_ = group_state::stable;
  }
  for (const member* cm : in_join_order()) {
    member& m = members_.at(cm->id);
    fx.replies.push_back({*m.pending_join, current_join_reply(m)});
    m.pending_join.reset();
    m.is_new = false;
    m.last_heartbeat_ms = now;
  }
  // The leader of a client-assigned group got every member's metadata in its reply above
  // (current_join_reply lists them while the group is not Stable).
  fx.records.push_back(metadata_record(now));
}

// Kafka's rule: candidates are the protocols every member supports; each member votes for its
// first candidate; most votes wins, ties go to the leader's preference.
std::string consumer_group::select_protocol() const {
  const bool native = server_assigned();
  std::vector<std::string> candidates;
  for (const auto& p : members_.at(leader_).protocols) {
    if (native && !is_known_assignor(p.name)) continue;
    bool all = true;
    for (const auto& [_, m] : members_) all = all && m.supports(p.name);
    if (all) candidates.push_back(p.name);
  }
  std::map<std::string, int> votes;
  for (const auto& [_, m] : members_) {
    for (const auto& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best;
  int best_votes = -1;
  for (const auto& c : candidates) {
    if (votes[c] > best_votes) {
      best = c;
      best_votes = votes[c];
    }
  }
  return best;
}

void consumer_group::assign_server_side() {
  std::vector<assignor_member> subs;
  for (const auto& [id, m] : members_) {
    auto s = decode_subscription(m.metadata_for(protocol_name_));
    subs.push_back({id, s ? s->topics : std::vector<std::string>{}});
  }
  auto result = run_assignor(protocol_name_, subs, topic_counts_, last_assignment_);
  last_assignment_ = result ? std::move(*result) : assignment_map{};
  for (auto& [id, m] : members_) m.assignment = encode_assignment(last_assignment_[id]);
}

// ---- SyncGroup --------------------------------------------------------------------------------

effects consumer_group::sync(int64_t now_ms, request_id rid, const sync_request& req) {
  effects fx;
  const int64_t now = advance(now_ms, fx);
  auto fail = [&](kafka_error e) { fx.replies.push_back({rid, sync_error(e)}); };
  auto it = members_.find(req.member_id);
  if (state_ == group_state::dead) {
    fail(kafka_error::coordinator_not_available);
  } else if (it == members_.end()) {
    fail(kafka_error::unknown_member_id);
  } else if (req.generation_id != generation_) {
    fail(kafka_error::illegal_generation);
  } else if (state_ == group_state::preparing_rebalance) {
    fail(kafka_error::rebalance_in_progress);
  } else if (state_ == group_state::stable) {
    member& m = it->second;
    m.last_heartbeat_ms = now;
    fx.replies.push_back({rid, sync_reply{kafka_error::none, generation_, protocol_type_,
                                          protocol_name_, m.assignment}});
  } else if (state_ == group_state::completing_rebalance) {
    member& m = it->second;
    if (m.pending_sync)  // superseded by this newer SyncGroup
      fx.replies.push_back({*m.pending_sync, sync_error(kafka_error::rebalance_in_progress)});
    m.pending_sync = rid;
    if (m.id == leader_) complete_sync(now, req.assignments, fx);
  } else {
    fail(kafka_error::unknown_member_id);  // Empty: cannot have members
  }
  return finish(fx);
}

void consumer_group::complete_sync(int64_t now, const std::vector<member_assignment>& assignments,
                                   effects& fx) {
  for (auto& [_, m] : members_) m.assignment.clear();  // members the leader left out get nothing
  for (const auto& a : assignments) {
    auto it = members_.find(a.member_id);
    if (it != members_.end()) it->second.assignment = a.assignment;
  }
  state_ = group_state::stable;
  note(now, "generation " + std::to_string(generation_) + " stable: leader sent the assignment");
  for (const member* cm : in_join_order()) {
    member& m = members_.at(cm->id);
    if (!m.pending_sync) continue;
    fx.replies.push_back({*m.pending_sync, sync_reply{kafka_error::none, generation_,
                                                       protocol_type_, protocol_name_,
                                                       m.assignment}});
    m.pending_sync.reset();
    m.last_heartbeat_ms = now;
  }
  fx.records.push_back(metadata_record(now));
}

// Answers every parked SyncGroup with `error` and drops the assignment (a new rebalance began).
void consumer_group::reset_sync(int64_t now, kafka_error error, effects& fx) {
  for (auto& [_, m] : members_) {
    m.assignment.clear();
    if (!m.pending_sync) continue;
    fx.replies.push_back({*m.pending_sync, sync_error(error)});
    m.pending_sync.reset();
    m.last_heartbeat_ms = now;
  }
}

// ---- Heartbeat / LeaveGroup -------------------------------------------------------------------

effects consumer_group::heartbeat(int64_t now_ms, request_id rid, const heartbeat_request& req) {
  effects fx;
  const int64_t now = advance(now_ms, fx);
  kafka_error e = kafka_error::none;
  auto it = members_.find(req.member_id);
  if (state_ == group_state::dead) {
    e = kafka_error::coordinator_not_available;
  } else if (it == members_.end()) {
    e = kafka_error::unknown_member_id;
  } else if (req.generation_id != generation_) {
    e = kafka_error::illegal_generation;
  } else {
    it->second.last_heartbeat_ms = now;
    // PreparingRebalance: tell the member to rejoin. CompletingRebalance: members may heartbeat
    // between their JoinGroup and SyncGroup (Kafka 2.3+ answers NONE).
    if (state_ == group_state::preparing_rebalance) e = kafka_error::rebalance_in_progress;
    if (state_ == group_state::empty) e = kafka_error::unknown_member_id;
  }
  fx.replies.push_back({rid, heartbeat_reply{e, generation_}});
  return finish(fx);
}

effects consumer_group::leave(int64_t now_ms, request_id rid, const leave_request& req) {
  effects fx;
  const int64_t now = advance(now_ms, fx);
  leave_reply r;
  if (state_ == group_state::dead) {
    r.error = kafka_error::coordinator_not_available;
  } else {
    for (const auto& id : req.member_ids) {
      kafka_error e = kafka_error::none;
      if (pending_.erase(id)) {
        try_complete_join(now, fx);
      } else if (members_.count(id)) {
        remove_member(now, id, "member " + id + " left", fx);
      } else {
        e = kafka_error::unknown_member_id;
      }
      r.members.push_back({id, e});
    }
  }
  fx.replies.push_back({rid, std::move(r)});
  return finish(fx);
}

void consumer_group::remove_member(int64_t now, const std::string& id, const std::string& reason,
                                   effects& fx) {
  auto it = members_.find(id);
  if (it == members_.end()) return;
  member& m = it->second;
  if (m.pending_join)
    fx.replies.push_back({*m.pending_join, join_error({}, kafka_error::unknown_member_id)});
  if (m.pending_sync)
    fx.replies.push_back({*m.pending_sync, sync_error(kafka_error::unknown_member_id)});
  members_.erase(it);
  if (leader_ == id) leader_ = members_.empty() ? std::string{} : in_join_order().front()->id;
  note(now, reason);
  switch (state_) {
    case group_state::stable:
    case group_state::completing_rebalance:
      prepare_rebalance(now, fx);
      break;
    case group_state::preparing_rebalance:
      try_complete_join(now, fx);
      break;
    case group_state::empty:
    case group_state::dead:
      break;
  }
}

// ---- offsets ----------------------------------------------------------------------------------

effects consumer_group::commit_offsets(int64_t now_ms, request_id rid,
                                       const offset_commit_request& req) {
  effects fx;
  const int64_t now = advance(now_ms, fx);
  kafka_error group_error = kafka_error::none;
  auto it = members_.find(req.member_id);
  if (state_ == group_state::dead) {
    group_error = kafka_error::coordinator_not_available;
  } else if (req.generation_id < 0 && state_ == group_state::empty) {
    // Simple (standalone) consumer: the group only stores offsets.
  } else if (it == members_.end()) {
    group_error = kafka_error::unknown_member_id;
  } else if (req.generation_id != generation_) {
    group_error = kafka_error::illegal_generation;
  } else if (state_ == group_state::completing_rebalance) {
    group_error = kafka_error::rebalance_in_progress;
  } else {
    // Stable, or PreparingRebalance (the heartbeat will tell the member to rejoin).
    it->second.last_heartbeat_ms = now;
  }
  offset_commit_reply r;
  for (const auto& p : req.partitions) {
    kafka_error e = group_error;
    if (e == kafka_error::none) {
      if (p.topic.empty() || p.partition < 0)
        e = kafka_error::unknown_topic_or_partition;
      else if (p.metadata.size() > static_cast<size_t>(cfg_.offset_metadata_max_bytes))
        e = kafka_error::offset_metadata_too_large;
      else
        store_offset(now, p, fx);
    }
    r.partitions.push_back({p.topic, p.partition, e});
  }
  fx.replies.push_back({rid, std::move(r)});
  return finish(fx);
}

void consumer_group::store_offset(int64_t now, const offset_commit_partition& p, effects& fx) {
  offsets_[{p.topic, p.partition}] = {p.offset, p.leader_epoch, p.metadata, now};
  fx.records.push_back(offset_commit_record{group_id_, p.topic, p.partition, false, p.offset,
                                            p.leader_epoch, p.metadata, now});
}

offset_fetch_reply consumer_group::fetch_offsets(const offset_fetch_request& req) const {
  offset_fetch_reply r;
  if (state_ == group_state::dead) {
    r.error = kafka_error::coordinator_not_available;
    return r;
  }
  auto add = [&](const topic_partition& tp) {
    fetched_offset f{tp.topic, tp.partition, -1, -1, {}, kafka_error::none};
    if (auto it = offsets_.find(tp); it != offsets_.end()) {
      f.offset = it->second.offset;
      f.leader_epoch = it->second.leader_epoch;
      f.metadata = it->second.metadata;
    }
    r.partitions.push_back(std::move(f));
  };
  if (req.partitions) {
    std::set<topic_partition> wanted(req.partitions->begin(), req.partitions->end());
    for (const auto& tp : wanted) add(tp);
  } else {
    for (const auto& [tp, _] : offsets_) add(tp);
  }
  return r;
}

effects consumer_group::delete_group(int64_t now_ms, request_id rid) {
  effects fx;
  const int64_t now = advance(now_ms, fx);
  kafka_error e = kafka_error::none;
  if (!exists()) {
    e = kafka_error::group_id_not_found;
  } else if (state_ != group_state::empty) {
    e = kafka_error::non_empty_group;
  } else {
    for (const auto& [tp, _] : offsets_)
      fx.records.push_back(offset_commit_record{
          .group = group_id_, .topic = tp.topic, .partition = tp.partition, .tombstone = true});
    group_metadata_record tomb;
    tomb.group = group_id_;
    tomb.tombstone = true;
    fx.records.push_back(std::move(tomb));
    offsets_.clear();
    pending_.clear();
    note(now, "group deleted");
    state_ = group_state::dead;
  }
  fx.replies.push_back({rid, delete_group_reply{e}});
  return finish(fx);
}

effects consumer_group::delete_topic_offsets(int64_t now_ms, const std::string& topic) {
  effects fx;
  const int64_t now = advance(now_ms, fx);
  size_t removed = 0;
  for (auto it = offsets_.begin(); it != offsets_.end();) {
    if (it->first.topic != topic) {
      ++it;
      continue;
    }
    fx.records.push_back(offset_commit_record{
        .group = group_id_, .topic = topic, .partition = it->first.partition, .tombstone = true});
    it = offsets_.erase(it);
    ++removed;
  }
  if (removed > 0) {
    note(now, "offsets of deleted topic " + topic + " removed");
    if (state_ == group_state::empty && offsets_.empty() && pending_.empty()) {
      group_metadata_record tomb;
      tomb.group = group_id_;
      tomb.tombstone = true;
      fx.records.push_back(std::move(tomb));
      state_ = group_state::dead;
    }
  }
  return finish(fx);
}

effects consumer_group::set_topic_partitions(int64_t now_ms, topic_partition_counts counts) {
  effects fx;
  const int64_t now = advance(now_ms, fx);
  topic_partition_counts old = std::move(topic_counts_);
  topic_counts_ = std::move(counts);
  if (!server_assigned() || state_ != group_state::stable) return finish(fx);
  auto count = [](const topic_partition_counts& c, const std::string& t) {
    auto it = c.find(t);
    return it == c.end() ? 0 : it->second;
  };
  std::set<std::string> changed;
  for (const auto& [_, m] : members_) {
    auto s = decode_subscription(m.metadata_for(protocol_name_));
    if (!s) continue;
    for (const auto& t : s->topics)
      if (count(old, t) != count(topic_counts_, t)) changed.insert(t);
  }
  if (!changed.empty()) {
    std::string list;
    for (const auto& t : changed) list += (list.empty() ? "" : ", ") + t;
    note(now, "partition count changed: " + list);
    prepare_rebalance(now, fx);
  }
  return finish(fx);
}

// ---- restart ----------------------------------------------------------------------------------

void consumer_group::replay(const group_record& rec) {
  if (const auto* o = std::get_if<offset_commit_record>(&rec)) {
    const topic_partition tp{o->topic, o->partition};
    if (o->tombstone)
      offsets_.erase(tp);
    else
      offsets_[tp] = {o->offset, o->leader_epoch, o->metadata, o->commit_timestamp_ms};
    return;
  }
  const auto& g = std::get<group_metadata_record>(rec);
  if (g.tombstone) {
    generation_ = 0;
    protocol_type_.clear();
  } else {
    generation_ = g.generation_id;
    protocol_type_ = g.protocol_type;
  }
  // Members are not restored: the group is Empty until they rejoin.
  protocol_name_.clear();
  leader_.clear();
  state_ = group_state::empty;
}

// ---- reads and helpers ------------------------------------------------------------------------

bool consumer_group::exists() const {
  return state_ != group_state::dead &&
         (generation_ > 0 || !offsets_.empty() || !members_.empty() || !pending_.empty());
}

group_overview consumer_group::overview() const {
  return {group_id_, protocol_type_, state_, static_cast<int32_t>(members_.size())};
}

group_description consumer_group::describe() const {
  group_description d;
  d.group_id = group_id_;
  d.state = state_;
  d.protocol_type = protocol_type_;
  d.protocol_name = protocol_name_;
  d.generation_id = generation_;
  d.leader_id = leader_;
  for (const member* m : in_join_order())
    d.members.push_back({m->id, m->group_instance_id, m->client_id, m->client_host,
                         m->session_timeout_ms, m->rebalance_timeout_ms,
                         m->metadata_for(protocol_name_), m->assignment});
  d.history.assign(history_.begin(), history_.end());
  return d;
}

std::vector<const member*> consumer_group::in_join_order() const {
  std::vector<const member*> out;
  for (const auto& [_, m] : members_) out.push_back(&m);
  std::sort(out.begin(), out.end(),
            [](const member* a, const member* b) { return a->join_seq < b->join_seq; });
  return out;
}

std::string consumer_group::new_member_id(const std::string& client_id) {
  for (;;) {
    std::string id = ids_.next(client_id);
    if (!members_.count(id) && !pending_.count(id)) return id;
  }
}

group_metadata_record consumer_group::metadata_record(int64_t now) const {
  group_metadata_record r;
  r.group = group_id_;
  r.protocol_type = protocol_type_;
  r.generation_id = generation_;
  r.protocol_name = protocol_name_;
  r.leader_id = leader_;
  r.state_timestamp_ms = now;
  for (const member* m : in_join_order())
    r.members.push_back({m->id, m->group_instance_id, m->client_id, m->client_host,
                         m->session_timeout_ms, m->rebalance_timeout_ms,
                         m->metadata_for(protocol_name_), m->assignment});
  return r;
}

void consumer_group::note(int64_t now, std::string reason) {
  history_.push_back({now, generation_, std::move(reason)});
  ++notes_written_;
  while (history_.size() > cfg_.max_history) history_.pop_front();
}

}  // namespace fluxo::group
