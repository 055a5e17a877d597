#!/usr/bin/env bash
# Issue #6: warden-sidecar against nginx (the plain TLS proxy baseline) and against no proxy at all, in one run.
#
#   bench/sidecar_vs_nginx.sh BUILD_DIR [--duration S] [--warmup S] [--rounds N] [--out FILE] [...]  (--help)
#
# Everything runs on 127.0.0.1 from a temporary directory: a dev trust domain (wardenctl dev ca), the dev SPIFFE
# Workload API serving the sidecar's SVID, the 1,000-rule policy of bench/load/make_policy.sh compiled by wardenctl,
# bench's MCP echo upstream, nginx (bench/load/nginx.conf.template) and warden-sidecar (receipts on). The load
# generator (bench/load/load_generator) sends MCP tools/call requests (~1 KB arguments, a session header) over
# keep-alive connections, mutual TLS with a client SVID for nginx and the sidecar, and checks every answer.
#
# Scenarios, each run on the four paths back to back (direct, nginx, sidecar, sidecar-interval; the order rotates
# every round): closed loop with 1/8/64 connections, fixed-rate open loop at 1,000 and 5,000 requests/s (latency from
# the scheduled send time). "sidecar" is warden-sidecar as shipped (--receipts-sync=decision: every receipt
# fdatasync'ed before the call goes on); "sidecar-interval" is a second one with --receipts-sync=interval (receipts
# written before the call goes on, fdatasync'ed every --receipts-sync-interval in the background). Then: full TLS handshakes (a new connection per request), SVID rotation under load (a second
# sidecar whose Workload API rotates every TTL/2), and a short closed-loop run against the real
# @modelcontextprotocol/server-everything. CPU is utime+stime from /proc/PID/stat around each run, peak RSS VmHWM
# (reset through /proc/PID/clear_refs before each run; nginx: master + workers). Prints a markdown report.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  cat <<'EOF'
Options (defaults in brackets):
  --duration S            measured seconds per run [8]
  --warmup S              unmeasured seconds before each run [1]
  --rounds N              rounds of the interleaved scenarios; figures are medians over rounds [2]
  --connections "A B C"   closed-loop connection counts [1 8 64]
  --rates "R1 R2"         open-loop rates, requests/s [1000 5000]
  --open-connections N    connections of the open-loop runs [64]
  --handshake-seconds S   duration of the full-handshake runs [5]
  --handshake-connections N  concurrent connections in those runs [8]
  --rotation-seconds S    duration of the SVID-rotation run [16]
  --rotation-ttl D        SVID TTL of the rotating Workload API (rotates at half of it) [4s]
  --everything-seconds S  duration per path against server-everything; 0 skips it [8]
  --sidecar-threads N     warden-sidecar --threads [1]
  --sidecar-flags "F..."  more flags for every warden-sidecar started (word-split), e.g. "--max-connections 512"
  --sync-interval D       --receipts-sync-interval of the sidecar-interval path [100ms]
  --no-interval           leave out the sidecar-interval path
  --nginx-workers N       nginx worker_processes [1]
  --upstream-form F       echo upstream answers: json or sse [json]
  --message-bytes N       size of the echo tool's message argument [1024]
  --receipts-dir DIR      where the sidecars write receipts (e.g. /dev/shm: fdatasync costs nothing on tmpfs)
                          [the temporary directory, on the disk of /tmp]
  --pin                   pin the proxy under test to CPU 0, load generator and upstream to CPU 1 (useful on an
                          otherwise idle machine; on a shared one it confines us while others use both CPUs)
  --out FILE              also write the report to FILE
EOF
}

if [ $# -lt 1 ] || [ "$1" = --help ]; then usage; exit 64; fi
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
shift
duration=8 warmup=1 rounds=2 conn_list="1 8 64" rate_list="1000 5000" open_conns=64
hs_seconds=5 hs_conns=8 rot_seconds=16 rot_ttl=4s ev_seconds=8
sidecar_threads=1 nginx_workers=1 upstream_form=json pin=0 out="" message_bytes=1024 receipts_dir=""
sidecar_flags="" sync_interval=100ms with_interval=1
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --connections) conn_list=$2; shift ;;
    --rates) rate_list=$2; shift ;;
    --open-connections) open_conns=$2; shift ;;
    --handshake-seconds) hs_seconds=$2; shift ;;
    --handshake-connections) hs_conns=$2; shift ;;
    --rotation-seconds) rot_seconds=$2; shift ;;
    --rotation-ttl) rot_ttl=$2; shift ;;
    --everything-seconds) ev_seconds=$2; shift ;;
    --sidecar-threads) sidecar_threads=$2; shift ;;
    --sidecar-flags) sidecar_flags=$2; shift ;;
    --sync-interval) sync_interval=$2; shift ;;
    --no-interval) with_interval=0 ;;
    --nginx-workers) nginx_workers=$2; shift ;;
    --upstream-form) upstream_form=$2; shift ;;
    --message-bytes) message_bytes=$2; shift ;;
    --receipts-dir) receipts_dir=$2; shift ;;
    --pin) pin=1 ;;
    --out) out=$2; shift ;;
    --help) usage; exit 0 ;;
    *) echo "unknown option $1 (--help lists them)" >&2; exit 64 ;;
  esac
  shift
