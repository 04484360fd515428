// `fluxo cluster status|reassign|elect-leaders|drain`: seeing and operating a cluster through
// any of its nodes (--broker). Changes are requested from the controller through the metadata
// store; the commands wait (bounded) until the cluster shows them done, and say so.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "runtime/admin_json.hpp"
#include "runtime/cli_common.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {
namespace {

using namespace std::chrono_literals;
using client::status;

std::string ids(const std::vector<int32_t>& v) {
  std::string out;
  for (auto n : v) out += (out.empty() ? "" : ",") + std::to_string(n);
  return out.empty() ? std::string("-") : out;
}

struct health {
  int partitions = 0;
  std::vector<std::string> under_replicated;
  std::vector<std::string> offline;
  std::vector<std::string> reassigning;
  std::map<int32_t, int> leaders;
};

health health_of(const std::vector<actors::topic_info>& topics) {
  health h;
  for (const auto& t : topics) {
    for (const auto& p : t.partitions) {
      ++h.partitions;
      const auto name = t.name + "/" + std::to_string(p.partition);
      if (p.leader_node < 0) {
        h.offline.push_back(name);
      } else {
        ++h.leaders[p.leader_node];
      }
      if (p.isr.size() < p.replicas.size()) h.under_replicated.push_back(name);
      if (!p.target_replicas.empty()) h.reassigning.push_back(name + " -> " + ids(p.target_replicas));
    }
  }
  return h;
}

// Polls fn (true = done) every 100 ms for at most `limit`; returns whether it got done.
template <class Fn>
bool wait_until(std::chrono::milliseconds limit, Fn fn) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return fn();
}

