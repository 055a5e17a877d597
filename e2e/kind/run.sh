#!/usr/bin/env bash
# mcp-warden end to end on kind (design D8): creates a cluster, builds and loads the images, installs SPIRE (server,
# agents, SPIFFE CSI driver, controller manager with ClusterSPIFFEIDs) and the mcp-warden chart, deploys the real
# @modelcontextprotocol/server-everything as an annotated MCP server with ToolPolicies and two agents under
# different service accounts, and checks allowed, denied and filtered calls, a live policy change, the webhooks,
# and the receipt chain. Deletes the cluster at the end. Needs Docker, kind, kubectl and helm: see e2e/README.md.
#
# Usage: e2e/kind/run.sh [--keep]        --keep (or KEEP=1): leave the cluster running for a look around
# Environment (defaults in brackets):
#   KIND_CLUSTER [mcp-warden-e2e]  KIND_NODE_IMAGE [kind's default]  E2E_TIMEOUT seconds per wait [300]
#   SPIRE_CHART_VERSION [0.24.0]  SPIRE_CRDS_CHART_VERSION [0.5.0]
#   SPIRE_HELM_REPO [https://spiffe.github.io/helm-charts-hardened/]
#   SKIP_BUILD=1: use mcp-warden/*:e2e images already in the local Docker
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cluster=${KIND_CLUSTER:-mcp-warden-e2e}
timeout=${E2E_TIMEOUT:-300}
spire_chart_version=${SPIRE_CHART_VERSION:-0.24.0}
spire_crds_chart_version=${SPIRE_CRDS_CHART_VERSION:-0.5.0}
spire_repo=${SPIRE_HELM_REPO:-https://spiffe.github.io/helm-charts-hardened/}
keep=${KEEP:-0}
[ "${1:-}" = --keep ] && keep=1

readonly operator_image=mcp-warden/warden-operator:e2e
readonly sidecar_image=mcp-warden/warden-sidecar:e2e
readonly peers_image=mcp-warden/e2e-peers:e2e
readonly trust_domain=e2e.example
readonly mcp_url=https://everything.tools.svc:8443/mcp
readonly receipts=/var/lib/mcp-warden/receipts/receipts.jsonl

passed=0
failed=0
created=0
started=$SECONDS
log() { printf '\n== [%4ds] %s\n' "$((SECONDS - started))" "$*"; }
die() { printf 'e2e/kind: %s\n' "$*" >&2; exit 1; }
ok() { passed=$((passed + 1)); printf '  ok   %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf '  FAIL %s\n' "$1"; [ -z "${2:-}" ] || printf '       %s\n' "$2"; }
# check DESCRIPTION COMMAND...: the command succeeds.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$what"; else bad "$what" "$(printf '%s' "$out" | tail -n 8)"; fi
}

# kubectl and helm from PATH, else the ones scripts/kube-tools.sh unpacks from e2e/local/node_modules.
tool() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  "$root/scripts/kube-tools.sh" "$1" 2>/dev/null || die "$1 is missing (install it, or run scripts/setup.sh)"
}

preflight() {
  command -v docker >/dev/null 2>&1 || die "docker is missing"
  docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed)"
  command -v kind >/dev/null 2>&1 || die "kind is missing (https://kind.sigs.k8s.io)"
  KUBECTL=$(tool kubectl)
  HELM=$(tool helm)
  work=$(mktemp -d)
  export KUBECONFIG=$work/kubeconfig
}

k() { "$KUBECTL" --request-timeout=60s "$@"; }

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
    echo "--- diagnostics"
    k get pods -A -o wide 2>/dev/null || true
    k -n mcp-warden-system logs deploy/mcp-warden-operator --tail=60 2>/dev/null || true
    k -n tools logs deploy/everything -c warden-sidecar --tail=40 2>/dev/null || true
    k -n tools get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 20 || true
  fi
  if [ "$created" = 1 ] && [ "$keep" = 1 ]; then
    echo "cluster kept: kind delete cluster --name $cluster   (KUBECONFIG=$work/kubeconfig)"
    return
  fi
  # Only a cluster this run created is deleted.
  [ "$created" = 1 ] && { kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; }
  rm -rf "$work"
}

# wait_for DESCRIPTION COMMAND...: retries the command every 3 s until it succeeds, at most $timeout seconds.
wait_for() {
  local what=$1 deadline=$((SECONDS + timeout))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { bad "$what (not within ${timeout}s)"; return 1; }
    sleep 3
  done
  ok "$what"
}

create_cluster() {
  log "kind cluster $cluster"
  kind get clusters 2>/dev/null | grep -qx "$cluster" && die "a kind cluster named $cluster exists; delete it or set KIND_CLUSTER"
  local -a image=()
  [ -z "${KIND_NODE_IMAGE:-}" ] || image=(--image "$KIND_NODE_IMAGE")
  created=1
  kind create cluster --name "$cluster" --config "$here/kind-config.yaml" --kubeconfig "$KUBECONFIG" \
    --wait "${timeout}s" "${image[@]}"
  k version
}

