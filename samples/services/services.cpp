// services: two services, each an actor, exchanging internal events through topics. The shop
// places orders on `shop.orders`; the inventory service subscribes to them, reserves stock and
// answers on `shop.inventory`; the shop subscribes to those answers. Each service is a plain
// CAF actor that receives records as messages (actors/client/actor_api.hpp, credit-based flow
// control) — the same code runs embedded (both in one process with an in-process broker) or
// remote (each service its own process, i.e. its own CAF node, talking to a broker node).
// Every order carries a W3C trace (traceparent header) that the inventory's answer continues.
//
//   build/bin/services demo                                     # both services, embedded broker
//   build/bin/services --broker 127.0.0.1:4242 inventory &      # one process (node) ...
//   build/bin/services --broker 127.0.0.1:4242 shop --orders 50 # ... and another
#include <caf/all.hpp>
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <thread>
#include <unistd.h>

#include "actors/client/actor_api.hpp"
#include "actors/client/tracing.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string orders_topic = "shop.orders";
const std::string inventory_topic = "shop.inventory";

struct settings {
  std::string broker;
  std::string data_dir = "./services-data";
  int orders = 50;
  int seconds = 60;
  bool json_out = false;
};

std::atomic<bool> stop_requested{false};
extern "C" void on_signal(int) { stop_requested = true; }

// Grants the source as much credit as the subscriber just used.
void ack(caf::event_based_actor* self, std::size_t n) {
  self->send(caf::actor_cast<caf::actor>(self->current_sender()), credit_atom::value, n);
}

// ---- inventory: reacts to orders ---------------------------------------------------------------

caf::behavior inventory_service(caf::event_based_actor* self, std::shared_ptr<producer> out) {
  auto stock = std::make_shared<std::map<std::string, int>>(std::map<std::string, int>{{"apple", 30}, {"pear", 15}, {"plum", 10}});
  return {
      [=](records_atom, const std::vector<consumed_record>& records) {
        for (const auto& r : records) {
          auto order = json::parse(r.value.value_or(""), nullptr, false);
          if (order.is_discarded()) continue;
          auto item = order.value("item", "");
          const bool available = (*stock)[item] > 0;
          if (available) --(*stock)[item];
          json answer{{"order", order["order"]}, {"item", item}, {"status", available ? "reserved" : "out-of-stock"},
                      {"left", (*stock)[item]}, {"by_pid", ::getpid()}};
          // Continue the order's trace: the answer carries the same trace id.
          std::optional<trace_scope> scope;
          if (auto trace = trace_of(r)) scope.emplace(*trace);
          out->send(inventory_topic, r.key, answer.dump());
        }
        ack(self, records.size());
      },
  };
}

// ---- shop: places orders, collects the answers ---------------------------------------------------

struct shop_result {
  std::map<int64_t, json> answers;
  int traced = 0;  // answers whose trace id is the order's
};

caf::behavior shop_listener(caf::event_based_actor* self, std::shared_ptr<std::map<int64_t, std::string>> trace_ids,
                            std::shared_ptr<shop_result> result, std::shared_ptr<std::promise<void>> all_in, int expected) {
  return {
      [=](records_atom, const std::vector<consumed_record>& records) {
        for (const auto& r : records) {
          auto answer = json::parse(r.value.value_or(""), nullptr, false);
          if (answer.is_discarded()) continue;
          const auto id = answer["order"].get<int64_t>();
          if (!trace_ids->count(id)) continue;  // an answer to an earlier run
          auto trace = trace_of(r);
          if (trace && trace->trace_id_hex() == trace_ids->at(id)) ++result->traced;
          result->answers[id] = answer;
          if (static_cast<int>(result->answers.size()) == expected) all_in->set_value();
        }
        ack(self, records.size());
      },
  };
}

std::unique_ptr<connection> open(const settings& s) {
  connection_options o;
  o.broker = s.broker;
  o.data_dir = s.data_dir;
  std::string err;
  auto conn = connection::open(o, &err);
  if (!conn) std::fprintf(stderr, "services: %s\n", err.c_str());
  return conn;
}

void create_topics(connection& conn) {
  topic_config cfg;
  cfg.partitions = 2;
  conn.create_topic(orders_topic, cfg);
  conn.create_topic(inventory_topic, cfg);
}

// Starts the inventory actor with its subscription; returns (source, service).
std::pair<caf::actor, caf::actor> start_inventory(connection& conn) {
  auto out = std::shared_ptr<producer>(conn.make_producer({.acks = -1, .linger = std::chrono::milliseconds(1)}));
  auto service = actor_system_of(conn).spawn(inventory_service, out);
  consumer_options co;
  co.group_id = "inventory";
  auto consumer = conn.make_consumer(co);
  consumer->subscribe({orders_topic});
  return {deliver_to_actor(conn, std::move(consumer), service, 100), service};
}

