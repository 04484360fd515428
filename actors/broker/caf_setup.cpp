#include "actors/broker/caf_setup.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <chrono>

#include "actors/broker/node_actor.hpp"
#include "actors/broker/topic_actor.hpp"

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

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::fluxo>();
  cfg.add_message_type<partition_actor>("fluxo::partition_actor");
  cfg.add_message_type<topic_actor>("fluxo::topic_actor");
  cfg.add_message_type<node_actor>("fluxo::node_actor");
  cfg.add_message_type<group_actor>("fluxo::group_actor");
}

}  // namespace fluxo::actors
