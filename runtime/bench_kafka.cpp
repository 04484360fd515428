// `fluxo bench kafka-produce|kafka-consume`: librdkafka (the C library under kcat and
// confluent-kafka) against a broker's Kafka listener. 100-byte records by default,
// linger.ms=5, acks=1. The last line of output is one JSON object.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

#include "runtime/rdkafka_settings.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {
namespace {

using bench_clock = std::chrono::steady_clock;

struct kafka_bench_options {
  std::string mode;
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic;
  std::size_t record_size = 100;
  uint64_t records = 2'000'000;
  std::string acks = "1";
  int linger_ms = 5;
  bool json = false;
  std::vector<std::string> extra;  // -X key=value, as kcat takes them (security settings ...)
};

// The bench's settings followed by the user's -X ones (which win).
rdkafka_settings settings_of(const kafka_bench_options& o, rdkafka_settings base) {
  add_settings(base, o.extra);
  return base;
}

double since(bench_clock::time_point t0) { return std::chrono::duration<double>(bench_clock::now() - t0).count(); }


std::atomic<uint64_t> delivered{0};
std::atomic<uint64_t> failed{0};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    failed.fetch_add(1, std::memory_order_relaxed);
  } else {
    delivered.fetch_add(1, std::memory_order_relaxed);
  }
}

bool produce(const kafka_bench_options& o, double& seconds, std::string& error) {
  auto conf = make_rdkafka_conf(settings_of(o, {{"bootstrap.servers", o.bootstrap},
                                        {"linger.ms", std::to_string(o.linger_ms)},
                                        {"acks", o.acks},
                                        {"queue.buffering.max.messages", "1000000"},
                                        {"batch.size", "1000000"}}),
                        error);
  if (!conf) return false;
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    error = errstr;
    return false;
  }
  std::string value(o.record_size, 'x');
  auto t0 = bench_clock::now();
  for (uint64_t i = 0; i < o.records;) {
    auto err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o.topic.c_str()),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 10);
      continue;
    }
    if (err) {
      error = rd_kafka_err2str(err);
      rd_kafka_destroy(rk);
      return false;
    }
    ++i;
    if ((i & 0x3ff) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  seconds = since(t0);
  rd_kafka_destroy(rk);
  if (failed > 0 || delivered != o.records) {
    error = std::to_string(failed.load()) + " records failed, " + std::to_string(delivered.load()) + " delivered";
    return false;
  }
  return true;
}

bool consume(const kafka_bench_options& o, double& seconds, double& startup, uint64_t& count, std::string& error) {
  auto conf = make_rdkafka_conf(settings_of(o, {{"bootstrap.servers", o.bootstrap},
                                        {"group.id", "bench-" + std::to_string(::getpid())},
                                        {"auto.offset.reset", "earliest"},
                                        {"enable.auto.commit", "false"},
                                        {"fetch.max.bytes", "52428800"},
                                        {"max.partition.fetch.bytes", "4194304"}}),
                        error);
  if (!conf) return false;
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (!rk) {
    error = errstr;
    return false;
  }
  rd_kafka_poll_set_consumer(rk);
  auto* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, o.topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  // Messages are taken in batches from the consumer queue (what throughput-minded librdkafka
  // applications do). Like kafka-consumer-perf-test, the rate is timed from the first record, so
  // connecting and the first metadata round trip are reported apart (startup_s).
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> batch(10'000);
  const auto started = bench_clock::now();
  auto t0 = started;
  count = 0;
  while (count < o.records && since(started) < 120) {
    auto n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      if (!batch[i]->err) {
        if (count == 0) t0 = bench_clock::now();
        ++count;
      }
      rd_kafka_message_destroy(batch[i]);
    }
  }
  startup = std::chrono::duration<double>(t0 - started).count();
  seconds = since(t0);
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (count < o.records) {
    error = "consumed " + std::to_string(count) + " of " + std::to_string(o.records);
    return false;
  }
  return true;
}

int run(kafka_bench_options o) {
  if (o.topic.empty()) o.topic = "kbench-" + std::to_string(::getpid());
  nlohmann::json out;
  out["bench"] = o.mode;
  out["record_size"] = o.record_size;
  out["records"] = o.records;
  std::string error;
  double produce_s = 0;
  if (!produce(o, produce_s, error)) {
    std::cerr << "bench: produce failed: " << error << "\n";
    return 1;
  }
  if (o.mode == "kafka-produce") {
    out["records_per_s"] = static_cast<double>(o.records) / produce_s;
    out["mb_per_s"] = static_cast<double>(o.records * o.record_size) / 1e6 / produce_s;
  } else {
    double s = 0;
    double startup = 0;
    uint64_t n = 0;
    if (!consume(o, s, startup, n, error)) {
      std::cerr << "bench: consume failed: " << error << "\n";
      return 1;
    }
    out["records_per_s"] = static_cast<double>(n) / s;
    out["mb_per_s"] = static_cast<double>(n * o.record_size) / 1e6 / s;
    out["startup_s"] = startup;
  }
  std::cout << out.dump() << std::endl;
  return 0;
}

void add_mode(CLI::App& parent, const std::string& mode, const std::string& help) {
  auto o = std::make_shared<kafka_bench_options>();
  o->mode = mode;
  auto* cmd = parent.add_subcommand(mode, help);
  cmd->add_option("--bootstrap", o->bootstrap, "Kafka listener address")->capture_default_str();
  cmd->add_option("--topic", o->topic, "Topic (default: a fresh one, auto-created)");
  cmd->add_option("--record-size", o->record_size, "Value bytes per record")->capture_default_str();
  cmd->add_option("--records", o->records, "Records")->capture_default_str();
  cmd->add_option("--acks", o->acks, "0, 1 or -1/all")->capture_default_str();
  cmd->add_option("--linger-ms", o->linger_ms, "librdkafka linger.ms")->capture_default_str();
  cmd->add_option("-X", o->extra, "librdkafka setting key=value (repeatable), e.g. -X security.protocol=SASL_SSL");
  cmd->add_flag("--json", o->json, "JSON only (the last line is JSON in any case)");
  cmd->callback([o] { set_exit_code(run(*o)); });
}

}  // namespace

void add_bench_kafka(CLI::App& parent) {
  add_mode(parent, "kafka-produce", "librdkafka produce throughput against the Kafka listener");
  add_mode(parent, "kafka-consume", "librdkafka consume throughput (produces first, untimed)");
}

}  // namespace fluxo::cli
