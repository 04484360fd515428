// For every API and version in supported_apis: a sample request and response with every field
// of that version set to a non-default value (fields absent from the version keep defaults).
//   - encode -> decode gives the sample back and consumes exactly the encoding;
//   - every proper prefix fails to decode, cleanly (exact-size heap copies, so ASan would
//     catch an overread);
//   - byte mutations never crash the decoder.
// The sample builders restate, per version, which fields exist: a layout that drops a field
// makes the decoded struct differ from the sample, and one that writes a field in a version
// without it makes the "noisy" sample (all fields set) encode differently from the clean one.
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <string>

#include "runtime/kafka/messages.hpp"
#include "tests/kafka/test_bytes.hpp"

namespace fluxo::kafka {
namespace {

std::vector<char> blob(const char* s) { return std::vector<char>(s, s + std::strlen(s)); }

// The version a sample is built for. With `all` set every field is filled whatever the version
// (a "noisy" sample): it must encode to the same bytes as the clean sample, which catches a
// layout writing a field in a version that does not have it.
struct sv {
  int16_t version;
  bool all = false;
  bool ge(int16_t x) const { return all || version >= x; }
  bool le(int16_t x) const { return all || version <= x; }
  bool eq(int16_t x) const { return all || version == x; }
};

// ---- samples --------------------------------------------------------------------------------

produce_request produce_req(sv) {
  return {"txn", 1, 1500, {{"t", {{0, blob("batch-0")}, {3, std::nullopt}}}, {"u", {}}}};
}
produce_response produce_resp(sv v) {
  produce_response m;
  m.responses.push_back({"t", {{0, 0, 10, 1234, v.ge(5) ? 7 : -1}, {3, 6, -1, -1, -1}}});
  m.throttle_time_ms = 11;
  return m;
}

fetch_request fetch_req(sv v) {
  fetch_request m;
  m.replica_id = -1;
  m.max_wait_ms = 500;
  m.min_bytes = 1;
  m.max_bytes = 1 << 20;
  m.isolation_level = 1;
  if (v.ge(7)) {
    m.session_id = 17;
    m.session_epoch = 2;
    m.forgotten_topics.push_back({"gone", {1, 2}});
  }
  fetch_request::partition p;
  p.index = 4;
  p.fetch_offset = 99;
  p.partition_max_bytes = 4096;
  if (v.ge(5)) p.log_start_offset = 3;
  if (v.ge(9)) p.current_leader_epoch = 8;
  m.topics.push_back({"t", {p}});
  if (v.ge(11)) m.rack_id = "rack";
  return m;
}
fetch_response fetch_resp(sv v) {
  fetch_response m;
  m.throttle_time_ms = 5;
  if (v.ge(7)) {
    m.error_code = 1;
    m.session_id = 12;
  }
  fetch_response::partition p;
  p.index = 1;
  p.high_watermark = 50;
  p.last_stable_offset = 49;
  if (v.ge(5)) p.log_start_offset = 2;
  p.aborted_transactions = std::vector<fetch_response::aborted_transaction>{{9, 40}};
  if (v.ge(11)) p.preferred_read_replica = 2;
  p.records = blob("records");
  fetch_response::partition empty;
  empty.aborted_transactions = std::nullopt;
  m.responses.push_back({"t", {p, empty}});
  return m;
}

list_offsets_request list_offsets_req(sv v) {
  list_offsets_request m;
  m.replica_id = -1;
  if (v.ge(2)) m.isolation_level = 1;
  m.topics.push_back({"t", {{0, list_offsets_earliest}, {1, 1700000000000}}});
  return m;
}
list_offsets_response list_offsets_resp(sv v) {
  list_offsets_response m;
  if (v.ge(2)) m.throttle_time_ms = 3;
  m.topics.push_back({"t", {{0, 0, -1, 0}, {1, 3, -1, -1}}});
  return m;
}

metadata_request metadata_req(sv v) {
  metadata_request m;
  m.topics = std::vector<std::string>{"a", "b"};
  if (v.ge(4)) m.allow_auto_topic_creation = false;
  return m;
}
metadata_response metadata_resp(sv v) {
  metadata_response m;
  if (v.ge(3)) m.throttle_time_ms = 1;
  m.brokers.push_back({1, "h1", 9092, v.ge(1) ? std::optional<std::string>("r") : std::nullopt});
  m.brokers.push_back({2, "h2", 9093, std::nullopt});
  if (v.ge(2)) m.cluster_id = "cid";
  if (v.ge(1)) m.controller_id = 2;
  metadata_response::topic t;
  t.name = "t";
  if (v.ge(1)) t.is_internal = true;
  t.partitions.push_back(
      {0, 0, 1, {1, 2}, {1}, v.ge(5) ? std::vector<int32_t>{2} : std::vector<int32_t>{}});
  m.topics.push_back(t);
  m.topics.push_back({3, "missing", false, {}});
  return m;
}

offset_commit_request offset_commit_req(sv v) {
  offset_commit_request m;
  m.group_id = "g";
  if (v.ge(1)) {
    m.generation_id = 4;
    m.member_id = "m-1";
  }
  if (v.ge(7)) m.group_instance_id = "inst";
  if (v.ge(2) && v.le(4)) m.retention_time_ms = 86400000;
  offset_commit_request::partition p;
  p.index = 2;
  p.committed_offset = 77;
  if (v.ge(6)) p.committed_leader_epoch = 3;
  if (v.eq(1)) p.commit_timestamp = 1600000000000;
  p.committed_metadata = "md";
  m.topics.push_back({"t", {p, {5, 0, -1, -1, std::nullopt}}});
  return m;
}
offset_commit_response offset_commit_resp(sv v) {
  return {v.ge(3) ? 9 : 0, {{"t", {{2, 0}, {5, 22}}}}};
}

offset_fetch_request offset_fetch_req(sv) {
  return {"g", std::vector<offset_fetch_request::topic>{{"t", {0, 1}}, {"u", {}}}};
}
offset_fetch_response offset_fetch_resp(sv v) {
  offset_fetch_response m;
  if (v.ge(3)) m.throttle_time_ms = 4;
  m.topics.push_back({"t", {{0, 10, v.ge(5) ? 6 : -1, "md", 0}, {1, -1, -1, std::nullopt, 3}}});
  if (v.ge(2)) m.error_code = 14;
  return m;
}

find_coordinator_request find_coordinator_req(sv v) {
  return {"g", static_cast<int8_t>(v.ge(1) ? 1 : 0)};
}
find_coordinator_response find_coordinator_resp(sv v) {
  find_coordinator_response m;
  if (v.ge(1)) {
    m.throttle_time_ms = 2;
    m.error_message = "msg";
  }
  m.error_code = 15;
  m.node_id = 3;
  m.host = "host";
  m.port = 9094;
  return m;
}

join_group_request join_group_req(sv v) {
  join_group_request m;
  m.group_id = "g";
  m.session_timeout_ms = 10000;
  if (v.ge(1)) m.rebalance_timeout_ms = 60000;
  m.member_id = "m-1";
  if (v.ge(5)) m.group_instance_id = "inst";
  m.protocol_type = "consumer";
  m.protocols.push_back({"range", blob("meta-r")});
  m.protocols.push_back({"roundrobin", {}});
  return m;
}
join_group_response join_group_resp(sv v) {
  join_group_response m;
  if (v.ge(2)) m.throttle_time_ms = 1;
  m.error_code = 0;
  m.generation_id = 7;
  m.protocol_name = "range";
  m.leader = "m-1";
  m.member_id = "m-2";
  m.members.push_back(
      {"m-1", v.ge(5) ? std::optional<std::string>("i1") : std::nullopt, blob("a")});
  m.members.push_back({"m-2", std::nullopt, {}});
  return m;
}

heartbeat_request heartbeat_req(sv v) {
  return {"g", 7, "m-1", v.ge(3) ? std::optional<std::string>("inst") : std::nullopt};
}
heartbeat_response heartbeat_resp(sv v) { return {v.ge(1) ? 3 : 0, 27}; }

leave_group_request leave_group_req(sv v) {
  leave_group_request m;
  m.group_id = "g";
  if (v.le(2)) m.member_id = "m-1";
  if (v.ge(3)) m.members = {{"m-1", std::nullopt}, {"m-2", "inst"}};
  return m;
}
leave_group_response leave_group_resp(sv v) {
  leave_group_response m;
  if (v.ge(1)) m.throttle_time_ms = 2;
  m.error_code = 0;
  if (v.ge(3)) m.members = {{"m-1", std::nullopt, 0}, {"m-2", "inst", 25}};
  return m;
}

sync_group_request sync_group_req(sv v) {
  sync_group_request m;
  m.group_id = "g";
  m.generation_id = 7;
  m.member_id = "m-1";
  if (v.ge(3)) m.group_instance_id = "inst";
  m.assignments = {{"m-1", blob("as-1")}, {"m-2", {}}};
  return m;
}
sync_group_response sync_group_resp(sv v) { return {v.ge(1) ? 4 : 0, 0, blob("assign")}; }

describe_groups_request describe_groups_req(sv v) { return {{"g1", "g2"}, v.ge(3)}; }
describe_groups_response describe_groups_resp(sv v) {
  describe_groups_response m;
  if (v.ge(1)) m.throttle_time_ms = 1;
  describe_groups_response::group g;
  g.group_id = "g1";
  g.group_state = "Stable";
  g.protocol_type = "consumer";
  g.protocol_data = "range";
  g.members.push_back({"m-1", v.ge(4) ? std::optional<std::string>("i") : std::nullopt, "c",
                       "/1.2.3.4", blob("m"), blob("a")});
  if (v.ge(3)) g.authorized_operations = 0x1f;
  m.groups.push_back(g);
  describe_groups_response::group dead;
  dead.error_code = 69;
  dead.group_id = "g2";
  dead.group_state = "Dead";
  m.groups.push_back(dead);
  return m;
}

list_groups_request list_groups_req(sv) { return {}; }
list_groups_response list_groups_resp(sv v) {
  return {v.ge(1) ? 2 : 0, 0, {{"g1", "consumer"}, {"g2", ""}}};
}

delete_groups_request delete_groups_req(sv) { return {{"g1", "g2"}}; }
delete_groups_response delete_groups_resp(sv) { return {3, {{"g1", 0}, {"g2", 68}}}; }

sasl_handshake_request sasl_handshake_req(sv) { return {"SCRAM-SHA-512"}; }
sasl_handshake_response sasl_handshake_resp(sv) { return {33, {"SCRAM-SHA-256", "PLAIN"}}; }
sasl_authenticate_request sasl_authenticate_req(sv) { return {{'n', ',', ',', 'n', '='}}; }
sasl_authenticate_response sasl_authenticate_resp(sv v) {
  return {58, std::string("no"), {'v', '='}, v.ge(1) ? int64_t{3600000} : int64_t{0}};
}

describe_acls_request describe_acls_req(sv v) {
  return {{2, std::string("orders"), static_cast<int8_t>(v.ge(1) ? 4 : 3), std::nullopt, std::string("*"), 3, 1}};
}
describe_acls_response describe_acls_resp(sv v) {
  return {0, 0, std::nullopt,
          {{2, "orders", static_cast<int8_t>(v.ge(1) ? 4 : 3), {{"User:a", "*", 3, 3}, {"User:b", "h", 4, 2}}}}};
}
acl_creation sample_creation(sv v) { return {3, "g", static_cast<int8_t>(v.ge(1) ? 4 : 3), "User:a", "*", 3, 3}; }
create_acls_request create_acls_req(sv v) { return {{sample_creation(v), sample_creation(v)}}; }
create_acls_response create_acls_resp(sv) { return {5, {{0, std::nullopt}, {42, std::string("bad")}}}; }
delete_acls_request delete_acls_req(sv v) { return {{describe_acls_req(v).filter}}; }
delete_acls_response delete_acls_resp(sv v) {
  return {0, {{0, std::nullopt, {{0, std::nullopt, sample_creation(v)}}}, {41, std::string("x"), {}}}};
}

api_versions_request api_versions_req(sv) { return {}; }
api_versions_response api_versions_resp(sv v) {
  auto m = make_api_versions_reply(v.version).response;
  if (v.ge(1)) m.throttle_time_ms = 6;
  return m;
}

create_topics_request create_topics_req(sv v) {
  create_topics_request m;
  m.topics.push_back({"t", 3, 1, {}, {{"cleanup.policy", "compact"}, {"x", std::nullopt}}});
  m.topics.push_back({"u", -1, -1, {{0, {1, 2}}, {1, {2}}}, {}});
  m.timeout_ms = 5000;
  if (v.ge(1)) m.validate_only = true;
  return m;
}
create_topics_response create_topics_resp(sv v) {
  create_topics_response m;
  if (v.ge(2)) m.throttle_time_ms = 8;
  m.topics.push_back({"t", 0, std::nullopt});
  m.topics.push_back({"u", 36, v.ge(1) ? std::optional<std::string>("exists") : std::nullopt});
  return m;
}

delete_topics_request delete_topics_req(sv) { return {{"t", "u"}, 3000}; }
delete_topics_response delete_topics_resp(sv v) { return {v.ge(1) ? 2 : 0, {{"t", 0}, {"u", 3}}}; }

init_producer_id_request init_producer_id_req(sv) { return {std::nullopt, 60000}; }
init_producer_id_response init_producer_id_resp(sv) { return {1, 0, 4000, 2}; }

describe_configs_request describe_configs_req(sv v) {
  describe_configs_request m;
  m.resources.push_back({resource_type_topic, "t", std::vector<std::string>{"retention.ms"}});
  m.resources.push_back({resource_type_broker, "1", std::nullopt});
  if (v.ge(1)) m.include_synonyms = true;
  return m;
}
describe_configs_response describe_configs_resp(sv v) {
  describe_configs_response m;
  m.throttle_time_ms = 1;
  describe_configs_response::config c;
  c.name = "retention.ms";
  c.value = "1000";
  c.read_only = true;
  c.is_sensitive = true;
  if (v.eq(0)) c.is_default = true;
  if (v.ge(1)) {
    c.config_source = 1;
    c.synonyms = {{"retention.ms", "1000", 1}, {"log.retention.ms", std::nullopt, 4}};
  }
  m.results.push_back({0, std::nullopt, resource_type_topic, "t", {c}});
  m.results.push_back({3, "unknown", resource_type_topic, "nope", {}});
  return m;
}

alter_configs_request alter_configs_req(sv) {
  return {{{resource_type_topic, "t", {{"retention.ms", "5"}, {"x", std::nullopt}}}}, true};
}
alter_configs_response alter_configs_resp(sv) {
  return {2, {{0, std::nullopt, resource_type_topic, "t"}, {40, "bad", resource_type_topic, "u"}}};
}

create_partitions_request create_partitions_req(sv) {
  create_partitions_request m;
  m.topics.push_back({"t", 6, std::nullopt});
  m.topics.push_back({"u", 3, std::vector<create_partitions_request::assignment>{{{1}}, {{1, 2}}}});
  m.timeout_ms = 1000;
  m.validate_only = true;
  return m;
}
create_partitions_response create_partitions_resp(sv) {
  return {4, {{"t", 0, std::nullopt}, {"u", 37, "no"}}};
}

// ---- checks ---------------------------------------------------------------------------------

template <class Msg, class Encode, class Decode>
void check(const char* what, int16_t v, const Msg& sample, const Msg& noisy, Encode encode,
           Decode decode) {
  SCOPED_TRACE(std::string(what) + " v" + std::to_string(v));
  std::vector<char> bytes;
  writer w(bytes);
  encode(w, v, sample);
  ASSERT_TRUE(w.ok()) << w.error();
  EXPECT_TRUE(test::same_bytes(test::encoded(encode, v, noisy), bytes))
      << "fields of other versions leak into v" << v;

  reader r(bytes);
  auto decoded = decode(r, v);
  ASSERT_TRUE(decoded) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(*decoded == sample);
  EXPECT_TRUE(test::same_bytes(test::encoded(encode, v, *decoded), bytes));

  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<char> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    reader rp(prefix);
    EXPECT_FALSE(decode(rp, v)) << "prefix of " << n << " bytes decoded";
    EXPECT_FALSE(rp.ok());
    EXPECT_FALSE(rp.error().empty());
    EXPECT_LE(rp.position(), n);
  }

