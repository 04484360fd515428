// Shared pieces of the client subcommands (topic, produce, consume, group): the --broker
// connection and how failures are reported. Exit codes: 0 ok, 1 the broker refused or failed
// (the message says what to do), 2 usage errors.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "actors/client/client.hpp"

namespace CLI {
class App;
}

namespace fluxo::cli {

struct common_options {
  std::string broker = "127.0.0.1:4242";
  bool json = false;
  actors::node_tls_files tls;  // the broker's node port uses mutual TLS (--node-tls)
  // The login for a node port that requires one (--node-auth required).
  std::string user;
  std::string password_file;
  std::string mechanism;
  std::string config_file;     // -F: kcat-style key=value lines (sasl.username, sasl.password, ...)
};

// --broker (described by `broker_help`); --tls-cert/--tls-key/--tls-ca for a node port with
// mutual TLS (also FLUXO_TLS_CERT, FLUXO_TLS_KEY, FLUXO_TLS_CA); the login: --user and
// --password-file (FLUXO_USER, FLUXO_PASSWORD_FILE), --sasl-mechanism, or -F FILE with Kafka's
// client settings sasl.username, sasl.password, sasl.mechanism(s), ssl.certificate.location,
// ssl.key.location, ssl.ca.location (flags win over the file).
void add_connection_options(CLI::App* cmd, common_options& o, const std::string& broker_help = "Broker node address host:port");

// The first line of the file ("-": standard input), without its line end.
std::optional<std::string> read_password(const std::string& file);

// --broker, the TLS files and the login into `co`; false (and printed why) when unusable.
bool fill_connection_options(const common_options& o, client::connection_options& co);

// Opens a connection to --broker; prints why on failure and returns nullptr.
std::unique_ptr<client::connection> connect(const common_options& o);

// 0 when ok; else prints "error: <what>: <KAFKA_ERROR> — <message>" and returns 1.
int report(const client::status& st, const std::string& what);

// "12.3 KiB", "4.0 MiB" ...
std::string human_bytes(int64_t bytes);
// "850 ms", "5.3 s", "2.0 min", "3.1 h"
std::string human_duration_ms(int64_t ms);

}  // namespace fluxo::cli
