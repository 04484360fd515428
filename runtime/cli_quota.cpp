// `fluxo quota set|remove|list`: Kafka's client quotas (producer_byte_rate, consumer_byte_rate,
// request_percentage)
// per user and/or client id, kept in __fluxo_security (see actors/security/quota.hpp). Brokers
// apply a change within about a second.
#include <CLI/CLI.hpp>
#include <iostream>

#include "actors/security/security_state.hpp"
#include "runtime/cli_common.hpp"
#include "runtime/security_topic.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {

namespace {

struct quota_options {
  std::string user;       // a name, "default" for every user, or empty
  std::string client_id;  // likewise
  double producer_byte_rate = 0;
  double consumer_byte_rate = 0;
  double request_percentage = 0;
};

std::optional<std::string> entity_part(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s == "default" ? std::string(security::default_entity) : s;
}

std::optional<security::quota_entity> entity_of(const quota_options& o) {
  security::quota_entity e{entity_part(o.user), entity_part(o.client_id)};
  if (!e.user && !e.client_id) {
    std::cerr << "error: give --user and/or --client-id (a name, or default for every one)\n";
    return std::nullopt;
  }
  return e;
}

std::string describe(const security::quota_entity& e) {
  std::string out;
  if (e.user) out += "user " + *e.user;
  if (e.client_id) out += std::string(out.empty() ? "" : ", ") + "client-id " + *e.client_id;
  return out;
}

}  // namespace

void add_quota_commands(CLI::App& app) {
  auto common = std::make_shared<common_options>();
  auto* cmd = app.add_subcommand("quota", "Client quotas (Kafka's producer_byte_rate / consumer_byte_rate / request_percentage): set, remove, list");
  cmd->require_subcommand(1);
  add_connection_options(cmd, *common);
  cmd->fallthrough();

  auto set_opts = std::make_shared<quota_options>();
  auto* set = cmd->add_subcommand("set", "Set the quota of a user and/or client id (replaces what it had)");
  set->add_option("--user", set_opts->user, "User name, or default (every user without a quota of its own)");
  set->add_option("--client-id", set_opts->client_id, "Client id, or default");
  set->add_option("--producer-byte-rate", set_opts->producer_byte_rate, "Bytes/s produced before throttling");
  set->add_option("--consumer-byte-rate", set_opts->consumer_byte_rate, "Bytes/s fetched before throttling");
  set->add_option("--request-percentage", set_opts->request_percentage,
                  "Share of one broker thread its requests may take, in percent (100 = one thread)");
  set->callback([common, set_opts] {
    auto e = entity_of(*set_opts);
    if (!e) return set_exit_code(2);
    security::quota_config c;
    if (set_opts->producer_byte_rate > 0) c.producer_byte_rate = set_opts->producer_byte_rate;
    if (set_opts->consumer_byte_rate > 0) c.consumer_byte_rate = set_opts->consumer_byte_rate;
    if (set_opts->request_percentage > 0) c.request_percentage = set_opts->request_percentage;
    if (!c.producer_byte_rate && !c.consumer_byte_rate && !c.request_percentage) {
      std::cerr << "error: give --producer-byte-rate, --consumer-byte-rate and/or --request-percentage (> 0)\n";
      return set_exit_code(2);
    }
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto st = runtime::write_security_records(*conn, {{security::quota_record_key(*e), security::format_quota_config(c)}});
    if (int rc = report(st, "quota of " + describe(*e))) return set_exit_code(rc);
    std::cout << "quota of " << describe(*e) << " set\n";
    set_exit_code(0);
  });

  auto rm_opts = std::make_shared<quota_options>();
  auto* remove = cmd->add_subcommand("remove", "Remove the quota of a user and/or client id");
  remove->add_option("--user", rm_opts->user, "User name, or default");
  remove->add_option("--client-id", rm_opts->client_id, "Client id, or default");
  remove->callback([common, rm_opts] {
    auto e = entity_of(*rm_opts);
    if (!e) return set_exit_code(2);
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto st = runtime::write_security_records(*conn, {{security::quota_record_key(*e), std::nullopt}});
    if (int rc = report(st, "quota of " + describe(*e))) return set_exit_code(rc);
    std::cout << "quota of " << describe(*e) << " removed\n";
    set_exit_code(0);
  });

  auto* list = cmd->add_subcommand("list", "Every quota");
  list->callback([common] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto [st, state] = runtime::read_security_state(*conn);
    if (report(st, "reading quotas")) return set_exit_code(1);
    for (const auto& [e, c] : state.quotas.all()) {
      std::cout << describe(e);
      if (c.producer_byte_rate) std::cout << "  producer_byte_rate=" << static_cast<int64_t>(*c.producer_byte_rate);
      if (c.consumer_byte_rate) std::cout << "  consumer_byte_rate=" << static_cast<int64_t>(*c.consumer_byte_rate);
      if (c.request_percentage) std::cout << "  request_percentage=" << *c.request_percentage;
      std::cout << "\n";
    }
    set_exit_code(0);
  });
}

}  // namespace fluxo::cli
