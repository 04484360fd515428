// clickstream: real-time aggregation with fluxo::streams. Page views (keyed by user, the value
// is the page) are re-keyed by page — through the internal topic
// `clickstream-page-view-counts-repartition` — and counted per page in 10-second tumbling
// windows of event time; the running counts go to `page-counts` (key "page@window-start", value
// the count so far). The state lives in a local store backed by the compacted changelog
// `clickstream-page-view-counts-changelog`: kill a processor at any moment, start it again (here
// or in another process), and the counts stay exact — a restarted task restores its store and
// skips what it had already applied, including re-keyed records written twice by a replay.
//
//   build/bin/clickstream demo                                        # embedded broker
//   build/bin/clickstream --broker 127.0.0.1:4242 generate --events 20000
//   build/bin/clickstream --broker 127.0.0.1:4242 process &           # any number of instances
//   build/bin/clickstream --broker 127.0.0.1:4242 report              # counts vs a direct reference
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <thread>

#include "actors/client/client.hpp"
#include "actors/streams/runner.hpp"

using namespace fluxo;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string views_topic = "page-views";
const std::string counts_topic = "page-counts";
constexpr int64_t window_ms = 10'000;
constexpr int64_t base_time = 1'700'000'000'000;  // event time of the first view (fixed: reproducible)

struct settings {
  std::string broker;
  std::string data_dir = "./clickstream-data";
  int events = 20000;
  int pages = 12;
  int64_t step_ms = 7;  // event time between two views
  int rate = 0;         // generate: views per second of wall-clock time (0 = as fast as possible)
  int idle_exit_s = 0;  // process: stop after this long without input (0 = until a signal)
  bool json_out = false;
};

std::atomic<bool> stop_requested{false};
extern "C" void on_signal(int) { stop_requested = true; }

void build(streams::topology& t) {
  t.from<std::string, std::string>(views_topic)  // user -> page
      .group_by([](const std::string&, const std::string& page) { return page; })
      .window(streams::tumbling(std::chrono::milliseconds(window_ms)).grace(std::chrono::minutes(10)))
      .count("page-view-counts")
      .to_stream()
      .map([](const streams::windowed<std::string>& w, int64_t n) { return std::pair{w.key + "@" + std::to_string(w.start), n}; })
      .to(counts_topic);
}

std::unique_ptr<client::connection> open(const settings& s) {
  client::connection_options o;
  o.broker = s.broker;
  o.data_dir = s.data_dir;
  std::string err;
  auto conn = client::connection::open(o, &err);
  if (!conn) std::fprintf(stderr, "clickstream: %s\n", err.c_str());
  return conn;
}

int generate(client::connection& conn, const settings& s) {
  client::topic_config cfg;
  cfg.partitions = 3;
  conn.create_topic(views_topic, cfg);
  conn.create_topic(counts_topic, cfg);
  // Continue the event clock after what is already there.
  int64_t existing = 0;
  for (int32_t p = 0; p < 3; ++p) existing += std::max<int64_t>(0, conn.list_offset({views_topic, p}, -1).second);
  auto producer = conn.make_producer({.acks = -1});
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < s.events; ++i) {
    if (s.rate > 0 && i % 100 == 0) {  // a live source: pace the sends
      std::this_thread::sleep_until(started + std::chrono::microseconds(int64_t{1'000'000} * i / s.rate));
    }
    const int64_t n = existing + i;
    const auto page = "/page/" + std::to_string((n * 7 + n / 13) % s.pages);
    producer->send(views_topic, "user-" + std::to_string(n % 97), page, {}, base_time + n * s.step_ms);
  }
  auto st = producer->flush(60s);
  std::printf("generate: %d page views%s\n", s.events, st.ok() ? "" : (" NOT acknowledged: " + st.message).c_str());
  return st.ok() ? 0 : 1;
}

int process(client::connection& conn, const settings& s) {
  streams::topology t("clickstream");
  build(t);
  streams::runner r(conn, t, {.client_id = "clickstream", .session_timeout_ms = 6000, .heartbeat_interval_ms = 500});
  // Wait for the source topic (the generator may not have created it yet).
  for (auto st = r.start(); !st.ok(); st = r.start()) {
    std::fprintf(stderr, "clickstream: %s; retrying\n", st.message.c_str());
    for (int i = 0; i < 10 && !stop_requested; ++i) std::this_thread::sleep_for(50ms);
    if (stop_requested) return 1;
  }
  std::printf("process: started (restored %llu changelog records so far)\n", static_cast<unsigned long long>(r.restored_records()));
  std::fflush(stdout);
  auto last_input = std::chrono::steady_clock::now();
  uint64_t seen = 0;
  while (!stop_requested) {
    if (auto st = r.run_once(200ms); !st.ok()) std::fprintf(stderr, "clickstream: %s\n", st.message.c_str());
    const auto c = r.counters();
    if (c.processed != seen) {
      seen = c.processed;
      last_input = std::chrono::steady_clock::now();
    } else if (s.idle_exit_s > 0 && std::chrono::steady_clock::now() - last_input > std::chrono::seconds(s.idle_exit_s)) {
      break;
    }
  }
  const auto c = r.counters();
  r.close();
  std::printf("process: %llu records processed, %llu replays skipped, %llu late, %llu changelog records restored\n",
              static_cast<unsigned long long>(c.processed), static_cast<unsigned long long>(c.skipped_replayed),
              static_cast<unsigned long long>(c.skipped_late), static_cast<unsigned long long>(r.restored_records()));
  return 0;
}

