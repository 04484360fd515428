// `fluxo user create|set-password|delete|list`: the users SASL listeners authenticate, kept in
// __fluxo_security (see actors/security/users.hpp). The CLI derives the SCRAM credentials
// itself, so the password never leaves this process; only salt, StoredKey, ServerKey and the
// iteration count are written. `create --data-dir D` works offline, before a broker's first
// start (like kafka-storage format --add-scram): the broker imports it when it starts.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "actors/security/scram.hpp"
#include "actors/security/users.hpp"
#include "runtime/cli_common.hpp"
#include "runtime/security_topic.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {

namespace {

using security::scram_mechanism;

struct user_options {
  std::string name;
  std::string mechanism = "all";
  std::string password_file;
  int32_t iterations = security::min_scram_iterations;
  std::string data_dir;
};

std::optional<std::vector<scram_mechanism>> mechanisms_of(const std::string& text) {
  if (text == "all") return std::vector{scram_mechanism::sha256, scram_mechanism::sha512};
  if (auto m = security::parse_scram_mechanism(text)) return std::vector{*m};
  return std::nullopt;
}

// Checks the options shared by create and set-password; prints why and returns 2 if wrong.
int check(const user_options& o, std::vector<scram_mechanism>& mechanisms, std::string& password) {
  if (!security::valid_user_name(o.name)) {
    std::cerr << "error: a user name is 1-255 printable characters without '/' or spaces\n";
    return 2;
  }
  auto ms = mechanisms_of(o.mechanism);
  if (!ms) {
    std::cerr << "error: --mechanism must be SCRAM-SHA-256, SCRAM-SHA-512 or all\n";
    return 2;
  }
  mechanisms = *ms;
  if (o.iterations < security::min_scram_iterations || o.iterations > security::max_scram_iterations) {
    std::cerr << "error: --iterations must be between " << security::min_scram_iterations << " and "
              << security::max_scram_iterations << "\n";
    return 2;
  }
  auto pw = read_password(o.password_file);
  if (!pw || pw->empty()) {
    std::cerr << "error: no password in " << (o.password_file == "-" ? "standard input" : o.password_file) << "\n";
    return 2;
  }
  password = *pw;
  return 0;
}

std::vector<std::pair<std::string, std::string>> credential_records(const user_options& o,
                                                                    const std::vector<scram_mechanism>& mechanisms,
                                                                    const std::string& password) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto m : mechanisms) {
    out.emplace_back(security::scram_record_key(m, o.name),
                     security::format_scram_credential(security::new_scram_credential(m, password, o.iterations)));
  }
  return out;
}

// The users as __fluxo_security holds them now.
std::optional<security::user_store> current_users(client::connection& conn) {
  auto [st, state] = runtime::read_security_state(conn);
  if (report(st, "reading users")) return std::nullopt;
  return std::move(state.users);
}

bool exists(const security::user_store& users, const std::string& name) {
  for (const auto& u : users.list()) {
    if (u.name == name) return true;
  }
  return false;
}

int write_records(client::connection& conn, const std::vector<std::pair<std::string, std::optional<std::string>>>& records,
                  const std::string& what) {
  return report(runtime::write_security_records(conn, records), what);
}

int create_or_set(const common_options& common, const user_options& o, bool must_exist) {
  std::vector<scram_mechanism> mechanisms;
  std::string password;
  if (int rc = check(o, mechanisms, password)) return rc;
  auto records = credential_records(o, mechanisms, password);
  if (!o.data_dir.empty()) {
    for (const auto& [key, value] : records) {
      std::string error;
      if (!runtime::append_security_bootstrap(o.data_dir, key, value, &error)) {
        std::cerr << "error: " << error << "\n";
        return 1;
      }
    }
    std::cout << "user " << o.name << " will be created when a broker starts with --data-dir " << o.data_dir << "\n";
    return 0;
  }
  auto conn = connect(common);
  if (!conn) return 1;
  auto users = current_users(*conn);
  if (!users) return 1;
  if (must_exist && !exists(*users, o.name)) {
    std::cerr << "error: no user " << o.name << " (create it with fluxo user create)\n";
    return 1;
  }
  if (!must_exist && exists(*users, o.name)) {
    std::cerr << "error: user " << o.name << " exists already (change its password with fluxo user set-password)\n";
    return 1;
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> writes(records.begin(), records.end());
  if (int rc = write_records(*conn, writes, "user " + o.name)) return rc;
  std::cout << (must_exist ? "password of user " : "created user ") << o.name << (must_exist ? " changed" : "") << "\n";
  return 0;
}

}  // namespace

void add_user_commands(CLI::App& app) {
  auto common = std::make_shared<common_options>();
  auto* cmd = app.add_subcommand("user", "Users of SASL listeners (SCRAM-SHA-256/512, PLAIN): create, change, delete, list");
  cmd->require_subcommand(1);
  add_connection_options(cmd, *common);
  cmd->fallthrough();

  auto add_password_options = [](CLI::App* sub, user_options& o) {
    sub->add_option("name", o.name, "User name")->required();
    sub->add_option("--password-file", o.password_file, "File whose first line is the password (- = standard input)")
        ->required();
    sub->add_option("--mechanism", o.mechanism, "SCRAM-SHA-256, SCRAM-SHA-512 or all")->capture_default_str();
    sub->add_option("--iterations", o.iterations, "SCRAM iterations (4096-16384)")->capture_default_str();
  };

  auto created = std::make_shared<user_options>();
  auto* create = cmd->add_subcommand("create", "Create a user (its credentials are derived here, never sent as a password)");
  add_password_options(create, *created);
  create->add_option("--data-dir", created->data_dir,
                     "Offline: write the user into this broker data dir, imported at the broker's next start");
  create->callback([common, created] { set_exit_code(create_or_set(*common, *created, false)); });

  auto changed = std::make_shared<user_options>();
  auto* set_password = cmd->add_subcommand("set-password", "Change a user's password");
  add_password_options(set_password, *changed);
  set_password->callback([common, changed] { set_exit_code(create_or_set(*common, *changed, true)); });

  auto deleted = std::make_shared<std::string>();
  auto* remove = cmd->add_subcommand("delete", "Delete a user (connections it opened stay open)");
  remove->add_option("name", *deleted, "User name")->required();
  remove->callback([common, deleted] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto users = current_users(*conn);
    if (!users) return set_exit_code(1);
    if (!exists(*users, *deleted)) {
      std::cerr << "error: no user " << *deleted << "\n";
      return set_exit_code(1);
    }
    std::vector<std::pair<std::string, std::optional<std::string>>> tombstones;
    for (auto m : {scram_mechanism::sha256, scram_mechanism::sha512}) {
      tombstones.emplace_back(security::scram_record_key(m, *deleted), std::nullopt);
    }
    if (int rc = write_records(*conn, tombstones, "user " + *deleted)) return set_exit_code(rc);
    std::cout << "deleted user " << *deleted << "\n";
    set_exit_code(0);
  });

  auto* list = cmd->add_subcommand("list", "Users and their SCRAM mechanisms");
  list->callback([common] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto users = current_users(*conn);
    if (!users) return set_exit_code(1);
    for (const auto& u : users->list()) {
      std::cout << u.name;
      for (const auto& [m, iterations] : u.mechanisms) {
        std::cout << "  " << security::scram_mechanism_name(m) << " (" << iterations << " iterations)";
      }
      std::cout << "\n";
    }
    set_exit_code(0);
  });
}

}  // namespace fluxo::cli
