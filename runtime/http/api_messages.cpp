// /api/v1/topics/{name}/messages (browse, find by key, produce) and /tail (Server-Sent Events).
// Every scan is bounded: `limit` messages, `scan` records read when searching by key.
#include <algorithm>
#include <thread>

#include "actors/client/retry.hpp"
#include "actors/common/kafka_error.hpp"
#include "actors/common/partitioner.hpp"
#include "runtime/http/api.hpp"
#include "runtime/record_format.hpp"

namespace fluxo::runtime::http {
namespace {

constexpr int64_t default_limit = 50;
constexpr int64_t max_limit = 1000;
constexpr int64_t default_scan = 100'000;

struct browse_request {
  std::string topic;
  std::vector<int32_t> partitions;
  std::optional<int64_t> offset;
  std::optional<int64_t> timestamp;
  std::optional<std::string> key;
  int64_t limit = default_limit;
  int64_t scan = default_scan;
  std::string format = "text";
};

// Parses the query; sends the error and returns false when it is malformed.
bool parse_browse(const httplib::Request& req, httplib::Response& res, const actors::topic_info& info, browse_request& out) {
  std::optional<int64_t> partition, limit, scan;
  if (!int_param(req, res, "partition", partition) || !int_param(req, res, "offset", out.offset) ||
      !int_param(req, res, "timestamp", out.timestamp) || !int_param(req, res, "limit", limit) || !int_param(req, res, "scan", scan)) {
    return false;
  }
  const auto count = static_cast<int32_t>(info.partitions.size());
  if (req.has_param("key")) out.key = req.get_param_value("key");
  if (req.has_param("format")) out.format = req.get_param_value("format");
  if (!is_value_decoding(out.format)) {
    send_error(res, 400, "format must be text, json or hex");
    return false;
  }
  if (limit) out.limit = std::clamp<int64_t>(*limit, 1, max_limit);
  if (scan) out.scan = std::max<int64_t>(*scan, 1);
  if (out.key) {
    out.partitions = {actors::partition_for_key(*out.key, count)};  // where the producer put it
  } else if (partition) {
    if (*partition < 0 || *partition >= count) {
      send_error(res, client::status{actors::code(actors::kafka_error::unknown_topic_or_partition),
                                     "topic '" + info.name + "' has no partition " + std::to_string(*partition)});
      return false;
    }
    out.partitions = {static_cast<int32_t>(*partition)};
  } else {
    for (int32_t p = 0; p < count; ++p) out.partitions.push_back(p);
  }
  return true;
}

int64_t start_offset(client::connection& conn, const browse_request& b, const actors::partition_info& p) {
  if (b.offset) {
    const int64_t at = *b.offset < 0 ? p.high_watermark + *b.offset : *b.offset;
    return std::clamp(at, p.log_start_offset, p.high_watermark);
  }
  if (b.timestamp) {
    auto r = conn.list_offset({b.topic, p.partition}, *b.timestamp);
    return r.first.ok() && r.second >= 0 ? r.second : p.high_watermark;
  }
  return p.log_start_offset;
}

}  // namespace

void add_message_routes(httplib::Server& server, std::shared_ptr<server_context> ctx) {
  using security::acl_operation;
  using security::resource_type;
  server.Get(R"(/api/v1/topics/([^/]+)/messages)", [ctx](const httplib::Request& req, httplib::Response& res) {
    browse_request b;
    b.topic = req.matches[1];
    if (!permit(*ctx, req, res, acl_operation::read, resource_type::topic, b.topic)) return;
    auto info = ctx->conn->describe_topic(b.topic);
    if (info.error_code != 0) return send_error(res, client::status{info.error_code, "no topic '" + b.topic + "'"});
    if (!parse_browse(req, res, info, b)) return;
    std::vector<client::consumed_record> found;
    std::map<int32_t, int64_t> next;  // per partition: where the next page starts
    int64_t scanned = 0;
    for (int32_t p : b.partitions) {
      const auto& part = info.partitions[static_cast<std::size_t>(p)];
      const int64_t start = start_offset(*ctx->conn, b, part);
      int64_t at = start;
      std::size_t taken = 0;
      while (at < part.high_watermark && static_cast<int64_t>(taken) < b.limit && scanned < (b.key ? b.scan : INT64_MAX)) {
        const auto want = b.key ? static_cast<std::size_t>(std::min<int64_t>(b.scan - scanned, 10'000))
                                : static_cast<std::size_t>(b.limit - static_cast<int64_t>(taken));
        auto r = ctx->conn->read({b.topic, p}, at, want);
        if (!r.st.ok()) return send_error(res, r.st);
        if (r.records.empty()) break;
        for (auto& rec : r.records) {
          ++scanned;
          at = rec.offset + 1;
          if (b.key && rec.key != b.key) continue;
          found.push_back(std::move(rec));
          if (static_cast<int64_t>(++taken) >= b.limit) break;
        }
        if (r.next_offset > at && static_cast<int64_t>(taken) < b.limit && !b.key) at = r.next_offset;
      }
      // A key search continues where its scan stopped; a page after its last record (below).
      next[p] = b.key ? at : start;
    }
    // Several partitions: oldest first, then cut to the limit; next_offsets follow the records
    // actually returned, so paging never skips any.
    std::stable_sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.timestamp < y.timestamp; });
    if (static_cast<int64_t>(found.size()) > b.limit) found.resize(static_cast<std::size_t>(b.limit));
    json messages = json::array();
    for (const auto& r : found) {
      messages.push_back(record_to_json(r, b.format));
      if (!b.key) next[r.partition] = std::max(next[r.partition], r.offset + 1);
    }
    json next_offsets = json::object();
    for (const auto& [p, offset] : next) next_offsets[std::to_string(p)] = offset;
    send_json(res, {{"messages", messages}, {"next_offsets", next_offsets}, {"scanned", scanned}});
  });

  server.Post(R"(/api/v1/topics/([^/]+)/messages)", [ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string topic = req.matches[1];
    auto who = permit(*ctx, req, res, acl_operation::write, resource_type::topic, topic);
    if (!who) return;
    // Producing may create the topic (auto.create.topics.enable): only for those who may create.
    if (!may(*ctx, *who, acl_operation::create, resource_type::cluster, security::cluster_resource_name) &&
        !may(*ctx, *who, acl_operation::create, resource_type::topic, topic) &&
        ctx->conn->describe_topic(topic).error_code != 0) {
      return send_error(res, client::status{actors::code(actors::kafka_error::unknown_topic_or_partition), "no topic '" + topic + "'"});
    }
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("value")) {
      return send_error(res, 400, R"(expected a JSON object like {"key": "k", "value": "v", "headers": {"a": "b"}})");
    }
    auto text = [](const json& v) -> std::optional<std::string> {
      if (v.is_null()) return std::nullopt;
      return v.is_string() ? v.get<std::string>() : v.dump();
    };
    std::optional<std::string> key;
    if (body.contains("key")) key = text(body["key"]);
    client::headers_t headers;
    if (body.contains("headers") && body["headers"].is_object()) {
      for (const auto& [k, v] : body["headers"].items()) headers.emplace_back(k, text(v).value_or(""));
    }
    std::future<client::delivery_report> report;
    {
      std::lock_guard<std::mutex> guard(ctx->producer_mtx);
      if (!ctx->producer) ctx->producer = ctx->conn->make_producer({});
      report = ctx->producer->send_async(topic, key, text(body["value"]), headers);
      ctx->producer->flush(std::chrono::milliseconds(0));
    }
    if (report.wait_for(std::chrono::seconds(15)) != std::future_status::ready) {
      return send_error(res, client::status{actors::code(actors::kafka_error::request_timed_out), "no acknowledgement within 15 s"});
    }
    auto r = report.get();
    if (r.error_code != 0) return send_error(res, client::status{r.error_code, r.error_message});
    send_json(res, {{"partition", r.partition}, {"offset", r.offset}}, 201);
  });

