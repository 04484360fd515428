// `fluxo bench produce|consume|e2e`: the native client against a broker process.
//
//   produce  send --records records of --record-size bytes to a fresh topic and wait for every
//            acknowledgement (--acks 0|1|-1 or none|leader|all)
//   consume  produce them first (untimed), then read them all back from the beginning
//   e2e      produce at --rate records/s while a consumer reads; latency = consume time minus
//            the record's timestamp (set at send time), reported as p50/p99/p999 in ms
// The last line of output is one JSON object.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

#include "actors/client/client.hpp"
#include "runtime/cli_common.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {
namespace {

using namespace fluxo::client;
using bench_clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct client_bench_options {
  std::string mode;
  fluxo::cli::common_options common;  // --broker, node port TLS
  std::string topic;
  int32_t partitions = 1;
  std::size_t record_size = 100;
  uint64_t records = 1'000'000;
  std::string acks = "1";
  uint64_t rate = 10'000;
  double seconds = 10;
  bool json = false;
};

double since(bench_clock::time_point t0) { return std::chrono::duration<double>(bench_clock::now() - t0).count(); }

int8_t parse_acks(const std::string& a) {
  if (a == "0" || a == "none") return 0;
  if (a == "-1" || a == "all") return -1;
  return 1;
}

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool produce_all(connection& conn, const client_bench_options& o, double& seconds) {
  producer_options po;
  po.acks = parse_acks(o.acks);
  auto producer = conn.make_producer(po);
  std::string value(o.record_size, 'x');
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + (i * 7) % 26);
  std::atomic<uint64_t> failed{0};
  auto t0 = bench_clock::now();
  for (uint64_t i = 0; i < o.records; ++i) {
    producer->send(o.topic, std::nullopt, value, {}, std::nullopt, [&failed](const delivery_report& r) {
      if (r.error_code != 0) failed.fetch_add(1, std::memory_order_relaxed);
    });
  }
  auto st = producer->flush(120s);
  seconds = since(t0);
  if (!st.ok() || failed > 0) {
    std::cerr << "bench: produce failed: " << (st.ok() ? std::to_string(failed.load()) + " records failed" : st.message) << "\n";
    return false;
  }
  return true;
}