json make_report(client::connection& conn) {
  std::map<std::string, int64_t> reference;  // "page@start" -> views, straight from the input
  auto views = client::read_all(conn, views_topic);
  for (const auto& v : views) {
    if (!v.value) continue;
    reference[*v.value + "@" + std::to_string(v.timestamp - v.timestamp % window_ms)]++;
  }
  std::map<std::string, int64_t> latest;  // the last count written per window (its final value)
  auto counts = client::read_all(conn, counts_topic);
  for (const auto& c : counts) {
    if (c.key && c.value) latest[*c.key] = std::stoll(*c.value);
  }
  int64_t exact = 0, wrong = 0, missing = 0, extra = 0;
  json examples = json::array();
  for (const auto& [k, n] : reference) {
    auto it = latest.find(k);
    if (it == latest.end()) {
      ++missing;
    } else if (it->second == n) {
      ++exact;
    } else {
      ++wrong;
      if (examples.size() < 5) examples.push_back({{"window", k}, {"expected", n}, {"got", it->second}});
    }
  }
  for (const auto& [k, n] : latest) extra += reference.count(k) ? 0 : 1;
  return {{"views", views.size()}, {"count_updates", counts.size()}, {"windows", reference.size()}, {"exact", exact},
          {"wrong", wrong},        {"missing", missing},             {"extra", extra},              {"examples", examples}};
}

int report(client::connection& conn, const settings& s) {
  auto r = make_report(conn);
  if (s.json_out) {
    std::printf("%s\n", r.dump().c_str());
  } else {
    std::printf("page views: %lld, count updates written: %lld\n", static_cast<long long>(r["views"].get<int64_t>()),
                static_cast<long long>(r["count_updates"].get<int64_t>()));
    std::printf("windows (page x 10 s): %lld; exact %lld, wrong %lld, missing %lld, unexpected %lld\n",
                static_cast<long long>(r["windows"].get<int64_t>()), static_cast<long long>(r["exact"].get<int64_t>()),
                static_cast<long long>(r["wrong"].get<int64_t>()), static_cast<long long>(r["missing"].get<int64_t>()),
                static_cast<long long>(r["extra"].get<int64_t>()));
    for (const auto& e : r["examples"]) std::printf("  %s\n", e.dump().c_str());
  }
  return r["wrong"].get<int64_t>() == 0 && r["missing"].get<int64_t>() == 0 && r["extra"].get<int64_t>() == 0 ? 0 : 1;
}

// Embedded: generate, process half, "crash" (drop the processor without closing), process the
// rest with a fresh one that restores its store, report.
int demo(client::connection& conn, settings s) {
  if (int rc = generate(conn, s)) return rc;
  {
    streams::topology t("clickstream");
    build(t);
    streams::runner first(conn, t, {.client_id = "clickstream-1"});
    if (auto st = first.start(); !st.ok()) return 1;
    for (int i = 0; i < 100 && first.counters().processed < static_cast<uint64_t>(s.events / 2); ++i) first.run_once(100ms);
    std::printf("demo: first processor handled %llu views, then stops\n", static_cast<unsigned long long>(first.counters().processed));
  }
  s.idle_exit_s = 2;
  if (int rc = process(conn, s)) return rc;
  return report(conn, s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"clickstream: windowed page-view counts with fluxo::streams"};
  settings s;
  app.add_option("--broker", s.broker, "Broker node address host:port (default: an embedded broker)");
  app.add_option("--data-dir", s.data_dir, "Embedded broker data")->capture_default_str();
  app.require_subcommand(1);
  auto* gen = app.add_subcommand("generate", "Produce page views");
  gen->add_option("--events", s.events)->capture_default_str();
  gen->add_option("--pages", s.pages)->capture_default_str();
  gen->add_option("--rate", s.rate, "Views per second (0 = as fast as possible)")->capture_default_str();
  auto* proc = app.add_subcommand("process", "Count views per page and 10 s window (until SIGINT/SIGTERM)");
  proc->add_option("--idle-exit", s.idle_exit_s, "Stop after this many seconds without input")->capture_default_str();
  auto* rep = app.add_subcommand("report", "Compare the counts with a reference computed from the input");
  rep->add_flag("--json", s.json_out);
  auto* dem = app.add_subcommand("demo", "Everything against an embedded broker, with a restart");
  dem->add_option("--events", s.events)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);  // the embedded broker's info lines would drown the output
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto conn = open(s);
  if (!conn) return 1;
  if (*gen) return generate(*conn, s);
  if (*proc) return process(*conn, s);
  if (*rep) return report(*conn, s);
  return demo(*conn, s);
}
