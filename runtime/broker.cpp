// `fluxo broker`: one CAF node serving topics from a data directory.
//
// Start-up: load topics, publish the node actor on --node-addr, print
//   "fluxo broker ready: node <id> at <host>:<port> data <dir>"
// Shutdown on SIGINT/SIGTERM: stop accepting, finish in-flight appends, flush, write
// clean-shutdown markers, exit 0. A second signal exits at once (code 130).
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <spdlog/spdlog.h>
#include <thread>

#include "actors/broker/node_actor.hpp"
#include "actors/broker/node_port.hpp"
#include "runtime/broker_options.hpp"
#include "runtime/kafka_listener.hpp"
#include "runtime/security_topic.hpp"
#include "actors/security/node_sessions.hpp"
#include "actors/security/sasl.hpp"
#include "actors/common/address.hpp"
#include "actors/broker/caf_setup.hpp"
#include "actors/client/actor_api.hpp"
#include "runtime/http/http_server.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {
namespace {

std::atomic<int> signals_seen{0};

// The node's effective settings under Kafka's broker config names (DescribeConfigs BROKER).
std::vector<std::pair<std::string, std::string>> kafka_broker_configs(const actors::node_options& n,
                                                                      std::size_t max_request_bytes) {
  const auto& t = n.default_topic;
  auto num = [](auto v) { return std::to_string(v); };
  std::vector<std::pair<std::string, std::string>> out{
      {"broker.id", num(n.node_id)},
      {"node.id", num(n.node_id)},
      {"log.dirs", n.data_dir},
      {"auto.create.topics.enable", n.auto_create_topics ? "true" : "false"},
      {"num.partitions", num(t.partitions)},
      {"offsets.topic.num.partitions", num(n.clustered() ? n.offsets_partitions : 1)},
      {"message.max.bytes", num(t.max_message_bytes)},
      {"log.retention.ms", num(t.retention_ms)},
      {"log.retention.bytes", num(t.retention_bytes)},
      {"log.segment.bytes", num(t.segment_bytes)},
      {"log.roll.ms", num(t.segment_ms)},
      {"log.cleanup.policy", t.cleanup_policy},
      {"log.message.timestamp.type", t.timestamp_type},
      {"log.flush.interval.messages", t.flush_messages > 0 ? num(t.flush_messages) : "9223372036854775807"},
      {"unclean.leader.election.enable", t.unclean_leader_election ? "true" : "false"},
      {"auto.leader.rebalance.enable", n.auto_leader_rebalance ? "true" : "false"},
      {"replica.lag.time.max.ms", num(n.replica_lag_max_ms)},
      {"socket.request.max.bytes", num(max_request_bytes)},
  };
  if (!n.clustered()) {
    out.push_back({"default.replication.factor", "1"});
    out.push_back({"min.insync.replicas", "1"});
  }
  return out;
}

// Flushes and closes every topic, then stops the node actor (the actor system waits for all).
bool close_node(caf::actor_system& sys, const actors::node_actor& node) {
  caf::scoped_actor self{sys};
  bool clean = false;
  self->request(node, std::chrono::seconds(60), actors::close_atom::value)
      .receive([&](bool ok) { clean = ok; },
               [&](caf::error& err) { spdlog::error("shutdown: {}", sys.render(err)); });
  return clean;
}

int run_broker(runtime::broker_options opts) {
  spdlog::set_level(spdlog::level::from_str(opts.log_level));
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  std::string host;
  uint16_t port = 0;
  if (!actors::split_host_port(opts.node_addr, host, port)) {
    spdlog::error("--node-addr must be host:port, got '{}'", opts.node_addr);
    return 2;
  }
  actors::node_tls_files node_tls;
  if (opts.node_tls) {
    node_tls = {opts.tls_cert, opts.tls_key, opts.tls_ca};
    if (auto bad = actors::check_node_tls_files(node_tls); !bad.empty()) {
      spdlog::error("--node-tls: {} (--tls-cert, --tls-key, --tls-ca)", bad);
      return 2;
    }
  }
  // Signals are taken by a dedicated thread: block them before CAF starts its threads.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (signals_seen.fetch_add(1) >= 1) {
        spdlog::warn("second signal: exiting now");
        std::_Exit(130);
      }
      spdlog::info("signal {}: shutting down (send it again to exit at once)", sig);
      signals_seen.notify_all();
    }
  }).detach();

  caf::actor_system_config cfg;
  actors::configure_caf(cfg, {opts.scheduler_threads, opts.heartbeat_ms, opts.connection_timeout_ms, node_tls});
  caf::actor_system sys{cfg};
  opts.node.host = host;
  // The node actor first (so its port can be bound), then the listeners, then the start: a
  // cluster member registers its addresses when it joins.
  auto node = std::make_optional(actors::spawn_node_actor(sys));
  auto stop_node = [&] {
    caf::anon_send_exit(*node, caf::exit_reason::user_shutdown);
  };
  auto bound = actors::publish_node_port(sys, *node, port, host);
  if (!bound) {
    spdlog::error("cannot listen on {}: {} (is another broker using it?)", opts.node_addr, sys.render(bound.error()));
    stop_node();
    return 1;
  }
  opts.node.port = *bound;
  std::string addr = host + ":" + std::to_string(*bound);
  // Kafka listeners: the first one is what Metadata and the cluster advertise for this node.
  std::string kafka_addr = "none";
  std::string all_listeners = "none";
  std::vector<caf::actor> kafka_listeners;
  auto stop_listeners = [&] {
    for (auto& l : kafka_listeners) caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
  };
  // Users, ACLs and quotas (every listener reads them; the SASL ones and the authorizer need them).
  auto security_data = std::make_shared<security::security_cache>();
  bool security_needed = false;  // a listener authenticates or authorizes: __fluxo_security must exist
  bool sasl_listener = false;    // some Kafka listener asks clients for a user and password
  bool authorize = false;        // Kafka's ACLs decide (Kafka listeners and the HTTP port)
  security::authorizer_settings authz;
  if (opts.kafka_addr != "none") {
    std::string error;
    auto specs = runtime::parse_listeners(opts.kafka_addr, &error);
    if (!specs) {
      spdlog::error("--kafka-addr: {}", error);
      close_node(sys, *node);
      return 2;
    }
    std::shared_ptr<runtime::tls_context> tls;
    if (std::any_of(specs->begin(), specs->end(), [](const auto& l) { return runtime::uses_tls(l.protocol); })) {
      auto client_auth = runtime::parse_client_auth(opts.tls_client_auth);
      if (!client_auth) {
        spdlog::error("--tls-client-auth must be none, requested or required, got '{}'", opts.tls_client_auth);
        close_node(sys, *node);
        return 2;
      }
      tls = runtime::tls_context::make({opts.tls_cert, opts.tls_key, opts.tls_ca, *client_auth}, &error);
      if (!tls) {
        spdlog::error("TLS: {}", error);
        close_node(sys, *node);
        return 2;
      }
    }
    std::optional<std::vector<std::string>> mechanisms;
    if (std::any_of(specs->begin(), specs->end(), [](const auto& l) { return runtime::uses_sasl(l.protocol); })) {
      mechanisms = security::parse_sasl_mechanisms(opts.sasl_mechanisms, &error);
      if (!mechanisms) {
        spdlog::error("--sasl-mechanisms: {}", error);
        close_node(sys, *node);
        return 2;
      }
      security_needed = true;
      sasl_listener = true;
    }
    // The ACL authorizer: on by default as soon as a listener knows who its clients are.
    const bool authenticating = security_needed || (tls && opts.tls_client_auth != "none");
    if (!opts.authorizer.empty() && opts.authorizer != "none" && opts.authorizer != "acl") {
      spdlog::error("--authorizer must be none or acl, got '{}'", opts.authorizer);
      close_node(sys, *node);
      return 2;
    }
    authorize = opts.authorizer.empty() ? authenticating : opts.authorizer == "acl";
    if (authorize) security_needed = true;
    authz.allow_everyone_if_no_acl = opts.allow_everyone_if_no_acl;
    for (std::string_view rest = opts.super_users; !rest.empty();) {
      auto comma = rest.find(',');
      auto name = rest.substr(0, comma);
      if (!name.starts_with("User:") || name.size() == 5) {
        spdlog::error("--super-users takes User:<name> principals, got '{}'", name);
        close_node(sys, *node);
        return 2;
      }
      authz.super_users.emplace(name);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (authorize) {
      spdlog::info("ACL authorizer on (super users: {}; allow everyone if no ACL: {})",
                   opts.super_users.empty() ? "none" : opts.super_users, opts.allow_everyone_if_no_acl);
    }
    all_listeners.clear();
    for (std::size_t i = 0; i < specs->size(); ++i) {
      const auto& spec = (*specs)[i];
      runtime::kafka_listener_options ko;
      ko.host = spec.host;
      ko.port = spec.port;
      ko.protocol = spec.protocol;
      if (runtime::uses_sasl(spec.protocol)) ko.sasl_mechanisms = *mechanisms;
      if (runtime::uses_tls(spec.protocol)) ko.tls = tls;
      ko.authorize = authorize;
      ko.authorizer = authz;
      ko.security = security_data;
      if (i == 0 && !opts.advertised_kafka_addr.empty()) {
        uint16_t adv_port = 0;
        if (!actors::split_host_port(opts.advertised_kafka_addr, ko.advertised_host, adv_port)) {
          spdlog::error("--advertised-kafka-addr must be host:port, got '{}'", opts.advertised_kafka_addr);
          stop_listeners();
          close_node(sys, *node);
          return 2;
        }
        ko.advertised_port = adv_port;
      }
      ko.node_id = opts.node.node_id;
      ko.max_request_bytes = static_cast<std::size_t>(opts.max_request_bytes);
      ko.broker_configs = kafka_broker_configs(opts.node, ko.max_request_bytes);
      caf::actor listener;
      auto kport = runtime::start_kafka_listener(sys, *node, ko, &listener);
      if (!kport) {
        spdlog::error("cannot listen for Kafka clients on {}:{}: {} (is another broker using it?)", spec.host, spec.port,
                      sys.render(kport.error()));
        stop_listeners();
        close_node(sys, *node);
        return 1;
      }
      kafka_listeners.push_back(listener);
      const auto bound_addr = ko.host + ":" + std::to_string(*kport);
      if (i == 0) kafka_addr = bound_addr;
      all_listeners += (i ? "," : "") + std::string(runtime::protocol_name(spec.protocol)) + "://" + bound_addr;
    }
  }
  std::string http_addr = "none";
  std::unique_ptr<runtime::http::http_server> http;
  if (opts.http_addr != "none") {
    runtime::http::http_server_options ho;
    std::string_view http_hostport = opts.http_addr;
    const bool https = http_hostport.starts_with("https://");
    if (https) http_hostport.remove_prefix(8);
    if (http_hostport.starts_with("http://")) http_hostport.remove_prefix(7);
    if (!actors::split_host_port(std::string(http_hostport), ho.host, ho.port)) {
      spdlog::error("--http-addr must be [http://|https://]host:port or none, got '{}'", opts.http_addr);
      close_node(sys, *node);
      return 2;
    }
    if (https && (opts.tls_cert.empty() || opts.tls_key.empty())) {
      spdlog::error("--http-addr {} needs --tls-cert and --tls-key", opts.http_addr);
      close_node(sys, *node);
      return 2;
    }
    if (!opts.http_auth.empty() && opts.http_auth != "none" && opts.http_auth != "required") {
      spdlog::error("--http-auth must be none or required, got '{}'", opts.http_auth);
      close_node(sys, *node);
      return 2;
    }
    if (https) {
      ho.tls_cert = opts.tls_cert;
      ho.tls_key = opts.tls_key;
    }
    ho.security = security_data;
    ho.require_login = opts.http_auth.empty() ? sasl_listener : opts.http_auth == "required";
    ho.metrics_need_login = opts.http_metrics_auth;
    ho.authorize = authorize;
    ho.authorizer = authz;
    if (ho.require_login || ho.metrics_need_login) security_needed = true;
    if (ho.require_login && !https && ho.host != "127.0.0.1" && ho.host != "localhost" && ho.host != "::1") {
      spdlog::warn("HTTP logins on {} travel in clear text: use --http-addr https://...", opts.http_addr);
    }
    ho.node_id = opts.node.node_id;
    ho.node_addr = addr;
    ho.kafka_addr = kafka_addr;
    ho.data_dir = opts.node.data_dir;
    ho.version = "0.1.0";
    std::string error;
    http = runtime::http::http_server::start(ho, client::attach_to_node(sys, *node), &error);
    if (!http) {
      spdlog::error("--http-addr: {}", error);
      stop_listeners();
      close_node(sys, *node);
      return 1;
    }
    http_addr = std::string(https ? "https://" : "") + ho.host + ":" + std::to_string(http->port());
  }
  // What other nodes and clients are told (Kafka Metadata lists every node's advertised address).
  if (kafka_addr != "none") {
    uint16_t kport = 0;
    actors::split_host_port(opts.advertised_kafka_addr.empty() ? kafka_addr : opts.advertised_kafka_addr,
                            opts.node.kafka_host, kport);
    opts.node.kafka_port = kport;
  }
  opts.node.http_addr = http_addr == "none" ? "" : http_addr;
  if (!opts.advertised_node_addr.empty()) {
    std::string adv_host;
    uint16_t adv_port = 0;
    if (!actors::split_host_port(opts.advertised_node_addr, adv_host, adv_port)) {
      spdlog::error("--advertised-node-addr must be host:port, got '{}'", opts.advertised_node_addr);
      return 2;
    }
    opts.node.host = adv_host;
    opts.node.port = adv_port;
  }
  // The node port: logins and ACLs for native clients (other nodes are recognised by the node
  // ids they registered in the cluster store).
  if (!opts.node_auth.empty() && opts.node_auth != "none" && opts.node_auth != "required") {
    spdlog::error("--node-auth must be none or required, got '{}'", opts.node_auth);
    if (http) http.reset();
    stop_listeners();
    close_node(sys, *node);
    return 2;
  }
  const bool node_logins = opts.node_auth.empty() ? sasl_listener : opts.node_auth == "required";
  if (node_logins) {
    security_needed = true;
    opts.node.gate = std::make_shared<security::node_sessions>(true, security_data, authz, authorize);
    spdlog::info("node port: native clients log in ({}){}", authorize ? "ACLs apply" : "no authorizer",
                 node_tls.enabled() ? "" : "; without --node-tls their traffic travels in clear text");
  }
  if (auto error = actors::start_node(sys, *node, opts.node); !error.empty()) {
    spdlog::error("cannot start: {}", error);
    if (http) http.reset();
    stop_listeners();
    return 1;
  }
  // Wait for the node to finish loading (consumer groups) before announcing readiness.
  {
    caf::scoped_actor self{sys};
    bool loaded = false;
    self->request(*node, std::chrono::seconds(300), actors::node_atom::value)
        .receive([&](const actors::node_info&) { loaded = true; },
                 [&](caf::error& err) { spdlog::error("node did not start: {}", sys.render(err)); });
    if (!loaded) {
      close_node(sys, *node);
      return 1;
    }
  }
  // Users, ACLs and quotas from __fluxo_security. A broker that authenticates (or has a
  // bootstrap file from `fluxo user create --data-dir`) makes the topic; any other follows it
  // once `fluxo user` or `fluxo quota` has made it.
  std::unique_ptr<runtime::security_reader> user_reader;
  {
    const bool create = security_needed ||
                        std::filesystem::exists(runtime::security_bootstrap_path(opts.node.data_dir));
    user_reader = std::make_unique<runtime::security_reader>(client::attach_to_node(sys, *node), opts.node.data_dir,
                                                             security_data, create);
    if (!user_reader->wait_loaded(std::chrono::seconds(60))) {
      spdlog::warn("the users of {} are not loaded yet; SASL logins fail until they are", security::security_topic);
    }
  }
  if (!opts.ready_file.empty()) {
    // Line 1: the CAF node address; line 2: the first Kafka listener's address; line 3: the
    // HTTP address ("none" for a listener that is off); line 4: every Kafka listener,
    // PROTOCOL://host:port separated by commas.
    std::ofstream(opts.ready_file + ".tmp") << addr << "\n" << kafka_addr << "\n" << http_addr << "\n"
                                            << all_listeners << "\n";
    std::rename((opts.ready_file + ".tmp").c_str(), opts.ready_file.c_str());
  }
  spdlog::info("fluxo broker ready: node {} at {}{}, kafka at {}, http at {}, data {}", opts.node.node_id, addr,
               opts.node_tls ? " (mutual TLS)" : "", all_listeners, http_addr, opts.node.data_dir);

  signals_seen.wait(0);
  if (http) http->set_stopping();
  http.reset();  // stop answering HTTP before the node closes
  user_reader.reset();
  actors::unpublish_node_port(sys, *node, *bound);
  stop_listeners();
  bool clean = close_node(sys, *node);
  spdlog::info("fluxo broker stopped {}", clean ? "cleanly" : "with errors (see above)");
  return clean ? 0 : 1;
}

}  // namespace

void add_broker(CLI::App& parent) {
  auto opts = std::make_shared<runtime::broker_options>();
  auto* cmd = parent.add_subcommand("broker", "Run a broker node");
  runtime::add_broker_options(*cmd, *opts);
  cmd->callback([opts] { set_exit_code(run_broker(*opts)); });
}

}  // namespace fluxo::cli
