#include "runtime/cli_common.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "actors/common/kafka_error.hpp"

namespace fluxo::cli {

void add_connection_options(CLI::App* cmd, common_options& o, const std::string& broker_help) {
  cmd->add_option("--broker", o.broker, broker_help)->capture_default_str();
  cmd->add_option("--tls-cert", o.tls.cert, "Client certificate for a node port with mutual TLS (PEM)")->envname("FLUXO_TLS_CERT");
  cmd->add_option("--tls-key", o.tls.key, "Its private key (PEM)")->envname("FLUXO_TLS_KEY");
  cmd->add_option("--tls-ca", o.tls.ca, "CA of the broker's certificate (PEM)")->envname("FLUXO_TLS_CA");
}

std::unique_ptr<client::connection> connect(const common_options& o) {
  client::connection_options co;
  co.broker = o.broker;
  co.tls = o.tls;
  co.request_timeout = std::chrono::seconds(15);
  std::string err;
  auto c = client::connection::open(co, &err);
  if (!c) std::cerr << "error: " << err << "\n";
  return c;
}

int report(const client::status& st, const std::string& what) {
  if (st.ok()) return 0;
  std::cerr << "error: " << what << ": " << actors::kafka_error_name(st.code) << (st.message.empty() ? "" : " — ")
            << st.message << "\n";
  return 1;
}

std::string human_bytes(int64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string human_duration_ms(int64_t ms) {
  char buf[32];
  const double v = static_cast<double>(ms);
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1f s", v / 1e3);
  } else if (ms < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%.1f min", v / 6e4);
  } else if (ms < 86'400'000) {
    std::snprintf(buf, sizeof buf, "%.1f h", v / 3.6e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f d", v / 8.64e7);
  }
  return buf;
}

}  // namespace fluxo::cli
