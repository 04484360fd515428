// orders: long-running work and a flaky third party, done with actors on fluxo.
//
// An API actor publishes order events keyed by customer to `orders`. Worker actors (each a
// member of the consumer group `order-workers`, several per process, any number of processes)
// do slow work, call a flaky "payment provider", retry with backoff through `orders.retry`,
// dead-letter what keeps failing to `orders.dlt` (with origin, attempts and the last error as
// headers), and publish results to `order-results` (keyed by customer, so each customer's
// results stay in order). Kill a worker process and the group moves its partitions to the
// others; nothing is lost (at-least-once: a killed worker's uncommitted batch runs again).
//
//   build/bin/orders demo                                  # everything, embedded broker
//   build/bin/orders --broker 127.0.0.1:4242 worker --actors 2 &   # as many as you like
//   build/bin/orders --broker 127.0.0.1:4242 api --orders 500
//   build/bin/orders --broker 127.0.0.1:4242 report        # what happened (--json for scripts)
//
// The provider is deterministic per (order, attempt): a re-run after a crash decides the same
// way, so an order never ends both completed and dead-lettered. Orders with id % 50 == 7 are
// "poison" (the provider always refuses them).
#include <caf/all.hpp>
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>
#include <thread>
#include <unistd.h>

#include "actors/client/actor_api.hpp"
#include "actors/client/retry.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string orders_topic = "orders";
const std::string results_topic = "order-results";
const std::string dead_letters = "orders.dlt";
const std::string group = "order-workers";
constexpr int max_attempts = 4;

using place_atom = caf::atom_constant<caf::atom("place")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

struct settings {
  std::string broker;  // empty: embedded
  std::string data_dir = "./orders-data";
  int orders = 300;
  int customers = 20;
  int actors = 2;
  int work_ms = 2;
  double fail_rate = 0.3;
  int seconds = 0;  // worker: stop after this long (0 = until SIGINT/SIGTERM)
  bool json_out = false;
};

std::atomic<bool> stop_requested{false};

// ---- the flaky third party -------------------------------------------------------------------

bool poison(int64_t order) { return order % 50 == 7; }

// Deterministic per (order, attempt): fails about `fail_rate` of first attempts.
status charge(int64_t order, int attempt, double fail_rate) {
  if (poison(order)) return status{-1, "card declined (order " + std::to_string(order) + ")"};
  const auto h = std::hash<std::string>{}(std::to_string(order) + "/" + std::to_string(attempt)) % 1000;
  if (static_cast<double>(h) < fail_rate * 1000) return status{-1, "payment provider timed out"};
  return status::success();
}

// ---- the API actor: turns "place an order" messages into order events -------------------------

caf::behavior api_actor(caf::event_based_actor*, connection* conn) {
  auto producer = std::shared_ptr<fluxo::client::producer>(conn->make_producer({.acks = -1}));
  auto next_id = std::make_shared<int64_t>(0);
  auto seq = std::make_shared<std::map<std::string, int>>();
  return {
      [=](place_atom, const std::string& customer, int64_t cents) {
        json order{{"order", (*next_id)++}, {"customer", customer}, {"seq", (*seq)[customer]++}, {"cents", cents}};
        producer->send(orders_topic, customer, order.dump());
      },
      [=](fluxo::actors::flush_atom) { return producer->flush(30s).ok(); },
  };
}

// ---- a worker actor: one group member, blocking I/O on its own thread -------------------------

caf::behavior worker_actor(caf::event_based_actor* self, connection* conn, std::string name, settings s) {
  consumer_options co;
  co.group_id = group;
  co.client_id = name;
  co.session_timeout_ms = 6000;  // the broker minimum: a killed process's partitions move within seconds
  co.heartbeat_interval_ms = 500;
  retry_policy policy;
  policy.max_attempts = max_attempts;
  policy.backoff = 100ms;
  auto results = std::shared_ptr<fluxo::client::producer>(conn->make_producer({.acks = -1}));
  auto consumer = std::make_shared<retrying_consumer>(
      *conn, co, std::vector<std::string>{orders_topic}, policy, [=](const consumed_record& r) -> status {
        auto order = json::parse(r.value.value_or(""), nullptr, false);
        if (order.is_discarded()) return status{-1, "not an order: " + r.value.value_or("null")};
        const int attempt = std::stoi(header_value(r.headers, retry_headers::attempts).value_or("0")) + 1;
        std::this_thread::sleep_for(std::chrono::milliseconds(s.work_ms));  // the slow part of the job
        if (auto st = charge(order["order"].get<int64_t>(), attempt, s.fail_rate); !st.ok()) return st;
        order["worker"] = name;
        order["attempts"] = attempt;
        results->send(results_topic, r.key, order.dump());
        return status::success();
      });
  // Results must be acknowledged before the batch's positions are committed.
  consumer->before_commit([results] { return results->flush(30s); });
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        if (stop_requested) {
          results->flush(30s);
          consumer->underlying().close();
          self->quit();
          return;
        }
        if (auto st = consumer->run_once(100ms); !st.ok()) std::fprintf(stderr, "%s: %s\n", name.c_str(), st.message.c_str());
        self->send(self, tick_atom::value);
      },
  };
}

