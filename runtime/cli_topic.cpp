// `fluxo topic create|list|describe|alter|delete` and `fluxo produce|consume`: the native client
// from a terminal, against --broker HOST:PORT (the broker's CAF node address).
//
// Tables for people, `--json` for scripts. Exit codes: 0 ok, 1 the broker refused or failed
// (the message says what to do), 2 usage errors.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <unistd.h>
#include <string>

#include "actors/client/client.hpp"
#include "actors/common/kafka_error.hpp"
#include "actors/cluster/topic_registry.hpp"
#include "runtime/admin_json.hpp"
#include "runtime/cli_common.hpp"
#include "runtime/record_format.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {
namespace {

using namespace fluxo::client;
using namespace std::chrono_literals;

bool parse_configs(const std::vector<std::string>& kvs, std::map<std::string, std::string>& out) {
  for (const auto& kv : kvs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "error: --config takes key=value, got '" << kv << "'\n";
      return false;
    }
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return true;
}

void add_topic_commands(CLI::App& app) {
  auto common = std::make_shared<common_options>();
  auto* topic = app.add_subcommand("topic", "Create, list, describe, alter and delete topics");
  topic->require_subcommand(1);
  add_connection_options(topic, *common);
  topic->add_flag("--json", common->json, "JSON output");
  topic->fallthrough();

  struct create_opts {
    std::string name;
    int32_t partitions = 1;
    std::vector<std::string> configs;
    int32_t replication_factor = -1;
  };
  auto c = std::make_shared<create_opts>();
  auto* create = topic->add_subcommand("create", "Create a topic");
  create->add_option("name", c->name, "Topic name")->required();
  create->add_option("-p,--partitions", c->partitions, "Partitions")->capture_default_str();
  create->add_option("-r,--replication-factor", c->replication_factor,
                     "Replicas per partition (-1 = the cluster default, min(3, nodes))")
      ->capture_default_str();
  create->add_option("-c,--config", c->configs, "Topic config key=value (e.g. retention.ms=3600000), repeatable");
  create->callback([common, c] {
    actors::topic_config cfg;
    cfg.partitions = c->partitions;
    cfg.replication_factor = static_cast<int16_t>(c->replication_factor);
    std::map<std::string, std::string> entries;
    if (!parse_configs(c->configs, entries)) return set_exit_code(2);
    if (auto bad = actors::apply_config_map(cfg, entries)) {
      std::cerr << "error: " << *bad << "\n";
      return set_exit_code(2);
    }
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto st = conn->create_topic(c->name, cfg);
    if (st.ok()) std::cout << "created topic " << c->name << " with " << c->partitions << " partitions\n";
    set_exit_code(report(st, "create topic " + c->name));
  });

  auto* list = topic->add_subcommand("list", "List topics with partitions, messages and sizes");
  list->callback([common] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    status st;
    auto topics = conn->list_topics(&st);
    if (!st.ok()) return set_exit_code(report(st, "list topics"));
    if (common->json) {
      auto j = runtime::admin_json::array();
      for (const auto& t : topics) j.push_back(runtime::topic_summary_json(t));
      std::cout << j.dump() << "\n";
      return set_exit_code(0);
    }
    std::printf("%-40s %10s %14s %14s\n", "TOPIC", "PARTITIONS", "MESSAGES", "BYTES");
    for (const auto& t : topics) {
      auto j = runtime::topic_summary_json(t);
      std::printf("%-40s %10zu %14lld %14lld%s\n", t.name.c_str(), t.partitions.size(), static_cast<long long>(j["messages"]),
                  static_cast<long long>(j["size_bytes"]), t.internal ? "  (internal)" : "");
    }
    set_exit_code(0);
  });

