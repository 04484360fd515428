#include "actors/caf_setup.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <chrono>

#include "actors/actor_types.hpp"

namespace fluxo::actors {

void configure_caf(caf::actor_system_config& cfg, const caf_tuning& t) {
  cfg.load<caf::io::middleman>();
  register_types(cfg);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", static_cast<size_t>(t.scheduler_threads));
  cfg.set("middleman.workers", size_t{0});
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(t.heartbeat_ms)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::milliseconds(t.connection_timeout_ms)});
  cfg.set("logger.verbosity", caf::atom("quiet"));
}

}  // namespace fluxo::actors
