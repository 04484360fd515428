#include "actors/cluster/etcd_kv_store.hpp"

#include <httplib.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "actors/common/address.hpp"

namespace fluxo::cluster {

using json = nlohmann::json;

namespace {

std::string b64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string unb64(const std::string& in) {
  if (in.empty()) return {};
  std::string out(3 * in.size() / 4 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return {};
  // EVP_DecodeBlock counts the padding as data: take it off.
  std::size_t pad = 0;
  if (in.size() >= 1 && in[in.size() - 1] == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

// The gateway writes int64 as strings and leaves out fields at their zero value.
int64_t num(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return 0;
  if (it->is_string()) return std::stoll(it->get<std::string>());
  if (it->is_number()) return it->get<int64_t>();
  return 0;
}

std::string prefix_end(std::string prefix) {
  // The smallest key greater than every key with this prefix.
  while (!prefix.empty()) {
    auto c = static_cast<unsigned char>(prefix.back());
    if (c < 0xff) {
      prefix.back() = static_cast<char>(c + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

kv_entry entry_of(const json& kv) {
  kv_entry e;
  e.key = unb64(kv.value("key", ""));
  e.value = unb64(kv.value("value", ""));
  e.create_revision = num(kv, "create_revision");
  e.mod_revision = num(kv, "mod_revision");
  e.lease = num(kv, "lease");
  return e;
}

json compare_json(const kv_compare& c) {
  json j;
  j["key"] = b64(c.key);
  static const char* results[] = {"EQUAL", "NOT_EQUAL", "GREATER", "LESS"};
  j["result"] = results[static_cast<int>(c.rel)];
  switch (c.what) {
    case kv_compare::target::create_revision:
      j["target"] = "CREATE";
      j["create_revision"] = std::to_string(c.revision);
      break;
    case kv_compare::target::mod_revision:
      j["target"] = "MOD";
      j["mod_revision"] = std::to_string(c.revision);
      break;
    case kv_compare::target::value:
      j["target"] = "VALUE";
      j["value"] = b64(c.value);
      break;
  }
  return j;
}

json op_json(const kv_op& op) {
  json j;
  switch (op.what) {
    case kv_op::kind::put: {
      json p{{"key", b64(op.key)}, {"value", b64(op.value)}};
      if (op.lease != 0) p["lease"] = std::to_string(op.lease);
      j["request_put"] = p;
      break;
    }
    case kv_op::kind::erase: j["request_delete_range"] = json{{"key", b64(op.key)}}; break;
    case kv_op::kind::erase_prefix:
      j["request_delete_range"] = json{{"key", b64(op.key)}, {"range_end", b64(prefix_end(op.key))}};
      break;
    case kv_op::kind::get: j["request_range"] = json{{"key", b64(op.key)}}; break;
  }
  return j;
}

store_error garbage(const std::string& what) { return {store_errc::unavailable, "etcd answered " + what}; }

}  // namespace

std::optional<std::string> parse_etcd_endpoints(const std::string& url, std::vector<etcd_endpoint>& out) {
  std::string rest = url;
  if (rest.rfind("etcd://", 0) == 0) rest = rest.substr(7);
  if (rest.empty()) return "no etcd endpoint in '" + url + "' (expected etcd://host:port[,host:port...])";
  std::size_t start = 0;
  while (start <= rest.size()) {
    auto comma = rest.find(',', start);
    auto part = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    etcd_endpoint ep;
    if (!actors::split_host_port(part, ep.host, ep.port) || ep.port == 0) {
      return "bad etcd endpoint '" + part + "' in '" + url + "' (expected host:port)";
    }
    out.push_back(ep);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

etcd_kv_store::etcd_kv_store(std::vector<etcd_endpoint> endpoints, std::chrono::milliseconds request_timeout)
    : endpoints_(std::move(endpoints)), timeout_(request_timeout) {}

etcd_kv_store::~etcd_kv_store() = default;

std::string etcd_kv_store::describe() const {
  std::string s = "etcd ";
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (i) s += ",";
    s += endpoints_[i].host + ":" + std::to_string(endpoints_[i].port);
  }
  return s;
}

store_result<std::string> etcd_kv_store::post(const std::string& path, const std::string& body) {
  std::lock_guard lock(mu_);
  std::string last_error = "no endpoint";
  for (std::size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
    const auto& ep = endpoints_[current_];
    if (!client_) {
      client_ = std::make_unique<httplib::Client>(ep.host, ep.port);
      client_->set_keep_alive(true);
      client_->set_connection_timeout(timeout_);
      client_->set_read_timeout(timeout_);
      client_->set_write_timeout(timeout_);
    }
    auto res = client_->Post(path.c_str(), body, "application/json");
    if (res) {
      if (res->status == 200) return res->body;
      // A refusal (bad request, lease not found) is an answer, not an unreachable store.
      std::string msg = res->body;
      try {
        auto j = json::parse(res->body);
        msg = j.value("message", j.value("error", res->body));
      } catch (...) {
      }
      auto code = msg.find("not found") != std::string::npos ? store_errc::not_found : store_errc::invalid;
      if (res->status >= 500 && code != store_errc::not_found) code = store_errc::unavailable;
      return store_error{code, "etcd " + ep.host + ":" + std::to_string(ep.port) + path + ": " + msg};
    }
    last_error = ep.host + ":" + std::to_string(ep.port) + ": " + httplib::to_string(res.error());
    client_.reset();
    current_ = (current_ + 1) % endpoints_.size();
  }
  return store_error{store_errc::unavailable, "etcd unreachable (" + last_error + ")"};
}

store_result<range_result> etcd_kv_store::range(const std::string& key, bool prefix) {
  json req{{"key", b64(key)}};
  if (prefix) req["range_end"] = b64(prefix_end(key));
  auto body = post("/v3/kv/range", req.dump());
  if (!body) return std::move(body).take_error();
  try {
    auto j = json::parse(*body);
    range_result out;
    out.revision = num(j.at("header"), "revision");
    if (auto kvs = j.find("kvs"); kvs != j.end()) {
      for (const auto& kv : *kvs) out.entries.push_back(entry_of(kv));
    }
    return out;
  } catch (const std::exception& e) {
    return garbage(std::string("a range with ") + e.what());
  }
}

store_result<txn_result> etcd_kv_store::txn(const std::vector<kv_compare>& compares, const std::vector<kv_op>& success,
                                            const std::vector<kv_op>& failure) {
  json req;
  req["compare"] = json::array();
  for (const auto& c : compares) req["compare"].push_back(compare_json(c));
  req["success"] = json::array();
  for (const auto& op : success) req["success"].push_back(op_json(op));
  req["failure"] = json::array();
  for (const auto& op : failure) req["failure"].push_back(op_json(op));
  auto body = post("/v3/kv/txn", req.dump());
  if (!body) return std::move(body).take_error();
  try {
    auto j = json::parse(*body);
    txn_result out;
    out.succeeded = j.value("succeeded", false);
    out.revision = num(j.at("header"), "revision");
    if (auto rs = j.find("responses"); rs != j.end()) {
      for (const auto& r : *rs) {
        auto range = r.find("response_range");
        if (range == r.end()) continue;
        std::vector<kv_entry> got;
        if (auto kvs = range->find("kvs"); kvs != range->end()) {
          for (const auto& kv : *kvs) got.push_back(entry_of(kv));
        }
        out.gets.push_back(std::move(got));
      }
    }
    return out;
  } catch (const std::exception& e) {
    return garbage(std::string("a transaction with ") + e.what());
  }
}

store_result<int64_t> etcd_kv_store::grant_lease(int64_t ttl_seconds) {
  auto body = post("/v3/lease/grant", json{{"TTL", std::to_string(ttl_seconds)}}.dump());
  if (!body) return std::move(body).take_error();
  try {
    auto j = json::parse(*body);
    if (j.contains("error") && !j["error"].get<std::string>().empty()) {
      return store_error{store_errc::invalid, "lease grant: " + j["error"].get<std::string>()};
    }
    return num(j, "ID");
  } catch (const std::exception& e) {
    return garbage(std::string("a lease grant with ") + e.what());
  }
}

store_result<int64_t> etcd_kv_store::keep_alive(int64_t lease) {
  // The gateway's keepalive is a stream endpoint: one request line, one answer.
  auto body = post("/v3/lease/keepalive", json{{"ID", std::to_string(lease)}}.dump());
  if (!body) return std::move(body).take_error();
  try {
    auto line = body->substr(0, body->find('\n'));
    auto j = json::parse(line);
    if (j.contains("error")) return store_error{store_errc::unavailable, "lease keepalive: " + j["error"].dump()};
    auto ttl = num(j.at("result"), "TTL");
    if (ttl <= 0) return store_error{store_errc::not_found, "lease " + std::to_string(lease) + " expired"};
    return ttl;
  } catch (const std::exception& e) {
    return garbage(std::string("a keepalive with ") + e.what());
  }
}

store_result<void> etcd_kv_store::revoke_lease(int64_t lease) {
  auto body = post("/v3/lease/revoke", json{{"ID", std::to_string(lease)}}.dump());
  if (!body) {
    if (body.err().code == store_errc::not_found) return {};
    return std::move(body).take_error();
  }
  return {};
}

store_result<watch_result> etcd_kv_store::watch(const std::string& prefix, int64_t from_revision,
                                                std::chrono::milliseconds max_wait) {
  // A watch stream of its own (the shared client stays free for other calls), read until the
  // first events arrive or max_wait passes without any.
  etcd_endpoint ep;
  {
    std::lock_guard lock(mu_);
    ep = endpoints_[current_];
  }
  httplib::Client cli(ep.host, ep.port);
  cli.set_connection_timeout(timeout_);
  cli.set_read_timeout(std::max(max_wait, std::chrono::milliseconds(1)));
  json create{{"create_request", {{"key", b64(prefix)}, {"range_end", b64(prefix_end(prefix))},
                                  {"start_revision", std::to_string(from_revision)}}}};
  httplib::Request req;
  req.method = "POST";
  req.path = "/v3/watch";
  req.body = create.dump();
  req.set_header("Content-Type", "application/json");
  std::string buffer;
  watch_result out;
  out.revision = from_revision - 1;
  std::optional<store_error> failure;
  bool created = false;
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    buffer.append(data, len);
    std::size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      auto line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (line.empty()) continue;
      try {
        auto j = json::parse(line);
        if (j.contains("error")) {
          failure = store_error{store_errc::unavailable, "watch: " + j["error"].dump()};
          return false;
        }
        const auto& r = j.at("result");
        if (r.value("canceled", false) || num(r, "compact_revision") > 0) {
          failure = store_error{store_errc::compacted, "watch from revision " + std::to_string(from_revision) +
                                                           " was compacted (compact revision " +
                                                           std::to_string(num(r, "compact_revision")) + ")"};
          return false;
        }
        if (r.value("created", false)) created = true;
        if (auto evs = r.find("events"); evs != r.end()) {
          for (const auto& ev : *evs) {
            kv_event e;
            e.what = ev.value("type", "PUT") == "DELETE" ? kv_event::kind::erase : kv_event::kind::put;
            e.entry = entry_of(ev.at("kv"));
            out.revision = std::max(out.revision, e.entry.mod_revision);
            out.events.push_back(std::move(e));
          }
          if (!out.events.empty()) return false;  // got some: stop reading
        }
      } catch (const std::exception& e) {
        failure = garbage(std::string("a watch event with ") + e.what());
        return false;
      }
    }
    return true;
  };
  auto res = cli.send(req);
  if (failure) return *failure;
  if (!out.events.empty()) return out;
  if (!created && (!res || res.error() == httplib::Error::Connection)) {
    std::lock_guard lock(mu_);
    current_ = (current_ + 1) % endpoints_.size();
    client_.reset();
    return store_error{store_errc::unavailable, "etcd watch: " + ep.host + ":" + std::to_string(ep.port) + ": " +
                                                    (res ? std::string("closed") : httplib::to_string(res.error()))};
  }
  return out;  // no events within max_wait (the read timed out)
}

}  // namespace fluxo::cluster