  auto name = std::make_shared<std::string>();
  auto* describe = topic->add_subcommand("describe", "Partitions (watermarks, sizes, segments) and configs of a topic");
  describe->add_option("name", *name, "Topic name")->required();
  describe->callback([common, name] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto t = conn->describe_topic(*name);
    if (t.error_code != 0) return set_exit_code(report(status{t.error_code, "no such topic (see `fluxo topic list`)"}, "describe " + *name));
    if (common->json) {
      std::cout << runtime::topic_detail_json(t).dump() << "\n";
      return set_exit_code(0);
    }
    auto ids = [](const std::vector<int32_t>& v) {
      std::string out;
      for (auto n : v) out += (out.empty() ? "" : ",") + std::to_string(n);
      return out.empty() ? std::string("-") : out;
    };
    std::printf("topic %s\n%10s %8s %10s %10s %14s %14s %14s %9s\n", t.name.c_str(), "PARTITION", "LEADER", "REPLICAS", "ISR",
                "LOG START", "HIGH WATERMARK", "BYTES", "SEGMENTS");
    for (const auto& p : t.partitions) {
      const bool under = p.isr.size() < p.replicas.size();
      std::printf("%10d %8d %10s %10s %14lld %14lld %14lld %9d%s\n", p.partition, p.leader_node, ids(p.replicas).c_str(),
                  ids(p.isr).c_str(), static_cast<long long>(p.log_start_offset), static_cast<long long>(p.high_watermark),
                  static_cast<long long>(p.size_bytes), p.segments,
                  p.leader_node < 0 ? "  OFFLINE" : (under ? "  under-replicated" : ""));
    }
    std::printf("configs:\n");
    for (const auto& [k, v] : actors::to_config_map(t.config)) std::printf("  %s=%s\n", k.c_str(), v.c_str());
    set_exit_code(0);
  });

  auto alter_name = std::make_shared<std::string>();
  auto alter_cfgs = std::make_shared<std::vector<std::string>>();
  auto alter_parts = std::make_shared<int32_t>(0);
  auto* alter = topic->add_subcommand("alter", "Change topic configs or grow its partition count");
  alter->add_option("name", *alter_name, "Topic name")->required();
  alter->add_option("-c,--config", *alter_cfgs, "key=value to change, repeatable");
  alter->add_option("-p,--partitions", *alter_parts, "New (larger) partition count");
  alter->callback([common, alter_name, alter_cfgs, alter_parts] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    if (!alter_cfgs->empty()) {
      auto t = conn->describe_topic(*alter_name);
      if (t.error_code != 0) return set_exit_code(report(status{t.error_code, ""}, "alter " + *alter_name));
      std::map<std::string, std::string> entries;
      if (!parse_configs(*alter_cfgs, entries)) return set_exit_code(2);
      auto cfg = t.config;
      if (auto bad = actors::apply_config_map(cfg, entries)) {
        std::cerr << "error: " << *bad << "\n";
        return set_exit_code(2);
      }
      if (int rc = report(conn->alter_topic(*alter_name, cfg), "alter " + *alter_name)) return set_exit_code(rc);
    }
    if (*alter_parts > 0) {
      if (int rc = report(conn->grow_topic(*alter_name, *alter_parts), "grow " + *alter_name)) return set_exit_code(rc);
    }
    std::cout << "altered topic " << *alter_name << "\n";
    set_exit_code(0);
  });

  auto del_name = std::make_shared<std::string>();
  auto* del = topic->add_subcommand("delete", "Delete a topic and its data");
  del->add_option("name", *del_name, "Topic name")->required();
  del->callback([common, del_name] {
    auto conn = connect(*common);
    if (!conn) return set_exit_code(1);
    auto st = conn->delete_topic(*del_name);
    if (st.ok()) std::cout << "deleted topic " << *del_name << "\n";
    set_exit_code(report(st, "delete " + *del_name));
  });
}

// SIGINT/SIGTERM end `consume --follow` cleanly: the loop stops, commits and leaves the group.
std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) { interrupted = true; }

