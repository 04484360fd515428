// `fluxo group list|describe|reset-offsets|delete`: consumer groups from a terminal (Kafka and
// native members alike): state, members and their partitions, committed and end offsets, lag
// in records and in time, rebalance history; offset resets with --dry-run.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "actors/client/group_admin.hpp"
#include "runtime/admin_json.hpp"
#include "runtime/cli_common.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {
namespace {

using namespace fluxo::client;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void print_report(const group_report& r) {
  const auto& d = r.description;
  std::printf("group %s  state %s  protocol %s/%s  generation %d  members %zu  total lag %lld\n", d.group_id.c_str(),
              std::string(group::to_string(d.state)).c_str(), d.protocol_type.empty() ? "-" : d.protocol_type.c_str(),
              d.protocol_name.empty() ? "-" : d.protocol_name.c_str(), d.generation_id, r.members.size(),
              static_cast<long long>(r.total_lag));
  std::printf("\n%-30s %9s %12s %12s %10s %10s  %s\n", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "LAG TIME", "MEMBER");
  for (const auto& p : r.partitions) {
    std::printf("%-30s %9d %12s %12lld %10lld %10s  %s\n", p.tp.topic.c_str(), p.tp.partition,
                p.committed < 0 ? "-" : std::to_string(p.committed).c_str(), static_cast<long long>(p.end_offset),
                static_cast<long long>(p.lag), p.lag > 0 ? human_duration_ms(p.lag_ms).c_str() : "-",
                p.member_id.empty() ? "-" : p.member_id.c_str());
  }
  if (!r.members.empty()) {
    std::printf("\n%-44s %-20s %-18s %s\n", "MEMBER", "CLIENT", "HOST", "PARTITIONS");
    for (const auto& m : r.members) {
      std::string parts;
      for (const auto& tp : m.partitions) parts += (parts.empty() ? "" : " ") + tp.topic + "/" + std::to_string(tp.partition);
      std::printf("%-44s %-20s %-18s %s\n", m.member_id.c_str(), m.client_id.c_str(), m.client_host.c_str(), parts.c_str());
    }
  }
  if (!d.history.empty()) {
    std::printf("\nrebalance history (oldest first):\n");
    for (const auto& h : d.history) {
      std::printf("  %s ago  gen %d  %s\n", human_duration_ms(now_ms() - h.timestamp_ms).c_str(), h.generation_id, h.reason.c_str());
    }
  }
}

void add_list(CLI::App& parent, std::shared_ptr<common_options> common) {
  auto* list = parent.add_subcommand("list", "Consumer groups with state, members and total lag");
  list->callback([common] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    status st;
    auto groups = conn->list_groups(&st);
    if (!st.ok()) return set_exit_code(report(st, "list groups"));
    auto out = runtime::admin_json::array();
    if (!common->json) std::printf("%-40s %-20s %-10s %8s %12s\n", "GROUP", "STATE", "PROTOCOL", "MEMBERS", "LAG");
    for (const auto& g : groups) {
      auto r = build_group_report(*conn, g.group_id, now_ms());
      const long long lag = r.first.ok() ? static_cast<long long>(r.second.total_lag) : -1;
      const std::string state(group::to_string(g.state));
      if (common->json) {
        out.push_back(runtime::group_overview_json(g, lag));
      } else {
        std::printf("%-40s %-20s %-10s %8d %12lld\n", g.group_id.c_str(), state.c_str(),
                    g.protocol_type.empty() ? "-" : g.protocol_type.c_str(), g.members, lag);
      }
    }
    if (common->json) std::cout << out.dump() << "\n";
    set_exit_code(0);
  });
}

