#include "runtime/kafka/api.hpp"

namespace fluxo::kafka {

std::string_view api_name(int16_t key) {
  switch (static_cast<api_key>(key)) {
    case api_key::produce: return "Produce";
    case api_key::fetch: return "Fetch";
    case api_key::list_offsets: return "ListOffsets";
    case api_key::metadata: return "Metadata";
    case api_key::offset_commit: return "OffsetCommit";
    case api_key::offset_fetch: return "OffsetFetch";
    case api_key::find_coordinator: return "FindCoordinator";
    case api_key::join_group: return "JoinGroup";
    case api_key::heartbeat: return "Heartbeat";
    case api_key::leave_group: return "LeaveGroup";
    case api_key::sync_group: return "SyncGroup";
    case api_key::describe_groups: return "DescribeGroups";
    case api_key::list_groups: return "ListGroups";
    case api_key::sasl_handshake: return "SaslHandshake";
    case api_key::api_versions: return "ApiVersions";
    case api_key::create_topics: return "CreateTopics";
    case api_key::delete_topics: return "DeleteTopics";
    case api_key::init_producer_id: return "InitProducerId";
    case api_key::describe_acls: return "DescribeAcls";
    case api_key::create_acls: return "CreateAcls";
    case api_key::delete_acls: return "DeleteAcls";
    case api_key::describe_configs: return "DescribeConfigs";
    case api_key::alter_configs: return "AlterConfigs";
    case api_key::sasl_authenticate: return "SaslAuthenticate";
    case api_key::create_partitions: return "CreatePartitions";
    case api_key::delete_groups: return "DeleteGroups";
  }
  return "Unknown";
}

std::optional<request_header> decode_request_header(reader& r) {
  request_header h;
  h.key = r.int16();
  h.version = r.int16();
  h.correlation_id = r.int32();
  h.client_id = r.nullable_string();
  if (!r.ok()) {
    r.add_context("request header");
    return std::nullopt;
  }
  return h;
}

void encode_request_header(writer& w, const request_header& h) {
  w.int16(h.key);
  w.int16(h.version);
  w.int32(h.correlation_id);
  w.nullable_string(h.client_id);
}

}  // namespace fluxo::kafka
