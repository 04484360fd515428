#include "actors/streams/records.hpp"

#include <charconv>

namespace fluxo::streams {

namespace {

std::optional<int64_t> parse_i64(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

headers_t changelog_headers(const changelog_record& r) {
  return {{changelog_offset_header, std::to_string(r.input_offset)},
          {changelog_time_header, std::to_string(r.stream_time)}};
}

std::optional<changelog_record> changelog_from(std::string store, std::string key,
                                               std::optional<std::string> value,
                                               const headers_t& headers) {
  changelog_record r{std::move(store), std::move(key), std::move(value)};
  bool have_offset = false;
  for (const auto& [name, text] : headers) {
    if (name == changelog_offset_header) {
      auto v = parse_i64(text);
      if (!v) return std::nullopt;
      r.input_offset = *v;
      have_offset = true;
    } else if (name == changelog_time_header) {
      auto v = parse_i64(text);
      if (!v) return std::nullopt;
      r.stream_time = *v;
    }
  }
  if (!have_offset) return std::nullopt;
  return r;
}

}  // namespace fluxo::streams
