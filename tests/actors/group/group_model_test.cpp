// Model-based test of consumer_group: simulated clients (joins, syncs with a range-assigning
// leader, heartbeats, commits, leaves, crashes, stale requests) and a manual clock take thousands
// of seeded random steps. After every step:
//  - the generation never decreases, and the next deadline lies in the future;
//  - within a generation no partition has two owners across all successful sync (and, for
//    server-side assignment, join) results;
//  - a Stable group's assignment names only current members and covers every partition once;
//  - no request is answered twice (and, once the clients stop and time runs out, every request
//    has been answered);
//  - every record survives encode/decode, group records never go back in generation, and
//    replaying all records gives the live group's generation and committed offsets.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "actors/group/consumer_group.hpp"
#include "actors/group/consumer_protocol.hpp"
#include "actors/group/group_records.hpp"

namespace fluxo::group {
namespace {

const topic_partition_counts kTopics{{"t0", 5}, {"t1", 3}, {"t2", 4}};
const std::vector<std::string> kTopicNames{"t0", "t1", "t2"};

struct model_config {
  bool native = false;
  std::string assignor = "range";
  uint64_t seed = 1;
  int steps = 3000;
  int clients = 6;
  int32_t initial_delay_ms = 0;
};

enum class phase { idle, joining, joined, syncing, stable, crashed };

struct client {
  size_t index = 0;
  std::string member_id;
  phase ph = phase::idle;
  request_id outstanding = 0;  // the join or sync whose answer the client waits for
  int32_t generation = no_generation;
  bool leader = false;
  std::vector<join_member> members;  // from the last join reply (leader only)
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = 20000;
  std::vector<std::string> topics = kTopicNames;  // subscription
};

enum class kind { join, sync, heartbeat, leave, commit };

struct sent {
  size_t client = 0;
  kind what = kind::join;
  std::string member_id;
  bool immediate = false;  // must be answered by the call that carried it
};

class group_model {
 public:
  explicit group_model(model_config mc)
      : mc_(std::move(mc)),
        rng_(mc_.seed),
        g_("model", config(mc_), member_id_generator{mc_.seed}) {
    for (int i = 0; i < mc_.clients; ++i) {
      client c;
      c.index = static_cast<size_t>(i);
      c.session_timeout_ms = 6000 + static_cast<int32_t>(rng_() % 6000);
      c.rebalance_timeout_ms = 8000 + static_cast<int32_t>(rng_() % 20000);
      c.topics = random_subscription();
      clients_.push_back(c);
    }
    apply(g_.set_topic_partitions(now_, counts_));
  }

  void run() {
    for (int i = 0; i < mc_.steps && !::testing::Test::HasFailure(); ++i) {
      step();
      check();
      if (i % 500 == 499) check_replay();
    }
    quiesce();
    check_replay();
    EXPECT_GE(states_seen_.size(), mc_.native ? 3u : 4u) << "model did not explore the states";
    EXPECT_GE(g_.generation(), 20) << "model did not rebalance much";
    EXPECT_GE(owners_.size(), 10u) << "few generations distributed an assignment";
  }

 private:
  static group_config config(const model_config& mc) {
    group_config cfg;
    cfg.initial_rebalance_delay_ms = mc.initial_delay_ms;
    cfg.new_member_join_timeout_ms = 60000;
    return cfg;
  }

  size_t pick() { return static_cast<size_t>(rng_() % clients_.size()); }
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  void step() {
    const int r = static_cast<int>(rng_() % 200);
    if (r < 110) {
      act(clients_[pick()]);
    } else if (r < 126) {
      stale_request(clients_[pick()]);
    } else if (r < 191) {
      advance(static_cast<int64_t>(rng_() % 300));
    } else if (r < 192) {
      advance(5000 + static_cast<int64_t>(rng_() % 30000));  // everyone misses heartbeats
    } else if (r < 194) {
      clients_[pick()].ph = phase::crashed;  // goes silent; its session will expire
    } else if (r < 195) {
      if (mc_.native) change_partition_count();
    } else {
      client& c = clients_[pick()];
      if (c.ph == phase::crashed) c = fresh(c);  // restarted process: no member id
    }
  }

  static client fresh(const client& old) {
    client c;
    c.index = old.index;
    c.session_timeout_ms = old.session_timeout_ms;
    c.rebalance_timeout_ms = old.rebalance_timeout_ms;
    c.topics = old.topics;
    return c;
  }

  // Most clients subscribe to every topic, some to a random non-empty subset.
  std::vector<std::string> random_subscription() {
    if (chance(70)) return kTopicNames;
    std::vector<std::string> out;
    for (const auto& t : kTopicNames)
      if (chance(50)) out.push_back(t);
    if (out.empty()) out.push_back(kTopicNames[rng_() % kTopicNames.size()]);
    return out;
  }

