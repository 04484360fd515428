// A storage flush job travelling from a partition actor to the flusher and back (local only).
#pragma once

#include "storage/partition_log.hpp"

namespace fluxo::actors {

struct flush_task {
  storage::flush_job job;
  storage::result<void> outcome;
};

}  // namespace fluxo::actors
