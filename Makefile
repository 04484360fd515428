# fluxo — entry points. `make demo` and `make test` work on a fresh Debian 12 machine as root.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 20
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all deps build test test-asan demo bench-storage bench-broker bench-cluster bench-security fuzz clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Every test (ctest labels: storage, actors, kafka, cli, console, samples, integration, cluster, security;
# slow marks the multi-process fault scenarios).
# Run one area with e.g. `make test LABEL=storage`; leave some out with EXCLUDE=slow.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) $(if $(LABEL),-L '$(LABEL)',) $(if $(EXCLUDE),-LE '$(EXCLUDE)',)

$(BUILD_ASAN)/build.ninja:
	cmake -S . -B $(BUILD_ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLUXO_SANITIZE=ON -DFLUXO_BUILD_BENCH=OFF

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (tests/lsan.supp lists the
# dependency leaks LeakSanitizer is told to ignore, each with its reason).
test-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) $(if $(LABEL),-L '$(LABEL)',) $(if $(EXCLUDE),-LE '$(EXCLUDE)',)

# libFuzzer targets (clang, ASan + UBSan) for the Kafka request decoder and SASL/SCRAM, run for
# FUZZ_SECONDS each (CI: briefly; a long run: make fuzz FUZZ_SECONDS=3600). See tests/fuzz.
$(BUILD_FUZZ)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLUXO_FUZZ=ON \
	  -DFLUXO_BUILD_BENCH=OFF

fuzz: deps $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz_kafka_request fuzz_sasl
	scripts/fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

# The demo builds only what it runs (no tests, no benchmarks): a newcomer's first command is quick.
DEMO_TARGETS := fluxo durable_log quickstart orders

demo: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target $(DEMO_TARGETS)
	@scripts/demo.sh $(BUILD)

bench-storage: build
	@scripts/bench-storage.sh $(BUILD)

bench-broker: build
	@scripts/bench-broker.sh $(BUILD)

# The cluster's figures beside a single node's (docs/cluster.md): replicated produce rates,
# failover times, a drain, and no loss over injected faults.
bench-cluster: build
	/usr/bin/python3 bench/cluster_bench.py $(BUILD)/bin/fluxo

# TLS and SASL costs on one broker: PLAINTEXT vs SSL vs SASL_SSL throughput, login times.
bench-security: build
	/usr/bin/python3 bench/security_bench.py $(BUILD)/bin/fluxo

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
