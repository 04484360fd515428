#include "runtime/record_format.hpp"

namespace fluxo::runtime {

std::string hex_of(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char ch : bytes) {
    out.push_back(digits[ch >> 4]);
    out.push_back(digits[ch & 15]);
  }
  return out;
}

nlohmann::ordered_json decoded_value(const std::optional<std::string>& v, const std::string& decode) {
  if (!v) return nullptr;
  if (decode == "hex") return hex_of(*v);
  if (decode == "json") {
    auto parsed = nlohmann::ordered_json::parse(*v, nullptr, false);
    if (!parsed.is_discarded()) return parsed;
  }
  return *v;
}

nlohmann::ordered_json record_to_json(const client::consumed_record& r, const std::string& decode) {
  nlohmann::ordered_json j;
  j["key"] = r.key ? nlohmann::ordered_json(*r.key) : nlohmann::ordered_json(nullptr);
  j["value"] = decoded_value(r.value, decode);
  j["timestamp"] = r.timestamp;
  j["partition"] = r.partition;
  j["offset"] = r.offset;
  j["headers"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : r.headers) j["headers"][k] = v;
  return j;
}

std::string record_json_line(const client::consumed_record& r, const std::string& decode) {
  return record_to_json(r, decode).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_value_decoding(const std::string& decode) { return decode == "text" || decode == "json" || decode == "hex"; }

std::string record_template(const client::consumed_record& r, const std::string& format, const std::string& decode) {
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char ch = format[i];
    if ((ch != '%' && ch != '\\') || i + 1 == format.size()) {
      out.push_back(ch);
      continue;
    }
    const char next = format[++i];
    if (ch == '\\') {
      out.push_back(next == 'n' ? '\n' : next == 't' ? '\t' : next);
      continue;
    }
    switch (next) {
      case 'k': out += r.key.value_or(""); break;
      case 'v': {
        auto v = decoded_value(r.value, decode);
        out += v.is_string() ? v.get<std::string>() : (v.is_null() ? "" : v.dump());
        break;
      }
      case 'p': out += std::to_string(r.partition); break;
      case 'o': out += std::to_string(r.offset); break;
      case 't': out += std::to_string(r.timestamp); break;
      case 'T': out += r.topic; break;
      case '%': out.push_back('%'); break;
      case 'h': {
        std::string hs;
        for (const auto& [k, v] : r.headers) hs += (hs.empty() ? "" : ",") + k + "=" + v;
        out += hs;
        break;
      }
      default: out.push_back('%'); out.push_back(next);
    }
  }
  return out;
}

}  // namespace fluxo::runtime
