#!/usr/bin/env bash
# The load harness end to end on loopback, briefly: mcp-echo-upstream (JSON, then SSE answers) and warden-loadgen
# sending 200 tools/calls over 4 keep-alive connections; every answer must be checked right (exit 0, errors=0,
# ok=200). Then the same against a port where nothing listens must fail loudly. No timing is judged.
# Usage: load_harness_smoke.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start_upstream() {  # FORM -> sets port
  "$build/bench/load/mcp-echo-upstream" --port 0 --form "$1" > "$work/upstream-$1.log" 2>&1 &
  pids+=($!)
  for ((i = 0; i < 100; i++)); do
    port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/upstream-$1.log" 2>/dev/null || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "mcp-echo-upstream did not start"; cat "$work/upstream-$1.log"; return 1
}

for form in json sse; do
  start_upstream "$form"
  out=$("$build/bench/load/warden-loadgen" --url "http://127.0.0.1:$port/mcp" --connections 4 --requests 200 \
        --warmup 0 --duration 30 --label "smoke-$form")
  echo "$out"
  grep -q ' ok=200 errors=0 unsent=0 ' <<<"$out" || { echo "FAIL: expected 200 right answers ($form)"; exit 1; }
done

# Nothing listens on the port of a stopped upstream: the run must not pass.
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
if "$build/bench/load/warden-loadgen" --url "http://127.0.0.1:$port/mcp" --requests 10 --warmup 0 --duration 5 \
     --timeout-ms 1000 > "$work/down.out" 2> "$work/down.err"; then
  echo "FAIL: a run against a stopped upstream succeeded"; exit 1
fi
grep -q 'cannot open an MCP session' "$work/down.err" || { cat "$work/down.err"; exit 1; }
echo "load harness smoke: passed"
