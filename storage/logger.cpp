#include "storage/logger.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace fluxo::storage {

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    if (auto existing = spdlog::get("storage")) return existing;
    auto l = spdlog::stderr_color_mt("storage");
    return l;
  }();
  return *instance;
}

}  // namespace fluxo::storage
