// `fluxo broker`: one CAF node serving topics from a data directory.
//
// Start-up: load topics, publish the node actor on --node-addr, print
//   "fluxo broker ready: node <id> at <host>:<port> data <dir>"
// Shutdown on SIGINT/SIGTERM: stop accepting, finish in-flight appends, flush, write
// clean-shutdown markers, exit 0. A second signal exits at once (code 130).
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <spdlog/spdlog.h>
#include <thread>

#include "actors/broker/node_actor.hpp"
#include "runtime/broker_options.hpp"
#include "runtime/kafka_listener.hpp"
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
  actors::configure_caf(cfg, {opts.scheduler_threads, opts.heartbeat_ms, opts.connection_timeout_ms});
  caf::actor_system sys{cfg};
  opts.node.host = host;
  // The node actor first (so its port can be bound), then the listeners, then the start: a
  // cluster member registers its addresses when it joins.
  auto node = std::make_optional(actors::spawn_node_actor(sys));
  auto stop_node = [&] {
    caf::anon_send_exit(*node, caf::exit_reason::user_shutdown);
  };
  // SO_REUSEADDR, as Kafka binds: a restart right after a kill does not wait for the old
  // connections in TIME_WAIT. On Linux it never lets two live listeners share a port.
  auto bound = sys.middleman().publish(*node, port, host.c_str(), true);
  if (!bound) {
    spdlog::error("cannot listen on {}: {} (is another broker using it?)", opts.node_addr, sys.render(bound.error()));
    stop_node();
    return 1;
  }
  opts.node.port = *bound;
  std::string addr = host + ":" + std::to_string(*bound);
  std::string kafka_addr = "none";
  caf::actor kafka_listener;
  if (opts.kafka_addr != "none") {
    runtime::kafka_listener_options ko;
    if (!actors::split_host_port(opts.kafka_addr, ko.host, ko.port)) {
      spdlog::error("--kafka-addr must be host:port or none, got '{}'", opts.kafka_addr);
      close_node(sys, *node);
      return 2;
    }
    if (!opts.advertised_kafka_addr.empty()) {
      uint16_t adv_port = 0;
      if (!actors::split_host_port(opts.advertised_kafka_addr, ko.advertised_host, adv_port)) {
        spdlog::error("--advertised-kafka-addr must be host:port, got '{}'", opts.advertised_kafka_addr);
        close_node(sys, *node);
        return 2;
      }
      ko.advertised_port = adv_port;
    }
    ko.node_id = opts.node.node_id;
    ko.max_request_bytes = static_cast<std::size_t>(opts.max_request_bytes);
    ko.broker_configs = kafka_broker_configs(opts.node, ko.max_request_bytes);
    auto kport = runtime::start_kafka_listener(sys, *node, ko, &kafka_listener);
    if (!kport) {
      spdlog::error("cannot listen for Kafka clients on {}: {} (is another broker using it?)", opts.kafka_addr,
                    sys.render(kport.error()));
      close_node(sys, *node);
      return 1;
    }
    kafka_addr = ko.host + ":" + std::to_string(*kport);
  }
  std::string http_addr = "none";
  std::unique_ptr<runtime::http::http_server> http;
  if (opts.http_addr != "none") {
    runtime::http::http_server_options ho;
    if (!actors::split_host_port(opts.http_addr, ho.host, ho.port)) {
      spdlog::error("--http-addr must be host:port or none, got '{}'", opts.http_addr);
      close_node(sys, *node);
      return 2;
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
      if (kafka_listener) caf::anon_send_exit(kafka_listener, caf::exit_reason::user_shutdown);
      close_node(sys, *node);
      return 1;
    }
    http_addr = ho.host + ":" + std::to_string(http->port());
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
  if (auto error = actors::start_node(sys, *node, opts.node); !error.empty()) {
    spdlog::error("cannot start: {}", error);
    if (http) http.reset();
    if (kafka_listener) caf::anon_send_exit(kafka_listener, caf::exit_reason::user_shutdown);
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
  if (!opts.ready_file.empty()) {
    // Line 1: the CAF node address; line 2: the Kafka address; line 3: the HTTP address
    // ("none" for a listener that is off).
    std::ofstream(opts.ready_file + ".tmp") << addr << "\n" << kafka_addr << "\n" << http_addr << "\n";
    std::rename((opts.ready_file + ".tmp").c_str(), opts.ready_file.c_str());
  }
  spdlog::info("fluxo broker ready: node {} at {}, kafka at {}, http at {}, data {}", opts.node.node_id, addr, kafka_addr,
               http_addr, opts.node.data_dir);

  signals_seen.wait(0);
  if (http) http->set_stopping();
  http.reset();  // stop answering HTTP before the node closes
  sys.middleman().unpublish(*node, *bound);
  if (kafka_listener) caf::anon_send_exit(kafka_listener, caf::exit_reason::user_shutdown);
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
