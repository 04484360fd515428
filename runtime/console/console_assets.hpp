#pragma once

#include <string_view>

namespace fluxo::console {

/// One file of the web console, compiled into the binary.
struct asset {
  std::string_view path;          ///< URL path, e.g. "/app.js"
  std::string_view content_type;  ///< value of the Content-Type header
  std::string_view body;          ///< file content
};

/// The asset served at `path`: "/" and "/index.html" give index.html, "/app.js", "/style.css";
/// nullptr for anything else. The returned object lives for the whole program.
const asset* find_asset(std::string_view path);

}  // namespace fluxo::console
