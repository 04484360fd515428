// Member ids handed out by the coordinator: "<client_id>-<uuid-like id>", as Kafka does.
//
// The unique part comes from a splitmix64 stream seeded by the owner: production seeds it from
// std::random_device once per group, tests pass a fixed seed and get the same ids on every run.
// Ids are formatted like a UUID (8-4-4-4-12 lowercase hex, version nibble 4) but are not
// guaranteed RFC 4122 UUIDs; uniqueness within a group is checked by the group itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fluxo::group {

class member_id_generator {
 public:
  explicit member_id_generator(uint64_t seed = 0) : state_(seed) {}
  std::string next(std::string_view client_id);

 private:
  uint64_t next64();
  uint64_t state_;
};

}  // namespace fluxo::group
