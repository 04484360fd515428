#include "runtime/cli_common.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "actors/common/kafka_error.hpp"
#include "runtime/rdkafka_settings.hpp"

namespace fluxo::cli {

void add_connection_options(CLI::App* cmd, common_options& o, const std::string& broker_help) {
  cmd->add_option("--broker", o.broker, broker_help)->capture_default_str();
  cmd->add_option("--tls-cert", o.tls.cert, "Client certificate for a node port with mutual TLS (PEM)")->envname("FLUXO_TLS_CERT");
  cmd->add_option("--tls-key", o.tls.key, "Its private key (PEM)")->envname("FLUXO_TLS_KEY");
  cmd->add_option("--tls-ca", o.tls.ca, "CA of the broker's certificate (PEM)")->envname("FLUXO_TLS_CA");
  cmd->add_option("--user", o.user, "Log in as this user on a node port that requires logins")->envname("FLUXO_USER");
  cmd->add_option("--password-file", o.password_file, "File whose first line is that user's password (- = standard input)")
      ->envname("FLUXO_PASSWORD_FILE");
  cmd->add_option("--sasl-mechanism", o.mechanism, "SCRAM-SHA-512 (default) or SCRAM-SHA-256");
  cmd->add_option("-F", o.config_file,
                  "File of client settings, key=value per line (kcat's -F): sasl.username, sasl.password, "
                  "sasl.mechanism, ssl.certificate.location, ssl.key.location, ssl.ca.location");
}

std::optional<std::string> read_password(const std::string& file) {
  std::string line;
  if (file == "-") {
    if (!std::getline(std::cin, line)) return std::nullopt;
  } else {
    std::ifstream in(file);
    if (!in || !std::getline(in, line)) return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool fill_connection_options(const common_options& o, client::connection_options& co) {
  co.broker = o.broker;
  co.tls = o.tls;
  if (!o.config_file.empty()) {
    rdkafka_settings settings;
    std::string error;
    if (!add_settings_file(settings, o.config_file, error)) {
      std::cerr << "error: -F: " << error << "\n";
      return false;
    }
    for (const auto& [key, value] : settings) {
      if (key == "sasl.username") co.user = value;
      else if (key == "sasl.password") co.password = value;
      else if (key == "sasl.mechanism" || key == "sasl.mechanisms") co.mechanism = value;
      else if (key == "ssl.certificate.location" && co.tls.cert.empty()) co.tls.cert = value;
      else if (key == "ssl.key.location" && co.tls.key.empty()) co.tls.key = value;
      else if (key == "ssl.ca.location" && co.tls.ca.empty()) co.tls.ca = value;
    }
  }
  if (!o.user.empty()) co.user = o.user;
  if (!o.mechanism.empty()) co.mechanism = o.mechanism;
  if (!o.password_file.empty()) {
    auto pw = read_password(o.password_file);
    if (!pw) {
      std::cerr << "error: no password in " << (o.password_file == "-" ? "standard input" : o.password_file) << "\n";
      return false;
    }
    co.password = *pw;
  }
  if (!co.user.empty() && co.password.empty()) {
    std::cerr << "error: --user " << co.user << " needs --password-file (or sasl.password in -F)\n";
    return false;
  }
  return true;
}

std::unique_ptr<client::connection> connect(const common_options& o) {
  client::connection_options co;
  if (!fill_connection_options(o, co)) return nullptr;
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