int run_inventory(connection& conn, const settings&) {
  create_topics(conn);
  auto [source, service] = start_inventory(conn);
  std::printf("inventory: pid %d reacting to %s\n", ::getpid(), orders_topic.c_str());
  std::fflush(stdout);
  while (!stop_requested) std::this_thread::sleep_for(50ms);
  caf::anon_send_exit(source, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(service, caf::exit_reason::user_shutdown);
  return 0;
}

int run_shop(connection& conn, const settings& s) {
  create_topics(conn);
  auto trace_ids = std::make_shared<std::map<int64_t, std::string>>();
  auto result = std::make_shared<shop_result>();
  auto all_in = std::make_shared<std::promise<void>>();
  auto done = all_in->get_future();
  // Order ids unique across runs: the answers topic may hold older ones.
  const int64_t first_id = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() * 1000;
  const char* items[] = {"apple", "pear", "plum"};
  for (int i = 0; i < s.orders; ++i) (*trace_ids)[first_id + i] = "";
  // Listen from the end (new answers only), before placing the orders.
  auto listener = actor_system_of(conn).spawn(shop_listener, trace_ids, result, all_in, s.orders);
  auto consumer = conn.make_consumer();
  std::vector<topic_partition> tps{{inventory_topic, 0}, {inventory_topic, 1}};
  consumer->assign(tps);
  for (const auto& tp : tps) consumer->seek_to_end(tp);
  auto source = deliver_to_actor(conn, std::move(consumer), listener, 100);
  std::this_thread::sleep_for(200ms);  // the end offsets are resolved before the first order lands
  auto producer = conn.make_producer({.acks = -1});
  for (int i = 0; i < s.orders; ++i) {
    const int64_t id = first_id + i;
    auto trace = trace_context::start();
    (*trace_ids)[id] = trace.trace_id_hex();
    trace_scope scope(trace);
    producer->send(orders_topic, "customer-" + std::to_string(i % 7), json{{"order", id}, {"item", items[i % 3]}}.dump());
  }
  producer->flush(30s);
  const bool complete = done.wait_for(std::chrono::seconds(s.seconds)) == std::future_status::ready;
  caf::anon_send_exit(source, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
  std::map<std::string, int> by_status;
  std::set<int64_t> pids;
  for (const auto& [id, a] : result->answers) {
    by_status[a["status"].get<std::string>()]++;
    pids.insert(a["by_pid"].get<int64_t>());
  }
  json summary{{"orders", s.orders}, {"answered", result->answers.size()}, {"traced", result->traced}, {"by_status", by_status},
               {"shop_pid", ::getpid()}, {"inventory_pids", pids}};
  if (s.json_out) {
    std::printf("%s\n", summary.dump().c_str());
  } else {
    std::printf("shop: %zu of %d orders answered (%d reserved, %d out of stock); %d answers continued the order's trace\n",
                result->answers.size(), s.orders, by_status["reserved"], by_status["out-of-stock"], result->traced);
    std::printf("shop: pid %d; answers came from inventory pid(s) %s\n", ::getpid(), json(pids).dump().c_str());
  }
  return complete ? 0 : 1;
}

int run_demo(connection& conn, settings s) {
  create_topics(conn);
  auto [source, service] = start_inventory(conn);
  int rc = run_shop(conn, s);
  caf::anon_send_exit(source, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(service, caf::exit_reason::user_shutdown);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"services: actors exchanging events through fluxo topics"};
  settings s;
  app.add_option("--broker", s.broker, "Broker node address host:port (default: an embedded broker)");
  app.add_option("--data-dir", s.data_dir, "Embedded broker data")->capture_default_str();
  app.require_subcommand(1);
  auto* inv = app.add_subcommand("inventory", "The inventory service (until SIGINT/SIGTERM)");
  auto* shop = app.add_subcommand("shop", "Place orders and wait for the inventory's answers");
  shop->add_option("--orders", s.orders)->capture_default_str();
  shop->add_option("--seconds", s.seconds, "Give up after this long")->capture_default_str();
  shop->add_flag("--json", s.json_out);
  auto* demo = app.add_subcommand("demo", "Both services in one process with an embedded broker");
  demo->add_option("--orders", s.orders)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);  // the embedded broker's info lines would drown the output
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto conn = open(s);
  if (!conn) return 1;
  if (*inv) return run_inventory(*conn, s);
  if (*shop) return run_shop(*conn, s);
  (void)demo;
  return run_demo(*conn, s);
}