int run_client_bench(client_bench_options o) {
  if (o.topic.empty()) o.topic = "bench-" + o.mode + "-" + std::to_string(::getpid());
  connection_options co;
  if (!fluxo::cli::fill_connection_options(o.common, co)) return 2;
  std::string err;
  auto conn = connection::open(co, &err);
  if (!conn) {
    std::cerr << "bench: " << err << "\n";
    return 1;
  }
  topic_config tc;
  tc.partitions = o.partitions;
  tc.retention_ms = -1;
  if (auto st = conn->create_topic(o.topic, tc); !st.ok()) {
    std::cerr << "bench: create topic " << o.topic << ": " << st.message << "\n";
    return 1;
  }
  nlohmann::json out;
  out["bench"] = o.mode;
  out["partitions"] = o.partitions;
  out["record_size"] = o.record_size;
  out["acks"] = static_cast<int>(parse_acks(o.acks));
  const double mb = 1e6;
  if (o.mode == "produce" || o.mode == "consume") {
    double produce_s = 0;
    if (!produce_all(*conn, o, produce_s)) return 1;
    out["records"] = o.records;
    if (o.mode == "produce") {
      out["records_per_s"] = static_cast<double>(o.records) / produce_s;
      out["mb_per_s"] = static_cast<double>(o.records * o.record_size) / mb / produce_s;
      out["seconds"] = produce_s;
    } else {
      consumer_options cfg;
      auto consumer = conn->make_consumer(cfg);
      std::vector<topic_partition> tps;
      for (int32_t p = 0; p < o.partitions; ++p) tps.push_back({o.topic, p});
      consumer->assign(tps);
      uint64_t seen = 0;
      uint64_t bytes = 0;
      auto t0 = bench_clock::now();
      while (seen < o.records && since(t0) < 120) {
        for (const auto& r : consumer->poll(100ms)) {
          ++seen;
          bytes += r.value ? r.value->size() : 0;
        }
      }
      double s = since(t0);
      if (seen != o.records) {
        std::cerr << "bench: consumed " << seen << " of " << o.records << " records\n";
        return 1;
      }
      out["records_per_s"] = static_cast<double>(seen) / s;
      out["mb_per_s"] = static_cast<double>(bytes) / mb / s;
      out["seconds"] = s;
    }
  } else {  // e2e
    producer_options po;
    po.acks = parse_acks(o.acks);
    po.linger = 0ms;
    auto producer = conn->make_producer(po);
    consumer_options cfg;
    cfg.fetch_max_wait_ms = 100;
    auto consumer = conn->make_consumer(cfg);
    std::vector<topic_partition> tps;
    for (int32_t p = 0; p < o.partitions; ++p) tps.push_back({o.topic, p});
    consumer->assign(tps);
    for (auto& tp : tps) consumer->seek_to_end(tp);
    std::vector<double> latencies_ms;
    const uint64_t total = static_cast<uint64_t>(static_cast<double>(o.rate) * o.seconds);
    latencies_ms.reserve(total);
    std::atomic<bool> done{false};
    std::thread reader([&] {
      auto t0 = bench_clock::now();
      while (latencies_ms.size() < total && since(t0) < o.seconds + 30) {
        for (const auto& r : consumer->poll(50ms)) {
          if (!r.value || r.value->size() < 20) continue;
          int64_t sent_us = std::stoll(r.value->substr(0, 20));
          latencies_ms.push_back(static_cast<double>(wall_us() - sent_us) / 1000.0);
        }
      }
      done = true;
    });
    std::this_thread::sleep_for(300ms);  // let the consumer's position settle at the end
    std::string pad(o.record_size > 20 ? o.record_size - 20 : 0, 'x');
    auto t0 = bench_clock::now();
    for (uint64_t i = 0; i < total; ++i) {
      auto due = t0 + std::chrono::nanoseconds(static_cast<int64_t>(1e9 * static_cast<double>(i) / static_cast<double>(o.rate)));
      std::this_thread::sleep_until(due);
      char stamp[32];
      std::snprintf(stamp, sizeof(stamp), "%020lld", static_cast<long long>(wall_us()));
      producer->send(o.topic, std::nullopt, std::string(stamp) + pad);
    }
    producer->flush(30s);
    reader.join();
    if (latencies_ms.empty()) {
      std::cerr << "bench: no records came back\n";
      return 1;
    }
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto pct = [&](double q) { return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<size_t>(q * static_cast<double>(latencies_ms.size())))]; };
    out["records"] = latencies_ms.size();
    out["rate"] = o.rate;
    out["p50_ms"] = pct(0.50);
    out["p99_ms"] = pct(0.99);
    out["p999_ms"] = pct(0.999);
    out["max_ms"] = latencies_ms.back();
  }
  conn->delete_topic(o.topic);
  if (!o.json) std::cout << out.dump(2) << "\n";
  std::cout << out.dump() << std::endl;
  return 0;
}

void add_mode(CLI::App& parent, const std::string& mode, const std::string& help) {
  auto o = std::make_shared<client_bench_options>();
  o->mode = mode;
  auto* cmd = parent.add_subcommand(mode, help);
  fluxo::cli::add_connection_options(cmd, o->common);
  cmd->add_option("--topic", o->topic, "Topic (default: a fresh one, deleted afterwards)");
  cmd->add_option("--partitions", o->partitions, "Partitions of the topic")->capture_default_str();
  cmd->add_option("--record-size", o->record_size, "Value bytes per record")->capture_default_str();
  cmd->add_option("--records", o->records, "Records (produce / consume)")->capture_default_str();
  cmd->add_option("--acks", o->acks, "0|none, 1|leader, -1|all")->capture_default_str();
  cmd->add_option("--rate", o->rate, "Records per second (e2e)")->capture_default_str();
  cmd->add_option("--seconds", o->seconds, "Duration (e2e)")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print only the JSON line");
  cmd->callback([o] { set_exit_code(run_client_bench(*o)); });
}

}  // namespace

void add_bench_client(CLI::App& parent) {
  add_mode(parent, "produce", "Produce throughput over the native client");
  add_mode(parent, "consume", "Consume throughput over the native client");
  add_mode(parent, "e2e", "End-to-end latency at a fixed rate");
}

}  // namespace fluxo::cli
