// The flusher: runs blocking flush jobs (fdatasync) on its own thread (a detached actor), one at
// a time, in arrival order, so disk flushes never block the scheduler's threads. It answers
// each job to the actor that sent it (a flush_listener, i.e. a partition actor).
#pragma once

#include "actors/broker/type_ids.hpp"

namespace fluxo::actors {

// What the flusher reports back to: the job with its outcome filled in.
using flush_listener = caf::typed_actor<caf::reacts_to<flushed_atom, std::shared_ptr<flush_task>>>;

using flusher_actor = caf::typed_actor<
    caf::reacts_to<flush_atom, std::shared_ptr<flush_task>, flush_listener>>;

flusher_actor spawn_flusher(caf::actor_system& sys);

}  // namespace fluxo::actors