void add_produce_consume(CLI::App& app) {
  struct produce_opts {
    common_options common;
    std::string topic;
    std::string key_separator;
    std::vector<std::string> headers;
    std::string acks = "1";
  };
  auto p = std::make_shared<produce_opts>();
  auto* produce = app.add_subcommand("produce", "Send lines from stdin as records");
  produce->add_option("topic", p->topic, "Topic")->required();
  add_connection_options(produce, p->common);
  produce->add_option("-K,--key-separator", p->key_separator, "Split each line into key and value at this string");
  produce->add_option("-H,--header", p->headers, "Header k=v added to every record, repeatable");
  produce->add_option("--acks", p->acks, "0, 1 or all")->capture_default_str();
  produce->callback([p] {
    auto conn = connect(p->common);
    if (!conn) return set_exit_code(1);
    producer_options po;
    po.acks = p->acks == "all" || p->acks == "-1" ? -1 : (p->acks == "0" ? 0 : 1);
    auto prod = conn->make_producer(po);
    headers_t headers;
    for (const auto& h : p->headers) {
      auto eq = h.find('=');
      if (eq == std::string::npos) {
        std::cerr << "error: --header takes k=v, got '" << h << "'\n";
        return set_exit_code(2);
      }
      headers.emplace_back(h.substr(0, eq), h.substr(eq + 1));
    }
    std::atomic<uint64_t> failed{0};
    std::string first_error;
    std::mutex mtx;
    uint64_t sent = 0;
    std::string line;
    // Piped input on a terminal session: a progress line with the rate, once it takes a while.
    const bool progress = !::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO);
    const auto started = std::chrono::steady_clock::now();
    auto last_progress = started;
    auto show_progress = [&](bool final) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "\r%llu records sent, %.0f records/s, %llu awaiting acknowledgement%s",
                   static_cast<unsigned long long>(sent), s > 0 ? static_cast<double>(sent) / s : 0.0,
                   static_cast<unsigned long long>(prod->unacknowledged()), final ? "\n" : "   ");
    };
    while (std::getline(std::cin, line)) {
      std::optional<std::string> key;
      std::string value = line;
      if (!p->key_separator.empty()) {
        auto at = line.find(p->key_separator);
        if (at != std::string::npos) {
          key = line.substr(0, at);
          value = line.substr(at + p->key_separator.size());
        }
      }
      prod->send(p->topic, key, value, headers, std::nullopt, [&](const delivery_report& r) {
        if (r.error_code != 0) {
          std::lock_guard<std::mutex> g(mtx);
          if (failed++ == 0) first_error = std::string(actors::kafka_error_name(r.error_code)) + " " + r.error_message;
        }
      });
      ++sent;
      if (progress && (sent & 1023) == 0) {
        auto now = std::chrono::steady_clock::now();
        if (now - started > 1s && now - last_progress > 250ms) {
          last_progress = now;
          show_progress(false);
        }
      }
    }
    if (progress && last_progress != started) show_progress(true);
    auto st = prod->flush(60s);
    if (!st.ok()) return set_exit_code(report(st, "flush"));
    if (failed > 0) {
      std::cerr << "error: " << failed << " of " << sent << " records failed: " << first_error << "\n";
      return set_exit_code(1);
    }
    std::cerr << "produced " << sent << " records to " << p->topic << "\n";
    set_exit_code(0);
  });

  struct consume_opts {
    common_options common;
    std::string topic;
    std::string from = "beginning";
    std::string format;
    std::string decode = "text";
    std::string group;
    uint64_t max = 0;
    bool follow = false;
    int idle_ms = 1000;
  };
  auto c = std::make_shared<consume_opts>();
  auto* consume = app.add_subcommand("consume", "Print records as JSON lines");
  consume->add_option("topic", c->topic, "Topic")->required();
  add_connection_options(consume, c->common);
  consume->add_option("--from", c->from, "beginning | end | <offset> | @<timestamp ms>")->capture_default_str();
  consume->add_option("--format", c->format,
                      "Template instead of JSON: %k key, %v value, %p partition, %o offset, %t timestamp, %h headers, "
                      "%T topic, \\n \\t (like kcat)");
  consume->add_option("--decode", c->decode, "Value as text | json (embedded as JSON when it parses) | hex")
      ->check(CLI::IsMember({"text", "json", "hex"}))
      ->capture_default_str();
  consume->add_option("--group", c->group, "Consume as a member of this group (commits positions)");
  consume->add_option("--max", c->max, "Stop after this many records (0 = no limit)");
  consume->add_flag("--follow,-f", c->follow, "Keep waiting for new records");
  consume->callback([c] {
    auto conn = connect(c->common);
    if (!conn) return set_exit_code(1);
    auto info = conn->describe_topic(c->topic);
    if (info.error_code != 0) return set_exit_code(report(status{info.error_code, "no such topic"}, "consume " + c->topic));
    consumer_options co;
    co.group_id = c->group;
    if (c->max > 0) co.max_poll_records = std::min<std::size_t>(co.max_poll_records, c->max);
    auto cons = conn->make_consumer(co);
    if (!c->group.empty()) {
      cons->subscribe({c->topic});
    } else {
      std::vector<topic_partition> tps;
      for (const auto& part : info.partitions) tps.push_back({c->topic, part.partition});
      cons->assign(tps);
      for (const auto& tp : tps) {
        if (c->from == "end") {
          cons->seek_to_end(tp);
        } else if (c->from != "beginning") {
          try {
            if (c->from[0] == '@') {
              cons->seek_to_timestamp(tp, std::stoll(c->from.substr(1)));
            } else {
              cons->seek(tp, std::stoll(c->from));
            }
          } catch (...) {
            std::cerr << "error: --from takes beginning, end, an offset or @<timestamp ms>\n";
            return set_exit_code(2);
          }
        }
      }
    }
    uint64_t n = 0;
    auto idle_since = std::chrono::steady_clock::now();
    const auto started = idle_since;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    while (!interrupted) {
      auto records = cons->poll(200ms);
      if (auto st = cons->fatal_error(); !st.ok()) {
        cons->close();
        return set_exit_code(report(st, "consume " + c->topic));
      }
      const auto now = std::chrono::steady_clock::now();
      // In a group, "idle" counts from the moment partitions are assigned (joining takes a
      // rebalance, and a coordinator that just moved a moment more).
      const bool waiting_for_group = !c->group.empty() && cons->assignment().empty();
      if (!records.empty() || waiting_for_group) idle_since = now;
      if (waiting_for_group && !c->follow && now - started > 60s) {
        std::cerr << "error: no partitions assigned by group " << c->group << " within 60 s\n";
        cons->close();
        return set_exit_code(1);
      }
      std::size_t printed = 0;
      for (const auto& r : records) {
        if (c->format.empty()) {
          std::cout << runtime::record_json_line(r, c->decode) << "\n";
        } else {
          std::cout << runtime::record_template(r, c->format, c->decode);
        }
        ++printed;
        if (c->max > 0 && ++n >= c->max) break;
      }
      // Records polled but not printed stay unconsumed: the group's commit must not pass them.
      std::set<topic_partition> rewound;
      for (std::size_t i = printed; i < records.size(); ++i) {
        topic_partition tp{records[i].topic, records[i].partition};
        if (rewound.insert(tp).second) cons->seek(tp, records[i].offset);
      }
      std::cout.flush();
      if (c->max > 0 && n >= c->max) break;
      if (!c->follow && std::chrono::steady_clock::now() - idle_since > std::chrono::milliseconds(c->idle_ms)) break;
    }
    if (!c->group.empty()) cons->commit_sync();
    cons->close();
    set_exit_code(0);
  });
}

}  // namespace

void add_client_commands(CLI::App& app) {
  add_topic_commands(app);
  add_produce_consume(app);
}

}  // namespace fluxo::cli
