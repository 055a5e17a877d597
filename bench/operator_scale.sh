#!/usr/bin/env bash
# Operator scale run (issue "operator", docs/benchmarks.md): against a real kube-apiserver and etcd
# (scripts/kube-apiserver.sh), N MCPServers with P ToolPolicies each are created first; then warden-operator
# starts and the run measures the time until every server's ConfigMap holds its bundle, and the operator's peak
# RSS (VmHWM). Usage: operator_scale.sh BUILD_DIR [SERVERS [POLICIES_PER_SERVER [WORKERS]]]
# Use a Release build for figures: scripts/build.sh release && bench/operator_scale.sh build/release
# OPERATOR_WRAPPER: a command the operator is started under, for profiling (e.g. "heaptrack -o /tmp/op"); the
# peak RSS printed is then the wrapper's process, not the operator's alone.
set -euo pipefail
build=$(cd "$1" && pwd)
servers=${2:-1000}
per=${3:-5}
workers=${4:-4}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
kas=$source_dir/scripts/kube-apiserver.sh
work=$(mktemp -d)
op_pid=
cleanup() {
  # The operator runs in a process group of its own: a wrapper's children end with it.
  [ -n "$op_pid" ] && kill -- "-$op_pid" 2>/dev/null || true
  "$kas" stop "$work/api" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A /16 for Service cluster IPs: the script's /24 holds 254 Services, and every server gets one (past the 254th, the
# API server answers 500 "range is full" and the operator retries those servers with backoff).
KUBE_APISERVER_EXTRA_ARGS="${KUBE_APISERVER_EXTRA_ARGS:-} --service-cluster-ip-range 10.0.0.0/16" \
  "$kas" start "$work/api" 2>/dev/null
# shellcheck disable=SC1091
. "$work/api/env"
export KUBECONFIG
kubectl apply -k "$source_dir/crds/" >/dev/null
kubectl wait --for condition=established --timeout=60s crd/mcpservers.mcpwarden.io crd/toolpolicies.mcpwarden.io >/dev/null
kubectl create namespace scale >/dev/null

echo "creating $servers MCPServers with $per ToolPolicies each"
for ((s = 0; s < servers; s++)); do
  cat <<YAML
---
apiVersion: mcpwarden.io/v1alpha1
kind: MCPServer
metadata: {name: srv-$s, namespace: scale}
spec:
  selector: {matchLabels: {app: srv-$s}}
  upstream: {port: 3001}
  defaultAction: Deny
YAML
  for ((p = 0; p < per; p++)); do
    cat <<YAML
---
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: srv-$s-p$p, namespace: scale}
spec:
  targetRef: {name: srv-$s}
  rules:
    - name: read-$p
      tools: ["read_$p*"]
      principals: ["ns/agents/sa/reader-$p"]
      effect: Allow
    - name: write-$p
      tools: [write_file]
      principals: ["ns/agents/sa/editor-$p"]
      effect: Allow
      when: [{arg: path, op: PathUnder, values: ["/workspace/$p/"]}]
YAML
  done
done > "$work/objects.yaml"
t=$(now_ms)
kubectl create -f "$work/objects.yaml" >/dev/null
echo "created in $(($(now_ms) - t)) ms"

# How many ConfigMaps of ours carry a policy version. A probe that fails (the API server busy) repeats the last
# count; none found is 0 (grep's status 1 must not end the run under `set -e -o pipefail`).
published() {
  local body
  body=$(curl -fsS --max-time 30 --cacert "$CA_FILE" -H "Authorization: Bearer $TOKEN" \
    "$API_URL/api/v1/namespaces/scale/configmaps?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmcp-warden") ||
    { echo "$count"; return 0; }
  { grep -o '"mcpwarden.io/policy-version"' <<<"$body" || true; } | wc -l
}

start=$(now_ms)
# shellcheck disable=SC2086 # the wrapper is a command line
setsid ${OPERATOR_WRAPPER:-} "$build/operator/warden-operator" --kubeconfig "$KUBECONFIG" --leader-elect=false --webhook-port 0 --admin-address 127.0.0.1 \
  --admin-port 0 --workers "$workers" --log-level warn > "$work/operator.log" 2>&1 &
op_pid=$!
count=0
while [ "$count" -lt "$servers" ]; do
  kill -0 "$op_pid" 2>/dev/null || { tail -20 "$work/operator.log"; echo "operator exited" >&2; exit 1; }
  [ $(($(now_ms) - start)) -lt 600000 ] || { echo "not done after 600 s ($count published)" >&2; exit 1; }
  sleep 0.5
  count=$(published)
done
elapsed=$(($(now_ms) - start))
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$op_pid/status")
printf '%-40s %s\n' "servers x policies" "$servers x $per" "workers" "$workers" \
  "time to publish all (s)" "$(awk -v ms="$elapsed" 'BEGIN { printf "%.1f", ms / 1000 }')" \
  "operator peak RSS (MiB)" "$(awk -v kb="$rss" 'BEGIN { printf "%.1f", kb / 1024 }')"
