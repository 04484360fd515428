#include "tests/utils/etcd_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <httplib.h>
#include <thread>

namespace fluxo::test {

uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

etcd_process::etcd_process() {
  char tmpl[] = "/tmp/fluxo-etcd-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  client_port_ = free_loopback_port();
  peer_port_ = free_loopback_port();
  start();
}

etcd_process::~etcd_process() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool etcd_process::healthy() const {
  httplib::Client cli("127.0.0.1", client_port_);
  cli.set_connection_timeout(std::chrono::milliseconds(500));
  cli.set_read_timeout(std::chrono::milliseconds(1000));
  auto res = cli.Post("/v3/kv/range", R"({"key":"AA=="})", "application/json");
  return res && res->status == 200;
}

void etcd_process::start() {
  const std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  proc_ = std::make_unique<child_process>(
      "/usr/bin/etcd",
      std::vector<std::string>{"--name", "test", "--data-dir", dir_ + "/data", "--listen-client-urls", client,
                               "--advertise-client-urls", client, "--listen-peer-urls", peer,
                               "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=" + peer,
                               "--heartbeat-interval", "50", "--election-timeout", "500", "--log-level", "warn"},
      dir_ + "/etcd.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (healthy()) return;
    if (!proc_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "etcd did not start on port %u: %s\n", client_port_, read_text(dir_ + "/etcd.log").c_str());
  std::abort();
}

void etcd_process::stop() {
  if (!proc_) return;
  proc_->signal(SIGTERM);
  if (!proc_->wait(std::chrono::seconds(10))) {
    proc_->signal(SIGKILL);
    proc_->wait(std::chrono::seconds(10));
  }
  proc_.reset();
}

}  // namespace fluxo::test
