// Key -> partition, exactly as Kafka's Java client (and kafkajs, kafka-python, and librdkafka
// with partitioner=murmur2_random) computes it: (murmur2(key) & 0x7fffffff) % partitions.
// Null keys are spread by the caller (sticky per batch), not hashed.
#pragma once

#include <cstdint>
#include <string_view>

namespace fluxo::actors {

// Kafka's murmur2 (seed 0x9747b28c). Vectors: "kafka" -> 0xd067cf64, "" -> 0x106e08d9.
uint32_t murmur2(std::string_view key);

int32_t partition_for_key(std::string_view key, int32_t partitions);

}  // namespace fluxo::actors
