// How records are shown to people and scripts (CLI `fluxo consume` and the HTTP API):
//   {"key": "123", "value": "Hello, World!", "timestamp": 1633036800000, "partition": 0,
//    "offset": 42, "headers": {}}
// Values decode as text (invalid UTF-8 becomes U+FFFD when dumped), json (a value that parses
// is embedded as JSON, else text) or hex. A null key or value is JSON null.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "actors/client/client.hpp"

namespace fluxo::runtime {

std::string hex_of(const std::string& bytes);
bool is_value_decoding(const std::string& decode);  // text | json | hex
nlohmann::ordered_json decoded_value(const std::optional<std::string>& v, const std::string& decode);
nlohmann::ordered_json record_to_json(const client::consumed_record& r, const std::string& decode);
// One JSON line (no newline), invalid UTF-8 replaced.
std::string record_json_line(const client::consumed_record& r, const std::string& decode);
// kcat-style template: %k %v %p %o %t %h %T %%, and \n \t escapes.
std::string record_template(const client::consumed_record& r, const std::string& format, const std::string& decode);

}  // namespace fluxo::runtime
