// Error codes of the storage module (see result.hpp for how they travel).
#pragma once

#include <cstdint>
#include <string_view>

namespace fluxo::storage {

enum class errc : uint8_t {
  ok = 0,
  io_error,             // a read/write/fsync/open failed (not ENOSPC)
  no_space,             // ENOSPC or EDQUOT: the disk is full; the log stays consistent
  corrupt_batch,        // CRC mismatch or impossible header found in stored data
  invalid_batch,        // caller-supplied bytes are not a valid RecordBatch v2
  offset_out_of_range,  // offset below log start or above log end
  unsupported_codec,    // compression codec id not in 0..4
  compression_error,    // a codec library rejected the data
  message_too_large,    // a batch larger than the segment size or a configured limit
  invalid_argument,     // bad configuration or parameter
  closed,               // operation on a closed log
};

std::string_view to_string(errc code);

}  // namespace fluxo::storage
