// group_member: one consumer-group member in its own process, for integration tests.
//
//   group_member --broker H:P --group G --topic T --out FILE [--session-ms 6000] [--seconds 120]
//
// Appends to FILE one line per event, flushed at once:
//   assign <generation> <member-id> <p1,p2,...>    after each rebalance
//   rec <generation> <partition> <offset>          per record, before it is committed
// Commits after every non-empty poll. SIGTERM: commit, leave the group, exit 0.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "actors/client/client.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;

static volatile std::sig_atomic_t stop = 0;

int main(int argc, char** argv) {
  std::string broker, group, topic, out_path;
  int session_ms = 6000;
  int seconds = 120;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--broker") broker = argv[i + 1];
    if (k == "--group") group = argv[i + 1];
    if (k == "--topic") topic = argv[i + 1];
    if (k == "--out") out_path = argv[i + 1];
    if (k == "--session-ms") session_ms = std::atoi(argv[i + 1]);
    if (k == "--seconds") seconds = std::atoi(argv[i + 1]);
  }
  std::signal(SIGTERM, [](int) { stop = 1; });
  FILE* out = std::fopen(out_path.c_str(), "a");
  if (!out) return 2;
  connection_options co;
  co.broker = broker;
  co.request_timeout = 5s;
  std::string err;
  auto conn = connection::open(co, &err);
  if (!conn) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  consumer_options o;
  o.group_id = group;
  o.session_timeout_ms = session_ms;
  o.heartbeat_interval_ms = 500;
  o.enable_auto_commit = false;
  auto c = conn->make_consumer(o);
  c->on_rebalance(
      [&](const std::vector<topic_partition>& tps) {
        std::string list;
        for (const auto& tp : tps) list += (list.empty() ? "" : ",") + std::to_string(tp.partition);
        std::fprintf(out, "assign %d %s %s\n", c->generation(), c->member_id().c_str(), list.empty() ? "-" : list.c_str());
        std::fflush(out);
      },
      {});
  c->subscribe({topic});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!stop && std::chrono::steady_clock::now() < deadline) {
    auto records = c->poll(100ms);
    for (const auto& r : records) {
      std::fprintf(out, "rec %d %d %lld\n", c->generation(), r.partition, static_cast<long long>(r.offset));
    }
    std::fflush(out);
    if (!records.empty()) c->commit_sync(5s);
  }
  c->close();
  std::fclose(out);
  return 0;
}