std::optional<std::vector<int32_t>> parse_ids(const std::string& text) {
  std::vector<int32_t> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    try {
      out.push_back(std::stoi(part));
    } catch (...) {
      return std::nullopt;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

void add_cluster_commands(CLI::App& app) {
  auto common = std::make_shared<common_options>();
  auto* cluster = app.add_subcommand("cluster", "See and operate a cluster: status, reassign, elect-leaders, drain");
  cluster->require_subcommand(1);
  add_connection_options(cluster, *common, "Any node of the cluster, host:port");
  cluster->add_flag("--json", common->json, "Print JSON instead of tables");

  auto* st = cluster->add_subcommand("status", "Nodes, controller, under-replicated and offline partitions");
  st->callback([common] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto [cs, info] = conn->describe_cluster();
    if (!cs.ok()) return set_exit_code(report(cs, "cluster status"));
    status ts;
    auto topics = conn->list_topics(&ts);
    if (!ts.ok()) return set_exit_code(report(ts, "list topics"));
    auto h = health_of(topics);
    if (common->json) {
      auto j = runtime::cluster_json(info, topics);
      std::cout << j.dump() << "\n";
      return set_exit_code(0);
    }
    std::printf("cluster %s (%s), metadata in %s\n", info.cluster_id.c_str(), info.single_node ? "single node" : "cluster",
                info.store.c_str());
    std::printf("controller: node %d (epoch %lld)\n", info.controller_id, static_cast<long long>(info.controller_epoch));
    std::printf("%6s %-22s %-22s %-22s %8s\n", "NODE", "NODE ADDRESS", "KAFKA", "HTTP", "LEADERS");
    for (const auto& n : info.nodes) {
      std::string kafka = n.kafka_port > 0 ? n.kafka_host + ":" + std::to_string(n.kafka_port) : "-";
      std::printf("%6d %-22s %-22s %-22s %8d%s%s\n", n.id, (n.host + ":" + std::to_string(n.port)).c_str(), kafka.c_str(),
                  n.http_addr.empty() ? "-" : n.http_addr.c_str(), h.leaders[n.id], n.id == info.controller_id ? "  controller" : "",
                  n.draining ? "  draining" : "");
    }
    std::printf("partitions: %d, under-replicated: %zu, offline: %zu, reassigning: %zu\n", h.partitions,
                h.under_replicated.size(), h.offline.size(), h.reassigning.size());
    for (const auto& p : h.offline) std::printf("  OFFLINE %s\n", p.c_str());
    for (const auto& p : h.under_replicated) std::printf("  under-replicated %s\n", p.c_str());
    for (const auto& p : h.reassigning) std::printf("  reassigning %s\n", p.c_str());
    set_exit_code(h.offline.empty() ? 0 : 1);
  });

  struct reassign_opts {
    std::string topic;
    int32_t partition = 0;
    std::string replicas;
    int64_t wait_s = 120;
  };
  auto ro = std::make_shared<reassign_opts>();
  auto* re = cluster->add_subcommand("reassign", "Move a partition's replicas: add the new ones, catch them up, drop the old");
  re->add_option("topic", ro->topic, "Topic")->required();
  re->add_option("--partition", ro->partition, "Partition")->required();
  re->add_option("--replicas", ro->replicas, "New replicas, e.g. 1,2,3 (the first is the preferred leader)")->required();
  re->add_option("--wait", ro->wait_s, "Seconds to wait for the move to finish (0 = return at once)")->capture_default_str();
  re->callback([common, ro] {
    auto replicas = parse_ids(ro->replicas);
    if (!replicas) {
      std::cerr << "error: --replicas takes node ids like 1,2,3\n";
      return set_exit_code(2);
    }
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto s = conn->reassign_partition({ro->topic, ro->partition}, *replicas);
    if (!s.ok()) return set_exit_code(report(s, "reassign " + ro->topic + "/" + std::to_string(ro->partition)));
    if (ro->wait_s <= 0) {
      std::printf("reassignment of %s/%d to %s requested\n", ro->topic.c_str(), ro->partition, ids(*replicas).c_str());
      return set_exit_code(0);
    }
    const auto started = std::chrono::steady_clock::now();
    bool done = wait_until(std::chrono::seconds(ro->wait_s), [&] {
      auto t = conn->describe_topic(ro->topic);
      if (t.error_code != 0 || ro->partition >= static_cast<int32_t>(t.partitions.size())) return false;
      const auto& p = t.partitions[static_cast<size_t>(ro->partition)];
      return p.replicas == *replicas && p.target_replicas.empty() && p.isr.size() == replicas->size();
    });
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (!done) {
      std::cerr << "error: the reassignment of " << ro->topic << "/" << ro->partition << " did not finish within " << ro->wait_s
                << " s (it goes on; see `fluxo cluster status`)\n";
      return set_exit_code(1);
    }
    std::printf("%s/%d now on %s (%lld ms)\n", ro->topic.c_str(), ro->partition, ids(*replicas).c_str(), static_cast<long long>(ms));
    set_exit_code(0);
  });

  auto* el = cluster->add_subcommand("elect-leaders", "Move leadership to the preferred replicas that are in sync");
  el->callback([common] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto s = conn->elect_preferred_leaders();
    if (!s.ok()) return set_exit_code(report(s, "elect leaders"));
    bool settled = wait_until(10s, [&] {
      status ts;
      for (const auto& t : conn->list_topics(&ts)) {
        for (const auto& p : t.partitions) {
          if (p.replicas.empty() || p.leader_node == p.replicas.front()) continue;
          if (std::find(p.isr.begin(), p.isr.end(), p.replicas.front()) != p.isr.end()) return false;
        }
      }
      return ts.ok();
    });
    std::printf(settled ? "every partition whose preferred replica is in sync is led by it\n"
                        : "elections requested; some partitions have not moved yet\n");
    set_exit_code(0);
  });

  struct drain_opts {
    int32_t node = -1;
    bool undo = false;
    int64_t wait_s = 60;
  };
  auto dr = std::make_shared<drain_opts>();
  auto* dn = cluster->add_subcommand("drain", "Move a node's leaders and replicas away (before stopping it)");
  dn->add_option("node", dr->node, "Node id")->required();
  dn->add_flag("--undo", dr->undo, "Stop draining the node (it takes leaders and replicas again)");
  dn->add_option("--wait", dr->wait_s, "Seconds to wait for its leaders to move (0 = return at once)")->capture_default_str();
  dn->callback([common, dr] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    const auto started = std::chrono::steady_clock::now();
    auto s = conn->drain_node(dr->node, !dr->undo);
    if (!s.ok()) return set_exit_code(report(s, "drain node " + std::to_string(dr->node)));
    if (dr->undo || dr->wait_s <= 0) {
      std::printf("node %d %s\n", dr->node, dr->undo ? "no longer drains" : "drains");
      return set_exit_code(0);
    }
    int leading = -1;
    bool moved = wait_until(std::chrono::seconds(dr->wait_s), [&] {
      status ts;
      leading = 0;
      for (const auto& t : conn->list_topics(&ts)) {
        for (const auto& p : t.partitions) leading += p.leader_node == dr->node;
      }
      return ts.ok() && leading == 0;
    });
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (!moved) {
      std::cerr << "error: node " << dr->node << " still leads " << leading << " partitions after " << dr->wait_s
                << " s (no other in-sync replica?)\n";
      return set_exit_code(1);
    }
    std::printf("node %d leads nothing now (%lld ms); its replicas move where another node can take them\n", dr->node,
                static_cast<long long>(ms));
    set_exit_code(0);
  });
}

}  // namespace fluxo::cli
