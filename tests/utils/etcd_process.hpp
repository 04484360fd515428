// A real etcd (Debian's etcd-server) for tests: its own temporary data dir, client and peer
// ports on 127.0.0.1 chosen free, tuned for fast leases (heartbeat 50 ms, election 500 ms: the
// smallest lease TTL becomes 1 s). Waits (bounded) until it answers; stops it and removes its
// data when destroyed. restart() keeps the data (etcd down and back).
#pragma once

#include <memory>
#include <string>

#include "tests/utils/process.hpp"

namespace fluxo::test {

class etcd_process {
 public:
  etcd_process();  // starts it; aborts the test binary if etcd cannot start within 20 s
  ~etcd_process();

  uint16_t client_port() const { return client_port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  void stop();
  void start();
  bool healthy() const;

 private:
  std::string dir_;
  uint16_t client_port_ = 0;
  uint16_t peer_port_ = 0;
  std::unique_ptr<child_process> proc_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t free_loopback_port();

}  // namespace fluxo::test
