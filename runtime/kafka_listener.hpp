// The Kafka protocol listener of a broker node: unmodified Kafka clients (kcat, librdkafka,
// kafka-python, kafkajs, Java) talk to the same topics, partitions and consumer groups as
// native clients. It runs as a CAF I/O broker (no extra threads): one actor multiplexing every
// connection, decoding frames with fluxo_kafka_protocol, asking the node / partition / group
// actors, and writing responses strictly in request order per connection (pipelining).
//
// Connection rules: a frame over max_request_bytes, a malformed header or an undecodable body
// closes that connection only (logged with the reason); an unsupported API or version gets
// error 35 (UNSUPPORTED_VERSION); acks=0 produce requests get no response.
//
// TLS (SSL and SASL_SSL listeners): every byte of a connection passes through its tls_session;
// a failed handshake closes it (logged). A verified client certificate makes the connection's
// principal User:<CN>.
//
// Authentication (SASL_PLAINTEXT and SASL_SSL listeners): until a connection has authenticated, only
// ApiVersions, SaslHandshake and SaslAuthenticate are answered; any other request closes it.
// Tokens travel in SaslAuthenticate (SaslHandshake v1) or as bare frames (SaslHandshake v0,
// KIP-152). A failed authentication is answered (SaslAuthenticate: error 58 with a message),
// logged with the client's address and the user name (never the password), and the
// connection is closed. The users are read at each handshake from `users`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/broker/node_actor.hpp"
#include "actors/security/security_state.hpp"
#include "runtime/listener_spec.hpp"
#include "runtime/tls.hpp"

namespace fluxo::runtime {

struct kafka_listener_options {
  std::string host = "127.0.0.1";
  uint16_t port = 9092;                  // 0 = any free port
  std::string advertised_host;           // what Metadata tells clients (default: host)
  int32_t advertised_port = -1;          // default: the bound port
  int32_t node_id = 0;
  std::size_t max_request_bytes = 100u << 20;
  std::chrono::milliseconds request_timeout{30000};
  // DescribeConfigs of resource BROKER <node_id>: the broker's effective settings under Kafka's
  // names (read-only: they change with a restart). The listener adds listeners and
  // advertised.listeners itself.
  std::vector<std::pair<std::string, std::string>> broker_configs;
  listener_protocol protocol = listener_protocol::plaintext;
  std::vector<std::string> sasl_mechanisms;         // the ones offered on a SASL listener
  std::shared_ptr<security::security_cache> security;  // users and ACLs (set on SASL listeners)
  std::shared_ptr<tls_context> tls;                // set on an SSL / SASL_SSL listener
  // The ACL authorizer (needs `security`): every request is checked against the ACLs of
  // __fluxo_security, Kafka's way; off, every request is allowed.
  bool authorize = false;
  security::authorizer_settings authorizer;
};

// Binds and starts the listener; returns the bound port.
caf::expected<uint16_t> start_kafka_listener(caf::actor_system& sys, actors::node_actor node,
                                             kafka_listener_options options, caf::actor* handle = nullptr);

}  // namespace fluxo::runtime
