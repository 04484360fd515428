// The storage module's spdlog logger ("storage"). Messages name the log directory or
// segment file they are about, so an operator can find the data in question.
#pragma once

#include <spdlog/logger.h>

namespace fluxo::storage {

spdlog::logger& logger();

}  // namespace fluxo::storage
