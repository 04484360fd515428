// libFuzzer target: bytes as a client could send them to the Kafka listener. They go through
// the listener's frame reader, the request header and the body decoder of that API and version,
// exactly as the listener takes them; every body that decodes must encode back and decode to
// the same message (a layout disagreement or an out-of-bounds read is a finding).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "runtime/kafka/frame.hpp"
#include "runtime/kafka/messages.hpp"

using namespace fluxo::kafka;

namespace {

template <class M>
void round_trip(std::optional<M> (*decode)(reader&, int16_t), void (*encode)(writer&, int16_t, const M&),
                reader& r, int16_t version) {
  auto m = decode(r, version);
  if (!m) return;
  std::vector<char> bytes;
  writer w(bytes);
  encode(w, version, *m);
  reader again(bytes);
  auto back = decode(again, version);
  if (!back || !(*back == *m) || again.remaining() != 0) std::abort();
}

#define FUZZ_API(key, name)                                                       \
  case api_key::key:                                                              \
    round_trip(decode_##name##_request, encode_##name##_request, r, h->version); \
    break;

void one_request(const std::vector<char>& frame) {
  reader r(frame);
  auto h = decode_request_header(r);
  if (!h || !is_supported(h->key, h->version)) return;
  switch (static_cast<api_key>(h->key)) {
    FUZZ_API(produce, produce)
    FUZZ_API(fetch, fetch)
    FUZZ_API(list_offsets, list_offsets)
    FUZZ_API(metadata, metadata)
    FUZZ_API(offset_commit, offset_commit)
    FUZZ_API(offset_fetch, offset_fetch)
    FUZZ_API(find_coordinator, find_coordinator)
    FUZZ_API(join_group, join_group)
    FUZZ_API(heartbeat, heartbeat)
    FUZZ_API(leave_group, leave_group)
    FUZZ_API(sync_group, sync_group)
    FUZZ_API(describe_groups, describe_groups)
    FUZZ_API(list_groups, list_groups)
    FUZZ_API(sasl_handshake, sasl_handshake)
    FUZZ_API(api_versions, api_versions)
    FUZZ_API(create_topics, create_topics)
    FUZZ_API(delete_topics, delete_topics)
    FUZZ_API(init_producer_id, init_producer_id)
    FUZZ_API(describe_acls, describe_acls)
    FUZZ_API(create_acls, create_acls)
    FUZZ_API(delete_acls, delete_acls)
    FUZZ_API(describe_configs, describe_configs)
    FUZZ_API(alter_configs, alter_configs)
    FUZZ_API(sasl_authenticate, sasl_authenticate)
    FUZZ_API(create_partitions, create_partitions)
    FUZZ_API(delete_groups, delete_groups)
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  frame_reader frames(1 << 20);
  // Split the input in two appends, as a socket would deliver it in pieces.
  const auto* bytes = reinterpret_cast<const char*>(data);
  const std::size_t cut = size > 0 ? data[0] % (size + 1) : 0;
  frames.append(std::span<const char>(bytes, cut));
  for (int i = 0; i < 2; ++i) {
    while (auto frame = frames.next()) one_request(*frame);
    if (frames.failed() || i == 1) break;
    frames.append(std::span<const char>(bytes + cut, size - cut));
  }
  return 0;
}
