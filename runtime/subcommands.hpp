// Registration of `fluxo` subcommands. Each add_* attaches a subcommand to `parent` whose
// callback runs the command and records its exit code (read back with exit_code()).
#pragma once

namespace CLI {
class App;
}

namespace fluxo::cli {

void add_log_inspect(CLI::App& parent);
void add_bench_storage(CLI::App& parent);
void add_broker(CLI::App& parent);
void add_bench_client(CLI::App& parent);
void add_bench_kafka(CLI::App& parent);
void add_client_commands(CLI::App& app);
void add_group_commands(CLI::App& app);
void add_dlq_commands(CLI::App& app);
void add_cluster_commands(CLI::App& app);
void add_user_commands(CLI::App& app);
void add_quota_commands(CLI::App& app);
void add_acl_commands(CLI::App& app);

// Exit codes: 0 ok, 1 the command failed (I/O, corruption found...), 2 bad usage.
void set_exit_code(int code);
int exit_code();

}  // namespace fluxo::cli
