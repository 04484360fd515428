#!/usr/bin/env bash
# Broker benchmarks over the native client and over the Kafka listener (librdkafka), beside
# redis-benchmark XADD in the same run.
# Usage: scripts/bench-broker.sh [build-dir] [runs]   (prints medians; installs redis if missing)
set -euo pipefail
build=${1:-build}
runs=${2:-3}
bin="$build/bin/fluxo"
dir=$(mktemp -d "${FLUXO_BENCH_DIR:-/var/tmp}/fluxo-bench-broker.XXXXXX")
broker=""; redis=""
cleanup() {
  [[ -n "$broker" ]] && kill -TERM "$broker" 2>/dev/null && wait "$broker" 2>/dev/null || true
  [[ -n "$redis" ]] && kill "$redis" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { /usr/bin/python3 -c "import json,sys; print(round(json.loads(sys.stdin.readlines()[-1])['$1'], 3))"; }

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
fi

"$bin" broker --data-dir "$dir/data" --node-addr 127.0.0.1:0 --kafka-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --ready-file "$dir/ready" --log-level warn \
  > "$dir/broker.log" 2>&1 &
broker=$!
for _ in $(seq 100); do [[ -s "$dir/ready" ]] && break; sleep 0.1; done
addr=$(head -n 1 "$dir/ready")
kafka=$(sed -n 2p "$dir/ready")

prod=(); prod_all=(); cons=(); kprod=(); kcons=(); kstart=(); p50=(); p99=(); p999=(); rss=()
for i in $(seq "$runs"); do
  r=$("$bin" bench produce --broker "$addr" --records 3000000 --acks 1 --json)
  prod+=("$(echo "$r" | field records_per_s)")
  rss+=("$(awk '/VmHWM/ {print int($2/1024)}' /proc/$broker/status)")
  r=$("$bin" bench produce --broker "$addr" --records 2000000 --acks -1 --json)
  prod_all+=("$(echo "$r" | field records_per_s)")
  r=$("$bin" bench consume --broker "$addr" --records 3000000 --json)
  cons+=("$(echo "$r" | field records_per_s)")
  r=$("$bin" bench e2e --broker "$addr" --rate 10000 --seconds 10 --json)
  p50+=("$(echo "$r" | field p50_ms)"); p99+=("$(echo "$r" | field p99_ms)"); p999+=("$(echo "$r" | field p999_ms)")
  r=$("$bin" bench kafka-produce --bootstrap "$kafka" --records 3000000 --json)
  kprod+=("$(echo "$r" | field records_per_s)")
  r=$("$bin" bench kafka-consume --bootstrap "$kafka" --records 3000000 --json)
  kcons+=("$(echo "$r" | field records_per_s)"); kstart+=("$(echo "$r" | field startup_s)")
done

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no > "$dir/redis.log" 2>&1 &
redis=$!
sleep 0.5
value=$(head -c 100 /dev/zero | tr '\0' 'x')
xadd=()
for i in $(seq "$runs"); do
  out=$(redis-benchmark -p "$port" -P 64 -n 1000000 -q XADD s '*' f "$value" 2>/dev/null | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1)
  xadd+=("$(echo "$out" | awk '{print $1}')")
  redis-cli -p "$port" DEL s >/dev/null
done

printf 'fluxo produce 100 B, acks=1   records/s: %s\n' "$(printf '%s\n' "${prod[@]}" | median)"
printf 'fluxo produce 100 B, acks=all records/s: %s\n' "$(printf '%s\n' "${prod_all[@]}" | median)"
printf 'fluxo consume 100 B           records/s: %s\n' "$(printf '%s\n' "${cons[@]}" | median)"
printf 'fluxo e2e @10k/s  p50/p99/p999 ms:       %s / %s / %s\n' "$(printf '%s\n' "${p50[@]}" | median)" \
  "$(printf '%s\n' "${p99[@]}" | median)" "$(printf '%s\n' "${p999[@]}" | median)"
printf 'fluxo broker peak RSS during produce MB:  %s\n' "$(printf '%s\n' "${rss[@]}" | median)"
printf 'kafka (librdkafka) produce 100 B, linger 5 ms, acks=1 records/s: %s\n' "$(printf '%s\n' "${kprod[@]}" | median)"
printf 'kafka (librdkafka) consume 100 B records/s: %s (startup %s s)\n' "$(printf '%s\n' "${kcons[@]}" | median)" \
  "$(printf '%s\n' "${kstart[@]}" | median)"
printf 'redis-benchmark -P 64 XADD     requests/s: %s\n' "$(printf '%s\n' "${xadd[@]}" | median)"
