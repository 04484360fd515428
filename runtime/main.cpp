// fluxo: one executable, many subcommands.
//   fluxo broker [--config FILE] ...  run a broker node (see --help)
//   fluxo log inspect <dir>        print segments and batches of a partition log (read-only)
//   fluxo bench storage ...        append/read/reopen benchmark of the storage engine
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "runtime/subcommands.hpp"

int main(int argc, char** argv) {
  // Logs go to stderr (stdout carries command output such as JSON lines); client commands only
  // show warnings, `fluxo broker --log-level` sets its own level.
  spdlog::set_default_logger(spdlog::stderr_color_mt("fluxo"));
  spdlog::set_level(spdlog::level::warn);
  CLI::App app{"fluxo: an event streaming broker and actor runtime"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "fluxo 0.1.0");
  // --config FILE: a TOML file whose [broker] section sets any `fluxo broker` option (flags
  // given on the command line win). Accepted before or after the subcommand name.
  app.set_config("--config", "", "TOML file with options, e.g. [broker] data-dir = \"/var/lib/fluxo\"");
  app.fallthrough();

  fluxo::cli::add_broker(app);
  fluxo::cli::add_client_commands(app);
  fluxo::cli::add_group_commands(app);
  fluxo::cli::add_dlq_commands(app);
  fluxo::cli::add_cluster_commands(app);
  fluxo::cli::add_user_commands(app);
  fluxo::cli::add_quota_commands(app);
  fluxo::cli::add_acl_commands(app);

  auto* log_cmd = app.add_subcommand("log", "Work with partition log directories");
  log_cmd->require_subcommand(1);
  fluxo::cli::add_log_inspect(*log_cmd);

  auto* bench_cmd = app.add_subcommand("bench", "Benchmarks");
  bench_cmd->require_subcommand(1);
  fluxo::cli::add_bench_storage(*bench_cmd);
  fluxo::cli::add_bench_client(*bench_cmd);
  fluxo::cli::add_bench_kafka(*bench_cmd);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help / --version exit 0; every usage error exits 2 (CLI11's own codes vary by kind).
    return app.exit(e) == 0 ? 0 : 2;
  }
  return fluxo::cli::exit_code();
}
