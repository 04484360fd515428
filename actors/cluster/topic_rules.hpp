// The rules topics must follow (names, config ranges) and the mapping between topic_config and
// Kafka's topic config names. Pure; no I/O, no CAF.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "actors/broker/broker_messages.hpp"

namespace fluxo::actors {

// Kafka's rules: 1..249 characters of [a-zA-Z0-9._-], not "." or "..". Returns an error text.
std::optional<std::string> invalid_topic_name(const std::string& name);
// Checks ranges (partitions >= 1, sizes, known policy / timestamp type). Returns an error text.
std::optional<std::string> invalid_topic_config(const topic_config& cfg);

// Kafka config names <-> topic_config ("retention.ms" -> "604800000", ...). Every Kafka topic
// config is known: those fluxo honours map onto fields; the others (compression.type,
// preallocate, segment.index.bytes, ...) are validated, kept in topic_config::stored and
// reported with Kafka's defaults when unset. A name Kafka does not know is an error naming it.
std::map<std::string, std::string> to_config_map(const topic_config& cfg);
// Applies entries onto `cfg`; returns an error text naming the first bad key or value.
std::optional<std::string> apply_config_map(topic_config& cfg, const std::map<std::string, std::string>& entries);

}  // namespace fluxo::actors
