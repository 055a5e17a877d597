#!/usr/bin/env bash
# warden-operator against a real kube-apiserver and etcd (scripts/kube-apiserver.sh; design D8, issue "operator"):
# CRDs established, MCPServer + ToolPolicies published as exactly the bundle `wardenctl policy compile` gives,
# updates within 1 s, a policy that stops compiling never takes effect, deletion, status and Events, a foreign
# Service left alone, no writes while idle, the watch surviving an etcd compaction and an API server restart,
# and leader election with failover after a kill -9.
# Usage: operator_integration.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
operator=$build/operator/warden-operator
wardenctl=$build/cli/wardenctl
kas=$source_dir/scripts/kube-apiserver.sh
work=$(mktemp -d)
declare -A op_pid=() op_port=()

cleanup() {
  local name
  for name in "${!op_pid[@]}"; do kill -9 "${op_pid[$name]}" 2>/dev/null || true; done
  "$kas" stop "$work/api" >/dev/null 2>&1 || true
  if [ "${failed:-1}" = 1 ]; then
    for name in "${!op_pid[@]}"; do echo "--- operator $name log (last 40 lines)"; tail -40 "$work/$name.log" || true; done
    echo "--- kube-apiserver log (last 20 lines)"; tail -20 "$work/api/kube-apiserver.log" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# until_true SECONDS COMMAND...: polls every 0.1 s; false after SECONDS.
until_true() {
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  while ! "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

echo "== API server"
"$kas" start "$work/api"
# shellcheck disable=SC1091
. "$work/api/env"
export KUBECONFIG
k() { kubectl --request-timeout=20s "$@"; }
k apply -k "$source_dir/crds/" >/dev/null
k wait --for condition=established --timeout=60s crd/mcpservers.mcpwarden.io crd/toolpolicies.mcpwarden.io
k create namespace tools >/dev/null
k create namespace mcp-warden-system >/dev/null

# start_operator NAME: a replica with short lease timings and a fast resync (idle reconciles must write nothing).
start_operator() {
  local name=$1 i
  "$operator" --kubeconfig "$KUBECONFIG" --lease-namespace mcp-warden-system --identity "$name" \
    --lease-duration 3s --lease-renew-deadline 2s --lease-retry-period 500ms --resync-period 2s \
    --trust-domain cluster.local --admin-address 127.0.0.1 --admin-port 0 --webhook-port 0 --log-level debug \
    > "$work/$name.log" 2>&1 &
  op_pid[$name]=$!
  for ((i = 0; i < 100; i++)); do
    op_port[$name]=$(sed -n 's/.*"adminPort":\([0-9]*\).*/\1/p' "$work/$name.log" 2>/dev/null | head -1 || true)
    [ -n "${op_port[$name]}" ] && break
    kill -0 "${op_pid[$name]}" 2>/dev/null || fail "operator $name exited: $(tail -5 "$work/$name.log")"
    sleep 0.1
  done
  [ -n "${op_port[$name]}" ] || fail "operator $name did not report its admin port"
  until_true 30 curl -fsS "http://127.0.0.1:${op_port[$name]}/readyz" || fail "operator $name not ready"
}
metrics() { curl -fsS "http://127.0.0.1:${op_port[$1]}/metrics"; }
# metric NAME SERIES: the value of one series ("name{labels}" or "name"), 0 when absent.
metric() { metrics "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'; }
is_leader() { [ "$(metric "$1" warden_operator_leader)" = 1 ]; }

cm_field() { k get configmap -n tools "$1-warden-policy" -o "jsonpath={.data.$2}"; }
cm_version() { k get configmap -n tools "$1-warden-policy" -o "jsonpath={.metadata.annotations.mcpwarden\.io/policy-version}" 2>/dev/null; }
condition() { # OBJECT TYPE FIELD
  k get "$1" -n tools -o "jsonpath={.status.conditions[?(@.type==\"$2\")].$3}"
}
# published NAME DIR: the ConfigMap holds exactly what wardenctl compiles from DIR.
published() {
  "$wardenctl" policy compile -f "$2" --server "$1" > "$work/expected.json" 2>/dev/null
  k get configmap -n tools "$1-warden-policy" -o 'go-template={{index .data "bundle.json"}}' > "$work/actual.json" &&
    cmp -s "$work/expected.json" "$work/actual.json"
}

echo "== one operator; the examples are published"
start_operator op1
until_true 15 is_leader op1 || fail "a lone operator did not lead"
policies=$work/policies
cp -r "$source_dir/examples/files-server" "$policies"
k apply -f "$policies/" >/dev/null
until_true 10 published files "$policies" || fail "the ConfigMap is not the bundle wardenctl compiles: $(diff <(head -c 400 "$work/expected.json") <(head -c 400 "$work/actual.json"))"
version=$("$wardenctl" policy compile -f "$policies" 2>&1 >/dev/null | awk '{ print $2 }')
[ "$(cm_version files)" = "$version" ] || fail "policy-version annotation $(cm_version files), want $version"
[ "$(cm_field files policyVersion)" = "$version" ] || fail "policyVersion key $(cm_field files policyVersion)"
k get configmap -n tools files-warden-policy -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].controller}' |
  grep -qx 'MCPServer/true' || fail "ConfigMap lacks the controller owner reference"
k get configmap -n tools files-warden-policy -o jsonpath='{.metadata.labels.app\.kubernetes\.io/managed-by}' | grep -qx mcp-warden ||
  fail "ConfigMap lacks the managed-by label"
k get service -n tools files -o jsonpath='{.spec.ports[*].port}' | grep -qw 8443 || fail "Service files does not expose 8443"
k get networkpolicy -n tools files-warden -o jsonpath='{.spec.ingress[*].ports[*].port}' | grep -qw 8443 ||
  fail "NetworkPolicy files-warden does not admit 8443"

echo "== status and Events"
until_true 10 test "$(condition mcpserver/files Ready status)" = True || fail "Ready is not True"
[ "$(condition mcpserver/files PolicyCompiled status)" = True ] || fail "PolicyCompiled is not True"
[ "$(k get mcpserver -n tools files -o jsonpath='{.status.observedGeneration}')" = \
  "$(k get mcpserver -n tools files -o jsonpath='{.metadata.generation}')" ] || fail "observedGeneration lags"
[ "$(k get mcpserver -n tools files -o jsonpath='{.status.policyVersion}')" = "$version" ] || fail "status.policyVersion"
for p in $(k get toolpolicies -n tools -o name); do
  until_true 10 test "$(condition "$p" Accepted status)" = True || fail "$p is not Accepted"
done
until_true 10 sh -c "kubectl get events.events.k8s.io -n tools -o jsonpath='{.items[*].reason}' | grep -qw PolicyPublished" ||
  fail "no PolicyPublished event"

echo "== an update is published within 1 s"
sed -i 's/requests: 10/requests: 20/' "$policies/policy-images.yaml"
before=$(cm_version files)
k apply -f "$policies/policy-images.yaml" >/dev/null
t0=$(now_ms)  # the API server has stored the change
# Polled with curl (kubectl's start-up alone takes ~100 ms): the annotation as the API returns it.
api_version() {
  curl -fsS --max-time 5 --cacert "$CA_FILE" -H "Authorization: Bearer $TOKEN" \
    "$API_URL/api/v1/namespaces/tools/configmaps/files-warden-policy" |
    sed -n 's/.*"mcpwarden.io\/policy-version": *"\([0-9a-f]*\)".*/\1/p'
}
changed() { [ "$(api_version)" != "$before" ]; }
until_true 10 changed || fail "the update was not published"
elapsed=$(($(now_ms) - t0))
echo "published ${elapsed} ms after the API server stored the change"
[ "$elapsed" -lt 1000 ] || fail "the update took ${elapsed} ms (limit 1000)"
published files "$policies" || fail "the updated bundle differs from wardenctl's"

echo "== a policy that stops compiling never takes effect"
good=$(cm_version files)
cat > "$work/broken.yaml" <<'YAML'
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata:
  name: files-broken
  namespace: tools
spec:
  targetRef:
    name: files
  rules:
    - name: bad-regex
      tools: [write_file]
      principals: ["spiffe://cluster.local/**"]
      effect: Allow
      when:
        - arg: path
          op: Matches
          values: ["(unclosed"]
YAML
k apply -f "$work/broken.yaml" >/dev/null
until_true 10 test "$(condition toolpolicy/files-broken Accepted reason)" = InvalidSpec || fail "broken policy not InvalidSpec"
message=$(condition toolpolicy/files-broken Accepted message)
echo "$message" | grep -qF 'spec.rules[0].when[0].values[0]: invalid regular expression' ||
  fail "Accepted message is not the compile error: $message"
until_true 10 test "$(condition mcpserver/files PolicyCompiled reason)" = InvalidPolicy || fail "PolicyCompiled not InvalidPolicy"
[ "$(condition mcpserver/files Ready status)" = True ] || fail "Ready should stay True on the last good bundle"
[ "$(cm_version files)" = "$good" ] || fail "the ConfigMap changed while a policy does not compile"
published files "$policies" || fail "the last good bundle was not kept"
until_true 10 sh -c "kubectl get events.events.k8s.io -n tools -o jsonpath='{.items[*].reason}' | grep -qw InvalidPolicy" ||
  fail "no InvalidPolicy event"
k delete -f "$work/broken.yaml" >/dev/null
until_true 10 test "$(condition mcpserver/files PolicyCompiled status)" = True || fail "PolicyCompiled did not recover"

echo "== deleting a ToolPolicy updates the bundle"
k delete -f "$policies/policy-deploy.yaml" >/dev/null
rm "$policies/policy-deploy.yaml"
until_true 10 published files "$policies" || fail "the bundle still has the deleted policy"

echo "== a foreign Service is reported, not taken over"
k create service clusterip other -n tools --tcp=80:8080 >/dev/null
sed -e 's/name: files$/name: other/' "$policies/mcpserver.yaml" > "$work/other.yaml"
k apply -f "$work/other.yaml" >/dev/null
until_true 10 test "$(condition mcpserver/other ServiceReady reason)" = ServiceConflict || fail "no ServiceConflict"
[ -z "$(k get service -n tools other -o jsonpath='{.metadata.ownerReferences}')" ] || fail "the foreign Service was taken over"
k get service -n tools other -o jsonpath='{.spec.ports[*].port}' | grep -qx 80 || fail "the foreign Service was changed"

echo "== an idle operator makes no writes"
sleep 3  # let the Events and statuses of the steps above settle
# Writes other than the Lease heartbeat (one renewal per retry period is how leader election works): reconcile
# writes and Events, both counted by the operator; and, from the API server's side, the objects' versions.
object_writes() {
  metrics "$1" | awk '/^warden_operator_reconcile_writes_total\{/ || /^warden_operator_events_total\{outcome="created"\}/ { n += $2 } END { print n + 0 }'
}
writes0=$(object_writes op1)
reconciles0=$(metric op1 'warden_operator_reconcile_total{controller="mcpserver",result="success"}')
rv0=$(k get configmap,mcpserver,toolpolicy,service,networkpolicy -n tools -o jsonpath='{.items[*].metadata.resourceVersion}')
sleep 5  # two and a half resync periods
writes1=$(object_writes op1)
reconciles1=$(metric op1 'warden_operator_reconcile_total{controller="mcpserver",result="success"}')
rv1=$(k get configmap,mcpserver,toolpolicy,service,networkpolicy -n tools -o jsonpath='{.items[*].metadata.resourceVersion}')
echo "idle 5 s: writes $writes0 -> $writes1, mcpserver reconciles $reconciles0 -> $reconciles1"
[ "$reconciles1" -gt "$reconciles0" ] || fail "no reconciles while idle: the resync did not run, so the check proves nothing"
[ "$writes1" = "$writes0" ] || fail "an idle operator wrote $((writes1 - writes0)) times"
[ "$rv1" = "$rv0" ] || fail "objects changed while idle"

echo "== the watch survives an etcd compaction (410 Gone) and an API server restart"
relists0=$(metric op1 'warden_operator_relists_total{resource="toolpolicies"}')
for i in 1 2 3; do k create secret generic "filler-$i" -n tools --from-literal=a=b >/dev/null; done  # revisions we do not watch
"$kas" compact "$work/api" >/dev/null
"$kas" restart-apiserver "$work/api"
sed -i 's/requests: 20/requests: 30/' "$policies/policy-images.yaml"
until_true 30 k apply -f "$policies/policy-images.yaml" || fail "apply after the restart failed"
until_true 30 published files "$policies" || fail "a change after compaction and restart was not published"
relists1=$(metric op1 'warden_operator_relists_total{resource="toolpolicies"}')
restarts=$(metric op1 'warden_operator_watch_restarts_total{resource="toolpolicies"}')
echo "toolpolicies: relists $relists0 -> $relists1, watch restarts $restarts"
[ "$relists1" -gt "$relists0" ] || fail "no relist after the compaction: the 410 path was not taken"

echo "== two replicas: one leader, failover after kill -9"
start_operator op2
sleep 2
is_leader op1 || fail "op1 lost leadership to a newcomer"
! is_leader op2 || fail "two leaders"
[ "$(k get lease -n mcp-warden-system mcp-warden-operator -o jsonpath='{.spec.holderIdentity}')" = op1 ] || fail "lease holder"
kill -9 "${op_pid[op1]}"
unset 'op_pid[op1]'
t0=$(now_ms)
until_true 20 is_leader op2 || fail "op2 did not take over"
echo "op2 leads $(($(now_ms) - t0)) ms after op1 was killed (lease duration 3 s)"
[ "$(k get lease -n mcp-warden-system mcp-warden-operator -o jsonpath='{.spec.holderIdentity}')" = op2 ] || fail "lease not op2's"
sed -i 's/requests: 30/requests: 40/' "$policies/policy-images.yaml"
k apply -f "$policies/policy-images.yaml" >/dev/null
until_true 10 published files "$policies" || fail "the new leader does not publish"

failed=0
echo "operator integration: all checks passed"