  // Server-side assignment follows the topic metadata the coordinator is given.
  void change_partition_count() {
    counts_[kTopicNames[rng_() % kTopicNames.size()]] = 1 + static_cast<int32_t>(rng_() % 6);
    apply(g_.set_topic_partitions(now_, counts_));
  }

  void act(client& c) {
    switch (c.ph) {
      case phase::crashed: return;
      case phase::idle: return send_join(c);
      case phase::joining:
        if (chance(3)) return send_join(c);  // a retry: supersedes the parked join
        if (!c.member_id.empty()) send_heartbeat(c, c.generation);
        return;
      case phase::joined: return send_sync(c);
      case phase::syncing: return send_heartbeat(c, c.generation);
      case phase::stable: {
        const int r = static_cast<int>(rng_() % 100);
        if (r < 60) return send_heartbeat(c, c.generation);
        if (r < 88) return send_commit(c, c.member_id, c.generation);
        if (r < 92) {  // rejoin: a leader's rejoin or a new subscription forces a rebalance
          if (chance(30)) c.topics = random_subscription();
          return send_join(c);
        }
        if (r < 96) return send_leave(c);
        return send_commit(c, "", no_generation);  // simple commit: only ok when Empty
      }
    }
  }

  join_request join_for(const client& c) {
    join_request r;
    r.member_id = c.member_id;
    r.client_id = "c" + std::to_string(c.index);
    r.client_host = "/10.0.0." + std::to_string(c.index);
    r.session_timeout_ms = c.session_timeout_ms;
    r.rebalance_timeout_ms = c.rebalance_timeout_ms;
    r.protocol_type = mc_.native ? "fluxo" : "consumer";
    r.protocols = {{mc_.assignor, encode_subscription({c.topics, {}})}};
    r.require_known_member_id = chance(50);
    return r;
  }

  void send_join(client& c) {
    const request_id rid = issue({c.index, kind::join, c.member_id, false});
    c.ph = phase::joining;
    c.outstanding = rid;
    apply(g_.join(now_, rid, join_for(c)));
  }

  void send_sync(client& c) {
    sync_request req{c.member_id, c.generation, {}};
    if (c.leader && !mc_.native) {
      std::vector<assignor_member> subs;
      for (const auto& m : c.members) {
        auto s = decode_subscription(m.metadata);
        subs.push_back({m.member_id, s ? s->topics : std::vector<std::string>{}});
      }
      for (const auto& [id, parts] : assign_range(subs, kTopics))
        req.assignments.push_back({id, encode_assignment(parts)});
    }
    const request_id rid = issue({c.index, kind::sync, c.member_id, false});
    c.ph = phase::syncing;
    c.outstanding = rid;
    apply(g_.sync(now_, rid, req));
  }

  void send_heartbeat(client& c, int32_t generation, bool react = true) {
    const request_id rid = issue({c.index, kind::heartbeat, c.member_id, true});
    const phase before = c.ph;
    apply(g_.heartbeat(now_, rid, {c.member_id, generation}));
    if (!react || c.ph != before) return;
    const kafka_error e = heartbeat_errors_[rid];
    if (e == kafka_error::none || c.ph == phase::joining) return;
    if (e == kafka_error::unknown_member_id) c.member_id.clear();
    c.ph = phase::idle;  // rejoin
    c.outstanding = 0;
  }

  void send_commit(client& c, const std::string& member, int32_t generation) {
    offset_commit_request req{member, generation, {}};
    const auto& t = kTopicNames[rng_() % kTopicNames.size()];
    req.partitions.push_back({t, static_cast<int32_t>(rng_() % 3), next_offset_++, -1, "m"});
    apply(g_.commit_offsets(now_, issue({c.index, kind::commit, member, true}), req));
  }

  void send_leave(client& c) {
    apply(g_.leave(now_, issue({c.index, kind::leave, c.member_id, true}), {{c.member_id}}));
    c = fresh(c);
  }

  // Requests that must be rejected at once: an old generation, an unknown member.
  void stale_request(client& c) {
    const int r = static_cast<int>(rng_() % 4);
    const int32_t old_gen = c.generation - 1 - static_cast<int32_t>(rng_() % 3);
    if (r == 0) {
      send_heartbeat(c, old_gen, false);
    } else if (r == 1) {
      const request_id rid = issue({c.index, kind::sync, c.member_id, true});
      apply(g_.sync(now_, rid, {c.member_id, old_gen, {{c.member_id, {'x'}}}}));
    } else if (r == 2) {
      join_request req = join_for(c);
      req.member_id = "ghost-" + std::to_string(rng_() % 5);
      apply(g_.join(now_, issue({c.index, kind::join, req.member_id, true}), req));
    } else if (!c.member_id.empty()) {
      send_commit(c, c.member_id, old_gen < 0 ? -5 : old_gen);
    }
  }

