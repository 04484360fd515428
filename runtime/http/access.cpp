// Access control on the HTTP port: who is asking (security::http_login: Basic header or session
// cookie) and what they may do (Kafka's ACLs, as on the Kafka listener). Open without a login:
// /healthz, /readyz, the console's files (it asks for a login itself), /api/v1/login, logout and
// whoami, and /metrics unless metrics_need_login. Permissions of the routes (docs/security.md):
//   DESCRIBE  CLUSTER        GET /api/v1/node, /api/v1/cluster, /metrics (when it needs a login)
//   DESCRIBE  TOPIC / GROUP  list (filtered, like Kafka's Metadata) and describe
//   READ      TOPIC          browse and tail messages;  WRITE TOPIC: produce a message
//   CREATE    CLUSTER|TOPIC  create a topic;  DELETE TOPIC / GROUP: delete it
//   READ      GROUP + TOPIC  reset a group's offsets (Kafka's OffsetCommit)
//   READ dead-letter TOPIC + ALTER CLUSTER  replay dead letters (they go back to any topic)
// __fluxo_security is never read, written or deleted over HTTP. State-changing requests that
// carry an Origin header from another site are refused (the browser's cookie and Basic cache
// must not be usable by other pages).
#include <spdlog/spdlog.h>

#include "actors/common/kafka_error.hpp"
#include "actors/security/security_state.hpp"
#include "runtime/http/api.hpp"

namespace fluxo::runtime::http {

using security::acl_operation;
using security::resource_type;

namespace {

bool is_open_path(const server_context& ctx, const std::string& path) {
  static const char* const open[] = {"/healthz", "/readyz", "/", "/index.html", "/app.js", "/style.css",
                                     "/api/v1/login", "/api/v1/logout", "/api/v1/whoami"};
  for (const char* p : open) {
    if (path == p) return true;
  }
  return path == "/metrics" && !ctx.options.metrics_need_login;
}

// A user name as given by a client, safe for the log.
std::string loggable(std::string_view name) {
  return security::valid_user_name(name) ? std::string(name) : std::string("<invalid name>");
}

void refuse_unauthenticated(const httplib::Request& req, httplib::Response& res, const std::string& message) {
  // The console handles 401 itself; anyone else (curl, a browser on an API URL) is told to
  // send Basic credentials.
  if (!req.has_header("X-Fluxo-Console")) res.set_header("WWW-Authenticate", R"(Basic realm="fluxo", charset="UTF-8")");
  send_json(res, json{{"error", {{"code", actors::code(actors::kafka_error::sasl_authentication_failed)},
                                 {"name", "SASL_AUTHENTICATION_FAILED"},
                                 {"message", message}}}},
            401);
}

// "https://host:port" of an Origin header against the Host header.
bool cross_site(const httplib::Request& req) {
  if (!req.has_header("Origin")) return false;
  const auto origin = req.get_header_value("Origin");
  const auto scheme_end = origin.find("://");
  const auto host = req.get_header_value("Host");
  return scheme_end == std::string::npos || host.empty() || origin.substr(scheme_end + 3) != host;
}

actors::kafka_error refusal_code(resource_type type) {
  switch (type) {
    case resource_type::group: return actors::kafka_error::group_authorization_failed;
    case resource_type::cluster: return actors::kafka_error::cluster_authorization_failed;
    default: return actors::kafka_error::topic_authorization_failed;
  }
}

std::optional<std::string> session_token(const httplib::Request& req) {
  if (!req.has_header("Cookie")) return std::nullopt;
  return security::cookie_value(req.get_header_value("Cookie"), security::session_cookie_name);
}

std::string session_cookie(const server_context& ctx, const std::string& token, int64_t max_age_s) {
  return std::string(security::session_cookie_name) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_s) + (ctx.options.tls_cert.empty() ? "" : "; Secure");
}

}  // namespace