done

loadgen=$build/bench/load/warden-loadgen
echo_upstream=$build/bench/load/mcp-echo-upstream
sidecar=$build/sidecar/warden-sidecar
wardenctl=$build/cli/wardenctl
everything=$here/e2e/local/node_modules/@modelcontextprotocol/server-everything/dist/index.js
for bin in "$loadgen" "$echo_upstream" "$sidecar" "$wardenctl"; do
  [ -x "$bin" ] || { echo "missing $bin: build warden-loadgen mcp-echo-upstream warden-sidecar wardenctl" >&2; exit 1; }
done
command -v nginx >/dev/null || { echo "nginx is missing: scripts/setup.sh installs nginx-light" >&2; exit 1; }
if [ "$ev_seconds" != 0 ] && [ ! -f "$everything" ]; then
  echo "server-everything is missing (scripts/setup.sh runs npm ci in e2e/local): skipping that run" >&2
  ev_seconds=0
fi

work=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  if [ -n "$receipts_dir" ]; then rm -f "$receipts_dir"/receipts-*-$$.jsonl; fi
}
trap cleanup EXIT
log() { echo "[$(date +%T)] $*" >&2; }

# --- CPU placement ----------------------------------------------------------------------------------------------
# Prefixes, not functions: a background function would leave $! pointing at a subshell, not at the process.
proxy_cpu="" load_cpu="" on_proxy_cpu=() on_load_cpu=()
if [ "$pin" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  proxy_cpu=0 load_cpu=1 on_proxy_cpu=(taskset -c 0) on_load_cpu=(taskset -c 1)
fi

# --- processes --------------------------------------------------------------------------------------------------
free_port() {
  local port
  for ((i = 0; i < 100; i++)); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}
# shellcheck source-path=SCRIPTDIR/.. source=e2e/local/stack.sh
source "$here/e2e/local/stack.sh"  # for stack_wait WHAT TRIES COMMAND... (bounded wait until COMMAND succeeds)
wait_for() { stack_wait "$@"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

td=bench.example
loadgen_id=spiffe://$td/ns/bench/sa/loadgen
server_id=spiffe://$td/ns/tools/sa/bench
ca=$work/ca
client_tls=(--cert "$ca/loadgen/svid.pem" --key "$ca/loadgen/svid_key.pem" --ca "$ca/loadgen/bundle.pem")

start_workload_api() {  # SOCKET TTL -> WORKLOAD_PID
  "$wardenctl" dev workload-api --ca-dir "$ca" --socket "$1" --spiffe-id "$server_id" --ttl "$2" \
    > "$1.log" 2>&1 &
  WORKLOAD_PID=$!
  PIDS+=("$WORKLOAD_PID")
  wait_for "the dev Workload API" 100 test -S "$1"
}

start_echo_upstream() {  # -> ECHO_PORT ECHO_PID
  "${on_load_cpu[@]}" "$echo_upstream" --port 0 --form "$upstream_form" > "$work/echo-upstream.log" 2>&1 &
  ECHO_PID=$!
  PIDS+=("$ECHO_PID")
  wait_for "mcp-echo-upstream" 100 grep -q '^listening on' "$work/echo-upstream.log"
  ECHO_PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/echo-upstream.log")
}

start_nginx() {  # NAME UPSTREAM_PORT -> NGINX_PORT NGINX_PID
  local dir=$work/nginx-$1
  mkdir -p "$dir"
  NGINX_PORT=$(free_port)
  sed -e "s|@WORKERS@|$nginx_workers|; s|@DIR@|$dir|g; s|@UPSTREAM_PORT@|$2|g; s|@PORT@|$NGINX_PORT|" \
      -e "s|@CERT@|$ca/nginx/svid.pem|; s|@KEY@|$ca/nginx/svid_key.pem|; s|@CA@|$ca/nginx/bundle.pem|" \
      "$here/bench/load/nginx.conf.template" > "$dir/nginx.conf"
  "${on_proxy_cpu[@]}" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" > "$dir/stdout.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_for "nginx" 100 port_open "$NGINX_PORT" || { cat "$dir/error.log" >&2; return 1; }
}

start_sidecar() {  # NAME UPSTREAM_PORT SOCKET [FLAGS...] -> SIDECAR_PORT SIDECAR_ADMIN SIDECAR_PID
  local dir=$work/sidecar-$1 extra=()
  mkdir -p "$dir"
  read -r -a extra <<<"$sidecar_flags"
  extra+=("${@:4}")
  SIDECAR_PORT=$(free_port)
  SIDECAR_ADMIN=$(free_port)
  "${on_proxy_cpu[@]}" "$sidecar" --listen-address 127.0.0.1 --port "$SIDECAR_PORT" \
    --admin-address 127.0.0.1 --admin-port "$SIDECAR_ADMIN" --upstream-port "$2" \
    --spiffe-endpoint-socket "unix://$3" --policy-dir "$work/policy" \
    --receipts-path "${receipts_dir:-$dir}/receipts-$1-$$.jsonl" --receipts-stdout false --threads "$sidecar_threads" \
    "${extra[@]}" > "$dir/sidecar.log" 2>&1 &
  SIDECAR_PID=$!
  PIDS+=("$SIDECAR_PID")
  wait_for "warden-sidecar to be ready" 300 curl -sf "http://127.0.0.1:$SIDECAR_ADMIN/readyz" ||
    { tail -20 "$dir/sidecar.log" >&2; return 1; }
}

# --- /proc sampling ---------------------------------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
family() {  # PID -> the PID and its descendants (nginx: master and workers)
  local child
  echo "$1"
  for child in $(pgrep -P "$1" || true); do family "$child"; done
}
cpu_ticks() {  # PIDS... -> utime+stime, summed
  local pid total=0 fields
  for pid in "$@"; do
    fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + $(awk '{print $12 + $13}' <<<"$fields")))
  done
  echo "$total"
}
status_kib() {  # FIELD PIDS... -> the /proc/PID/status field (kB), summed
  local field=$1 pid total=0
  shift
  for pid in "$@"; do
    total=$((total + $(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
reset_peak_rss() { local pid; for pid in "$@"; do echo 5 > "/proc/$pid/clear_refs" 2>/dev/null || true; done; }
metric() {  # ADMIN_PORT NAME -> the sample's value
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'
}

# --- one measured run -------------------------------------------------------------------------------------------
results=$work/results.txt
: > "$results"
url_of() {  # PATH -> URL (the current processes)
  case $1 in
    direct) echo "http://127.0.0.1:$UPSTREAM_PORT/mcp" ;;
    nginx) echo "https://127.0.0.1:$NGINX_PORT/mcp" ;;
    sidecar) echo "https://127.0.0.1:$SIDECAR_PORT/mcp" ;;
    sidecar-interval) echo "https://127.0.0.1:$INTERVAL_PORT/mcp" ;;
  esac
}
proxy_pid_of() {
  case $1 in
    direct) echo "" ;;
    nginx) echo "$NGINX_PID" ;;
    sidecar) echo "$SIDECAR_PID" ;;
    sidecar-interval) echo "$INTERVAL_PID" ;;
  esac
}
run_load() {  # SCENARIO PATH ROUND LOADGEN-ARGS... : one loadgen run, recorded in $results with the proxy's cost
  local scenario=$1 path=$2 round=$3
  shift 3
  local url proxy pids=() tls=() before after line
  url=$(url_of "$path")
  proxy=$(proxy_pid_of "$path")
  [ -n "$proxy" ] && mapfile -t pids < <(family "$proxy")
  [ "$path" != direct ] && tls=("${client_tls[@]}")
  reset_peak_rss "${pids[@]}"
  before=$(cpu_ticks "${pids[@]}")
  line=$("${on_load_cpu[@]}" "$loadgen" --url "$url" "${tls[@]}" --warmup "$warmup" --message-bytes "$message_bytes" --label "$scenario/$path" "$@" \
           2> "$work/last-loadgen.err" | grep '^RESULT ' || true)
  after=$(cpu_ticks "${pids[@]}")
  if [ -z "$line" ]; then
    cat "$work/last-loadgen.err" >&2
    line="RESULT label=$scenario/$path ok=0 errors=1 unsent=0 rps=0 error_kinds=loadgen_failed"
  fi
  local hwm=0
  [ ${#pids[@]} -gt 0 ] && hwm=$(status_kib VmHWM "${pids[@]}")
  echo "scenario=$scenario path=$path round=$round ${line#RESULT } proxy_cpu_ticks=$((after - before)) proxy_hwm_kib=$hwm" \
    >> "$results"
  log "$scenario $path (round $round): $(grep -o ' rps=[^ ]*' <<<"$line") $(grep -o 'p99_ms=[^ ]*' <<<"$line") $(grep -o 'errors=[^ ]*' <<<"$line") $(grep -o 'unsent=[^ ]*' <<<"$line")"
  if grep -q 'ERRORS' "$work/last-loadgen.err"; then sed -n '/ERRORS/,$p' "$work/last-loadgen.err" >&2; fi
}

# --- set-up -----------------------------------------------------------------------------------------------------
log "dev trust domain, Workload API, 1,000-rule policy, echo upstream, nginx, warden-sidecar (work dir $work)"
"$wardenctl" dev ca --dir "$ca" --trust-domain "$td" --svid "loadgen=$loadgen_id" \
  --svid "nginx=spiffe://$td/ns/tools/sa/nginx" > "$work/ca.log" 2>&1 || { cat "$work/ca.log" >&2; exit 1; }
start_workload_api "$work/workload.sock" 1h
main_api=$WORKLOAD_PID
"$here/bench/load/make_policy.sh" "$work/policy-src" "$td" "$loadgen_id" "$server_id" 1000
mkdir -p "$work/policy"
"$wardenctl" policy compile -f "$work/policy-src" > "$work/policy/bundle.json" 2> "$work/policy-compile.log"
sha256sum "$work/policy/bundle.json" | cut -d' ' -f1 > "$work/policy/policyVersion"
policy_rules=$(grep -o '"effect":"' "$work/policy/bundle.json" | wc -l)

start_echo_upstream
UPSTREAM_PORT=$ECHO_PORT
start_nginx echo "$UPSTREAM_PORT"
paths=(direct nginx sidecar)
if [ "$with_interval" = 1 ]; then
  start_sidecar interval "$UPSTREAM_PORT" "$work/workload.sock" --receipts-sync interval \
    --receipts-sync-interval "$sync_interval"
  INTERVAL_PORT=$SIDECAR_PORT INTERVAL_ADMIN=$SIDECAR_ADMIN INTERVAL_PID=$SIDECAR_PID
  paths+=(sidecar-interval)
fi
start_sidecar echo "$UPSTREAM_PORT" "$work/workload.sock"
sleep 2  # let start-up settle before reading the idle footprint
mapfile -t nginx_pids < <(family "$NGINX_PID")
sidecar_idle_kib=$(status_kib VmRSS "$SIDECAR_PID")
nginx_idle_kib=$(status_kib VmRSS "${nginx_pids[@]}")
sidecar_thread_count=$(status_kib Threads "$SIDECAR_PID")
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# --- interleaved scenarios --------------------------------------------------------------------------------------
scenarios=()
for c in $conn_list; do scenarios+=("closed-$c"); done
for r in $rate_list; do scenarios+=("open-$r"); done
for ((round = 1; round <= rounds; round++)); do
  for scenario in "${scenarios[@]}"; do
    for ((k = 0; k < ${#paths[@]}; k++)); do
      path=${paths[$(((k + round - 1) % ${#paths[@]}))]}
      case $scenario in
        closed-*) run_load "$scenario" "$path" "$round" --mode closed --connections "${scenario#closed-}" \
                    --duration "$duration" ;;
        open-*) run_load "$scenario" "$path" "$round" --mode open --rate "${scenario#open-}" \
                  --connections "$open_conns" --duration "$duration" ;;
      esac
    done
  done
done

# --- full TLS handshakes ----------------------------------------------------------------------------------------
for path in nginx sidecar; do
  run_load handshake "$path" 1 --mode closed --connections "$hs_conns" --new-connection-per-request \
    --duration "$hs_seconds"
done
stop_pid "$SIDECAR_PID"
if [ "$with_interval" = 1 ]; then
  interval_syncs=$(metric "$INTERVAL_ADMIN" warden_receipt_syncs_total)
  stop_pid "$INTERVAL_PID"
fi
if ! kill -0 "$main_api" 2>/dev/null; then
  log "WARNING: the dev Workload API of the main runs exited during them (the sidecar kept its SVID):"
  tail -5 "$work/workload.sock.log" >&2
fi

# --- SVID rotation under load -----------------------------------------------------------------------------------
log "SVID rotation: a Workload API with --ttl $rot_ttl (rotation every TTL/2) and a fresh sidecar"
start_workload_api "$work/rotating.sock" "$rot_ttl"
rotating_api=$WORKLOAD_PID
start_sidecar rotating "$UPSTREAM_PORT" "$work/rotating.sock"
updates_before=$(metric "$SIDECAR_ADMIN" warden_svid_updates_total)
# New connections during the rotations (one at a time), alongside the keep-alive load.
"${on_load_cpu[@]}" "$loadgen" --url "$(url_of sidecar)" "${client_tls[@]}" --mode closed --connections 1 \
  --new-connection-per-request --warmup "$warmup" --duration "$rot_seconds" --label rotation-handshakes \
  > "$work/rotation-handshakes.out" 2> "$work/rotation-handshakes.err" &
handshakes_pid=$!
run_load rotation sidecar 1 --mode open --rate "$(awk '{print $1}' <<<"$rate_list")" --connections "$open_conns" \
  --duration "$rot_seconds"
wait "$handshakes_pid" || true
sed 's/^RESULT /scenario=rotation-handshakes path=sidecar round=1 /' "$work/rotation-handshakes.out" >> "$results"
updates_after=$(metric "$SIDECAR_ADMIN" warden_svid_updates_total)
rotations=$(awk -v a="${updates_after:-0}" -v b="${updates_before:-0}" 'BEGIN {print a - b}')
stop_pid "$SIDECAR_PID"
stop_pid "$rotating_api"
stop_pid "$NGINX_PID"
stop_pid "$ECHO_PID"

# --- the real server-everything ---------------------------------------------------------------------------------
if [ "$ev_seconds" != 0 ]; then
  log "server-everything (node) as the upstream"
  UPSTREAM_PORT=$(free_port)
  env -i PATH="$PATH" PORT="$UPSTREAM_PORT" "${on_load_cpu[@]}" node --import "$here/e2e/local/loopback.mjs" "$everything" streamableHttp > "$work/everything.log" 2>&1 &
  everything_pid=$!
  PIDS+=("$everything_pid")
  wait_for "server-everything" 200 port_open "$UPSTREAM_PORT"
  start_nginx everything "$UPSTREAM_PORT"
  start_workload_api "$work/everything.sock" 1h
  start_sidecar everything "$UPSTREAM_PORT" "$work/everything.sock"
  for path in direct nginx sidecar; do
    run_load everything "$path" 1 --mode closed --connections 8 --duration "$ev_seconds"
  done
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -----------------------------------------------------------------------------------------------------
field() {  # SCENARIO PATH KEY -> the median over rounds (empty if never run; latencies empty without answers)
  grep "^scenario=$1 path=$2 " "$results" | { if [[ $3 == *_ms ]]; then grep -v ' ok=0 '; else cat; fi; } |
    grep -o " $3=[^ ]*" | cut -d= -f2 | sort -g |
    awk '{v[NR] = $1} END {if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
errors_of() {  # SCENARIO PATH -> errors + unsent, summed over rounds
  grep "^scenario=$1 path=$2 " "$results" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(errors|unsent)=/) {split($i, kv, "="); n += kv[2]}} END {print n + 0}'
}
is_number() { [[ $1 =~ ^[-+]?[0-9]+(\.[0-9]+)?$ ]]; }
fmt() { if is_number "$1"; then printf "%.${2:-0}f" "$1"; else printf "n/a"; fi; }
ratio() { if is_number "$1" && is_number "$2"; then awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "n/a"; else printf "%.2f", a / b}'; else echo n/a; fi; }
minus() { if is_number "$1" && is_number "$2"; then awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.3f", a - b}'; else echo n/a; fi; }
mib() { awk -v k="$1" 'BEGIN {if (k == "" || k == 0) print "n/a"; else printf "%.1f", k / 1024}'; }
cpu_per_1k() {  # SCENARIO PATH -> proxy CPU seconds per 1,000 right answers
  local ticks ok
  ticks=$(field "$1" "$2" proxy_cpu_ticks)
  ok=$(field "$1" "$2" ok)
  awk -v t="$ticks" -v n="$ok" -v hz="$clk_tck" 'BEGIN {if (t == "" || n == "" || n == 0) print "n/a"; else printf "%.3f", t / hz / n * 1000}'
}
with_errors() {  # VALUE SCENARIO PATH -> the value, flagged when the runs behind it had errors
  local e
  e=$(errors_of "$2" "$3")
  if [ "$e" -gt 0 ]; then echo "$1 **($e ERRORS)**"; else echo "$1"; fi
}
latencies() {  # SCENARIO PATH
  with_errors "$(fmt "$(field "$1" "$2" p50_ms)" 3) / $(fmt "$(field "$1" "$2" p90_ms)" 3) / $(fmt "$(field "$1" "$2" p99_ms)" 3) / $(fmt "$(field "$1" "$2" p999_ms)" 3)" "$1" "$2"
}
verdict() { awk -v ok="$1" 'BEGIN {print (ok == 1 ? "met" : "**missed**")}'; }
le() { if is_number "$1" && is_number "$2"; then awk -v a="$1" -v b="$2" 'BEGIN {print (a + 0 <= b + 0) ? 1 : 0}'; else echo 0; fi; }

# The sidecar-interval path beside the shipped sidecar (same runs, same rounds).
interval_report() {
  local r c p
  echo "warden-sidecar with --receipts-sync=interval --receipts-sync-interval $sync_interval (receipts written before each"
  echo "call goes on, fdatasync'ed in the background: a node crash can lose the last interval's receipts, a process"
  echo "kill none), beside the default --receipts-sync=decision; ${interval_syncs:-n/a} background fdatasync(s) in all:"
  echo
  echo "| | nginx | warden-sidecar (decision) | sidecar-interval | interval/nginx |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for c in $conn_list; do
    echo "| closed loop, $c connection(s): requests/s | $(with_errors "$(fmt "$(field "closed-$c" nginx rps)")" "closed-$c" nginx) |" \
         "$(with_errors "$(fmt "$(field "closed-$c" sidecar rps)")" "closed-$c" sidecar) |" \
         "$(with_errors "$(fmt "$(field "closed-$c" sidecar-interval rps)")" "closed-$c" sidecar-interval) |" \
         "$(ratio "$(field "closed-$c" sidecar-interval rps)" "$(field "closed-$c" nginx rps)") |"
  done
  for r in $rate_list; do
    echo "| $r req/s: p50 / p90 / p99 / p99.9 ms | $(latencies "open-$r" nginx) | $(latencies "open-$r" sidecar) |" \
         "$(latencies "open-$r" sidecar-interval) | p99 $(ratio "$(field "open-$r" sidecar-interval p99_ms)" "$(field "open-$r" nginx p99_ms)") |"
    for p in p50 p99 p999; do
      echo "| $r req/s: added $p over direct, ms | $(minus "$(field "open-$r" nginx ${p}_ms)" "$(field "open-$r" direct ${p}_ms)") |" \
           "$(minus "$(field "open-$r" sidecar ${p}_ms)" "$(field "open-$r" direct ${p}_ms)") |" \
           "$(minus "$(field "open-$r" sidecar-interval ${p}_ms)" "$(field "open-$r" direct ${p}_ms)") | |"
    done
    echo "| $r req/s: proxy CPU s per 1,000 requests | $(with_errors "$(cpu_per_1k "open-$r" nginx)" "open-$r" nginx) |" \
         "$(with_errors "$(cpu_per_1k "open-$r" sidecar)" "open-$r" sidecar) |" \
         "$(with_errors "$(cpu_per_1k "open-$r" sidecar-interval)" "open-$r" sidecar-interval) |" \
         "$(ratio "$(cpu_per_1k "open-$r" sidecar-interval)" "$(cpu_per_1k "open-$r" nginx)") |"
    echo "| $r req/s: peak RSS MiB | $(mib "$(field "open-$r" nginx proxy_hwm_kib)") | $(mib "$(field "open-$r" sidecar proxy_hwm_kib)") |" \
         "$(mib "$(field "open-$r" sidecar-interval proxy_hwm_kib)") | |"
  done
  echo
}

report() {
  local total_errors
  total_errors=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(errors|unsent)=/) {split($i, kv, "="); n += kv[2]}} END {print n + 0}' "$results")
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown);" \
       "machine: $(nproc) vCPU $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB," \
       "Linux $(uname -r), $(nginx -v 2>&1 | sed 's/^nginx version: //'), node $(node --version 2>/dev/null || echo absent);" \
       "load average $load_start at the start, $load_end at the end (other work shares this machine when it is high)."
  echo
  if [ "$total_errors" -gt 0 ]; then
    echo "**THIS RUN HAD ERRORS: $total_errors requests failed or were never sent. Figures flagged below.**"
    echo
  fi
  echo "Setup: ${duration} s measured per run after ${warmup} s warm-up, median of $rounds interleaved round(s);" \
       "tools/call of \`echo\` with a $message_bytes B message, MCP session header, every answer checked;" \
       "open loops over $open_conns connections. Upstream: mcp-echo-upstream ($upstream_form answers)." \
       "nginx: $nginx_workers worker process(es). warden-sidecar: --threads $sidecar_threads" \
       "($sidecar_thread_count threads in all)${sidecar_flags:+, $sidecar_flags}, $policy_rules-rule policy, receipts on (--receipts-sync=decision: fdatasync per decision; in ${receipts_dir:-the temporary directory under ${TMPDIR:-/tmp}})." \
       "$(if [ -n "$proxy_cpu" ]; then echo "Pinned: nginx and warden-sidecar on CPU $proxy_cpu, load generator and upstream on CPU $load_cpu."; else echo "Not pinned."; fi)"
  echo
  echo "| | direct | nginx | warden-sidecar | sidecar/nginx |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for c in $conn_list; do
    local d n s
    d=$(field "closed-$c" direct rps) n=$(field "closed-$c" nginx rps) s=$(field "closed-$c" sidecar rps)
    echo "| closed loop, $c connection(s): requests/s | $(with_errors "$(fmt "$d")" "closed-$c" direct) |" \
         "$(with_errors "$(fmt "$n")" "closed-$c" nginx) | $(with_errors "$(fmt "$s")" "closed-$c" sidecar) | $(ratio "$s" "$n") |"
  done
  for r in $rate_list; do
    echo "| $r req/s: p50 / p90 / p99 / p99.9 ms | $(latencies "open-$r" direct) | $(latencies "open-$r" nginx) |" \
         "$(latencies "open-$r" sidecar) | p99 $(ratio "$(field "open-$r" sidecar p99_ms)" "$(field "open-$r" nginx p99_ms)") |"
    echo "| $r req/s: achieved req/s | $(fmt "$(field "open-$r" direct rps)") | $(fmt "$(field "open-$r" nginx rps)") |" \
         "$(fmt "$(field "open-$r" sidecar rps)") | |"
  done
  for r in $rate_list; do
    echo "| $r req/s: proxy CPU s per 1,000 requests | — | $(with_errors "$(cpu_per_1k "open-$r" nginx)" "open-$r" nginx) |" \
         "$(with_errors "$(cpu_per_1k "open-$r" sidecar)" "open-$r" sidecar) |" \
         "$(ratio "$(cpu_per_1k "open-$r" sidecar)" "$(cpu_per_1k "open-$r" nginx)") |"
  done
  local last_conn
  last_conn=$(awk '{print $NF}' <<<"$conn_list")
  echo "| closed loop, $last_conn connections: proxy CPU s per 1,000 requests | — |" \
       "$(with_errors "$(cpu_per_1k "closed-$last_conn" nginx)" "closed-$last_conn" nginx) |" \
       "$(with_errors "$(cpu_per_1k "closed-$last_conn" sidecar)" "closed-$last_conn" sidecar) | $(ratio "$(cpu_per_1k "closed-$last_conn" sidecar)" "$(cpu_per_1k "closed-$last_conn" nginx)") |"
  for r in $rate_list; do
    echo "| $r req/s: peak RSS MiB | — | $(mib "$(field "open-$r" nginx proxy_hwm_kib)") |" \
         "$(mib "$(field "open-$r" sidecar proxy_hwm_kib)") | |"
  done
  local peak_n=0 peak_s=0 v
  for scenario in "${scenarios[@]}"; do
    v=$(field "$scenario" nginx proxy_hwm_kib); [ -n "$v" ] && [ "${v%.*}" -gt "$peak_n" ] && peak_n=${v%.*}
    v=$(field "$scenario" sidecar proxy_hwm_kib); [ -n "$v" ] && [ "${v%.*}" -gt "$peak_s" ] && peak_s=${v%.*}
  done
  echo "| peak RSS MiB, any run above | — | $(mib "$peak_n") | $(mib "$peak_s") | $(ratio "$peak_s" "$peak_n") |"
  echo "| idle RSS MiB (after start-up, before load) | — | $(mib "$nginx_idle_kib") | $(mib "$sidecar_idle_kib") | |"
  echo "| full TLS handshakes/s ($hs_conns connections, new connection per request) | — |" \
       "$(with_errors "$(fmt "$(field handshake nginx rps)")" handshake nginx) |" \
       "$(with_errors "$(fmt "$(field handshake sidecar rps)")" handshake sidecar) |" \
       "$(ratio "$(field handshake sidecar rps)" "$(field handshake nginx rps)") |"
  echo
  echo "Added latency over direct (ms, medians over rounds):"
  echo
  echo "| | nginx | warden-sidecar |"
  echo "| --- | ---: | ---: |"
  for r in $rate_list; do
    for p in p50 p99 p999; do
      echo "| $r req/s $p | $(minus "$(field "open-$r" nginx ${p}_ms)" "$(field "open-$r" direct ${p}_ms)") |" \
           "$(minus "$(field "open-$r" sidecar ${p}_ms)" "$(field "open-$r" direct ${p}_ms)") |"
    done
  done
  echo
  [ "$with_interval" = 1 ] && interval_report
  local first_rate second_rate
  first_rate=$(awk '{print $1}' <<<"$rate_list")
  second_rate=$(awk '{print $NF}' <<<"$rate_list")
  echo "SVID rotation under load: $rotations SVID update(s) applied in ${rot_seconds} s (Workload API --ttl $rot_ttl)."
  echo
  echo "| warden-sidecar at $first_rate req/s | p50 / p90 / p99 / p99.9 ms | max ms | errors |"
  echo "| --- | ---: | ---: | ---: |"
  echo "| without rotation (above) | $(latencies "open-$first_rate" sidecar) | $(fmt "$(field "open-$first_rate" sidecar max_ms)" 3) | $(errors_of "open-$first_rate" sidecar) |"
  echo "| during rotations | $(latencies rotation sidecar) | $(fmt "$(field rotation sidecar max_ms)" 3) | $(errors_of rotation sidecar) |"
  echo "| new connections meanwhile ($(fmt "$(field rotation-handshakes sidecar ok)") handshakes) | $(latencies rotation-handshakes sidecar) | $(fmt "$(field rotation-handshakes sidecar max_ms)" 3) | $(errors_of rotation-handshakes sidecar) |"
  echo
  if [ "$ev_seconds" != 0 ]; then
    echo "Against the real @modelcontextprotocol/server-everything (node, SSE answers), closed loop, 8 connections, ${ev_seconds} s:"
    echo
    echo "| | direct | nginx | warden-sidecar |"
    echo "| --- | ---: | ---: | ---: |"
    echo "| requests/s | $(with_errors "$(fmt "$(field everything direct rps)")" everything direct) |" \
         "$(with_errors "$(fmt "$(field everything nginx rps)")" everything nginx) |" \
         "$(with_errors "$(fmt "$(field everything sidecar rps)")" everything sidecar) |"
    echo "| p50 / p90 / p99 / p99.9 ms | $(latencies everything direct) | $(latencies everything nginx) | $(latencies everything sidecar) |"
    echo
  fi
  echo "Targets of issue #6 (goals, not assertions):"
  echo
  echo "| target | measured | |"
  echo "| --- | --- | --- |"
  local add50 add99
  add50=$(minus "$(field "open-$first_rate" sidecar p50_ms)" "$(field "open-$first_rate" direct p50_ms)")
  add99=$(minus "$(field "open-$first_rate" sidecar p99_ms)" "$(field "open-$first_rate" direct p99_ms)")
  echo "| added p50 at $first_rate req/s ≤ 0.1 ms | $add50 ms | $(verdict "$(le "$add50" 0.1)") |"
  echo "| added p99 at $first_rate req/s ≤ 0.5 ms | $add99 ms | $(verdict "$(le "$add99" 0.5)") |"
  echo "| closed loop, 8 connections ≥ nginx | $(fmt "$(field closed-8 sidecar rps)") vs $(fmt "$(field closed-8 nginx rps)") req/s |" \
       "$(verdict "$(le "$(field closed-8 nginx rps)" "$(field closed-8 sidecar rps)")") |"
  echo "| p99 at $second_rate req/s ≤ nginx | $(fmt "$(field "open-$second_rate" sidecar p99_ms)" 3) vs $(fmt "$(field "open-$second_rate" nginx p99_ms)" 3) ms |" \
       "$(verdict "$(le "$(field "open-$second_rate" sidecar p99_ms)" "$(field "open-$second_rate" nginx p99_ms)")") |"
  echo "| idle RSS ≤ 20 MiB | $(mib "$sidecar_idle_kib") MiB | $(verdict "$(le "$sidecar_idle_kib" 20480)") |"
  echo "| RSS at $second_rate req/s ≤ 40 MiB | $(mib "$(field "open-$second_rate" sidecar proxy_hwm_kib)") MiB |" \
       "$(verdict "$(le "$(field "open-$second_rate" sidecar proxy_hwm_kib)" 40960)") |"
  echo "| CPU per 1,000 tool calls ≤ nginx (at $second_rate req/s) | $(cpu_per_1k "open-$second_rate" sidecar) vs $(cpu_per_1k "open-$second_rate" nginx) s |" \
       "$(verdict "$(le "$(cpu_per_1k "open-$second_rate" sidecar)" "$(cpu_per_1k "open-$second_rate" nginx)")") |"
  if [ "$with_interval" = 1 ]; then
    local i50 i99
    i50=$(minus "$(field "open-$first_rate" sidecar-interval p50_ms)" "$(field "open-$first_rate" direct p50_ms)")
    i99=$(minus "$(field "open-$first_rate" sidecar-interval p99_ms)" "$(field "open-$first_rate" direct p99_ms)")
    echo "| sidecar-interval: added p50 at $first_rate req/s ≤ 0.1 ms | $i50 ms | $(verdict "$(le "$i50" 0.1)") |"
    echo "| sidecar-interval: added p99 at $first_rate req/s ≤ 0.5 ms | $i99 ms | $(verdict "$(le "$i99" 0.5)") |"
    echo "| sidecar-interval: closed loop, 8 connections ≥ nginx | $(fmt "$(field closed-8 sidecar-interval rps)") vs $(fmt "$(field closed-8 nginx rps)") req/s |" \
         "$(verdict "$(le "$(field closed-8 nginx rps)" "$(field closed-8 sidecar-interval rps)")") |"
    echo "| sidecar-interval: p99 at $second_rate req/s ≤ nginx | $(fmt "$(field "open-$second_rate" sidecar-interval p99_ms)" 3) vs $(fmt "$(field "open-$second_rate" nginx p99_ms)" 3) ms |" \
         "$(verdict "$(le "$(field "open-$second_rate" sidecar-interval p99_ms)" "$(field "open-$second_rate" nginx p99_ms)")") |"
  fi
  echo
  echo "Every run (loadgen RESULT lines; proxy_cpu_ticks at $clk_tck per second; runs with errors or unsent requests"
  echo "are the ones without \"errors=0 unsent=0\"):"
  echo
  echo '```'
  cat "$results"
  echo '```'
}

report_text=$(report)
echo "$report_text"
[ -z "$out" ] || echo "$report_text" > "$out"