  void advance(int64_t ms) {
    now_ += ms;
    if (auto d = g_.next_deadline(); d && *d <= now_) apply(g_.tick(now_));
    else if (chance(50)) apply(g_.tick(now_));  // a spurious tick changes nothing
  }

  void quiesce() {
    for (auto& c : clients_) c.ph = phase::crashed;
    for (int i = 0; i < 10; ++i) advance(100000);
    EXPECT_EQ(g_.state(), group_state::empty);
    EXPECT_EQ(g_.member_count(), 0u);
    for (const auto& [rid, info] : requests_) {
      EXPECT_TRUE(answered_.count(rid)) << "request " << rid << " never answered";
    }
  }

  request_id issue(sent info) {
    const request_id rid = next_rid_++;
    requests_[rid] = std::move(info);
    current_batch_.insert(rid);
    return rid;
  }

  // ---- effects --------------------------------------------------------------------------------

  void apply(effects fx) {
    ASSERT_TRUE(!fx.next_deadline || *fx.next_deadline > now_) << "deadline in the past";
    ASSERT_EQ(fx.next_deadline, g_.next_deadline());
    for (auto& r : fx.replies) on_reply(r);
    for (auto& rid : current_batch_) {
      if (requests_.at(rid).immediate) {
        EXPECT_TRUE(answered_.count(rid)) << "not answered at once";
      }
    }
    current_batch_.clear();
    for (auto& rec : fx.records) on_record(rec);
  }

  void on_reply(const addressed_reply& r) {
    ASSERT_TRUE(requests_.count(r.id)) << "reply to a request never sent";
    ASSERT_TRUE(answered_.insert(r.id).second) << "request " << r.id << " answered twice";
    const sent& info = requests_.at(r.id);
    client& c = clients_[info.client];
    const bool current = c.outstanding == r.id;
    if (current) c.outstanding = 0;
    if (const auto* j = std::get_if<join_reply>(&r.body)) {
      on_join(c, info, *j, current);
    } else if (const auto* s = std::get_if<sync_reply>(&r.body)) {
      on_sync(c, info, *s, current);
    } else if (const auto* h = std::get_if<heartbeat_reply>(&r.body)) {
      heartbeat_errors_[r.id] = h->error;
      EXPECT_TRUE(h->error == kafka_error::none || h->error == kafka_error::rebalance_in_progress ||
                  h->error == kafka_error::illegal_generation ||
                  h->error == kafka_error::unknown_member_id)
          << to_string(h->error);
    } else if (const auto* o = std::get_if<offset_commit_reply>(&r.body)) {
      for (const auto& p : o->partitions)
        EXPECT_TRUE(p.error == kafka_error::none || p.error == kafka_error::illegal_generation ||
                    p.error == kafka_error::unknown_member_id ||
                    p.error == kafka_error::rebalance_in_progress)
            << to_string(p.error);
    }
  }

  void on_join(client& c, const sent& info, const join_reply& j, bool current) {
    if (j.error == kafka_error::none) {
      EXPECT_LE(j.generation_id, g_.generation());
      EXPECT_GE(j.generation_id, 1);
      EXPECT_EQ(j.protocol_name, mc_.assignor);
      if (mc_.native) own(j.generation_id, j.member_id, j.assignment);
      if (!current) return;
      c.member_id = j.member_id;
      c.generation = j.generation_id;
      c.leader = j.leader_id == j.member_id;
      c.members = j.members;
      c.ph = phase::joined;
      if (c.leader && !mc_.native && g_.generation() == j.generation_id &&
          g_.state() == group_state::completing_rebalance) {
        EXPECT_EQ(j.members.size(), g_.member_count());
      }
      return;
    }
    if (j.error == kafka_error::member_id_required) {
      EXPECT_TRUE(info.member_id.empty());
      if (current) {
        c.member_id = j.member_id;
        c.ph = phase::idle;
      }
      return;
    }
    if (j.error == kafka_error::unknown_member_id) {
      if (current) {
        c.member_id.clear();
        c.ph = phase::idle;
      }
      return;
    }
    // A retried JoinGroup supersedes the parked one, which then gets REBALANCE_IN_PROGRESS.
    EXPECT_EQ(j.error, kafka_error::rebalance_in_progress);
    EXPECT_FALSE(current) << "the join a client waits for was answered REBALANCE_IN_PROGRESS";
  }

  void on_sync(client& c, const sent& info, const sync_reply& s, bool current) {
    if (s.error == kafka_error::none) {
      own(s.generation_id, info.member_id, s.assignment);
      if (current) {
        EXPECT_EQ(s.generation_id, c.generation);
        c.ph = phase::stable;
      }
      return;
    }
    EXPECT_TRUE(s.error == kafka_error::rebalance_in_progress ||
                s.error == kafka_error::illegal_generation ||
                s.error == kafka_error::unknown_member_id)
        << to_string(s.error);
    if (!current) return;
    if (s.error == kafka_error::unknown_member_id) c.member_id.clear();
    c.ph = phase::idle;
  }

