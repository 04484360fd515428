#include "actors/group/assignor.hpp"

#include <algorithm>
#include <set>

namespace fluxo::group {
namespace {

// Members sorted by id, each with a sorted, de-duplicated subscription.
struct normalized {
  std::vector<std::string> ids;
  std::map<std::string, std::set<std::string>> subs;
};

normalized normalize(const std::vector<assignor_member>& members) {
  normalized n;
  for (const auto& m : members) {
    auto& s = n.subs[m.member_id];
    s.insert(m.topics.begin(), m.topics.end());
  }
  for (const auto& [id, _] : n.subs) n.ids.push_back(id);
  return n;
}

int32_t partition_count(const topic_partition_counts& counts, const std::string& topic) {
  auto it = counts.find(topic);
  return it == counts.end() ? 0 : std::max(it->second, 0);
}

// Every subscribed topic with a known count, sorted.
std::set<std::string> subscribed_topics(const normalized& n, const topic_partition_counts& c) {
  std::set<std::string> out;
  for (const auto& [_, topics] : n.subs)
    for (const auto& t : topics)
      if (partition_count(c, t) > 0) out.insert(t);
  return out;
}

assignment_map empty_result(const normalized& n) {
  assignment_map out;
  for (const auto& id : n.ids) out[id];
  return out;
}

void sort_lists(assignment_map& a) {
  for (auto& [_, list] : a) std::sort(list.begin(), list.end());
}

}  // namespace

assignment_map assign_range(const std::vector<assignor_member>& members,
                            const topic_partition_counts& counts) {
  const normalized n = normalize(members);
  assignment_map out = empty_result(n);
  for (const auto& topic : subscribed_topics(n, counts)) {
    std::vector<std::string> consumers;
    for (const auto& id : n.ids)
      if (n.subs.at(id).count(topic)) consumers.push_back(id);
    const int32_t parts = partition_count(counts, topic);
    const auto m = static_cast<int32_t>(consumers.size());
    const int32_t per = parts / m;
    const int32_t extra = parts % m;
    for (int32_t i = 0; i < m; ++i) {
      const int32_t start = per * i + std::min(i, extra);
      const int32_t len = per + (i < extra ? 1 : 0);
      for (int32_t p = start; p < start + len; ++p)
        out[consumers[static_cast<size_t>(i)]].push_back({topic, p});
    }
  }
  sort_lists(out);
  return out;
}

assignment_map assign_roundrobin(const std::vector<assignor_member>& members,
                                 const topic_partition_counts& counts) {
  const normalized n = normalize(members);
  assignment_map out = empty_result(n);
  if (n.ids.empty()) return out;
  size_t next = 0;  // circular position in n.ids
  for (const auto& topic : subscribed_topics(n, counts)) {
    for (int32_t p = 0; p < partition_count(counts, topic); ++p) {
      // Some member is subscribed (the topic came from a subscription), so this ends.
      while (!n.subs.at(n.ids[next]).count(topic)) next = (next + 1) % n.ids.size();
      out[n.ids[next]].push_back({topic, p});
      next = (next + 1) % n.ids.size();
    }
  }
  sort_lists(out);
  return out;
}

assignment_map assign_sticky(const std::vector<assignor_member>& members,
                             const topic_partition_counts& counts,
                             const assignment_map& previous) {
  const normalized n = normalize(members);
  // Eligible members of every partition to assign.
  std::map<topic_partition, std::vector<std::string>> eligible;
  for (const auto& topic : subscribed_topics(n, counts)) {
    std::vector<std::string> subs;
    for (const auto& id : n.ids)
      if (n.subs.at(id).count(topic)) subs.push_back(id);
    for (int32_t p = 0; p < partition_count(counts, topic); ++p) eligible[{topic, p}] = subs;
  }
  std::map<std::string, std::set<topic_partition>> owned;
  for (const auto& id : n.ids) owned[id];
  std::map<topic_partition, std::string> owner;

  // 1. Keep valid previous ownership (owner present and subscribed, partition exists, and not
  //    claimed twice).
  for (const auto& [id, list] : previous) {
    auto sub = n.subs.find(id);
    if (sub == n.subs.end()) continue;
    for (const auto& tp : list) {
      if (!eligible.count(tp) || !sub->second.count(tp.topic) || owner.count(tp)) continue;
      owner[tp] = id;
      owned[id].insert(tp);
    }
  }
  auto least_loaded = [&](const std::vector<std::string>& candidates, const std::string& skip) {
    const std::string* best = nullptr;
    for (const auto& id : candidates) {
      if (id == skip) continue;
      if (!best || owned[id].size() < owned[*best].size()) best = &id;  // ties: smallest id
    }
    return best;
  };
  // 2. Place the unowned partitions on the least loaded subscriber.
  for (const auto& [tp, subs] : eligible) {
    if (owner.count(tp)) continue;
    const std::string* id = least_loaded(subs, {});
    owner[tp] = *id;
    owned[*id].insert(tp);
  }
  // 3. Balance: move a partition from a more loaded member to an eligible member with at least
  //    two fewer, until no such move exists. Each move lowers the sum of squared counts, so this
  //    terminates.
  for (bool moved = true; moved;) {
    moved = false;
    std::vector<std::string> by_load = n.ids;
    std::stable_sort(by_load.begin(), by_load.end(), [&](const auto& a, const auto& b) {
      return owned[a].size() > owned[b].size();
    });
    for (const auto& from : by_load) {
      const auto& mine = owned[from];
      for (auto it = mine.rbegin(); it != mine.rend(); ++it) {
        const std::string* to = least_loaded(eligible[*it], from);
        if (to && owned[*to].size() + 1 < mine.size()) {
          const topic_partition tp = *it;  // copy: the erase below invalidates `it`
          const std::string dest = *to;
          owned[from].erase(tp);
          owned[dest].insert(tp);
          owner[tp] = dest;
          moved = true;
          break;
        }
      }
      if (moved) break;
    }
  }
  assignment_map out;
  for (const auto& [id, set] : owned) out[id].assign(set.begin(), set.end());
  return out;
}

bool is_known_assignor(std::string_view name) {
  return name == "range" || name == "roundrobin" || name == "sticky";
}

std::optional<assignment_map> run_assignor(std::string_view name,
                                           const std::vector<assignor_member>& members,
                                           const topic_partition_counts& counts,
                                           const assignment_map& previous) {
  if (name == "range") return assign_range(members, counts);
  if (name == "roundrobin") return assign_roundrobin(members, counts);
  if (name == "sticky") return assign_sticky(members, counts, previous);
  return std::nullopt;
}

}  // namespace fluxo::group