build_images() {
  if [ "${SKIP_BUILD:-0}" = 1 ]; then
    log "images: using the local $operator_image, $sidecar_image, $peers_image (SKIP_BUILD=1)"
  else
    log "building images (the C++ build takes a while the first time)"
    docker build -f "$root/docker/operator.Dockerfile" -t "$operator_image" "$root"
    docker build -f "$root/docker/sidecar.Dockerfile" -t "$sidecar_image" "$root"
    docker build -f "$here/peers.Dockerfile" -t "$peers_image" "$root/e2e/local"
  fi
  log "loading images into kind"
  kind load docker-image --name "$cluster" "$operator_image" "$sidecar_image" "$peers_image"
}

install_spire() {
  log "SPIRE (chart spire $spire_chart_version, spire-crds $spire_crds_chart_version)"
  "$HELM" upgrade --install spire-crds spire-crds --repo "$spire_repo" --version "$spire_crds_chart_version" \
    -n spire-server --create-namespace --wait --timeout "${timeout}s"
  "$HELM" upgrade --install spire spire --repo "$spire_repo" --version "$spire_chart_version" \
    -n spire-server -f "$here/spire-values.yaml" --wait --timeout "$((timeout * 2))s"
  k apply -f "$here/manifests/identities.yaml"
  check "the CSI driver csi.spiffe.io is registered" k get csidriver csi.spiffe.io
}

install_warden() {
  log "mcp-warden chart"
  "$HELM" upgrade --install mcp-warden "$root/charts/mcp-warden" -n mcp-warden-system --create-namespace \
    --set image.repository="${operator_image%:*}" --set image.tag="${operator_image##*:}" \
    --set sidecar.image.repository="${sidecar_image%:*}" --set sidecar.image.tag="${sidecar_image##*:}" \
    --set trustDomain="$trust_domain" --set logLevel=debug --wait --timeout "${timeout}s"
  check "both operator replicas are ready" k -n mcp-warden-system rollout status deploy/mcp-warden-operator --timeout=60s
  wait_for "the operator patched the injector's caBundle" \
    non_empty mutatingwebhookconfiguration/mcp-warden-injector '{.webhooks[0].clientConfig.caBundle}'
  wait_for "the operator patched the validator's caBundle" \
    non_empty validatingwebhookconfiguration/mcp-warden-validator '{.webhooks[0].clientConfig.caBundle}'
  wait_for "one replica holds the Lease" \
    non_empty lease/mcp-warden-operator '{.spec.holderIdentity}' -n mcp-warden-system
}

# non_empty OBJECT JSONPATH [kubectl flags...]: the field is set (evaluated anew on every call, for wait_for).
non_empty() {
  local object=$1 path=$2
  shift 2
  test -n "$(k get "$object" "$@" -o "jsonpath=$path")"
}

# differs OBJECT JSONPATH VALUE [kubectl flags...]: the field is no longer VALUE.
differs() {
  local object=$1 path=$2 value=$3
  shift 3
  test "$(k get "$object" "$@" -o "jsonpath=$path")" != "$value"
}

deploy_server() {
  log "MCP server: server-everything, annotated, with ToolPolicies"
  k apply -f "$here/manifests/namespaces.yaml"
  # The validating webhook compiles them; the reconciler publishes the bundle. First, so the injector finds the
  # MCPServer when the server's pod is created.
  k apply -f "$root/e2e/local/policy/"
  k apply -f "$here/manifests/server.yaml"
  wait_for "MCPServer everything is Ready" \
    k -n tools wait mcpserver/everything --for=condition=Ready --timeout=5s
  wait_for "the policy ConfigMap everything-warden-policy exists" k -n tools get configmap everything-warden-policy
  wait_for "the Service everything exists" k -n tools get service everything
  check "server-everything rolls out with the sidecar" k -n tools rollout status deploy/everything --timeout="${timeout}s"
  local pod containers init status
  pod=$(k -n tools get pods -l app=everything -o jsonpath='{.items[0].metadata.name}')
  containers=$(k -n tools get pod "$pod" -o jsonpath='{.spec.containers[*].name}')
  init=$(k -n tools get pod "$pod" -o jsonpath='{.spec.initContainers[*].name}')
  status=$(k -n tools get pod "$pod" -o jsonpath='{.metadata.annotations.mcpwarden\.io/status}')
  case " $init $containers " in
    *" warden-sidecar "*) ok "the pod got warden-sidecar (init: [$init], containers: [$containers])" ;;
    *) bad "the pod got warden-sidecar" "init: [$init], containers: [$containers]" ;;
  esac
  case "$status" in
    *'"server":"everything"'*) ok "the pod records the injection in mcpwarden.io/status" ;;
    *) bad "the pod records the injection in mcpwarden.io/status" "[$status]" ;;
  esac
  wait_for "the pod that did not ask for injection runs" k -n tools wait pod/not-annotated --for=condition=Ready --timeout=5s
  check "the pod that did not ask for injection has no sidecar" \
    test "$(k -n tools get pod not-annotated -o jsonpath='{.spec.containers[*].name} {.spec.initContainers[*].name}')" = "idle "
}

