// Internals of the Kafka listener shared by its handler files (includes CAF).
//
// Every request gets a `responder` bound to its connection and sequence number; handlers call
// it once with the encoded response body (or never, for acks=0). The listener writes bodies in
// sequence order, so pipelined requests are answered in the order they came.
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "actors/broker/node_actor.hpp"
#include "actors/partition/producer_state.hpp"
#include "actors/security/acl.hpp"
#include "actors/security/quota.hpp"
#include "actors/security/sasl.hpp"
#include "runtime/metrics/metrics.hpp"
#include "runtime/kafka/frame.hpp"
#include "runtime/kafka/messages.hpp"
#include "runtime/kafka_listener.hpp"

namespace fluxo::runtime::kafka_impl {

struct pending_response {
  uint64_t seq = 0;
  bool ready = false;
  std::vector<char> frame;
};

struct connection_state {
  kafka::frame_reader frames;
  std::deque<pending_response> pending;
  uint64_t next_seq = 0;
  // Idempotent batches this connection was told NOT_LEADER_OR_FOLLOWER for by the listener
  // itself, per partition: the ones the client pipelined behind them get the same answer
  // (see producer_state.hpp, failover fence).
  std::map<std::pair<std::string, int32_t>, actors::producer_state_table> refused;
  std::string peer;       // the client's "address:port", for logs
  std::string peer_host;  // the client's address, for ACL host rules
  // On a SASL listener: the connection's authentication (requests other than ApiVersions and
  // SASL ones are refused until it is done); `bare_tokens` after SaslHandshake v0 (KIP-152).
  std::optional<security::sasl_authenticator> sasl;
  bool bare_tokens = false;
  std::unique_ptr<tls_session> tls;  // on TLS listeners
  std::string principal;             // "User:<name>" once known (client certificate or SASL)
  bool close_when_flushed = false;  // a failed authentication: answer, then close
  int64_t muted_until_ms = 0;       // a quota's throttle: nothing is read before (steady clock)
  explicit connection_state(std::size_t max) : frames(max) {}
};

// Resumes reading a connection muted by a quota.
using unmute_atom = caf::atom_constant<caf::atom("unmute")>;

struct listener_state {
  actors::node_actor node;
  kafka_listener_options options;
  uint16_t port = 0;
  std::map<caf::io::connection_handle, connection_state> connections;
  caf::io::connection_handle current;  // the connection whose request is being handled
  std::map<std::string, std::vector<actors::partition_actor>> routes;  // topic -> partitions
  // Lookups of a topic that is being looked up wait behind that lookup, in arrival order: a
  // later request may not reach a partition before an earlier one (idempotent producers'
  // sequences; see lookup_topic in kafka_listener.cpp).
  struct waiting_lookup {
    bool create = false;
    std::function<void(int16_t, const std::vector<actors::partition_actor>&)> fn;
  };
  std::map<std::string, std::vector<waiting_lookup>> pending_lookups;
  // Metric series per API key, looked up once (not per request).
  struct api_series {
    metrics::counter* requests = nullptr;
    metrics::histogram* latency = nullptr;
  };
  std::map<int16_t, api_series> api_metrics;
  // Produce rejections logged per (topic, partition, error): at most one line each 5 s, with
  // how many were left out (a failover would otherwise log every request).
  struct rejection_log {
    int64_t last_ms = -1'000'000;
    int64_t suppressed = 0;
  };
  std::map<std::tuple<std::string, int32_t, int16_t>, rejection_log> rejections;
  // Quota buckets by (entity, kind) (see actors/security/quota.hpp).
  std::map<std::pair<security::quota_entity, security::quota_store::kind>, security::byte_rate_limiter> quota_buckets;
  static inline const char* name = "fluxo.kafka";
};

using listener_actor = caf::stateful_actor<listener_state, caf::io::broker>;
using self_ptr = listener_actor*;
using responder = std::function<void(std::vector<char> body)>;

// Partitions of a topic through the route cache (looked up, and maybe auto-created, by the
// node on a miss). fn(error code, partitions); fn may call forget_topic() (the partitions it
// was given stay valid).
void with_topic(self_ptr self, const std::string& topic, bool create,
                std::function<void(int16_t, const std::vector<actors::partition_actor>&)> fn);
void forget_topic(self_ptr self, const std::string& topic);
// with_topic() for fluxo's own internal topics (never created here), __fluxo_security included.
void with_internal_topic(self_ptr self, const std::string& topic,
                         std::function<void(int16_t, const std::vector<actors::partition_actor>&)> fn);

// A responder for the connection's next response slot (responses go out in request order).
responder make_responder(self_ptr self, caf::io::connection_handle hdl, int32_t correlation_id);
// Queues a whole frame (size prefix included) as the next response: bare SASL tokens.
void respond_raw(self_ptr self, caf::io::connection_handle hdl, std::vector<char> frame);
void close_connection(self_ptr self, caf::io::connection_handle hdl, const std::string& why);

// Authorization (kafka_authz.cpp). A request's requester is taken when it arrives (handlers
// run on after other connections' requests). On a listener without the ACL authorizer every
// check passes.
struct requester {
  std::string principal;  // "User:<name>", "User:ANONYMOUS" when not authenticated
  std::string host;
};
requester current_requester(self_ptr self);
bool allowed(self_ptr self, const requester& who, security::acl_operation op, security::resource_type type,
             std::string_view name);
// KIP-679: an idempotent producer may also init with WRITE on any topic.
bool may_write_some_topic(self_ptr self, const requester& who);
// with_topic() for a requester who needs `op` on the topic (TOPIC_AUTHORIZATION_FAILED
// otherwise); creating an unknown topic also needs CREATE on it or on the cluster.
void with_topic_as(self_ptr self, const requester& who, security::acl_operation op, const std::string& topic, bool create,
                   std::function<void(int16_t, const std::vector<actors::partition_actor>&)> fn);

// Quotas (kafka_authz.cpp): wraps the responder of a Produce or Fetch request whose requester
// has a byte-rate quota, so that its response carries throttle_time_ms and the connection is
// muted for that long. Other requests keep their responder.
responder throttled(self_ptr self, caf::io::connection_handle hdl, const kafka::request_header& h,
                    std::size_t request_bytes, responder inner);
// Request quotas (request_percentage): the time handling a request takes is charged to its
// entity; the response carries the throttle and the connection is muted for it. A null
// charge: no request quota applies. handled() is called once the handler returned (what it
// did synchronously is charged then; a request without response is throttled right there).
struct request_charge {
  security::quota_entity entity;
  double budget_us_per_s = 0;
  std::chrono::steady_clock::time_point started;
  double handled_us = 0;
  bool handler_returned = false;
  bool replied = false;  // (a handler may answer before it returns)
};
std::shared_ptr<request_charge> request_quota(self_ptr self, const kafka::request_header& h);
responder charged(self_ptr self, caf::io::connection_handle hdl, const kafka::request_header& h,
                  std::shared_ptr<request_charge> charge, responder inner);
void handled(self_ptr self, caf::io::connection_handle hdl, request_charge& charge, bool has_response);
// The unmute timer of a connection fired: read again (and handle what was read meanwhile),
// unless a later throttle still holds.
void unmute(self_ptr self, caf::io::connection_handle hdl);
// Handles the complete frames a connection has buffered, unless it is muted.
void handle_frames(self_ptr self, caf::io::connection_handle hdl);
int64_t steady_now_ms();

// SASL (kafka_auth.cpp). handle_sasl_request answers SaslHandshake / SaslAuthenticate;
// handle_bare_token takes a frame after SaslHandshake v0 as a token.
void handle_sasl_request(self_ptr self, caf::io::connection_handle hdl, const kafka::request_header& h, kafka::reader& r);
void handle_bare_token(self_ptr self, caf::io::connection_handle hdl, const std::vector<char>& token);

// Calls done() once `count` parts called the returned function.
std::function<void()> countdown(std::size_t count, std::function<void()> done);

// Handlers: decode from `r` (version h.version), reply through `reply`. Return false when the
// body is malformed (the connection is then closed).
using handler = bool (*)(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_metadata(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_produce(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_fetch(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_list_offsets(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_init_producer_id(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_find_coordinator(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_join_group(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_sync_group(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_heartbeat(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_leave_group(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_offset_commit(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_offset_fetch(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_describe_groups(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_list_groups(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_delete_groups(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_describe_acls(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_create_acls(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_delete_acls(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_create_topics(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_delete_topics(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_create_partitions(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_describe_configs(self_ptr, const kafka::request_header&, kafka::reader&, responder);
bool handle_alter_configs(self_ptr, const kafka::request_header&, kafka::reader&, responder);

// Bytes reserved at the front of every body for the frame header (size + correlation id),
// which the responder fills in, so a response is encoded once and never copied into a frame.
inline constexpr std::size_t frame_header_bytes = 8;

// Encodes a response struct with `encode(writer, version, msg)` into a body (header space first).
template <class M, class F>
std::vector<char> encode_body(F encode, int16_t version, const M& m) {
  std::vector<char> out(frame_header_bytes);
  kafka::writer w(out);
  encode(w, version, m);
  return out;
}

}  // namespace fluxo::runtime::kafka_impl