// ---- commands --------------------------------------------------------------------------------

std::unique_ptr<connection> open(const settings& s) {
  connection_options o;
  o.broker = s.broker;
  o.data_dir = s.data_dir;
  std::string err;
  auto conn = connection::open(o, &err);
  if (!conn) std::fprintf(stderr, "orders: %s\n", err.c_str());
  return conn;
}

void create_topics(connection& conn) {
  topic_config cfg;
  cfg.partitions = 4;
  conn.create_topic(orders_topic, cfg);  // TOPIC_ALREADY_EXISTS on a rerun is fine
  conn.create_topic(results_topic, cfg);
}

int run_api(connection& conn, const settings& s) {
  create_topics(conn);
  auto& sys = actor_system_of(conn);
  auto api = sys.spawn(api_actor, &conn);
  caf::scoped_actor self{sys};
  for (int i = 0; i < s.orders; ++i) {
    self->send(api, place_atom::value, "customer-" + std::to_string(i % s.customers), int64_t{100 + (i * 37) % 9000});
  }
  bool ok = false;
  self->request(api, 60s, fluxo::actors::flush_atom::value).receive([&](bool r) { ok = r; }, [&](caf::error&) {});
  self->send_exit(api, caf::exit_reason::user_shutdown);
  std::printf("api: placed %d orders for %d customers%s\n", s.orders, s.customers, ok ? "" : " (NOT all acknowledged)");
  return ok ? 0 : 1;
}

int run_workers(connection& conn, const settings& s) {
  create_topics(conn);
  auto& sys = actor_system_of(conn);
  std::vector<caf::actor> workers;
  for (int i = 0; i < s.actors; ++i) {
    auto name = "worker-" + std::to_string(::getpid()) + "-" + std::to_string(i);
    workers.push_back(sys.spawn<caf::detached>(worker_actor, &conn, name, s));
  }
  std::printf("workers: %d actors in group %s (pid %d)\n", s.actors, group.c_str(), ::getpid());
  std::fflush(stdout);
  auto started = std::chrono::steady_clock::now();
  while (!stop_requested && (s.seconds == 0 || std::chrono::steady_clock::now() - started < std::chrono::seconds(s.seconds))) {
    std::this_thread::sleep_for(50ms);
  }
  stop_requested = true;
  caf::scoped_actor self{sys};
  for (auto& w : workers) self->wait_for(w);
  return 0;
}

json make_report(connection& conn, double fail_rate) {
  auto placed = read_all(conn, orders_topic);
  auto results = read_all(conn, results_topic);
  auto dead = read_all(conn, dead_letters);
  std::set<int64_t> completed, dead_ids;
  std::map<int64_t, std::string> first_result;
  std::map<std::string, int> last_seq;  // per customer, first-attempt results in log order
  int64_t duplicates = 0, differing = 0, order_violations = 0;
  std::map<std::string, int64_t> per_worker;
  for (const auto& r : results) {
    auto j = json::parse(r.value.value_or(""), nullptr, false);
    if (j.is_discarded()) continue;
    const auto id = j["order"].get<int64_t>();
    if (!completed.insert(id).second) {
      ++duplicates;  // a re-run after a crash: it must say the same
      auto first = json::parse(first_result[id]);
      for (const char* field : {"customer", "seq", "cents", "attempts"}) {
        if (first[field] != j[field]) {
          ++differing;
          break;
        }
      }
      continue;
    }
    first_result[id] = r.value.value_or("");
    ++per_worker[j["worker"].get<std::string>()];
    if (j["attempts"].get<int>() == 1) {
      auto [it, fresh] = last_seq.try_emplace(j["customer"].get<std::string>(), j["seq"].get<int>());
      if (!fresh) {
        if (j["seq"].get<int>() < it->second) ++order_violations;
        it->second = j["seq"].get<int>();
      }
    }
  }
  json dead_list = json::array();
  for (const auto& d : dead) {
    auto j = json::parse(d.value.value_or(""), nullptr, false);
    if (j.is_discarded()) continue;
    dead_ids.insert(j["order"].get<int64_t>());
    dead_list.push_back({{"order", j["order"]},
                         {"original", header_value(d.headers, retry_headers::original_topic).value_or("?") + "/" +
                                          header_value(d.headers, retry_headers::original_partition).value_or("?") + "@" +
                                          header_value(d.headers, retry_headers::original_offset).value_or("?")},
                         {"attempts", header_value(d.headers, retry_headers::attempts).value_or("?")},
                         {"error", header_value(d.headers, retry_headers::error).value_or("?")}});
  }
  int64_t missing = 0, both = 0, poison_completed = 0;
  json expected_dead = json::array();  // what the deterministic provider refuses on every attempt
  for (const auto& p : placed) {
    auto j = json::parse(p.value.value_or(""), nullptr, false);
    if (j.is_discarded()) continue;
    const auto id = j["order"].get<int64_t>();
    bool always_fails = true;
    for (int attempt = 1; attempt <= max_attempts && always_fails; ++attempt) always_fails = !charge(id, attempt, fail_rate).ok();
    if (always_fails) expected_dead.push_back(id);
    const bool c = completed.count(id) != 0, d = dead_ids.count(id) != 0;
    if (!c && !d) ++missing;
    if (c && d) ++both;
    if (c && poison(id)) ++poison_completed;
  }
  return {{"placed", placed.size()},           {"completed", completed.size()},   {"dead_lettered", dead_ids.size()},
          {"missing", missing},                {"completed_and_dead", both},       {"poison_completed", poison_completed},
          {"duplicate_results", duplicates},   {"differing_duplicates", differing}, {"per_key_order_violations", order_violations},
          {"results_per_worker", per_worker},  {"dead_letters", dead_list},        {"expected_dead", expected_dead}};
}

