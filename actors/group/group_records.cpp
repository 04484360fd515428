#include "actors/group/group_records.hpp"

#include <exception>
#include <string>

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST
#endif
#include <msgpack.hpp>

namespace fluxo::group {
namespace {

constexpr int kOffsetKey = 1;
constexpr int kGroupKey = 2;

struct offset_key_wire {
  int kind = kOffsetKey;
  std::string group;
  std::string topic;
  int32_t partition = 0;
  MSGPACK_DEFINE_ARRAY(kind, group, topic, partition)
};

struct group_key_wire {
  int kind = kGroupKey;
  std::string group;
  MSGPACK_DEFINE_ARRAY(kind, group)
};

struct offset_value_wire {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = 0;
  MSGPACK_DEFINE_MAP(offset, leader_epoch, metadata, commit_timestamp_ms)
};

struct member_wire {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  bytes metadata;
  bytes assignment;
  MSGPACK_DEFINE_MAP(member_id, group_instance_id, client_id, client_host, session_timeout_ms,
                     rebalance_timeout_ms, metadata, assignment)
};

struct group_value_wire {
  std::string protocol_type;
  int32_t generation_id = 0;
  std::string protocol_name;
  std::string leader_id;
  int64_t state_timestamp_ms = 0;
  std::vector<member_wire> members;
  MSGPACK_DEFINE_MAP(protocol_type, generation_id, protocol_name, leader_id, state_timestamp_ms,
                     members)
};

template <class T>
bytes pack(const T& v) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, v);
  return bytes(buf.data(), buf.data() + buf.size());
}

template <class T>
T unpack(const bytes& b) {
  msgpack::object_handle oh = msgpack::unpack(b.data(), b.size());
  return oh.get().as<T>();
}

encoded_record encode(const offset_commit_record& r) {
  encoded_record out{pack(offset_key_wire{kOffsetKey, r.group, r.topic, r.partition}), {}};
  if (!r.tombstone)
    out.value =
        pack(offset_value_wire{r.offset, r.leader_epoch, r.metadata, r.commit_timestamp_ms});
  return out;
}

encoded_record encode(const group_metadata_record& r) {
  encoded_record out{pack(group_key_wire{kGroupKey, r.group}), {}};
  if (r.tombstone) return out;
  group_value_wire v{r.protocol_type, r.generation_id, r.protocol_name, r.leader_id,
                     r.state_timestamp_ms, {}};
  for (const auto& m : r.members)
    v.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host,
                         m.session_timeout_ms, m.rebalance_timeout_ms, m.metadata, m.assignment});
  out.value = pack(v);
  return out;
}

group_record decode_offset(const bytes& key, const std::optional<bytes>& value) {
  auto k = unpack<offset_key_wire>(key);
  offset_commit_record r;
  r.group = std::move(k.group);
  r.topic = std::move(k.topic);
  r.partition = k.partition;
  r.tombstone = !value.has_value();
  if (value) {
    auto v = unpack<offset_value_wire>(*value);
    r.offset = v.offset;
    r.leader_epoch = v.leader_epoch;
    r.metadata = std::move(v.metadata);
    r.commit_timestamp_ms = v.commit_timestamp_ms;
  }
  return r;
}

group_record decode_group(const bytes& key, const std::optional<bytes>& value) {
  auto k = unpack<group_key_wire>(key);
  group_metadata_record r;
  r.group = std::move(k.group);
  r.tombstone = !value.has_value();
  if (value) {
    auto v = unpack<group_value_wire>(*value);
    r.protocol_type = std::move(v.protocol_type);
    r.generation_id = v.generation_id;
    r.protocol_name = std::move(v.protocol_name);
    r.leader_id = std::move(v.leader_id);
    r.state_timestamp_ms = v.state_timestamp_ms;
    for (auto& m : v.members)
      r.members.push_back({std::move(m.member_id), std::move(m.group_instance_id),
                           std::move(m.client_id), std::move(m.client_host), m.session_timeout_ms,
                           m.rebalance_timeout_ms, std::move(m.metadata),
                           std::move(m.assignment)});
  }
  return r;
}

}  // namespace

encoded_record encode_record(const group_record& r) {
  return std::visit([](const auto& rec) { return encode(rec); }, r);
}

std::optional<group_record> decode_record(const bytes& key, const std::optional<bytes>& value) {
  try {
    msgpack::object_handle oh = msgpack::unpack(key.data(), key.size());
    const msgpack::object& o = oh.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size == 0) return std::nullopt;
    const int kind = o.via.array.ptr[0].as<int>();
    if (kind == kOffsetKey) return decode_offset(key, value);
    if (kind == kGroupKey) return decode_group(key, value);
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;  // malformed msgpack or wrong field types
  }
}

const std::string& record_group(const group_record& r) {
  return std::visit([](const auto& rec) -> const std::string& { return rec.group; }, r);
}

}  // namespace fluxo::group
