// /api/v1/groups: list, describe (members, partitions, lag in records and time, history), lag
// history, offset reset (dry run first) and delete (docs/http-api.md).
#include "actors/client/group_admin.hpp"
#include "actors/common/kafka_error.hpp"
#include "runtime/admin_json.hpp"
#include "runtime/http/api.hpp"

namespace fluxo::runtime::http {
using security::acl_operation;
using security::resource_type;

// Group ids may contain '/' (sent as %2F; routes see the decoded path): the suffixed routes are
// registered before the plain one, which takes the rest of the path as the id.
void add_group_routes(httplib::Server& server, std::shared_ptr<server_context> ctx) {
  server.Get("/api/v1/groups", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto who = identify_or_refuse(*ctx, req, res);
    if (!who) return;
    client::status st;
    auto groups = ctx->conn->list_groups(&st);
    if (!st.ok()) return send_error(res, st);
    json out = json::array();
    for (const auto& g : groups) {
      if (!may(*ctx, *who, acl_operation::describe, resource_type::group, g.group_id)) continue;  // as Kafka's ListGroups
      auto r = client::build_group_report(*ctx->conn, g.group_id, now_ms());
      out.push_back(group_overview_json(g, r.first.ok() ? r.second.total_lag : -1));
    }
    send_json(res, {{"groups", out}});
  });

  server.Get(R"(/api/v1/groups/(.+)/lag-history)", [ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (!permit(*ctx, req, res, acl_operation::describe, resource_type::group, id)) return;
    json points = json::array();
    std::lock_guard<std::mutex> guard(ctx->mtx);
    if (auto it = ctx->lag.find(id); it != ctx->lag.end()) {
      for (const auto& p : it->second.points()) points.push_back({{"timestamp_ms", p.timestamp_ms}, {"total_lag", p.total_lag}});
    }
    send_json(res, {{"points", points}});
  });

  server.Post(R"(/api/v1/groups/(.+)/reset-offsets)", [ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    auto body = json::parse(req.body, nullptr, false);
    client::reset_target target;
    if (body.is_discarded() || !body.is_object() || !body.contains("topic") || !body["topic"].is_string() || !body.contains("to") ||
        !body["to"].is_string() || !client::parse_reset_target(body["to"].get<std::string>(), target)) {
      return send_error(res, 400, R"(expected {"topic": "orders", "to": "earliest|latest|timestamp|offset", "value": 0, "partitions": [0], "dry_run": true})");
    }
    int64_t value = -1;
    if (body.contains("value") && body["value"].is_number_integer()) value = body["value"].get<int64_t>();
    if ((target == client::reset_target::timestamp || target == client::reset_target::offset) && value < 0) {
      return send_error(res, 400, "\"to\": \"" + body["to"].get<std::string>() + "\" needs \"value\" >= 0");
    }
    std::vector<int32_t> partitions;
    if (body.contains("partitions") && body["partitions"].is_array()) {
      for (const auto& p : body["partitions"]) {
        if (!p.is_number_integer()) return send_error(res, 400, "partitions must be integers");
        partitions.push_back(p.get<int32_t>());
      }
    }
    const auto topic = body["topic"].get<std::string>();
    if (!permit(*ctx, req, res, acl_operation::read, resource_type::group, id) ||
        !permit(*ctx, req, res, acl_operation::read, resource_type::topic, topic)) {
      return;
    }
    const bool dry_run = body.value("dry_run", false);
    auto plan = client::plan_offset_reset(*ctx->conn, id, topic, target, value, partitions);
    if (!plan.first.ok()) return send_error(res, plan.first);
    if (!dry_run) {
      if (auto st = client::apply_offset_reset(*ctx->conn, id, plan.second); !st.ok()) return send_error(res, st);
    }
    send_json(res, offset_changes_json(dry_run, plan.second));
  });

  server.Get(R"(/api/v1/groups/(.+))", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto who = permit(*ctx, req, res, acl_operation::describe, resource_type::group, req.matches[1].str());
    if (!who) return;
    auto r = client::build_group_report(*ctx->conn, req.matches[1], now_ms());
    if (!r.first.ok()) return send_error(res, r.first);
    // Offsets and lag only of topics the user may see (as Kafka's OffsetFetch).
    std::erase_if(r.second.partitions, [&](const auto& p) {
      return !may(*ctx, *who, acl_operation::describe, resource_type::topic, p.tp.topic);
    });
    r.second.total_lag = 0;
    for (const auto& p : r.second.partitions) r.second.total_lag += p.lag;
    send_json(res, group_report_json(r.second));
  });

  server.Delete(R"(/api/v1/groups/(.+))", [ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (!permit(*ctx, req, res, acl_operation::remove, resource_type::group, id)) return;
    auto st = ctx->conn->delete_group(id);
    if (!st.ok()) return send_error(res, st);
    std::lock_guard<std::mutex> guard(ctx->mtx);
    ctx->lag.erase(id);
    send_json(res, {{"deleted", id}});
  });
}

}  // namespace fluxo::runtime::http
