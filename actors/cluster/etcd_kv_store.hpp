// kv_store over a real etcd v3 (Debian's etcd-server 3.4), through the JSON gateway that etcd
// serves on its client port (POST /v3/kv/range|txn, /v3/lease/grant|keepalive|revoke,
// /v3/watch as a stream of JSON objects). Keys and values travel base64-encoded and 64-bit
// numbers as JSON strings, as the gateway does. Several endpoints may be given; a call that
// cannot reach one tries the next. Blocking calls with bounded timeouts: call from a thread
// that may block (the cluster agent's), never from an actor. No CAF.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/cluster/kv_store.hpp"

namespace httplib {
class Client;
}

namespace fluxo::cluster {

struct etcd_endpoint {
  std::string host;
  uint16_t port = 2379;
};

// Parses "etcd://h1:p1,h2:p2" (also without the scheme). Returns an error text.
std::optional<std::string> parse_etcd_endpoints(const std::string& url, std::vector<etcd_endpoint>& out);

class etcd_kv_store final : public kv_store {
 public:
  explicit etcd_kv_store(std::vector<etcd_endpoint> endpoints,
                         std::chrono::milliseconds request_timeout = std::chrono::milliseconds(2000));
  ~etcd_kv_store() override;

  store_result<range_result> range(const std::string& key, bool prefix) override;
  store_result<txn_result> txn(const std::vector<kv_compare>& compares, const std::vector<kv_op>& success,
                               const std::vector<kv_op>& failure) override;
  store_result<int64_t> grant_lease(int64_t ttl_seconds) override;
  store_result<int64_t> keep_alive(int64_t lease) override;
  store_result<void> revoke_lease(int64_t lease) override;
  store_result<watch_result> watch(const std::string& prefix, int64_t from_revision,
                                   std::chrono::milliseconds max_wait) override;
  std::string describe() const override;

 private:
  // POSTs a JSON body to `path` on the current endpoint (rotating on connection failures);
  // returns the response body.
  store_result<std::string> post(const std::string& path, const std::string& body);

  std::vector<etcd_endpoint> endpoints_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;  // guards current_ and client_ (one request at a time per store)
  std::size_t current_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace fluxo::cluster