  // Within one generation, a partition goes to one member only.
  void own(int32_t generation, const std::string& member, const bytes& assignment) {
    auto parts = decode_assignment(assignment);
    ASSERT_TRUE(parts.has_value());
    for (const auto& tp : *parts) {
      auto [it, inserted] = owners_[generation].emplace(tp, member);
      EXPECT_EQ(it->second, member) << "generation " << generation << ": " << tp.topic << "/"
                                    << tp.partition << " owned by two members";
    }
  }

  void on_record(const group_record& rec) {
    const encoded_record e = encode_record(rec);
    auto back = decode_record(e.key, e.value);
    ASSERT_TRUE(back.has_value());
    EXPECT_TRUE(*back == rec) << "record changed through encode/decode";
    if (const auto* g = std::get_if<group_metadata_record>(&rec)) {
      EXPECT_GE(g->generation_id, last_recorded_generation_);
      last_recorded_generation_ = g->generation_id;
    }
    records_.push_back(rec);
  }

  // ---- invariants -----------------------------------------------------------------------------

  void check() {
    EXPECT_GE(g_.generation(), last_generation_) << "generation went back";
    last_generation_ = g_.generation();
    states_seen_.insert(g_.state());
    if (g_.state() != group_state::stable) return;
    const group_description d = g_.describe();
    std::set<topic_partition> covered;
    std::set<std::string> subscribed;
    for (const auto& m : d.members) {
      EXPECT_TRUE(g_.has_member(m.member_id));
      auto sub = decode_subscription(m.metadata);
      ASSERT_TRUE(sub.has_value());
      subscribed.insert(sub->topics.begin(), sub->topics.end());
      auto parts = decode_assignment(m.assignment);
      ASSERT_TRUE(parts.has_value());
      for (const auto& tp : *parts) {
        EXPECT_TRUE(covered.insert(tp).second) << "two owners in a Stable group";
        EXPECT_LT(tp.partition, counts_.at(tp.topic));
        EXPECT_NE(std::find(sub->topics.begin(), sub->topics.end(), tp.topic), sub->topics.end())
            << "assigned a topic it does not subscribe to";
      }
    }
    size_t expected = 0;
    for (const auto& t : subscribed) expected += static_cast<size_t>(counts_.at(t));
    EXPECT_EQ(covered.size(), expected) << "a Stable group leaves partitions unassigned";
  }

  void check_replay() {
    consumer_group restored("model");
    for (const auto& rec : records_) restored.replay(rec);
    EXPECT_EQ(restored.generation(), g_.generation());
    EXPECT_EQ(restored.state(), group_state::empty);
    const auto a = restored.fetch_offsets({}).partitions;
    const auto b = g_.fetch_offsets({}).partitions;
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].topic, b[i].topic);
      EXPECT_EQ(a[i].partition, b[i].partition);
      EXPECT_EQ(a[i].offset, b[i].offset);
    }
  }

  model_config mc_;
  std::mt19937_64 rng_;
  consumer_group g_;
  int64_t now_ = 0;
  request_id next_rid_ = 1;
  int64_t next_offset_ = 0;
  std::vector<client> clients_;
  topic_partition_counts counts_ = kTopics;  // what the coordinator knows; leaders use kTopics
  std::map<request_id, sent> requests_;
  std::set<request_id> answered_;
  std::set<request_id> current_batch_;
  std::map<request_id, kafka_error> heartbeat_errors_;
  std::map<int32_t, std::map<topic_partition, std::string>> owners_;
  std::vector<group_record> records_;
  int32_t last_generation_ = 0;
  int32_t last_recorded_generation_ = 0;
  std::set<group_state> states_seen_;
};

TEST(GroupModel, ClientSideRangeAssignment) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    group_model({false, "range", seed, 4000, 6, 0}).run();
  }
}

TEST(GroupModel, ClientSideWithInitialRebalanceDelay) {
  for (uint64_t seed = 11; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    group_model({false, "range", seed, 4000, 8, 3000}).run();
  }
}

TEST(GroupModel, ServerSideAssignment) {
  uint64_t base = 20;
  for (const char* assignor : {"range", "roundrobin", "sticky"}) {
    base += 10;
    for (uint64_t seed = base; seed < base + 3; ++seed) {
      SCOPED_TRACE(std::string(assignor) + " seed " + std::to_string(seed));
      group_model({true, assignor, seed, 4000, 6, 0}).run();
    }
  }
}

}  // namespace
}  // namespace fluxo::group
