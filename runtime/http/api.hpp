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
};

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
