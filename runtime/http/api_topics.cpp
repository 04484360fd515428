// /api/v1/topics: list, create, describe, delete (docs/http-api.md).
#include "actors/common/kafka_error.hpp"
#include "actors/cluster/topic_registry.hpp"
#include "runtime/admin_json.hpp"
#include "runtime/http/api.hpp"

namespace fluxo::runtime::http {
using security::acl_operation;
using security::resource_type;

void add_topic_routes(httplib::Server& server, std::shared_ptr<server_context> ctx) {
  server.Get("/api/v1/topics", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto who = identify_or_refuse(*ctx, req, res);
    if (!who) return;
    client::status st;
    auto topics = ctx->conn->list_topics(&st);
    if (!st.ok()) return send_error(res, st);
    json out = json::array();
    std::lock_guard<std::mutex> guard(ctx->mtx);
    for (const auto& t : topics) {
      if (!may(*ctx, *who, acl_operation::describe, resource_type::topic, t.name)) continue;  // as Kafka's Metadata
      auto it = ctx->produce_rates.find(t.name);
      out.push_back(topic_summary_json(t, it == ctx->produce_rates.end() ? 0.0 : it->second.per_second()));
    }
    send_json(res, {{"topics", out}});
  });

  server.Post("/api/v1/topics", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("name") || !body["name"].is_string()) {
      return send_error(res, 400, R"(expected a JSON object like {"name": "orders", "partitions": 3, "config": {"retention.ms": "3600000"}})");
    }
    const auto name = body["name"].get<std::string>();
    auto who = identify_or_refuse(*ctx, req, res);
    if (!who) return;
    if (!may(*ctx, *who, acl_operation::create, resource_type::cluster, security::cluster_resource_name) &&
        !permit(*ctx, req, res, acl_operation::create, resource_type::topic, name)) {
      return;
    }
    actors::topic_config cfg;
    if (body.contains("partitions")) {
      if (!body["partitions"].is_number_integer()) return send_error(res, 400, "partitions must be an integer");
      cfg.partitions = body["partitions"].get<int32_t>();
    }
    if (body.contains("replication_factor")) {
      if (!body["replication_factor"].is_number_integer()) return send_error(res, 400, "replication_factor must be an integer");
      cfg.replication_factor = body["replication_factor"].get<int16_t>();
    }
    if (body.contains("config")) {
      if (!body["config"].is_object()) return send_error(res, 400, "config must be an object of strings");
      std::map<std::string, std::string> entries;
      for (const auto& [k, v] : body["config"].items()) entries[k] = v.is_string() ? v.get<std::string>() : v.dump();
      if (auto bad = actors::apply_config_map(cfg, entries)) {
        return send_error(res, client::status{actors::code(actors::kafka_error::invalid_config), *bad});
      }
    }
    auto st = ctx->conn->create_topic(name, cfg);
    if (!st.ok()) return send_error(res, st);
    send_json(res, topic_detail_json(ctx->conn->describe_topic(name)), 201);
  });

  server.Get(R"(/api/v1/topics/([^/]+))", [ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    if (!permit(*ctx, req, res, acl_operation::describe, resource_type::topic, name)) return;
    auto t = ctx->conn->describe_topic(name);
    if (t.error_code != 0) return send_error(res, client::status{t.error_code, "no topic '" + name + "'"});
    send_json(res, topic_detail_json(t));
  });

  server.Get("/api/v1/cluster", [ctx](const httplib::Request& req, httplib::Response& res) {
    if (!permit(*ctx, req, res, acl_operation::describe, resource_type::cluster, security::cluster_resource_name)) return;
    auto [st, info] = ctx->conn->describe_cluster();
    if (!st.ok()) return send_error(res, st);
    client::status ts;
    auto topics = ctx->conn->list_topics(&ts);
    if (!ts.ok()) return send_error(res, ts);
    send_json(res, cluster_json(info, topics));
  });

  server.Delete(R"(/api/v1/topics/([^/]+))", [ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    if (!permit(*ctx, req, res, acl_operation::remove, resource_type::topic, name)) return;
    auto st = ctx->conn->delete_topic(name);
    if (!st.ok()) return send_error(res, st);
    send_json(res, {{"deleted", name}});
  });
}

}  // namespace fluxo::runtime::http
