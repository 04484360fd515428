// Micro-benchmarks of the storage codec hot paths (Google Benchmark):
// CRC-32C hardware vs portable, building and validating/decoding RecordBatch v2.
// Run: build/bin/codec_bench [--benchmark_filter=Crc]
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "storage/crc32c.hpp"
#include "storage/record_batch.hpp"

using namespace fluxo::storage;

static std::vector<char> bytes_of(std::size_t n) {
  std::vector<char> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<char>(i * 131 + 7);
  return v;
}

static void BM_Crc32cHardware(benchmark::State& state) {
  auto data = bytes_of(static_cast<std::size_t>(state.range(0)));
  if (!crc32c_hardware_available()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_extend_hardware(0, data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32cHardware)->Arg(4096)->Arg(1 << 20);

static void BM_Crc32cPortable(benchmark::State& state) {
  auto data = bytes_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_extend_portable(0, data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32cPortable)->Arg(4096)->Arg(1 << 20);

static void BM_BuildBatch(benchmark::State& state) {
  const std::string value(100, 'v');
  const auto records = static_cast<std::size_t>(state.range(0));
  batch_builder b;
  for (auto _ : state) {
    for (std::size_t i = 0; i < records; ++i) b.append(1700000000000, std::nullopt, value);
    auto batch = b.build();
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BuildBatch)->Arg(100)->Arg(1000);

static void BM_ValidateAndDecode(benchmark::State& state) {
  const std::string value(100, 'v');
  batch_builder b;
  for (int i = 0; i < 1000; ++i) b.append(1700000000000 + i, "key-" + std::to_string(i), value);
  auto batch = *b.build();
  for (auto _ : state) {
    auto h = validate_batch(batch);
    std::size_t n = 0;
    auto r = for_each_record(batch, [&](const record_view&) {
      ++n;
      return true;
    });
    benchmark::DoNotOptimize(h);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ValidateAndDecode);

BENCHMARK_MAIN();
