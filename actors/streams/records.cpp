#include "actors/streams/records.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace fluxo::streams {

namespace {

std::optional<int64_t> parse_i64(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "p:o:i" -> (p, {o, i}).
std::optional<std::pair<int32_t, upstream_position>> parse_source(std::string_view text) {
  int64_t parts[3];
  for (int i = 0; i < 3; ++i) {
    auto colon = i < 2 ? text.find(':') : text.size();
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + colon, parts[i]);
    if (ec != std::errc{} || end != text.data() + colon) return std::nullopt;
    text = i < 2 ? text.substr(colon + 1) : std::string_view{};
  }
  if (parts[0] < 0 || parts[0] > INT32_MAX || parts[2] < 0 || parts[2] > INT32_MAX) return std::nullopt;
  return std::pair{static_cast<int32_t>(parts[0]), upstream_position{parts[1], static_cast<int32_t>(parts[2])}};
}

std::string source_text(int32_t p, const upstream_position& pos) {
  return std::to_string(p) + ":" + std::to_string(pos.offset) + ":" + std::to_string(pos.index);
}

}  // namespace

headers_t changelog_headers(const changelog_record& r) {
  headers_t h{{changelog_offset_header, std::to_string(r.input_offset)}, {changelog_time_header, std::to_string(r.stream_time)}};
  if (!r.upstream.empty()) {
    std::string text;
    for (const auto& [p, pos] : r.upstream) text += (text.empty() ? "" : ",") + source_text(p, pos);
    h.emplace_back(changelog_upstream_header, std::move(text));
  }
  return h;
}

std::optional<std::pair<int32_t, upstream_position>> repartition_source(const headers_t& headers) {
  for (const auto& [name, text] : headers) {
    if (name == repartition_source_header) return parse_source(text);
  }
  return std::nullopt;
}

void set_repartition_source(headers_t& headers, std::optional<std::pair<int32_t, upstream_position>> source) {
  std::erase_if(headers, [](const auto& h) { return h.first == repartition_source_header; });
  if (source) headers.emplace_back(repartition_source_header, source_text(source->first, source->second));
}

std::optional<changelog_record> changelog_from(std::string store, std::string key,
                                               std::optional<std::string> value,
                                               const headers_t& headers) {
  changelog_record r;
  r.store = std::move(store);
  r.key = std::move(key);
  r.value = std::move(value);
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
    } else if (name == changelog_upstream_header) {
      std::string_view rest = text;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto entry = parse_source(rest.substr(0, comma));
        if (!entry) return std::nullopt;
        r.upstream[entry->first] = entry->second;
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
    }
  }
  if (!have_offset) return std::nullopt;
  return r;
}

}  // namespace fluxo::streams