int run_report(connection& conn, const settings& s) {
  auto r = make_report(conn, s.fail_rate);
  if (s.json_out) {
    std::printf("%s\n", r.dump().c_str());
    return 0;
  }
  std::printf("orders placed:        %lld\n", static_cast<long long>(r["placed"].get<int64_t>()));
  std::printf("completed:            %lld (results per worker: %s)\n", static_cast<long long>(r["completed"].get<int64_t>()),
              r["results_per_worker"].dump().c_str());
  std::printf("dead-lettered:        %lld\n", static_cast<long long>(r["dead_lettered"].get<int64_t>()));
  std::printf("missing:              %lld\n", static_cast<long long>(r["missing"].get<int64_t>()));
  std::printf("redelivered results:  %lld (identical re-runs after a crash; results are keyed, consumers dedupe by order id)\n",
              static_cast<long long>(r["duplicate_results"].get<int64_t>()));
  std::printf("per-customer order broken: %lld times\n", static_cast<long long>(r["per_key_order_violations"].get<int64_t>()));
  int shown = 0;
  for (const auto& d : r["dead_letters"]) {
    if (shown++ == 3) break;
    std::printf("  dead letter: order %s from %s after %s attempts: %s\n", d["order"].dump().c_str(),
                d["original"].get<std::string>().c_str(), d["attempts"].get<std::string>().c_str(), d["error"].get<std::string>().c_str());
  }
  return r["missing"].get<int64_t>() == 0 ? 0 : 1;
}

// Everything in one process on an embedded broker: api, two workers, report.
int run_demo(connection& conn, settings s) {
  s.seconds = 0;
  if (int rc = run_api(conn, s)) return rc;
  std::thread workers([&] { run_workers(conn, s); });
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = make_report(conn, s.fail_rate);
    if (r["missing"].get<int64_t>() == 0) break;
    std::this_thread::sleep_for(200ms);
  }
  stop_requested = true;
  workers.join();
  return run_report(conn, s);
}

extern "C" void on_signal(int) { stop_requested = true; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orders: workers, retries and dead letters on fluxo"};
  settings s;
  app.add_option("--broker", s.broker, "Broker node address host:port (default: an embedded broker)");
  app.add_option("--data-dir", s.data_dir, "Embedded broker data")->capture_default_str();
  app.require_subcommand(1);
  auto* api = app.add_subcommand("api", "Place orders");
  api->add_option("--orders", s.orders)->capture_default_str();
  api->add_option("--customers", s.customers)->capture_default_str();
  auto* worker = app.add_subcommand("worker", "Process orders until SIGINT/SIGTERM (or --seconds)");
  worker->add_option("--actors", s.actors, "Worker actors (group members) in this process")->capture_default_str();
  worker->add_option("--work-ms", s.work_ms, "Simulated work per order")->capture_default_str();
  worker->add_option("--fail-rate", s.fail_rate, "Share of provider calls that fail")->capture_default_str();
  worker->add_option("--seconds", s.seconds, "Stop after this long (0 = until a signal)")->capture_default_str();
  auto* report = app.add_subcommand("report", "Summarize results and dead letters");
  report->add_flag("--json", s.json_out);
  report->add_option("--fail-rate", s.fail_rate, "The workers' --fail-rate (for the expected outcome)")->capture_default_str();
  auto* demo = app.add_subcommand("demo", "Everything in one process against an embedded broker");
  demo->add_option("--orders", s.orders)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);  // the embedded broker's info lines would drown the output
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto conn = open(s);
  if (!conn) return 1;
  if (*api) return run_api(*conn, s);
  if (*worker) return run_workers(*conn, s);
  if (*report) return run_report(*conn, s);
  return run_demo(*conn, s);
}
