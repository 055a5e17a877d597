#!/usr/bin/env bash
# The main job, locally: warden-sidecar enforcing a sample ToolPolicy in front of the real MCP reference server
# (@modelcontextprotocol/server-everything), with SVIDs from the dev SPIFFE Workload API, and real agents (the
# official MCP SDK client over mutual TLS). Prints each decision, changes the policy live, and verifies the
# receipt chain at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh"
build=${WARDEN_BUILD_DIR:-$here/build/release}
mkdir -p "$(dirname "$build")"
echo "== Building (Release)"
"$here/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=Release -DWARDEN_BUILD_TESTS=OFF -DWARDEN_BUILD_BENCH=OFF \
  > "$build.log" 2>&1 || { tail -30 "$build.log"; exit 1; }
wardenctl="$build/cli/wardenctl"

work=$(mktemp -d)
# shellcheck source=../e2e/local/stack.sh
source "$here/e2e/local/stack.sh"
trap 'stack_stop; rm -rf "$work"' EXIT

echo
echo "== The policy (e2e/local/policy): default deny; everyday tools for every agent; get-env for the operator;"
echo "   sums above 1000 denied; arguments carrying secrets denied"
"$wardenctl" policy lint -f "$here/e2e/local/policy"

echo
echo "== Starting: dev trust domain e2e.example, dev Workload API, server-everything on loopback, warden-sidecar"
stack_start "$build" "$work"
echo "warden-sidecar at $STACK_URL (admin $STACK_ADMIN): $(curl -s "$STACK_ADMIN/readyz")"

echo
echo "== Agent 'reader' (spiffe://e2e.example/ns/agents/sa/reader)"
stack_agent reader reader
echo
echo "== Agent 'reader': a long-running tool; its progress is streamed as it happens"
stack_agent reader progress
echo
echo "== Agent 'operator' (spiffe://e2e.example/ns/agents/sa/operator)"
stack_agent operator operator
echo
echo "== Changing the policy while everything runs: allow get-tiny-image"
stack_agent reader before-change
stack_policy "$here/e2e/local/policy" "$here/e2e/local/policy-change"
stack_agent reader after-change

stack_stop
echo
echo "== Receipts (one per decision, hash-chained)"
node "$here/e2e/local/show-receipts.mjs" "$work/receipts/receipts.jsonl"
echo
echo "== Verifying the receipt chain"
"$wardenctl" receipts verify "$work/receipts/receipts.jsonl"
