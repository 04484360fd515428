// Turns fetched bytes (whole RecordBatch v2 batches, back to back) into consumed_records.
// Control batches are skipped; records before `from` (a fetch starts at the batch holding it)
// are dropped. No CAF here.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/client/client.hpp"

namespace fluxo::client {

// Appends the records of `batches` at offsets >= from to `out` and returns the offset after
// the last batch seen (at least `from`). Undecodable batches are logged and skipped.
int64_t decode_fetched(const topic_partition& tp, const std::vector<char>& batches, int64_t from,
                       std::vector<consumed_record>& out);

}  // namespace fluxo::client
