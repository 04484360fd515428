// `fluxo dlq list|replay DLT`: dead letters written by the native client's retrying consumer
// (actors/client/retry.hpp): what failed, where it came from, why; and sending them back.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "actors/client/retry.hpp"
#include "runtime/cli_common.hpp"
#include "runtime/record_format.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {

void add_dlq_commands(CLI::App& app) {
  auto common = std::make_shared<common_options>();
  auto* cmd = app.add_subcommand("dlq", "Dead-letter topics of retrying consumers: list and replay");
  cmd->require_subcommand(1);
  add_connection_options(cmd, *common);
  cmd->fallthrough();

  auto topic = std::make_shared<std::string>();
  auto* list = cmd->add_subcommand("list", "Dead letters as JSON lines (record plus origin, attempts and last error)");
  list->add_option("topic", *topic, "Dead-letter topic, e.g. orders.dlt")->required();
  list->callback([common, topic] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto st = client::scan_topic(*conn, conn->describe_topic(*topic), 0, [](client::consumed_record&& rec) {
      std::cout << runtime::record_json_line(rec, "text") << "\n";
    });
    set_exit_code(report(st, "dlq list " + *topic));
  });

  auto replay_topic = std::make_shared<std::string>();
  auto from = std::make_shared<int64_t>(0);
  auto* replay = cmd->add_subcommand("replay", "Send every dead letter back to its original topic (fluxo.* headers removed)");
  replay->add_option("topic", *replay_topic, "Dead-letter topic, e.g. orders.dlt")->required();
  replay->add_option("--from-offset", *from, "Only dead letters at or after this offset (each partition)")->capture_default_str();
  replay->callback([common, replay_topic, from] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    uint64_t skipped = 0;
    auto [st, sent] = client::replay_dead_letters(*conn, *replay_topic, *from, {}, &skipped);
    if (int rc = report(st, "dlq replay " + *replay_topic)) return set_exit_code(rc);
    std::cout << "replayed " << sent << " dead letters from " << *replay_topic << "\n";
    if (skipped) std::cout << "skipped " << skipped << " naming an internal topic (__*)\n";
    set_exit_code(0);
  });
}

}  // namespace fluxo::cli
