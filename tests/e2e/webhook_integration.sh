#!/usr/bin/env bash
# The admission webhooks of warden-operator against a real kube-apiserver (scripts/kube-apiserver.sh; issue
# "webhooks"): webhook configurations registered with a URL clientConfig on loopback; the operator generates its
# serving certificate and patches the caBundle; a Pod created through the API server comes back injected; a pod
# that asks for injection but matches no MCPServer is refused; an invalid ToolPolicy is refused through /validate
# with the policy library's field path; with the webhook down and failurePolicy Fail the pod is refused.
# Usage: webhook_integration.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
operator=$build/operator/warden-operator
kas=$source_dir/scripts/kube-apiserver.sh
work=$(mktemp -d)
op_pid=

cleanup() {
  [ -n "$op_pid" ] && kill -9 "$op_pid" 2>/dev/null || true
  "$kas" stop "$work/api" >/dev/null 2>&1 || true
  if [ "${failed:-1}" = 1 ]; then
    echo "--- operator log (last 40 lines)"; tail -40 "$work/operator.log" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
until_true() {
  local deadline=$((SECONDS + $1))
  shift
  while ! "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

"$kas" start "$work/api"
# shellcheck disable=SC1091
. "$work/api/env"
export KUBECONFIG
k() { kubectl --request-timeout=20s "$@"; }
k apply -k "$source_dir/crds/" >/dev/null
k wait --for condition=established --timeout=60s crd/mcpservers.mcpwarden.io crd/toolpolicies.mcpwarden.io >/dev/null
k create namespace mcp-warden-system >/dev/null
k create namespace tools >/dev/null
k label namespace tools mcpwarden.io/injection=enabled >/dev/null

port=$(free_port)
echo "== webhook configurations on https://127.0.0.1:$port (no caBundle: the operator provides it)"
k apply -f - >/dev/null <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: mcp-warden-injector}
webhooks:
  - name: inject.mcpwarden.io
    clientConfig: {url: "https://127.0.0.1:$port/inject"}
    rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
    namespaceSelector: {matchLabels: {mcpwarden.io/injection: enabled}}
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 10
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: mcp-warden-validator}
webhooks:
  - name: validate.mcpwarden.io
    clientConfig: {url: "https://127.0.0.1:$port/validate"}
    rules: [{operations: [CREATE, UPDATE], apiGroups: [mcpwarden.io], apiVersions: [v1alpha1], resources: [toolpolicies, mcpservers]}]
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 10
YAML

"$operator" --kubeconfig "$KUBECONFIG" --leader-elect=false --admin-address 127.0.0.1 --admin-port 0 \
  --webhook-address 127.0.0.1 --webhook-port "$port" --webhook-extra-host 127.0.0.1 \
  --operator-namespace mcp-warden-system --sidecar-image registry.example/warden-sidecar:test \
  > "$work/operator.log" 2>&1 &
op_pid=$!
ca_bundle() { k get "$1" "$2" -o jsonpath='{.webhooks[0].clientConfig.caBundle}'; }
has_bundle() { [ -n "$(ca_bundle "$1" "$2")" ]; }
until_true 30 has_bundle mutatingwebhookconfiguration mcp-warden-injector || fail "caBundle not patched (mutating)"
until_true 30 has_bundle validatingwebhookconfiguration mcp-warden-validator || fail "caBundle not patched (validating)"
k get secret -n mcp-warden-system mcp-warden-webhook-tls -o jsonpath='{.data.ca\.crt}' | base64 -d > "$work/ca.crt"
[ "$(ca_bundle mutatingwebhookconfiguration mcp-warden-injector | base64 -d)" = "$(cat "$work/ca.crt")" ] ||
  fail "the caBundle is not the Secret's CA"
# TLS verified against the Secret's CA (any HTTP answer will do: '{}' is not an AdmissionReview).
until_true 30 curl -sS -o /dev/null --cacert "$work/ca.crt" -X POST -d '{}' "https://127.0.0.1:$port/validate" ||
  fail "the webhook does not serve a certificate from the Secret's CA"

echo "== /validate: a ToolPolicy that does not compile is refused by the API server"
k apply -f "$source_dir/examples/files-server/mcpserver.yaml" >/dev/null
cat > "$work/broken.yaml" <<'YAML'
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: broken, namespace: tools}
spec:
  targetRef: {name: files}
  rules:
    - name: bad-regex
      tools: [write_file]
      principals: ["spiffe://cluster.local/**"]
      effect: Allow
      when: [{arg: path, op: Matches, values: ["(unclosed"]}]
YAML
if k apply -f "$work/broken.yaml" > "$work/out" 2>&1; then fail "the broken ToolPolicy was accepted"; fi
grep -q 'spec.rules\[0\].when\[0\].values\[0\]: invalid regular expression' "$work/out" ||
  fail "refusal does not name the field: $(cat "$work/out")"
k apply -f "$source_dir/examples/files-server/policy-read.yaml" >/dev/null || fail "a valid ToolPolicy was refused"

echo "== /inject: a pod created through the API server comes back injected"
pod() { # NAME LABEL-APP
  cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  namespace: tools
  labels: {app: $2}
  annotations: {mcpwarden.io/inject: "true"}
spec:
  containers:
    - name: server
      image: registry.example/files-mcp:1
      ports: [{containerPort: 3001}]
YAML
}
pod files-0 files-mcp | k create -f - >/dev/null
k get pod -n tools files-0 -o json > "$work/pod.json"
containers=$(k get pod -n tools files-0 -o jsonpath='{.spec.containers[*].name}')
echo "containers: $containers"
echo "$containers" | grep -qw warden-sidecar || fail "no warden-sidecar container (API server 1.20: regular container)"
k get pod -n tools files-0 -o jsonpath='{.spec.volumes[*].name}' | grep -qw warden-policy || fail "no policy volume"
k get pod -n tools files-0 -o jsonpath='{.spec.volumes[?(@.name=="warden-policy")].configMap.name}' |
  grep -qx files-warden-policy || fail "the policy volume is not the server's ConfigMap"
k get pod -n tools files-0 -o jsonpath='{.metadata.annotations.mcpwarden\.io/status}' | grep -q '"server":"files"' ||
  fail "no mcpwarden.io/status annotation"
k get pod -n tools files-0 -o jsonpath='{.spec.containers[?(@.name=="warden-sidecar")].securityContext.readOnlyRootFilesystem}' |
  grep -qx true || fail "sidecar securityContext"

echo "== a pod that asks for injection but matches no MCPServer is refused"
if pod stray-0 nothing-matches | k create -f - > "$work/out" 2>&1; then fail "the unmatched pod was admitted"; fi
grep -qi 'MCPServer' "$work/out" || fail "refusal does not explain: $(cat "$work/out")"
echo "refused: $(tail -1 "$work/out")"

echo "== webhook down, failurePolicy Fail: the pod is refused"
kill "$op_pid"
wait "$op_pid" 2>/dev/null || true
op_pid=
if pod files-1 files-mcp | k create -f - > "$work/out" 2>&1; then fail "a pod was admitted with the webhook down"; fi
grep -q 'failed calling webhook' "$work/out" || fail "unexpected refusal: $(cat "$work/out")"
k get pod -n tools files-1 >/dev/null 2>&1 && fail "the pod exists"

failed=0
echo "webhook integration: all checks passed"
