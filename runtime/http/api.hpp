// Internals of the HTTP server shared by its route files: the context every handler sees and
// JSON/error helpers. Includes cpp-httplib (not CAF).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "actors/client/client.hpp"
#include "actors/security/http_login.hpp"
#include "runtime/http/history.hpp"
#include "runtime/http/http_server.hpp"

namespace fluxo::runtime::http {

using json = nlohmann::ordered_json;

struct server_context {
  http_server_options options;
  std::unique_ptr<client::connection> conn;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<bool> stopping{false};

  // Fed by the sampler thread (see http_server.cpp); guarded by `mtx`.
  std::mutex mtx;
  std::map<std::string, rate_window> produce_rates;  // topic -> appended records/s
  std::map<std::string, lag_history> lag;            // group -> total lag over time

  // Lazily created for POST .../messages.
  std::mutex producer_mtx;
  std::unique_ptr<client::producer> producer;

  // Logins on this port (see access.cpp); null when the broker has no users to check.
  std::unique_ptr<security::http_login> login;
};

// Who sent a request: "User:<name>" (Basic header or session cookie), or "User:ANONYMOUS" when
// logins are optional and none was given. nullopt: credentials were given and are wrong, or a
// login is required and none was given.
struct identity {
  std::string principal;
  std::string host;
};
std::optional<identity> identify(server_context& ctx, const httplib::Request& req);
// identify(), answering 401 when nobody valid is asking.
std::optional<identity> identify_or_refuse(server_context& ctx, const httplib::Request& req, httplib::Response& res);
// Whether `who` may do `op` on the resource (always, without the ACL authorizer).
bool may(const server_context& ctx, const identity& who, security::acl_operation op, security::resource_type type,
         std::string_view name);
// The request's sender when may() allows it; otherwise answers 401/403 (Kafka's TOPIC_/GROUP_/
// CLUSTER_AUTHORIZATION_FAILED, saying which permission is missing) and returns nullopt.
std::optional<identity> permit(server_context& ctx, const httplib::Request& req, httplib::Response& res, security::acl_operation op,
            security::resource_type type, std::string_view name);

// Refuses requests without a valid login before they reach a route (401), except the routes that
// stay open; adds POST /api/v1/login, POST /api/v1/logout and GET /api/v1/whoami.
void add_access_control(httplib::Server& server, std::shared_ptr<server_context> ctx);

int64_t now_ms();

// Sends `body` as JSON with `status`.
void send_json(httplib::Response& res, const json& body, int status = 200);
// {"error": {"code", "name", "message"}} with the HTTP status that fits the Kafka error code.
void send_error(httplib::Response& res, const client::status& st);
void send_error(httplib::Response& res, int http_status, const std::string& message);

// Query parameter helpers: nullopt when absent; false/error sent when malformed.
bool int_param(const httplib::Request& req, httplib::Response& res, const char* name, std::optional<int64_t>& out);

void add_topic_routes(httplib::Server& server, std::shared_ptr<server_context> ctx);
void add_message_routes(httplib::Server& server, std::shared_ptr<server_context> ctx);
void add_group_routes(httplib::Server& server, std::shared_ptr<server_context> ctx);

}  // namespace fluxo::runtime::http
