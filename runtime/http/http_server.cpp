// The HTTP server: binding, health, node, metrics, console assets, and the sampler thread that
// keeps produce rates and lag history. Topic, message and group routes are in api_*.cpp.
#include "runtime/http/http_server.hpp"

#include <sys/socket.h>

#include <condition_variable>
#include <spdlog/spdlog.h>
#include <thread>

#include "actors/broker/broker_metrics.hpp"
#include "actors/client/group_admin.hpp"
#include "actors/common/kafka_error.hpp"
#include "actors/security/security_state.hpp"
#include "runtime/metrics/metrics.hpp"
#include "runtime/console/console_assets.hpp"
#include "runtime/http/api.hpp"

namespace fluxo::runtime::http {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void send_json(httplib::Response& res, const json& body, int status) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

namespace {

int http_status_of(int16_t code) {
  using actors::kafka_error;
  switch (static_cast<kafka_error>(code)) {
    case kafka_error::unknown_topic_or_partition:
    case kafka_error::group_id_not_found: return 404;
    case kafka_error::topic_already_exists:
    case kafka_error::non_empty_group: return 409;
    case kafka_error::topic_authorization_failed:
    case kafka_error::group_authorization_failed:
    case kafka_error::cluster_authorization_failed: return 403;
    case kafka_error::request_timed_out:
    case kafka_error::coordinator_not_available: return 503;
    case kafka_error::offset_out_of_range:
    case kafka_error::invalid_topic_exception:
    case kafka_error::invalid_partitions:
    case kafka_error::invalid_config:
    case kafka_error::invalid_request:
    case kafka_error::message_too_large: return 400;
    default: return 500;
  }
}

}  // namespace

void send_error(httplib::Response& res, const client::status& st) {
  send_json(res, json{{"error", {{"code", st.code}, {"name", std::string(actors::kafka_error_name(st.code))}, {"message", st.message}}}},
            http_status_of(st.code));
}

void send_error(httplib::Response& res, int http_status, const std::string& message) {
  send_json(res, json{{"error", {{"code", 0}, {"name", "NONE"}, {"message", message}}}}, http_status);
}

bool int_param(const httplib::Request& req, httplib::Response& res, const char* name, std::optional<int64_t>& out) {
  if (!req.has_param(name)) return true;
  const auto text = req.get_param_value(name);
  try {
    std::size_t used = 0;
    out = std::stoll(text, &used);
    if (used == text.size()) return true;
  } catch (...) {
  }
  send_error(res, 400, std::string("query parameter '") + name + "' must be an integer, got '" + text + "'");
  return false;
}

namespace {

// /api/v1/topics/orders/messages -> /api/v1/topics/{name}/messages (bounded label values).
std::string route_label(const std::string& path) {
  if (path.rfind("/api/v1/", 0) != 0) return path == "/" || path.find('/', 1) == std::string::npos ? path : "/other";
  std::string out;
  std::size_t i = 0;
  int segment = 0;
  while (i < path.size()) {
    auto next = path.find('/', i + 1);
    auto part = path.substr(i, next == std::string::npos ? std::string::npos : next - i);
    out += (segment == 3 && part.size() > 1) ? "/{id}" : part;
    ++segment;
    if (next == std::string::npos) break;
    i = next;
  }
  return out;
}

void add_basic_routes(httplib::Server& server, std::shared_ptr<server_context> ctx) {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { send_json(res, {{"status", "ok"}}); });
  server.Get("/readyz", [ctx](const httplib::Request&, httplib::Response& res) {
    if (ctx->stopping) {
      send_json(res, {{"status", "stopping"}}, 503);
    } else {
      send_json(res, {{"status", "ready"}});
    }
  });
  server.Get("/metrics", [ctx](const httplib::Request& req, httplib::Response& res) {
    if (ctx->options.metrics_need_login &&
        !permit(*ctx, req, res, security::acl_operation::describe, security::resource_type::cluster, security::cluster_resource_name)) {
      return;
    }
    res.set_content(metrics::global().expose(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/api/v1/node", [ctx](const httplib::Request& req, httplib::Response& res) {
    if (!permit(*ctx, req, res, security::acl_operation::describe, security::resource_type::cluster, security::cluster_resource_name)) return;
    client::status st;
    auto topics = ctx->conn->list_topics(&st);
    if (!st.ok()) return send_error(res, st);
    int64_t partitions = 0, bytes = 0;
    for (const auto& t : topics) {
      partitions += static_cast<int64_t>(t.partitions.size());
      for (const auto& p : t.partitions) bytes += p.size_bytes;
    }
    auto groups = ctx->conn->list_groups();
    const auto& o = ctx->options;
    send_json(res, {{"node_id", o.node_id},
                    {"version", o.version},
                    {"node_addr", o.node_addr},
                    {"kafka_addr", o.kafka_addr},
                    {"http_addr", std::string(o.tls_cert.empty() ? "" : "https://") + o.host + ":" + std::to_string(o.port)},
                    {"data_dir", o.data_dir},
                    {"uptime_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx->started).count()},
                    {"topics", topics.size()},
                    {"partitions", partitions},
                    {"groups", groups.size()},
                    {"log_bytes", bytes},
                    {"kafka_connections", static_cast<int64_t>(actors::metrics_of_broker().kafka_connections.value())}});
  });
  // The web console: its assets are compiled in.
  server.Get(R"(/|/index\.html|/app\.js|/style\.css)", [](const httplib::Request& req, httplib::Response& res) {
    const auto* a = console::find_asset(req.path);
    if (!a) return send_error(res, 404, "no such file");
    res.set_content(std::string(a->body), std::string(a->content_type).c_str());
  });
}

// Scrape-time gauges: partition logs, mailboxes, group lag.
void add_collector(std::weak_ptr<server_context> weak) {
  metrics::global().add_collector([weak](metrics::sample_writer& w) {
    auto ctx = weak.lock();
    if (!ctx) return;
    w.family("fluxo_up_seconds", "Seconds since the broker started serving HTTP", "gauge");
    w.sample({}, std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx->started).count());
    client::status st;
    auto topics = ctx->conn->list_topics(&st);
    // A node reports the partitions it leads (in a cluster every node is scraped).
    const auto self = ctx->options.node_id;
    for (auto& t : topics) {
      std::erase_if(t.partitions, [&](const actors::partition_info& p) { return p.leader_node != self; });
    }
    struct series {
      const char* name;
      const char* help;
      int64_t (*get)(const actors::partition_info&);
    };
    static const series per_partition[] = {
        {"fluxo_log_size_bytes", "Bytes of a partition's log segments", [](const actors::partition_info& p) { return p.size_bytes; }},
        {"fluxo_log_segments", "Segments of a partition's log", [](const actors::partition_info& p) { return int64_t{p.segments}; }},
        {"fluxo_log_start_offset", "First offset still in a partition's log", [](const actors::partition_info& p) { return p.log_start_offset; }},
        {"fluxo_high_watermark", "Offset after the last record of a partition", [](const actors::partition_info& p) { return p.high_watermark; }},
        {"fluxo_partition_messages", "Records in a partition's log (high watermark - log start)",
         [](const actors::partition_info& p) { return p.high_watermark - p.log_start_offset; }},
        {"fluxo_partition_mailbox_depth", "Messages waiting in a partition actor's mailbox", [](const actors::partition_info& p) { return p.mailbox_depth; }},
        {"fluxo_replica_max_lag_messages", "Records the slowest follower of a partition is behind its leader",
         [](const actors::partition_info& p) { return p.max_follower_lag; }},
        {"fluxo_partition_in_sync_replicas", "Replicas in a partition's ISR", [](const actors::partition_info& p) { return static_cast<int64_t>(p.isr.size()); }},
    };
    for (const auto& s : per_partition) {
      w.family(s.name, s.help, "gauge");
      for (const auto& t : topics) {
        for (const auto& p : t.partitions) w.sample({{"topic", t.name}, {"partition", std::to_string(p.partition)}}, static_cast<double>(s.get(p)));
      }
    }
    int64_t under = 0;
    for (const auto& t : topics) {
      for (const auto& p : t.partitions) under += p.isr.size() < p.replicas.size();
    }
    w.family("fluxo_under_replicated_partitions", "Partitions led by this node with fewer in-sync replicas than replicas", "gauge");
    w.sample({}, static_cast<double>(under));
    auto [cs, cluster] = ctx->conn->describe_cluster();
    if (cs.ok()) {
      w.family("fluxo_cluster_nodes", "Live nodes of the cluster", "gauge");
      w.sample({}, static_cast<double>(cluster.nodes.size()));
      w.family("fluxo_is_controller", "1 on the node that is the cluster's controller", "gauge");
      w.sample({}, cluster.controller_id == self ? 1.0 : 0.0);
      w.family("fluxo_controller_changes_total", "Times this node became the controller", "counter");
      w.sample({}, static_cast<double>(cluster.controller_changes));
      w.family("fluxo_leader_elections_total", "Leader changes written by this node as controller", "counter");
      w.sample({}, static_cast<double>(cluster.leader_elections));
      if (cluster.controller_id == self) {
        // Offline partitions have no leader to report them: the controller does.
        int64_t offline = 0;
        auto all = ctx->conn->list_topics(&st);
        for (const auto& t : all) {
          for (const auto& p : t.partitions) offline += p.leader_node < 0;
        }
        w.family("fluxo_offline_partitions", "Partitions without a leader (reported by the controller)", "gauge");
        w.sample({}, static_cast<double>(offline));
      }
    }
    auto groups = ctx->conn->list_groups();
    w.family("fluxo_group_members", "Members of a consumer group", "gauge");
    for (const auto& g : groups) w.sample({{"group", g.group_id}}, g.members);
    w.family("fluxo_group_lag_messages", "Records between a group's committed offset and the end of a partition", "gauge");
    for (const auto& g : groups) {
      auto r = client::build_group_report(*ctx->conn, g.group_id, now_ms());
      if (!r.first.ok()) continue;
      for (const auto& p : r.second.partitions) {
        w.sample({{"group", g.group_id}, {"topic", p.tp.topic}, {"partition", std::to_string(p.tp.partition)}}, static_cast<double>(p.lag));
      }
    }
  });
}

}  // namespace

struct http_server::impl {
  std::shared_ptr<server_context> ctx;
  std::unique_ptr<httplib::Server> server_ptr;  // an httplib::SSLServer for HTTPS
  std::thread serving;
  std::thread sampler;
  std::mutex mtx;
  std::condition_variable wake;
  bool quit = false;

