// librdkafka client settings as kcat takes them, for the subcommands that run librdkafka
// (fluxo bench kafka-*, fluxo acl): "key=value" from -X flags and from -F files (one per line,
// '#' comments). FLUXO_RDKAFKA_DEBUG=<contexts> (e.g. fetch,protocol) turns on librdkafka's
// debug output for all of them.
#pragma once

#include <string>
#include <utility>
#include <vector>

typedef struct rd_kafka_conf_s rd_kafka_conf_t;

namespace fluxo::cli {

using rdkafka_settings = std::vector<std::pair<std::string, std::string>>;

// Appends "key=value" strings (a missing '=' gives an empty value, which librdkafka refuses).
void add_settings(rdkafka_settings& out, const std::vector<std::string>& key_values);
// Appends the key=value lines of a file; false and `error` set when it cannot be read.
bool add_settings_file(rdkafka_settings& out, const std::string& path, std::string& error);
// A librdkafka configuration with the settings in order (later ones win); nullptr and `error`
// naming the refused setting otherwise.
rd_kafka_conf_t* make_rdkafka_conf(const rdkafka_settings& settings, std::string& error);

}  // namespace fluxo::cli
