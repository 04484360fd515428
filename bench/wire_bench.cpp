// Micro-benchmarks of the messages that cross node boundaries (actors/broker/msgpack_inspect.hpp):
// a replica fetch reply with 64 KiB and 1 MiB of records, encoded and decoded by the bridge, each
// side by side with the plain msgpack-c idiom it replaced (pack into an sbuffer and copy it out;
// unpack copying every byte string into msgpack's zone), so one run gives the ratio.
// Run: build/bin/wire_bench
#include <benchmark/benchmark.h>

#include "actors/broker/msgpack_inspect.hpp"

using fluxo::actors::replica_fetch_reply;

namespace {

replica_fetch_reply sample(std::size_t record_bytes) {
  replica_fetch_reply r;
  r.leader_epoch = 4;
  r.records.assign(record_bytes, 'x');
  r.high_watermark = 1 << 20;
  r.log_end_offset = 1 << 21;
  return r;
}

std::vector<char> sbuffer_encode(const replica_fetch_reply& x) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, x);
  return std::vector<char>(buf.data(), buf.data() + buf.size());
}

bool zone_decode(const std::vector<char>& bytes, replica_fetch_reply& x) {
  auto handle = msgpack::unpack(bytes.data(), bytes.size());
  handle.get().convert(x);
  return true;
}

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Encode(benchmark::State& state) {
  auto msg = sample(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto bytes = fluxo::wire::encode(msg);
    benchmark::DoNotOptimize(bytes.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_Encode)->Arg(64 << 10)->Arg(1 << 20);

void BM_EncodeViaSbuffer(benchmark::State& state) {
  auto msg = sample(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto bytes = sbuffer_encode(msg);
    benchmark::DoNotOptimize(bytes.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_EncodeViaSbuffer)->Arg(64 << 10)->Arg(1 << 20);

void BM_Decode(benchmark::State& state) {
  auto bytes = fluxo::wire::encode(sample(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    replica_fetch_reply got;
    benchmark::DoNotOptimize(fluxo::wire::decode(bytes, got));
    benchmark::DoNotOptimize(got.records.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_Decode)->Arg(64 << 10)->Arg(1 << 20);

void BM_DecodeViaZone(benchmark::State& state) {
  auto bytes = fluxo::wire::encode(sample(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    replica_fetch_reply got;
    benchmark::DoNotOptimize(zone_decode(bytes, got));
    benchmark::DoNotOptimize(got.records.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_DecodeViaZone)->Arg(64 << 10)->Arg(1 << 20);

}  // namespace

BENCHMARK_MAIN();
