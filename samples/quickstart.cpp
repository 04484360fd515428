// quickstart: the native client in twenty lines. Produces keyed records to a topic and reads
// them back, against an embedded broker (default) or a running one (--broker host:port).
//
//   build/bin/quickstart                      # embedded broker in ./quickstart-data
//   build/bin/quickstart --broker 127.0.0.1:4242
#include <cstdio>
#include <cstring>
#include <string>

#include "actors/client/client.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  connection_options opts;
  opts.data_dir = "./quickstart-data";
  int count = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--broker") == 0) opts.broker = argv[i + 1];
    if (std::strcmp(argv[i], "--data-dir") == 0) opts.data_dir = argv[i + 1];
    if (std::strcmp(argv[i], "--count") == 0) count = std::atoi(argv[i + 1]);
  }
  std::string err;
  auto conn = connection::open(opts, &err);
  if (!conn) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  topic_config cfg;
  cfg.partitions = 3;
  auto created = conn->create_topic("greetings", cfg);
  if (!created.ok() && created.code != 36) {  // 36: already exists, fine on a rerun
    std::fprintf(stderr, "create topic: %s\n", created.message.c_str());
    return 1;
  }
  auto start = conn->list_offset({"greetings", 0}, -1).second + conn->list_offset({"greetings", 1}, -1).second +
               conn->list_offset({"greetings", 2}, -1).second;

  auto producer = conn->make_producer();
  for (int i = 0; i < count; ++i) {
    producer->send("greetings", "user-" + std::to_string(i % 10), "hello #" + std::to_string(i));
  }
  auto flushed = producer->flush(30s);
  if (!flushed.ok()) {
    std::fprintf(stderr, "flush: %s\n", flushed.message.c_str());
    return 1;
  }
  std::printf("produced %d records\n", count);

  auto consumer = conn->make_consumer();
  consumer->assign({{"greetings", 0}, {"greetings", 1}, {"greetings", 2}});
  int64_t seen = 0;
  for (int round = 0; round < 100 && seen < start + count; ++round) {
    for (const auto& r : consumer->poll(200ms)) {
      if (seen++ < 3) std::printf("%s/%d@%lld key=%s value=%s\n", r.topic.c_str(), r.partition,
                                  static_cast<long long>(r.offset), r.key ? r.key->c_str() : "null",
                                  r.value ? r.value->c_str() : "null");
    }
  }
  std::printf("consumed %lld records (expected %lld)\n", static_cast<long long>(seen), static_cast<long long>(start + count));
  return seen == start + count ? 0 : 1;
}
