// CAF configuration tuned for small machines (see ../shared/docs/caf-0.17.md): a sharing
// scheduler with few threads, middleman without extra workers, heartbeats on so that a stopped
// peer is detected. Used by the broker and by the native client alike.
#pragma once

#include <cstdint>

namespace caf {
class actor_system_config;
}

namespace fluxo::actors {

struct caf_tuning {
  int32_t scheduler_threads = 2;
  int64_t heartbeat_ms = 1000;
  int64_t connection_timeout_ms = 10000;
};

// Loads the middleman and registers fluxo's types.
void configure_caf(caf::actor_system_config& cfg, const caf_tuning& tuning);

}  // namespace fluxo::actors
