#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for SECONDS each, from the seed corpus in
# tests/fuzz/corpus/<target> (copied: the run's new inputs stay in a temporary directory).
# Prints executions and coverage per target; exits 1 on a finding (the crashing input is kept
# in tests/fuzz/findings/, which is git-ignored) .
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS     (make fuzz FUZZ_SECONDS=600 for a long run)
set -euo pipefail
build=$1
seconds=$2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
findings="$root/tests/fuzz/findings"
status=0
for target in fuzz_kafka_request fuzz_sasl; do
  work=$(mktemp -d)
  [[ -d "$root/tests/fuzz/corpus/$target" ]] && cp "$root/tests/fuzz/corpus/$target"/* "$work"/ 2>/dev/null || true
  mkdir -p "$findings"
  log="$work.log"
  if ASAN_OPTIONS=detect_leaks=1 "$build/bin/$target" "$work" -max_total_time="$seconds" -max_len=4096 \
      -print_final_stats=1 -artifact_prefix="$findings/$target-" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $target: $runs executions in ${seconds}s, coverage $cov edges, no finding"
  else
    echo "fuzz: $target: FINDING (input kept in $findings)"
    tail -40 "$log"
    status=1
  fi
  rm -rf "$work" "$log"
done
exit $status
