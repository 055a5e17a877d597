#!/usr/bin/env bash
# Local end-to-end test (design D8): the real binaries, the dev SPIFFE Workload API, the real
# @modelcontextprotocol/server-everything, and the real @modelcontextprotocol/sdk client over mTLS as two agent
# identities. Usage: local_sidecar_e2e.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source_dir=$2
work=$(mktemp -d)
# shellcheck source=../../e2e/local/stack.sh
source "$source_dir/e2e/local/stack.sh"
cleanup() {
  stack_stop
  if [ "${failed:-1}" = 1 ]; then
    echo "--- sidecar log"; tail -40 "$work/sidecar.log" 2>/dev/null || true
    echo "--- server log"; tail -20 "$work/server-everything.log" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -d "$source_dir/e2e/local/node_modules/@modelcontextprotocol/sdk" ]; then
  echo "e2e/local/node_modules is missing: run scripts/setup.sh" >&2
  exit 1
fi

stack_start "$build" "$work"

echo "== reader"
stack_agent reader reader
echo "== reader: a long-running tool's progress is streamed"
stack_agent reader progress
echo "== operator"
stack_agent operator operator
echo "== policy change without restart"
stack_agent reader before-change
stack_policy "$source_dir/e2e/local/policy" "$source_dir/e2e/local/policy-change"
stack_agent reader after-change

echo "== metrics"
metrics=$(curl -sS -f "$STACK_ADMIN/metrics") || { echo "cannot read /metrics"; exit 1; }
grep -q 'warden_decisions_total{.*tool="get-env".*decision="deny"' <<<"$metrics" || { echo "no get-env denial in /metrics"; exit 1; }
grep -q 'warden_decisions_total{.*tool="echo".*decision="allow"' <<<"$metrics" || { echo "no echo allow in /metrics"; exit 1; }

stack_stop
echo "== receipts"
"$build/cli/wardenctl" receipts verify "$work/receipts/receipts.jsonl"
grep -q '"decision":"deny".*"method":"tools/call".*"target":"get-env"' "$work/receipts/receipts.jsonl" ||
  grep -q '"target":"get-env"' "$work/receipts/receipts.jsonl" || { echo "no receipt for get-env"; exit 1; }
failed=0
echo "local end-to-end: all scenarios passed"
