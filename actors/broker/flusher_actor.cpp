// Behavior of the flusher: run each flush job, time it, report back to whoever sent it.
#include "actors/broker/flusher_actor.hpp"

#include <caf/all.hpp>
#include <chrono>

#include "actors/broker/broker_metrics.hpp"
#include "actors/broker/flush_task.hpp"

namespace fluxo::actors {
namespace {

struct flusher_state {
  static inline const char* name = "fluxo.flusher";
};

// (The unused int works around CAF 0.17 dereferencing a null argument tuple when an actor is
// spawned without arguments, which UBSan reports.)
flusher_actor::behavior_type flusher_behavior(flusher_actor::stateful_pointer<flusher_state>, int) {
  return {
    [](flush_atom, std::shared_ptr<flush_task> task, flush_listener reply_to) {
      const auto started = std::chrono::steady_clock::now();
      task->outcome = task->job.run();
      metrics_of_broker().fsync_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      caf::anon_send(reply_to, flushed_atom::value, std::move(task));
    },
  };
}

}  // namespace

flusher_actor spawn_flusher(caf::actor_system& sys) {
  return sys.spawn<caf::detached>(flusher_behavior, 0);
}

}  // namespace fluxo::actors
