#!/bin/bash
# Profiles warden-sidecar's request path and idle memory (docs/benchmarks.md, "Sidecar profile and optimizations").
# Not the load harness (bench/load): a profiling aid with two throwaway C tools, a keep-alive HTTP upstream that
# answers every request with a fixed JSON-RPC result (echo_upstream.c) and a keep-alive mTLS client
# (mtls_load.c). Prints:
#   - idle RSS of the sidecar started with file identity (wardenctl dev ca), from /proc/PID/status and smaps;
#   - instructions per tools/call under callgrind, one agent connection, closed loop: the I/O workers
#     (scheduler::run) and the receipt writer (ReceiptLog::run), the TLS handshake left out;
#   - system calls per tools/call (strace -c -f).
# usage: profile_sidecar.sh BUILD_DIR [WORK_DIR]   (a Release build with warden-sidecar and wardenctl)
set -euo pipefail
build=$(cd "$1" && pwd)
work=${2:-$(mktemp -d)}
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../../.." && pwd)
mkdir -p "$work" /dev/shm/warden-profile
cd "$work"
gcc -O2 -o echo_upstream "$here/echo_upstream.c"
gcc -O2 -o mtls_load "$here/mtls_load.c" -lssl -lcrypto -lpthread
rm -rf ca policy && mkdir policy
"$build/cli/wardenctl" dev ca --dir ./ca --trust-domain mcpwarden.example \
  --svid agent=spiffe://mcpwarden.example/ns/agents/sa/reader \
  --svid server=spiffe://mcpwarden.example/ns/tools/sa/files-mcp > /dev/null
"$build/cli/wardenctl" policy compile -f "$source_dir/examples/files-server/" > policy/bundle.json 2> /dev/null
receipts=/dev/shm/warden-profile/receipts.jsonl
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT
./echo_upstream 3901 & pids+=("$!")
client=(ca/agent/svid.pem ca/agent/svid_key.pem ca/agent/bundle.pem)
sidecar_args=(--svid-dir ./ca/server --upstream-port 3901 --policy-dir ./policy --receipts-path "$receipts" --port 8443
  --admin-port 9091 --listen-address 127.0.0.1 --admin-address 127.0.0.1)
wait_ready() { for _ in $(seq 120); do curl -sf -o /dev/null http://127.0.0.1:9091/readyz && return 0; sleep 1; done; return 1; }

echo "== idle RSS (file identity)"
rm -f "$receipts"
"$build/sidecar/warden-sidecar" "${sidecar_args[@]}" > /dev/null 2>&1 & pid=$!; pids+=("$pid")
wait_ready; sleep 2
grep -E "VmRSS|RssAnon|RssFile|Threads" "/proc/$pid/status"
awk '/^[0-9a-f]+-[0-9a-f]+ /{name=$6} /^Rss:/{rss[name]+=$2} END{for(n in rss) if(rss[n]>=256) print "  " rss[n] " kB " n}' \
  "/proc/$pid/smaps" | sort -k1 -rn

echo "== system calls per tools/call (1 connection, 4 s)"
timeout 8 strace -c -f -p "$pid" -o strace.txt 2> /dev/null & spid=$!
sleep 1
./mtls_load 127.0.0.1 8443 1 4 0 "${client[@]}" | tee strace.load
wait "$spid" || true
n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' strace.load)
awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { if ($4 / n >= 0.2) printf "  %-16s %.1f\n", $NF, $4 / n }' strace.txt
kill "$pid"; wait "$pid" 2> /dev/null || true

# Instructions of the request path in a callgrind file: I/O workers + receipt writer.
path_instructions() {
  callgrind_annotate --inclusive=yes "$1" 2> /dev/null | awk '
    /scheduler::run\(/ && !s { gsub(",", "", $1); s = $1 }
    /ReceiptLog::run\(\)/ && !r { gsub(",", "", $1); r = $1 }
    END { print s + 0, r + 0 }'
}
# callgrind ARGS...: the sidecar under callgrind with counting off until told; sets cg_pid.
callgrind() {
  rm -f "$receipts" "$work/$1".*
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/$1.%p" \
    "$build/sidecar/warden-sidecar" "${sidecar_args[@]}" > /dev/null 2> "$work/$1.log" & cg_pid=$!
  pids+=("$cg_pid")
  wait_ready
  ./mtls_load 127.0.0.1 8443 1 1 0 "${client[@]}" > /dev/null  # warm-up
}
stop_callgrind() { callgrind_control -i off "$cg_pid" > /dev/null; kill -INT "$cg_pid"; wait "$cg_pid" || true; }

echo "== instructions per TLS handshake (5 connections, no request)"
callgrind handshake
callgrind_control -i on "$cg_pid" > /dev/null
for _ in 1 2 3 4 5; do ./mtls_load 127.0.0.1 8443 1 0 0 "${client[@]}" > /dev/null; done
sleep 3
stop_callgrind
read -r hs_io _ < <(path_instructions "$work"/handshake.[0-9]*)
echo "  $((hs_io / 5)) per connection"

echo "== instructions per tools/call (callgrind, 1 connection, 30 s, handshake not counted)"
callgrind requests
MTLS_LOAD_PAUSE=8 ./mtls_load 127.0.0.1 8443 1 30 0 "${client[@]}" > requests.load & lpid=$!
sleep 6
callgrind_control -i on "$cg_pid" > /dev/null
wait "$lpid"
stop_callgrind
cat requests.load
n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' requests.load)
read -r io writer < <(path_instructions "$work"/requests.[0-9]*)
echo "  I/O workers $((io / n)), receipt writer $((writer / n)), total $(((io + writer) / n)) per call"
