#!/usr/bin/env bash
# The local stack of the end-to-end test and the demo, all on loopback: a dev trust domain, the dev SPIFFE Workload
# API, the real @modelcontextprotocol/server-everything, and warden-sidecar in front of it.
#
#   source e2e/local/stack.sh
#   stack_start BUILD_DIR WORK_DIR      # sets STACK_URL, STACK_ADMIN, STACK_WORK; agent SVIDs in $WORK/ca/<name>
#   stack_policy POLICY_DIR...          # compiles the policy files into the sidecar's bundle (hot swap)
#   stack_stop
# Needs: the built wardenctl and warden-sidecar, node, npm packages of e2e/local (scripts/setup.sh), curl.

STACK_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STACK_PIDS=()

stack_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits (bounded) until a command succeeds.
stack_wait() {
  local what=$1 tries=$2
  shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "stack: timed out waiting for $what" >&2
  return 1
}

stack_policy() {
  local bundle_dir=$STACK_WORK/policy
  "$STACK_BUILD/cli/wardenctl" policy compile "${@/#/-f}" > "$bundle_dir/.bundle.json.tmp" 2>/dev/null || return 1
  sha256sum "$bundle_dir/.bundle.json.tmp" | cut -d' ' -f1 > "$bundle_dir/.policyVersion.tmp"
  # The sidecar checks bundle.json against policyVersion; a reader between the two renames sees a mismatch,
  # refuses it and keeps the last good bundle until the next event. Kubelet swaps both at once with a symlink.
  mv "$bundle_dir/.bundle.json.tmp" "$bundle_dir/bundle.json"
  mv "$bundle_dir/.policyVersion.tmp" "$bundle_dir/policyVersion"
}

stack_start() {
  STACK_BUILD=$1
  STACK_WORK=$2
  mkdir -p "$STACK_WORK/policy" "$STACK_WORK/receipts"
  local td=e2e.example
  local server_id=spiffe://$td/ns/tools/sa/everything
  local upstream_port sidecar_port admin_port
  upstream_port=$(stack_free_port)
  sidecar_port=$(stack_free_port)
  admin_port=$(stack_free_port)

  "$STACK_BUILD/cli/wardenctl" dev ca --dir "$STACK_WORK/ca" --trust-domain "$td" \
    --svid reader=spiffe://$td/ns/agents/sa/reader \
    --svid operator=spiffe://$td/ns/agents/sa/operator > "$STACK_WORK/ca.log" 2>&1 || { cat "$STACK_WORK/ca.log"; return 1; }

  "$STACK_BUILD/cli/wardenctl" dev workload-api --ca-dir "$STACK_WORK/ca" --socket "$STACK_WORK/workload.sock" \
    --spiffe-id "$server_id" --ttl 10m > "$STACK_WORK/workload-api.log" 2>&1 &
  STACK_PIDS+=($!)
  stack_wait "the dev Workload API" 100 test -S "$STACK_WORK/workload.sock" || return 1

  stack_policy "$STACK_HERE/policy" || return 1

  # A clean environment: get-env returns the server's whole environment.
  env -i PATH="$PATH" PORT="$upstream_port" node --import "$STACK_HERE/loopback.mjs" \
    "$STACK_HERE/node_modules/@modelcontextprotocol/server-everything/dist/index.js" streamableHttp \
    > "$STACK_WORK/server-everything.log" 2>&1 &
  STACK_PIDS+=($!)

  "$STACK_BUILD/sidecar/warden-sidecar" \
    --listen-address 127.0.0.1 --port "$sidecar_port" \
    --admin-address 127.0.0.1 --admin-port "$admin_port" \
    --upstream-port "$upstream_port" \
    --spiffe-endpoint-socket "unix://$STACK_WORK/workload.sock" \
    --policy-dir "$STACK_WORK/policy" \
    --receipts-path "$STACK_WORK/receipts/receipts.jsonl" --receipts-stdout false \
    > "$STACK_WORK/sidecar.log" 2>&1 &
  STACK_PIDS+=($!)

  STACK_URL=https://127.0.0.1:$sidecar_port/mcp
  STACK_ADMIN=http://127.0.0.1:$admin_port
  stack_wait "warden-sidecar to be ready" 200 curl -sf "$STACK_ADMIN/readyz" || { tail -20 "$STACK_WORK/sidecar.log"; return 1; }
  stack_wait "server-everything" 200 bash -c "exec 3<>/dev/tcp/127.0.0.1/$upstream_port" || return 1
}

stack_agent() {
  local name=$1 scenario=$2
  shift 2
  node "$STACK_HERE/agent.mjs" --url "$STACK_URL" --svid-dir "$STACK_WORK/ca/$name" --scenario "$scenario" "$@"
}

stack_stop() {
  local pid
  for pid in "${STACK_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  # wait returns the status of a killed process (143): not a failure of the stack.
  for pid in "${STACK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  STACK_PIDS=()
}
