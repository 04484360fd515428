#include "runtime/rdkafka_settings.hpp"

#include <librdkafka/rdkafka.h>

#include <cstdlib>
#include <fstream>

namespace fluxo::cli {

void add_settings(rdkafka_settings& out, const std::vector<std::string>& key_values) {
  for (const auto& kv : key_values) {
    auto eq = kv.find('=');
    out.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
  }
}

bool add_settings_file(rdkafka_settings& out, const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  add_settings(out, lines);
  return true;
}

rd_kafka_conf_t* make_rdkafka_conf(const rdkafka_settings& settings, std::string& error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  if (const char* debug = std::getenv("FLUXO_RDKAFKA_DEBUG")) rd_kafka_conf_set(conf, "debug", debug, errstr, sizeof errstr);
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      error = k + ": " + errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  return conf;
}

}  // namespace fluxo::cli