  // Every second: appended records per topic (produce rates); every 5 s: lag per group.
  void sample_loop() {
    int tick = 0;
    std::unique_lock<std::mutex> lock(mtx);
    while (!quit) {
      lock.unlock();
      const auto now = now_ms();
      client::status st;
      auto topics = ctx->conn->list_topics(&st);
      if (st.ok()) {
        std::lock_guard<std::mutex> guard(ctx->mtx);
        for (const auto& t : topics) {
          int64_t appended = 0;
          for (const auto& p : t.partitions) appended += p.high_watermark;
          ctx->produce_rates[t.name].add(now, appended);
        }
        std::erase_if(ctx->produce_rates, [&](const auto& kv) {
          return std::none_of(topics.begin(), topics.end(), [&](const auto& t) { return t.name == kv.first; });
        });
      }
      if (tick++ % 5 == 0) {
        auto groups = ctx->conn->list_groups(&st);
        for (const auto& g : groups) {
          auto r = client::build_group_report(*ctx->conn, g.group_id, now);
          if (!r.first.ok()) continue;
          std::lock_guard<std::mutex> guard(ctx->mtx);
          ctx->lag[g.group_id].add(now, r.second.total_lag);
        }
      }
      lock.lock();
      wake.wait_for(lock, std::chrono::seconds(1), [&] { return quit; });
    }
  }
};

std::unique_ptr<http_server> http_server::start(http_server_options options, std::unique_ptr<client::connection> conn,
                                                std::string* error) {
  std::unique_ptr<http_server> out(new http_server());
  out->impl_ = std::make_unique<impl>();
  auto& im = *out->impl_;
  im.ctx = std::make_shared<server_context>();
  im.ctx->options = options;
  im.ctx->conn = std::move(conn);
  if (options.security) {
    im.ctx->login = std::make_unique<security::http_login>([cache = options.security] { return cache->users(); });
  }
  if (options.tls_cert.empty()) {
    im.server_ptr = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!tls->is_valid() || SSL_CTX_check_private_key(tls->ssl_context()) != 1) {
      if (error) *error = "cannot use TLS certificate " + options.tls_cert + " with key " + options.tls_key;
      return nullptr;
    }
    im.server_ptr = std::move(tls);
  }
  auto& server = *im.server_ptr;
  server.new_task_queue = [] { return new httplib::ThreadPool(16); };
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("http: {} {} failed: {}", req.method, req.path, what);
    send_error(res, 500, "internal error: " + what);
  });
  auto& requests = metrics::global().counter_family("fluxo_http_requests_total", "HTTP requests by route and status",
                                                    {"path", "code"});
  server.set_logger([&requests](const httplib::Request& req, const httplib::Response& res) {
    requests.with({route_label(req.path), std::to_string(res.status)}).inc();
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send_error(res, res.status, res.status == 404 ? "no such endpoint (see docs/http-api.md)" : "request failed");
  });
  add_access_control(server, im.ctx);
  add_basic_routes(server, im.ctx);
  add_topic_routes(server, im.ctx);
  add_message_routes(server, im.ctx);
  add_group_routes(server, im.ctx);
  add_collector(im.ctx);

  // SO_REUSEADDR only (cpp-httplib's default adds SO_REUSEPORT, which would let a second broker
  // share the port): a restart does not wait for TIME_WAIT, a second live listener fails.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  int port = options.port;
  if (options.port == 0) {
    port = server.bind_to_any_port(options.host.c_str());
  } else if (!server.bind_to_port(options.host.c_str(), options.port)) {
    port = -1;
  }
  if (port <= 0) {
    if (error) *error = "cannot listen on " + options.host + ":" + std::to_string(options.port) + " (is it in use?)";
    return nullptr;
  }
  im.ctx->options.port = static_cast<uint16_t>(port);
  im.serving = std::thread([&im] { im.server_ptr->listen_after_bind(); });
  im.sampler = std::thread([&im] { im.sample_loop(); });
  return out;
}

http_server::~http_server() {
  if (!impl_) return;
  impl_->ctx->stopping = true;
  {
    std::lock_guard<std::mutex> guard(impl_->mtx);
    impl_->quit = true;
  }
  impl_->wake.notify_all();
  if (impl_->server_ptr) impl_->server_ptr->stop();
  if (impl_->serving.joinable()) impl_->serving.join();
  if (impl_->sampler.joinable()) impl_->sampler.join();
}

uint16_t http_server::port() const { return impl_->ctx->options.port; }

void http_server::set_stopping() { impl_->ctx->stopping = true; }

}  // namespace fluxo::runtime::http