void add_describe(CLI::App& parent, std::shared_ptr<common_options> common) {
  auto id = std::make_shared<std::string>();
  auto* describe = parent.add_subcommand("describe", "Members and their partitions, offsets, lag (records and time), history");
  describe->add_option("group", *id, "Group id")->required();
  describe->callback([common, id] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto r = build_group_report(*conn, *id, now_ms());
    if (!r.first.ok()) return set_exit_code(report(r.first, "describe group " + *id + " (see `fluxo group list`)"));
    if (common->json) {
      std::cout << runtime::group_report_json(r.second).dump() << "\n";
    } else {
      print_report(r.second);
    }
    set_exit_code(0);
  });
}

void add_reset(CLI::App& parent, std::shared_ptr<common_options> common) {
  struct reset_opts {
    std::string group;
    std::string topic;
    std::string to;
    int64_t value = -1;
    std::vector<int32_t> partitions;
    bool dry_run = false;
  };
  auto o = std::make_shared<reset_opts>();
  auto* reset = parent.add_subcommand("reset-offsets", "Move a group's committed offsets (the group must have no members)");
  reset->add_option("group", o->group, "Group id")->required();
  reset->add_option("--topic", o->topic, "Topic")->required();
  reset->add_option("--to", o->to, "earliest | latest | timestamp | offset")->required();
  reset->add_option("--value", o->value, "The timestamp (ms since epoch) or offset for --to timestamp|offset");
  reset->add_option("--partitions", o->partitions, "Only these partitions (default: all)")->delimiter(',');
  reset->add_flag("--dry-run", o->dry_run, "Show the new offsets without writing them");
  reset->callback([common, o] {
    reset_target target;
    if (!parse_reset_target(o->to, target)) {
      std::cerr << "error: --to takes earliest, latest, timestamp or offset, got '" << o->to << "'\n";
      return set_exit_code(2);
    }
    if ((target == reset_target::timestamp || target == reset_target::offset) && o->value < 0) {
      std::cerr << "error: --to " << o->to << " needs --value (a " << (target == reset_target::offset ? "offset" : "timestamp in ms")
                << " >= 0)\n";
      return set_exit_code(2);
    }
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto plan = plan_offset_reset(*conn, o->group, o->topic, target, o->value, o->partitions);
    if (!plan.first.ok()) return set_exit_code(report(plan.first, "reset offsets of " + o->group));
    if (!o->dry_run) {
      if (int rc = report(apply_offset_reset(*conn, o->group, plan.second), "reset offsets of " + o->group)) return set_exit_code(rc);
    }
    if (common->json) {
      std::cout << runtime::offset_changes_json(o->dry_run, plan.second).dump() << "\n";
    } else {
      std::printf("%-30s %9s %12s %12s\n", "TOPIC", "PARTITION", "FROM", "TO");
      for (const auto& c : plan.second) {
        std::printf("%-30s %9d %12s %12lld\n", c.tp.topic.c_str(), c.tp.partition, c.from < 0 ? "-" : std::to_string(c.from).c_str(),
                    static_cast<long long>(c.to));
      }
      std::printf(o->dry_run ? "dry run: nothing written (drop --dry-run to apply)\n" : "offsets reset\n");
    }
    set_exit_code(0);
  });
}

void add_delete(CLI::App& parent, std::shared_ptr<common_options> common) {
  auto id = std::make_shared<std::string>();
  auto* del = parent.add_subcommand("delete", "Delete a group and its committed offsets (the group must have no members)");
  del->add_option("group", *id, "Group id")->required();
  del->callback([common, id] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto st = conn->delete_group(*id);
    if (st.ok()) std::cout << "deleted group " << *id << "\n";
    set_exit_code(report(st, "delete group " + *id));
  });
}

}  // namespace

void add_group_commands(CLI::App& app) {
  auto common = std::make_shared<common_options>();
  auto* cmd = app.add_subcommand("group", "List, describe, reset offsets of and delete consumer groups");
  cmd->require_subcommand(1);
  add_connection_options(cmd, *common);
  cmd->add_flag("--json", common->json, "JSON output");
  cmd->fallthrough();
  add_list(*cmd, common);
  add_describe(*cmd, common);
  add_reset(*cmd, common);
  add_delete(*cmd, common);
}

}  // namespace fluxo::cli
