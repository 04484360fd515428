#include "actors/common/kafka_error.hpp"

namespace fluxo::actors {

std::string_view to_string(kafka_error e) { return kafka_error_name(code(e)); }

std::string_view kafka_error_name(int16_t c) {
  switch (static_cast<kafka_error>(c)) {
    case kafka_error::unknown_server_error: return "UNKNOWN_SERVER_ERROR";
    case kafka_error::none: return "NONE";
    case kafka_error::offset_out_of_range: return "OFFSET_OUT_OF_RANGE";
    case kafka_error::corrupt_message: return "CORRUPT_MESSAGE";
    case kafka_error::unknown_topic_or_partition: return "UNKNOWN_TOPIC_OR_PARTITION";
    case kafka_error::invalid_fetch_size: return "INVALID_FETCH_SIZE";
    case kafka_error::leader_not_available: return "LEADER_NOT_AVAILABLE";
    case kafka_error::not_leader_or_follower: return "NOT_LEADER_OR_FOLLOWER";
    case kafka_error::request_timed_out: return "REQUEST_TIMED_OUT";
    case kafka_error::broker_not_available: return "BROKER_NOT_AVAILABLE";
    case kafka_error::replica_not_available: return "REPLICA_NOT_AVAILABLE";
    case kafka_error::message_too_large: return "MESSAGE_TOO_LARGE";
    case kafka_error::offset_metadata_too_large: return "OFFSET_METADATA_TOO_LARGE";
    case kafka_error::coordinator_load_in_progress: return "COORDINATOR_LOAD_IN_PROGRESS";
    case kafka_error::coordinator_not_available: return "COORDINATOR_NOT_AVAILABLE";
    case kafka_error::not_coordinator: return "NOT_COORDINATOR";
    case kafka_error::invalid_topic_exception: return "INVALID_TOPIC_EXCEPTION";
    case kafka_error::record_list_too_large: return "RECORD_LIST_TOO_LARGE";
    case kafka_error::not_enough_replicas: return "NOT_ENOUGH_REPLICAS";
    case kafka_error::not_enough_replicas_after_append: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case kafka_error::invalid_required_acks: return "INVALID_REQUIRED_ACKS";
    case kafka_error::illegal_generation: return "ILLEGAL_GENERATION";
    case kafka_error::inconsistent_group_protocol: return "INCONSISTENT_GROUP_PROTOCOL";
    case kafka_error::invalid_group_id: return "INVALID_GROUP_ID";
    case kafka_error::unknown_member_id: return "UNKNOWN_MEMBER_ID";
    case kafka_error::invalid_session_timeout: return "INVALID_SESSION_TIMEOUT";
    case kafka_error::rebalance_in_progress: return "REBALANCE_IN_PROGRESS";
    case kafka_error::invalid_commit_offset_size: return "INVALID_COMMIT_OFFSET_SIZE";
    case kafka_error::topic_authorization_failed: return "TOPIC_AUTHORIZATION_FAILED";
    case kafka_error::group_authorization_failed: return "GROUP_AUTHORIZATION_FAILED";
    case kafka_error::cluster_authorization_failed: return "CLUSTER_AUTHORIZATION_FAILED";
    case kafka_error::invalid_timestamp: return "INVALID_TIMESTAMP";
    case kafka_error::unsupported_sasl_mechanism: return "UNSUPPORTED_SASL_MECHANISM";
    case kafka_error::illegal_sasl_state: return "ILLEGAL_SASL_STATE";
    case kafka_error::sasl_authentication_failed: return "SASL_AUTHENTICATION_FAILED";
    case kafka_error::unsupported_version: return "UNSUPPORTED_VERSION";
    case kafka_error::topic_already_exists: return "TOPIC_ALREADY_EXISTS";
    case kafka_error::invalid_partitions: return "INVALID_PARTITIONS";
    case kafka_error::invalid_replication_factor: return "INVALID_REPLICATION_FACTOR";
    case kafka_error::invalid_config: return "INVALID_CONFIG";
    case kafka_error::invalid_request: return "INVALID_REQUEST";
    case kafka_error::policy_violation: return "POLICY_VIOLATION";
    case kafka_error::out_of_order_sequence_number: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case kafka_error::duplicate_sequence_number: return "DUPLICATE_SEQUENCE_NUMBER";
    case kafka_error::invalid_producer_epoch: return "INVALID_PRODUCER_EPOCH";
    case kafka_error::kafka_storage_error: return "KAFKA_STORAGE_ERROR";
    case kafka_error::unknown_producer_id: return "UNKNOWN_PRODUCER_ID";
    case kafka_error::non_empty_group: return "NON_EMPTY_GROUP";
    case kafka_error::group_id_not_found: return "GROUP_ID_NOT_FOUND";
    case kafka_error::fenced_leader_epoch: return "FENCED_LEADER_EPOCH";
    case kafka_error::unknown_leader_epoch: return "UNKNOWN_LEADER_EPOCH";
    case kafka_error::offset_not_available: return "OFFSET_NOT_AVAILABLE";
    case kafka_error::member_id_required: return "MEMBER_ID_REQUIRED";
  }
  return "UNKNOWN_ERROR_CODE";
}

}  // namespace fluxo::actors