deploy_agents() {
  log "agents: reader and operator"
  k apply -f "$here/manifests/agents.yaml"
  local spire_agent_image name
  spire_agent_image=$(k get daemonsets -A \
    -o jsonpath='{range .items[*]}{.metadata.name} {.spec.template.spec.containers[?(@.name=="spire-agent")].image}{"\n"}{end}' |
    awk '$1 == "spire-agent" && $2 != "" { print $2; exit }')
  [ -n "$spire_agent_image" ] || die "cannot find the SPIRE agent DaemonSet's image"
  for name in reader operator; do
    sed -e "s|@NAME@|$name|g" -e "s|@SPIRE_AGENT_IMAGE@|$spire_agent_image|g" "$here/manifests/agent-pod.yaml.in" |
      k apply -f -
  done
  for name in reader operator; do
    wait_for "agent-$name has its SVID and runs" k -n agents wait "pod/agent-$name" --for=condition=Ready --timeout=5s
  done
}

# agent NAME SCENARIO: runs e2e/local/agent.mjs in agent-NAME against the MCP server's Service.
agent() {
  k -n agents exec "agent-$1" -c agent -- node /e2e/agent.mjs --url "$mcp_url" --svid-dir /tmp --scenario "$2"
}

scenarios() {
  log "calls across pods: allowed, denied, filtered"
  check "reader: everyday tools allowed, get-env denied (-32031), big sums and secrets denied, tools/list filtered" \
    agent reader reader
  check "reader: a long-running tool's progress is streamed" agent reader progress
  check "operator: get-env listed and allowed" agent operator operator

  log "a policy change reaches the running sidecar"
  check "before: get-tiny-image is denied" agent reader before-change
  local before after
  before=$(k -n tools get mcpserver everything -o jsonpath='{.status.policyVersion}')
  k apply -f "$root/e2e/local/policy-change/"
  wait_for "the MCPServer's policyVersion changes" differs mcpserver/everything '{.status.policyVersion}' "$before" -n tools
  after=$(k -n tools get mcpserver everything -o jsonpath='{.status.policyVersion}')
  # The kubelet refreshes ConfigMap volumes within about a minute; the scenario itself retries for 5 s.
  wait_for "after: get-tiny-image is allowed, without a restart (policy $after)" agent reader after-change
}

webhooks() {
  log "the validating webhook refuses a ToolPolicy that does not compile"
  local out
  if out=$(k apply -f "$root/examples/invalid/bad-principal.yaml" 2>&1); then
    bad "an invalid ToolPolicy is refused" "accepted: $out"
  else
    case "$out" in
      *validate.mcpwarden.io* | *principal*) ok "an invalid ToolPolicy is refused: $(printf '%s' "$out" | head -n 1)" ;;
      *) bad "an invalid ToolPolicy is refused by the webhook" "$out" ;;
    esac
  fi
}

receipts_check() {
  log "receipts"
  local pod
  pod=$(k -n tools get pods -l app=everything -o jsonpath='{.items[0].metadata.name}')
  k -n tools exec "$pod" -c warden-sidecar -- cat "$receipts" > "$work/receipts.jsonl"
  check "receipts were written ($(wc -l < "$work/receipts.jsonl") lines)" test -s "$work/receipts.jsonl"
  check "the chain verifies where it is written (wardenctl in the sidecar image)" \
    k -n tools exec "$pod" -c warden-sidecar -- wardenctl receipts verify "$receipts"
  # Receipt lines are canonical JSON: keys sorted (decision < principal < target).
  check "the reader's get-env call is recorded as denied" \
    grep -E "\"decision\":\"deny\".*\"principal\":\"spiffe://$trust_domain/ns/agents/sa/reader\".*\"target\":\"get-env\"" \
    "$work/receipts.jsonl"
  check "the operator's get-env call is recorded as allowed" \
    grep -E "\"decision\":\"allow\".*\"principal\":\"spiffe://$trust_domain/ns/agents/sa/operator\".*\"target\":\"get-env\"" \
    "$work/receipts.jsonl"
  # A copy with one decision changed must not verify (the chain is what makes receipts evidence).
  sed '2s/"decision":"[a-z]*"/"decision":"allow-forged"/' "$work/receipts.jsonl" > "$work/forged.jsonl"
  chmod 0644 "$work/receipts.jsonl" "$work/forged.jsonl"
  check "the copied chain verifies outside the cluster" docker run --rm -v "$work:/r:ro" \
    --entrypoint /usr/local/bin/wardenctl "$sidecar_image" receipts verify /r/receipts.jsonl
  if docker run --rm -v "$work:/r:ro" --entrypoint /usr/local/bin/wardenctl "$sidecar_image" \
    receipts verify /r/forged.jsonl >/dev/null 2>&1; then
    bad "an edited receipt is detected"
  else
    ok "an edited receipt is detected"
  fi
}

preflight
trap cleanup EXIT
create_cluster
build_images
install_spire
install_warden
deploy_server
deploy_agents
scenarios
webhooks
receipts_check

echo
echo "kind: $passed passed, $failed failed ($((SECONDS - started))s)"
[ "$failed" -eq 0 ]