  // Dead letters written by a retrying consumer go back to their original topics.
  server.Post(R"(/api/v1/topics/([^/]+)/replay-dead-letters)", [ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string topic = req.matches[1];
    // Dead letters go back to the topics they name: only to those the caller may write.
    auto who = permit(*ctx, req, res, acl_operation::read, resource_type::topic, topic);
    if (!who) return;
    int64_t from = 0;
    if (!req.body.empty()) {
      auto body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object() || (body.contains("from_offset") && !body["from_offset"].is_number_integer())) {
        return send_error(res, 400, R"(expected {"from_offset": 0} or an empty body)");
      }
      from = body.value("from_offset", int64_t{0});
    }
    uint64_t skipped = 0;
    auto may_write = [&](const std::string& target) { return may(*ctx, *who, acl_operation::write, resource_type::topic, target); };
    auto [st, sent] = client::replay_dead_letters(*ctx->conn, topic, from, may_write, &skipped);
    if (!st.ok()) return send_error(res, st);
    send_json(res, {{"replayed", sent}, {"skipped", skipped}});
  });

  server.Get(R"(/api/v1/topics/([^/]+)/tail)", [ctx](const httplib::Request& req, httplib::Response& res) {
    browse_request b;
    b.topic = req.matches[1];
    if (!permit(*ctx, req, res, acl_operation::read, resource_type::topic, b.topic)) return;
    auto info = ctx->conn->describe_topic(b.topic);
    if (info.error_code != 0) return send_error(res, client::status{info.error_code, "no topic '" + b.topic + "'"});
    if (!parse_browse(req, res, info, b)) return;
    // Positions start at the end of each partition.
    auto positions = std::make_shared<std::map<int32_t, int64_t>>();
    for (int32_t p : b.partitions) (*positions)[p] = info.partitions[static_cast<std::size_t>(p)].high_watermark;
    auto last_sent = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    res.set_header("Cache-Control", "no-cache");
    // The stream ends when its reader may no longer read (logout, new password, ACL removed).
    auto credentials = std::make_shared<httplib::Request>();
    credentials->headers = req.headers;
    credentials->remote_addr = req.remote_addr;
    res.set_chunked_content_provider("text/event-stream", [ctx, b, positions, last_sent, credentials](std::size_t, httplib::DataSink& sink) {
      if (ctx->stopping) return false;
      auto who = identify(*ctx, *credentials);
      if (!who || !may(*ctx, *who, acl_operation::read, resource_type::topic, b.topic)) return false;
      const bool single = positions->size() == 1;
      bool any = false;
      for (auto& [p, at] : *positions) {
        // One partition long-polls; several are polled in turn.
        auto r = ctx->conn->read({b.topic, p}, at, 500, std::chrono::milliseconds(single ? 1000 : 0));
        if (!r.st.ok()) continue;
        for (const auto& rec : r.records) {
          auto line = "event: message\ndata: " + record_to_json(rec, b.format).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
          if (!sink.write(line.data(), line.size())) return false;
          at = rec.offset + 1;
          any = true;
        }
        if (r.records.empty() && r.next_offset > at) at = r.next_offset;
      }
      const auto now = std::chrono::steady_clock::now();
      if (any) {
        *last_sent = now;
      } else if (now - *last_sent > std::chrono::seconds(10)) {
        static const std::string keep_alive = ": keep-alive\n\n";
        if (!sink.write(keep_alive.data(), keep_alive.size())) return false;
        *last_sent = now;
      } else if (!single) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
      return sink.is_writable();
    });
  });
}

}  // namespace fluxo::runtime::http
