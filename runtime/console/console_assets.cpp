#include "runtime/console/console_assets.hpp"

#include <array>

namespace fluxo::console {

namespace detail {
// Defined in the generated console_assets_data.cpp (see embed_assets.cmake).
std::string_view index_html();
std::string_view app_js();
std::string_view style_css();
}  // namespace detail

const asset* find_asset(std::string_view path) {
  static const std::array<asset, 3> assets{{
      {"/index.html", "text/html; charset=utf-8", detail::index_html()},
      {"/app.js", "text/javascript; charset=utf-8", detail::app_js()},
      {"/style.css", "text/css; charset=utf-8", detail::style_css()},
  }};
  if (path == "/") return &assets[0];
  for (const auto& a : assets)
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace fluxo::console