  // Mutations: decoding must stay in bounds whatever it concludes.
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (char c : {'\x00', '\x7f', '\x80', '\xff'}) {
      std::vector<char> mutated = bytes;
      mutated[i] = c;
      reader rm(mutated);
      auto result = decode(rm, v);
      EXPECT_EQ(result.has_value(), rm.ok());
      EXPECT_LE(rm.position(), mutated.size());
    }
  }
}

#define CHECK_API(name, req_sample, resp_sample)                                                  \
  check(#name "_request", v, req_sample(sv{v}), req_sample(sv{v, true}), encode_##name##_request, \
        decode_##name##_request);                                                                 \
  check(#name "_response", v, resp_sample(sv{v}), resp_sample(sv{v, true}),                       \
        encode_##name##_response, decode_##name##_response)

void check_api_version(api_key key, int16_t v) {
  switch (key) {
    case api_key::produce: CHECK_API(produce, produce_req, produce_resp); return;
    case api_key::fetch: CHECK_API(fetch, fetch_req, fetch_resp); return;
    case api_key::list_offsets:
      CHECK_API(list_offsets, list_offsets_req, list_offsets_resp);
      return;
    case api_key::metadata: CHECK_API(metadata, metadata_req, metadata_resp); return;
    case api_key::offset_commit:
      CHECK_API(offset_commit, offset_commit_req, offset_commit_resp);
      return;
    case api_key::offset_fetch:
      CHECK_API(offset_fetch, offset_fetch_req, offset_fetch_resp);
      return;
    case api_key::find_coordinator:
      CHECK_API(find_coordinator, find_coordinator_req, find_coordinator_resp);
      return;
    case api_key::join_group: CHECK_API(join_group, join_group_req, join_group_resp); return;
    case api_key::heartbeat: CHECK_API(heartbeat, heartbeat_req, heartbeat_resp); return;
    case api_key::leave_group: CHECK_API(leave_group, leave_group_req, leave_group_resp); return;
    case api_key::sync_group: CHECK_API(sync_group, sync_group_req, sync_group_resp); return;
    case api_key::describe_groups:
      CHECK_API(describe_groups, describe_groups_req, describe_groups_resp);
      return;
    case api_key::list_groups: CHECK_API(list_groups, list_groups_req, list_groups_resp); return;
    case api_key::api_versions:
      CHECK_API(api_versions, api_versions_req, api_versions_resp);
      return;
    case api_key::create_topics:
      CHECK_API(create_topics, create_topics_req, create_topics_resp);
      return;
    case api_key::delete_topics:
      CHECK_API(delete_topics, delete_topics_req, delete_topics_resp);
      return;
    case api_key::init_producer_id:
      CHECK_API(init_producer_id, init_producer_id_req, init_producer_id_resp);
      return;
    case api_key::describe_configs:
      CHECK_API(describe_configs, describe_configs_req, describe_configs_resp);
      return;
    case api_key::alter_configs:
      CHECK_API(alter_configs, alter_configs_req, alter_configs_resp);
      return;
    case api_key::create_partitions:
      CHECK_API(create_partitions, create_partitions_req, create_partitions_resp);
      return;
    case api_key::delete_groups:
      CHECK_API(delete_groups, delete_groups_req, delete_groups_resp);
      return;
    case api_key::sasl_handshake:
      CHECK_API(sasl_handshake, sasl_handshake_req, sasl_handshake_resp);
      return;
    case api_key::describe_acls:
      CHECK_API(describe_acls, describe_acls_req, describe_acls_resp);
      return;
    case api_key::create_acls:
      CHECK_API(create_acls, create_acls_req, create_acls_resp);
      return;
    case api_key::delete_acls:
      CHECK_API(delete_acls, delete_acls_req, delete_acls_resp);
      return;
    case api_key::sasl_authenticate:
      CHECK_API(sasl_authenticate, sasl_authenticate_req, sasl_authenticate_resp);
      return;
  }
  ADD_FAILURE() << "no round trip for api key " << static_cast<int>(key);
}

class KafkaRoundTrip : public ::testing::TestWithParam<version_range> {};

}  // namespace

// Readable parameter values in test output ("Fetch v4-11").
void PrintTo(const version_range& r, std::ostream* os) {
  *os << api_name(r.key) << " v" << r.min << "-" << r.max;
}

namespace {

TEST_P(KafkaRoundTrip, EveryVersion) {
  const auto& range = GetParam();
  for (int16_t v = range.min; v <= range.max; ++v) check_api_version(range.key, v);
}

INSTANTIATE_TEST_SUITE_P(AllApis, KafkaRoundTrip, ::testing::ValuesIn(supported_apis),
                         [](const ::testing::TestParamInfo<version_range>& param) {
                           return std::string(api_name(param.param.key));
                         });

TEST(KafkaRoundTripMeta, HostileNestedCountsFailFast) {
  // A produce request whose partition count claims 2^31-1 elements after a valid prefix.
  std::vector<char> in =
      test::bytes_builder{}.null_str().i16(1).i32(1000).array(1).str("t").array(0x7fffffff).i32(0);
  reader r(in);
  EXPECT_FALSE(decode_produce_request(r, 3));
  EXPECT_NE(r.error().find("produce_request v3: array length 2147483647"), std::string::npos)
      << r.error();
  // Topic count -1 where not nullable.
  std::vector<char> null_topics = test::bytes_builder{}.null_str().i16(1).i32(1000).array(-1);
  reader r2(null_topics);
  EXPECT_FALSE(decode_produce_request(r2, 3));
  // Records length beyond the frame.
  std::vector<char> big_records =
      test::bytes_builder{}.null_str().i16(1).i32(1000).array(1).str("t").array(1).i32(0).i32(
          0x7ffffff0);
  reader r3(big_records);
  EXPECT_FALSE(decode_produce_request(r3, 3));
}

}  // namespace
}  // namespace fluxo::kafka
