#!/usr/bin/env bash
# Storage benchmark side by side with dd (same run, same disk): the figures quoted in issues.
# Usage: scripts/bench-storage.sh [build-dir] [runs]   (prints medians)
set -euo pipefail
build=${1:-build}
runs=${2:-3}
dir=$(mktemp -d "${FLUXO_BENCH_DIR:-/var/tmp}/fluxo-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.readlines()[-1])['$1'])"; }

dd_mbs=(); small=(); big=(); readmbs=(); reopen=()
for i in $(seq "$runs"); do
  dd_out=$(dd if=/dev/zero of="$dir/dd.bin" bs=1M count=1024 conv=fdatasync 2>&1 | tail -n 1)
  rm -f "$dir/dd.bin"
  dd_mbs+=("$(echo "$dd_out" | /usr/bin/python3 -c "
import re,sys; s=sys.stdin.read(); m=re.search(r'([0-9.,]+) s, ', s); print(round(1073741824/float(m.group(1).replace(',','.'))/1e6,1))")")
  r=$("$build/bin/fluxo" bench storage --dir "$dir/a" --record-size 100 --records 3000000 --json)
  small+=("$(echo "$r" | field append_records_per_s)"); readmbs+=("$(echo "$r" | field read_mb_per_s)")
  r=$("$build/bin/fluxo" bench storage --dir "$dir/b" --record-size 1024 --records 1000000 --flush none --json)
  big+=("$(echo "$r" | field append_mb_per_s)")
  r=$("$build/bin/fluxo" bench storage --dir "$dir/c" --record-size 100 --records 1200000 --segment-bytes 131072 --json)
  reopen+=("$(echo "$r" | field reopen_ms) $(echo "$r" | field segments)")
done
printf 'dd (1 GiB, fdatasync) MB/s:       %s\n' "$(printf '%s\n' "${dd_mbs[@]}" | median)"
printf '100 B append records/s:           %s\n' "$(printf '%s\n' "${small[@]}" | median)"
printf '1 KiB append MB/s (flush none):   %s\n' "$(printf '%s\n' "${big[@]}" | median)"
printf 'read-back MB/s:                   %s\n' "$(printf '%s\n' "${readmbs[@]}" | median)"
printf 'reopen ms (segments):             %s\n' "$(printf '%s\n' "${reopen[@]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')"
