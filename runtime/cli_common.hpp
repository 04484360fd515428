// Shared pieces of the client subcommands (topic, produce, consume, group): the --broker
// connection and how failures are reported. Exit codes: 0 ok, 1 the broker refused or failed
// (the message says what to do), 2 usage errors.
#pragma once

#include <memory>
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
};

// --broker (described by `broker_help`) and --tls-cert/--tls-key/--tls-ca for a node port with
// mutual TLS (also from FLUXO_TLS_CERT, FLUXO_TLS_KEY, FLUXO_TLS_CA).
void add_connection_options(CLI::App* cmd, common_options& o, const std::string& broker_help = "Broker node address host:port");

// Opens a connection to --broker; prints why on failure and returns nullptr.
std::unique_ptr<client::connection> connect(const common_options& o);

// 0 when ok; else prints "error: <what>: <KAFKA_ERROR> — <message>" and returns 1.
int report(const client::status& st, const std::string& what);

// "12.3 KiB", "4.0 MiB" ...
std::string human_bytes(int64_t bytes);
// "850 ms", "5.3 s", "2.0 min", "3.1 h"
std::string human_duration_ms(int64_t ms);

}  // namespace fluxo::cli
