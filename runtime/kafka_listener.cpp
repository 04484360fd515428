// The Kafka listener: connections, framing, in-order responses, dispatch (see the header).
#include "runtime/kafka_listener.hpp"

#include <spdlog/spdlog.h>

#include "actors/broker/broker_metrics.hpp"
#include "runtime/kafka_session.hpp"

namespace fluxo::runtime {
namespace kafka_impl {
namespace {

using namespace fluxo::kafka;

const std::map<int16_t, handler>& handlers() {
  static const std::map<int16_t, handler> table{
      {static_cast<int16_t>(api_key::metadata), handle_metadata},
      {static_cast<int16_t>(api_key::produce), handle_produce},
      {static_cast<int16_t>(api_key::fetch), handle_fetch},
      {static_cast<int16_t>(api_key::list_offsets), handle_list_offsets},
      {static_cast<int16_t>(api_key::init_producer_id), handle_init_producer_id},
      {static_cast<int16_t>(api_key::find_coordinator), handle_find_coordinator},
      {static_cast<int16_t>(api_key::join_group), handle_join_group},
      {static_cast<int16_t>(api_key::sync_group), handle_sync_group},
      {static_cast<int16_t>(api_key::heartbeat), handle_heartbeat},
      {static_cast<int16_t>(api_key::leave_group), handle_leave_group},
      {static_cast<int16_t>(api_key::offset_commit), handle_offset_commit},
      {static_cast<int16_t>(api_key::offset_fetch), handle_offset_fetch},
      {static_cast<int16_t>(api_key::describe_groups), handle_describe_groups},
      {static_cast<int16_t>(api_key::list_groups), handle_list_groups},
      {static_cast<int16_t>(api_key::delete_groups), handle_delete_groups},
      {static_cast<int16_t>(api_key::create_topics), handle_create_topics},
      {static_cast<int16_t>(api_key::delete_topics), handle_delete_topics},
      {static_cast<int16_t>(api_key::create_partitions), handle_create_partitions},
      {static_cast<int16_t>(api_key::describe_configs), handle_describe_configs},
      {static_cast<int16_t>(api_key::alter_configs), handle_alter_configs},
      {static_cast<int16_t>(api_key::describe_acls), handle_describe_acls},
      {static_cast<int16_t>(api_key::create_acls), handle_create_acls},
      {static_cast<int16_t>(api_key::delete_acls), handle_delete_acls},
  };
  return table;
}

void count_connections(self_ptr self) {
  actors::metrics_of_broker().kafka_connections.set(static_cast<double>(self->state.connections.size()));
}

// Writes every response that is ready, in order, stopping at the first one still pending.
void flush_ready(self_ptr self, caf::io::connection_handle hdl) {
  auto it = self->state.connections.find(hdl);
  if (it == self->state.connections.end()) return;
  auto& pending = it->second.pending;
  bool wrote = false;
  auto& tls = it->second.tls;
  while (!pending.empty() && pending.front().ready) {
    auto& buf = self->wr_buf(hdl);
    if (tls) {
      if (!tls->send(pending.front().frame, buf)) {
        close_connection(self, hdl, tls->error());
        return;
      }
    } else if (buf.empty()) {
      buf.swap(pending.front().frame);  // the common case: no copy
    } else {
      buf.insert(buf.end(), pending.front().frame.begin(), pending.front().frame.end());
    }
    pending.pop_front();
    wrote = true;
  }
  if (wrote) self->flush(hdl);
  if (pending.empty() && it->second.close_when_flushed) {
    self->state.connections.erase(it);
    count_connections(self);
    self->close(hdl);  // CAF writes what is buffered before it closes
  }
}

}  // namespace

void close_connection(self_ptr self, caf::io::connection_handle hdl, const std::string& why) {
  auto it = self->state.connections.find(hdl);
  spdlog::warn("kafka: closing connection {} from {}: {}", caf::to_string(hdl),
               it == self->state.connections.end() ? "?" : it->second.peer, why);
  self->state.connections.erase(hdl);
  count_connections(self);
  self->close(hdl);
}

void respond_raw(self_ptr self, caf::io::connection_handle hdl, std::vector<char> frame) {
  auto& conn = self->state.connections.at(hdl);
  conn.pending.push_back(pending_response{conn.next_seq++, true, std::move(frame)});
  flush_ready(self, hdl);
}

// A responder for the next response slot of the connection.
responder make_responder(self_ptr self, caf::io::connection_handle hdl, int32_t correlation_id) {
  auto& conn = self->state.connections.at(hdl);
  auto seq = conn.next_seq++;
  conn.pending.push_back(pending_response{seq, false, {}});
  return [self, hdl, seq, correlation_id](std::vector<char> body) {
    auto it = self->state.connections.find(hdl);
    if (it == self->state.connections.end()) return;  // the client went away meanwhile
    for (auto& p : it->second.pending) {
      if (p.seq == seq && !p.ready) {
        // body = [8 reserved bytes][response]: fill in the size and correlation id in place.
        writer w(body);
        w.patch_int32(0, static_cast<int32_t>(body.size() - 4));
        w.patch_int32(4, correlation_id);
        p.frame = std::move(body);
        p.ready = true;
        break;
      }
    }
    flush_ready(self, hdl);
  };
}

namespace {

// Kafka answers an unsupported version with error 35; the body is the error code alone (what
// ApiVersions v0 starts with), which clients read as UNSUPPORTED_VERSION.
std::vector<char> unsupported_version_body() {
  std::vector<char> out(frame_header_bytes);
  writer w(out);
  w.int16(35);
  return out;
}

bool allowed_before_authentication(int16_t key) {
  return key == static_cast<int16_t>(api_key::api_versions) || key == static_cast<int16_t>(api_key::sasl_handshake) ||
         key == static_cast<int16_t>(api_key::sasl_authenticate);
}

void handle_frame(self_ptr self, caf::io::connection_handle hdl, std::vector<char>& payload) {
  const auto& conn = self->state.connections.at(hdl);
  const bool authenticating = conn.sasl && !conn.sasl->authenticated();
  if (authenticating && conn.bare_tokens) return handle_bare_token(self, hdl, payload);
  reader r(payload);
  auto header = decode_request_header(r);
  if (!header) {
    close_connection(self, hdl, "malformed request header: " + r.error());
    return;
  }
  const auto& h = *header;
  if (authenticating && !allowed_before_authentication(h.key)) {
    close_connection(self, hdl, std::string(api_name(h.key)) + " request before SASL authentication");
    return;
  }
  if (h.key == static_cast<int16_t>(api_key::sasl_handshake) ||
      h.key == static_cast<int16_t>(api_key::sasl_authenticate)) {
    if (!is_supported(h.key, h.version)) {
      make_responder(self, hdl, h.correlation_id)(unsupported_version_body());
      return;
    }
    return handle_sasl_request(self, hdl, h, r);
  }
  if (h.key == static_cast<int16_t>(api_key::api_versions)) {
    auto reply = make_api_versions_reply(h.version);
    make_responder(self, hdl, h.correlation_id)(encode_body(encode_api_versions_response, reply.version, reply.response));
    return;
  }
  auto it = handlers().find(h.key);
  if (it == handlers().end() || !is_supported(h.key, h.version)) {
    spdlog::info("kafka: {} v{} from {} is not supported; answering UNSUPPORTED_VERSION", api_name(h.key), h.version,
                 h.client_id.value_or("?"));
    make_responder(self, hdl, h.correlation_id)(unsupported_version_body());
    return;
  }
  // Produce with acks=0 gets no response at all. acks is the field after transactional_id
  // (Produce v3-v7): peek at it rather than decoding the record batches twice.
  bool silent = false;
  if (h.key == static_cast<int16_t>(api_key::produce)) {
    reader peek(std::span<const char>(payload).subspan(r.position()));
    peek.nullable_string();
    silent = peek.int16() == 0 && peek.ok();
  }
  auto& series = self->state.api_metrics[h.key];
  if (!series.requests) {
    const std::string api(api_name(h.key));
    series.requests = &actors::metrics_of_broker().kafka_requests.with({api});
    series.latency = &actors::metrics_of_broker().kafka_latency.with({api});
  }
  series.requests->inc();
  auto reply = silent ? responder([](std::vector<char>) {}) : make_responder(self, hdl, h.correlation_id);
  self->state.current = hdl;  // the requester of what follows
  if (!silent) reply = throttled(self, hdl, h, payload.size(), std::move(reply));
  auto charge = request_quota(self, h);
  if (charge && !silent) reply = charged(self, hdl, h, charge, std::move(reply));
  if (!silent) {
    reply = [inner = std::move(reply), latency = series.latency, started = std::chrono::steady_clock::now()](std::vector<char> body) {
      latency->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      inner(std::move(body));
    };
  }
  if (!it->second(self, h, r, reply)) {
    close_connection(self, hdl, std::string("malformed ") + std::string(api_name(h.key)) + " v" +
                                    std::to_string(h.version) + " request: " + r.error());
    return;
  }
  if (charge) handled(self, hdl, *charge, !silent);
}

// Hands the socket's bytes to the frame reader, through TLS on TLS listeners (writing what the
// handshake wants sent). False when the connection was closed.
bool receive_bytes(self_ptr self, caf::io::connection_handle hdl, connection_state& conn, const std::vector<char>& bytes) {
  if (!conn.tls) {
    conn.frames.append(std::span<const char>(bytes.data(), bytes.size()));
    return true;
  }
  std::vector<char> plaintext;
  const bool was_done = conn.tls->handshake_done();
  const bool ok = conn.tls->receive(bytes, plaintext);
  auto& out = self->wr_buf(hdl);
  const auto before = out.size();
  conn.tls->take_output(out);  // handshake records, or the alert that explains a failure
  if (out.size() != before) self->flush(hdl);
  if (!ok) {
    if (conn.tls->peer_closed()) {
      self->state.connections.erase(hdl);
      count_connections(self);
      self->close(hdl);
    } else {
      close_connection(self, hdl, "TLS: " + conn.tls->error());
    }
    return false;
  }
  if (!was_done && conn.tls->handshake_done()) {
    conn.principal = conn.tls->peer_principal();
    if (!conn.principal.empty()) spdlog::info("kafka: {} presented a client certificate as {}", conn.peer, conn.principal);
  }
  conn.frames.append(std::span<const char>(plaintext.data(), plaintext.size()));
  return true;
}

}  // namespace

void handle_frames(self_ptr self, caf::io::connection_handle hdl) {
  auto it = self->state.connections.find(hdl);
  if (it == self->state.connections.end()) return;
  // A muted connection (quota) keeps what it read for later: CAF may hand over a few more
  // reads after halt(), and they must wait like the rest.
  while (it->second.muted_until_ms <= steady_now_ms()) {
    auto frame = it->second.frames.next();
    if (!frame) break;
    handle_frame(self, hdl, *frame);
    it = self->state.connections.find(hdl);
    if (it == self->state.connections.end()) return;  // closed while handling
  }
  if (it->second.frames.failed()) close_connection(self, hdl, it->second.frames.error());
}

namespace {

caf::behavior listener_behavior(self_ptr self, caf::io::doorman_ptr doorman, actors::node_actor node,
                                kafka_listener_options options) {
  self->state.node = std::move(node);
  self->state.options = std::move(options);
  self->state.port = doorman->port();
  self->add_doorman(std::move(doorman));
  return {
    [=](const caf::io::new_connection_msg& msg) {
      auto& conn =
          self->state.connections.emplace(msg.handle, connection_state(self->state.options.max_request_bytes)).first->second;
      conn.peer_host = self->remote_addr(msg.handle);
      conn.peer = conn.peer_host + ":" + std::to_string(self->remote_port(msg.handle));
      if (uses_sasl(self->state.options.protocol)) conn.sasl.emplace(self->state.options.sasl_mechanisms);
      if (self->state.options.tls) conn.tls = std::make_unique<tls_session>(self->state.options.tls);
      count_connections(self);
      self->configure_read(msg.handle, caf::io::receive_policy::at_most(64 * 1024));
    },
    [=](const caf::io::new_data_msg& msg) {
      auto it = self->state.connections.find(msg.handle);
      if (it == self->state.connections.end()) return;
      if (!receive_bytes(self, msg.handle, it->second, msg.buf)) return;
      handle_frames(self, msg.handle);
    },
    [=](const caf::io::connection_closed_msg& msg) {
      self->state.connections.erase(msg.handle);
      count_connections(self);
    },
    [=](const caf::io::acceptor_closed_msg&) { self->quit(); },
    [=](unmute_atom, caf::io::connection_handle hdl) { unmute(self, hdl); },
  };
}

using route_fn = std::function<void(int16_t, const std::vector<actors::partition_actor>&)>;

// Asks the node for the topic's partition actors (maybe creating the topic) and caches them.
void resolve_topic(self_ptr self, const std::string& topic, bool create, route_fn fn) {
  if (!create) {
    // Ask without creating: the placement answers UNKNOWN_TOPIC_OR_PARTITION for unknown topics.
    self->request(self->state.node, self->state.options.request_timeout, actors::metadata_atom::value,
                  std::vector<std::string>{topic}, false, false)
        .then(
            [=](const actors::cluster_metadata& md) {
              if (md.topics.empty() || md.topics.front().error_code != 0) {
                fn(md.topics.empty() ? actors::code(actors::kafka_error::unknown_topic_or_partition)
                                     : md.topics.front().error_code,
                   {});
                return;
              }
              resolve_topic(self, topic, true, fn);
            },
            [=](caf::error&) { fn(actors::code(actors::kafka_error::request_timed_out), {}); });
    return;
  }
  self->request(self->state.node, self->state.options.request_timeout, actors::lookup_atom::value, topic)
      .then(
          [=](const actors::topic_info& info, const std::vector<actors::partition_actor>& parts) {
            if (info.error_code == 0 && !parts.empty()) self->state.routes[topic] = parts;
            fn(info.error_code, parts);
          },
          [=](caf::error&) { fn(actors::code(actors::kafka_error::request_timed_out), {}); });
}

// The route cache, else the node. Requests are handled in arrival order only if their
// lookups finish in that order: while a topic is being looked up, later lookups of it (even
// ones the cache could answer, once another lookup refilled it) wait and then run in order.
// Without this, after a leader change (forget_topic) a producer's next batch could overtake
// the previous one and be refused as OUT_OF_ORDER_SEQUENCE_NUMBER, which librdkafka < 2.3
// treats as fatal.
void lookup_topic(self_ptr self, const std::string& topic, bool create, route_fn fn) {
  auto& st = self->state;
  if (auto pending = st.pending_lookups.find(topic); pending != st.pending_lookups.end()) {
    pending->second.push_back({create, std::move(fn)});
    return;
  }
  if (auto it = st.routes.find(topic); it != st.routes.end()) {
    // A copy: callbacks call forget_topic() when a partition has no leader, which erases the
    // cache entry they would otherwise still be iterating (a use after free that killed
    // brokers with SIGSEGV right after a node died, in the fetch and list-offsets handlers).
    const auto routes = it->second;
    fn(0, routes);
    return;
  }
  st.pending_lookups[topic];
  resolve_topic(self, topic, create, [self, topic, fn](int16_t code, const std::vector<actors::partition_actor>& parts) {
    auto node = self->state.pending_lookups.extract(topic);
    fn(code, parts);
    if (node.empty()) return;
    // After a timeout the waiters time out too (re-running them one after another would make
    // the last wait for every earlier one, and send batches long after their clients gave up).
    const bool timed_out = code == actors::code(actors::kafka_error::request_timed_out);
    for (auto& w : node.mapped()) {
      if (timed_out) {
        w.fn(code, {});
      } else {
        lookup_topic(self, topic, w.create, std::move(w.fn));
      }
    }
  });
}

}  // namespace

void with_topic(self_ptr self, const std::string& topic, bool create,
                std::function<void(int16_t, const std::vector<actors::partition_actor>&)> fn) {
  if (topic == security::security_topic) {
    // Users' credentials: managed with `fluxo user` over the node port, never through Kafka.
    fn(actors::code(actors::kafka_error::topic_authorization_failed), {});
    return;
  }
  lookup_topic(self, topic, create, std::move(fn));
}

void with_internal_topic(self_ptr self, const std::string& topic,
                         std::function<void(int16_t, const std::vector<actors::partition_actor>&)> fn) {
  lookup_topic(self, topic, false, std::move(fn));
}

void forget_topic(self_ptr self, const std::string& topic) { self->state.routes.erase(topic); }

std::function<void()> countdown(std::size_t count, std::function<void()> done) {
  if (count == 0) {
    done();
    return [] {};
  }
  auto left = std::make_shared<std::size_t>(count);
  return [left, done] {
    if (--*left == 0) done();
  };
}

}  // namespace kafka_impl

caf::expected<uint16_t> start_kafka_listener(caf::actor_system& sys, actors::node_actor node,
                                             kafka_listener_options options, caf::actor* handle) {
  if (uses_sasl(options.protocol) && (!options.security || options.sasl_mechanisms.empty())) {
    return caf::make_error(caf::sec::invalid_argument, "a SASL listener needs users and mechanisms");
  }
  if (uses_tls(options.protocol) != (options.tls != nullptr)) {
    return caf::make_error(caf::sec::invalid_argument, "a TLS listener needs a TLS context (and only it)");
  }
  auto& mm = sys.middleman();
  auto doorman = mm.backend().new_tcp_doorman(options.port, options.host.c_str(), true);  // SO_REUSEADDR (see broker.cpp)
  if (!doorman) return doorman.error();
  auto port = (*doorman)->port();
  if (options.advertised_host.empty()) options.advertised_host = options.host;
  if (options.advertised_port < 0) options.advertised_port = port;
  auto listener = mm.spawn_broker(kafka_impl::listener_behavior, std::move(*doorman), std::move(node), options);
  if (handle) *handle = listener;
  spdlog::info("kafka listener {}://{}:{} (advertised as {}:{})", protocol_name(options.protocol), options.host, port,
               options.advertised_host, options.advertised_port);
  return port;
}

}  // namespace fluxo::runtime