std::optional<identity> identify(server_context& ctx, const httplib::Request& req) {
  const auto now = now_ms();
  if (req.has_header("Authorization")) {
    auto user = ctx.login ? ctx.login->basic_user(req.get_header_value("Authorization"), now) : std::nullopt;
    if (!user) return std::nullopt;  // wrong credentials never fall back to anonymous
    return identity{"User:" + *user, req.remote_addr};
  }
  if (auto token = session_token(req); token && ctx.login) {
    if (auto user = ctx.login->session_user(*token, now)) return identity{"User:" + *user, req.remote_addr};
  }
  if (ctx.options.require_login) return std::nullopt;
  return identity{"User:ANONYMOUS", req.remote_addr};
}

bool may(const server_context& ctx, const identity& who, acl_operation op, resource_type type, std::string_view name) {
  if (type == resource_type::topic && name == security::security_topic && op != acl_operation::describe) return false;
  if (!ctx.options.authorize || !ctx.options.security) return true;
  return ctx.options.security->get()->acls.authorize(ctx.options.authorizer, who.principal, who.host, op, type, name);
}

std::optional<identity> identify_or_refuse(server_context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto who = identify(ctx, req);
  if (!who) refuse_unauthenticated(req, res, "log in first (wrong or missing user name and password)");
  return who;
}

std::optional<identity> permit(server_context& ctx, const httplib::Request& req, httplib::Response& res,
                               acl_operation op, resource_type type, std::string_view name) {
  auto who = identify_or_refuse(ctx, req, res);
  if (!who || may(ctx, *who, op, type, name)) return who;
  const auto code = refusal_code(type);
  send_error(res, client::status{actors::code(code), who->principal + " may not " + std::string(security::name_of(op)) + " " +
                                                         std::string(security::name_of(type)) + " '" + std::string(name) + "'"});
  return std::nullopt;
}

void add_access_control(httplib::Server& server, std::shared_ptr<server_context> ctx) {
  server.set_pre_routing_handler([ctx](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" && req.method != "HEAD" && cross_site(req)) {
      send_error(res, 403, "cross-site request refused (Origin " + req.get_header_value("Origin") + ")");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (is_open_path(*ctx, req.path)) return httplib::Server::HandlerResponse::Unhandled;
    if (identify(*ctx, req)) return httplib::Server::HandlerResponse::Unhandled;
    refuse_unauthenticated(req, res, req.has_header("Authorization") ? "wrong user name or password"
                                                                     : "log in first: this broker requires a user");
    return httplib::Server::HandlerResponse::Handled;
  });

  server.Post("/api/v1/login", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("user") || !body["user"].is_string() ||
        !body.contains("password") || !body["password"].is_string()) {
      return send_error(res, 400, R"(expected {"user": "alice", "password": "..."})");
    }
    const auto user = body["user"].get<std::string>();
    auto token = ctx->login ? ctx->login->login(user, body["password"].get<std::string>(), now_ms()) : std::nullopt;
    if (!token) {
      spdlog::warn("http: failed login for user '{}' from {}", loggable(user), req.remote_addr);
      return refuse_unauthenticated(req, res, "wrong user name or password");
    }
    spdlog::info("http: user '{}' logged in from {}", user, req.remote_addr);
    res.set_header("Set-Cookie", session_cookie(*ctx, *token, security::http_login_settings{}.session_max_ms / 1000));
    send_json(res, {{"user", user}});
  });

  server.Post("/api/v1/logout", [ctx](const httplib::Request& req, httplib::Response& res) {
    if (auto token = session_token(req); token && ctx->login) ctx->login->logout(*token);
    res.set_header("Set-Cookie", session_cookie(*ctx, "", 0));
    send_json(res, {{"user", nullptr}});
  });

  server.Get("/api/v1/whoami", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto who = identify(*ctx, req);
    json user = nullptr;
    if (who && who->principal != "User:ANONYMOUS") user = who->principal.substr(5);
    send_json(res, {{"user", user}, {"login_required", ctx->options.require_login}, {"authorizer", ctx->options.authorize}});
  });
}

}  // namespace fluxo::runtime::http
