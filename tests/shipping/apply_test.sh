#!/usr/bin/env bash
# Applies what mcp-warden ships to a real kube-apiserver (scripts/kube-apiserver.sh: v1.20.2 and etcd on loopback)
# and checks that the API server accepted and stored every object as written, that the webhook configurations are
# in force (the API server calls them and, with no operator serving, fails closed), and, with the API server's own
# RBAC authorizer, that the operator's service account may do exactly what it needs:
#   1. manifests/ (kustomize): real server-side apply into mcp-warden-system;
#   2. the chart with defaults (helm template for the server's version): real apply into mcp-warden-helm;
#   3. the chart with non-default values (cert-manager mode): server-side dry run into mcp-warden-cm, without the
#      Issuer and Certificate, whose cert-manager CRDs this API server does not have (render_test.sh checks them).
# No controller-manager or kubelet runs: objects are stored, not reconciled. Usage: apply_test.sh SOURCE_DIR
set -euo pipefail
shopt -s inherit_errexit

src=$(cd "${1:?usage: apply_test.sh SOURCE_DIR}" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$src/tests/shipping/lib.sh"
apiserver=$src/scripts/kube-apiserver.sh
[ -x "$apiserver" ] || { echo "apply_test.sh needs $apiserver" >&2; exit 1; }
HELM=$("$src/scripts/kube-tools.sh" helm)
KUBECTL=$("$src/scripts/kube-tools.sh" kubectl)
work=$(mktemp -d)
export HELM_CACHE_HOME=$work/helm/cache HELM_CONFIG_HOME=$work/helm/config HELM_DATA_HOME=$work/helm/data
cleanup() {
  "$apiserver" stop "$work/apiserver" || true
  if [ "$SHIPPING_FAILED" -ne 0 ] || [ "${finished:-0}" != 1 ]; then
    echo "--- kube-apiserver log"
    tail -n 30 "$work/apiserver/kube-apiserver.log" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
op=mcp-warden-operator

# --enable-aggregator-routing: webhook Services resolve through Endpoints (none here), never to a cluster IP.
KUBE_APISERVER_EXTRA_ARGS="${KUBE_APISERVER_EXTRA_ARGS:-} --enable-aggregator-routing=true" \
  "$apiserver" start "$work/apiserver"
grep -qx -- --enable-aggregator-routing=true "$work/apiserver/apiserver.args" ||
  { echo "the API server was started without --enable-aggregator-routing" >&2; exit 1; }
# shellcheck disable=SC1091
. "$work/apiserver/env"
export KUBECONFIG
k() { "$KUBECTL" --request-timeout=30s "$@"; }
server_version=$(k version -o json | sed -n '/"serverVersion"/,/}/s/.*"gitVersion": *"\([^"]*\)".*/\1/p')
echo "API server $server_version"
# policy/v1 PodDisruptionBudgets exist from 1.21; on an older server the base's PDB is applied as v1beta1 (same
# fields), as a user of such a cluster would have to. The chart chooses by itself from the server's version.
has_pdb_v1=$(k api-versions | grep -cx policy/v1 || true)

# pdb_for_server FILE: FILE with the PodDisruptionBudget's apiVersion adapted to this server.
pdb_for_server() {
  if [ "$has_pdb_v1" -gt 0 ]; then cat "$1"; return; fi
  awk '
    function flush() {
      doc = doc "\n"
      if (doc ~ /\nkind: PodDisruptionBudget\n/) sub(/\napiVersion: policy\/v1\n/, "\napiVersion: policy/v1beta1\n", doc)
      if (doc != "\n") printf "---%s", doc
      doc = ""
    }
    /^---/ { flush(); next }
    { doc = doc "\n" $0 }
    END { flush() }' "$1"
}

# stored FILE: every object of FILE exists on the server (by kind, namespace and name).
check_stored() {
  local file=$1 what=$2 kind ns name missing=""
  while IFS=/ read -r kind ns name; do
    if [ -n "$ns" ]; then k get "$kind" "$name" -n "$ns" -o name >/dev/null 2>&1 || missing+="$kind/$ns/$name "
    else k get "$kind" "$name" -o name >/dev/null 2>&1 || missing+="$kind/$name "; fi
  done < <(objects "$file")
  expect_eq "$what: every object is stored" "$missing" ""
}

# same_as_file FILE KIND NAMESPACE NAME JSONPATH: the stored field equals the rendered one (nothing pruned).
same_as_file() {
  local file=$1 kind=$2 ns=$3 name=$4 path=$5 got
  local -a where=()
  [ -z "$ns" ] || where=(-n "$ns")
  got=$(k get "$kind" "$name" "${where[@]}" -o "jsonpath=$path")
  expect_eq "$kind/$name stored as rendered: $path" "$got" "$(field "$file" "$kind" "$name" "$path")"
}

# can SA_NAMESPACE VERB RESOURCE [NAMESPACE [FLAGS...]]: "yes" or "no" from the API server's RBAC authorizer, for
# the operator's service account in SA_NAMESPACE.
can() {
  local sa_ns=$1 verb=$2 resource=$3 ns=${4:-}
  shift 3
  [ "$#" -eq 0 ] || shift
  local -a where=()
  [ -z "$ns" ] || where=(-n "$ns")
  k auth can-i "$verb" "$resource" --as="system:serviceaccount:$sa_ns:$op" "${where[@]}" "$@" 2>/dev/null || true
}

check_rbac() {
  local ns=$1 mode=$2 lease=$3 r
  for r in mcpservers.mcpwarden.io toolpolicies.mcpwarden.io; do
    expect_eq "$ns: the operator may watch $r in any namespace" "$(can "$ns" watch "$r" tools)" yes
    expect_eq "$ns: the operator may not delete $r" "$(can "$ns" delete "$r" tools)" no
    expect_eq "$ns: the operator may not update $r (only its status)" "$(can "$ns" update "$r" tools)" no
    expect_eq "$ns: the operator may patch $r/status" "$(can "$ns" patch "$r" tools --subresource=status)" yes
  done
  for r in configmaps services networkpolicies.networking.k8s.io; do
    expect_eq "$ns: the operator may create $r in any namespace" "$(can "$ns" create "$r" tools)" yes
    expect_eq "$ns: the operator may delete $r in any namespace" "$(can "$ns" delete "$r" tools)" yes
  done
  expect_eq "$ns: the operator may create events.k8s.io events" "$(can "$ns" create events.events.k8s.io tools)" yes
  expect_eq "$ns: the operator may not create core events" "$(can "$ns" create events tools)" no
  expect_eq "$ns: the operator may not create pods" "$(can "$ns" create pods tools)" no
  expect_eq "$ns: the operator may not read pods" "$(can "$ns" get pods tools)" no
  expect_eq "$ns: the operator may not read Secrets elsewhere" "$(can "$ns" get secrets tools)" no
  expect_eq "$ns: the operator may not list Secrets at home" "$(can "$ns" list secrets "$ns")" no
  expect_eq "$ns: the operator may not read other Secrets at home" "$(can "$ns" get secrets/other "$ns")" no
  expect_eq "$ns: the operator may create its Lease" "$(can "$ns" create leases.coordination.k8s.io "$ns")" yes
  expect_eq "$ns: the operator may update its Lease" "$(can "$ns" update "leases.coordination.k8s.io/$lease" "$ns")" yes
  expect_eq "$ns: the operator may not update other Leases" "$(can "$ns" update leases.coordination.k8s.io/other "$ns")" no
  expect_eq "$ns: the operator may not take Leases elsewhere" "$(can "$ns" create leases.coordination.k8s.io kube-system)" no
  expect_eq "$ns: the operator may not patch other webhook configurations" \
    "$(can "$ns" patch mutatingwebhookconfigurations.admissionregistration.k8s.io/other)" no
  if [ "$mode" = self ]; then
    expect_eq "$ns: the operator may create the webhook Secret" "$(can "$ns" create secrets "$ns")" yes
    expect_eq "$ns: the operator may update the webhook Secret" "$(can "$ns" update secrets/mcp-warden-webhook-tls "$ns")" yes
    expect_eq "$ns: the operator may patch its mutating webhook configuration" \
      "$(can "$ns" patch mutatingwebhookconfigurations.admissionregistration.k8s.io/mcp-warden-injector)" yes
    expect_eq "$ns: the operator may patch its validating webhook configuration" \
      "$(can "$ns" patch validatingwebhookconfigurations.admissionregistration.k8s.io/mcp-warden-validator)" yes
  else
    expect_eq "$ns (cert-manager): the operator may not create Secrets" "$(can "$ns" create secrets "$ns")" no
    expect_eq "$ns (cert-manager): the operator may not patch webhook configurations" \
      "$(can "$ns" patch mutatingwebhookconfigurations.admissionregistration.k8s.io/mcp-warden-injector)" no
  fi
}

# The webhook configurations are in force: the API server calls them for what their rules and namespaceSelector
# match. No operator serves, so each call fails and, with failurePolicy Fail, the request is refused; namespaces that
# did not opt in are not affected. The API server runs with --enable-aggregator-routing, so it resolves the webhook
# Service through its Endpoints, which do not exist here: the call fails before anything is dialled (without it, the
# API server would dial the Service's cluster IP, an address off this machine).
check_webhooks_in_force() {
  local what=$1
  expect_fail "$what: a ToolPolicy is refused while no validator serves" \
    'failed calling webhook "validate\.mcpwarden\.io".*endpoints' \
    k create -f "$src/examples/files-server/policy-read.yaml"
  expect_fail "$what: a pod in an opted-in namespace is refused while no injector serves" \
    'failed calling webhook "inject\.mcpwarden\.io".*endpoints' \
    k run probe -n injected --image=registry.example/none:1 --restart=Never
  expect_ok "$what: a pod in a namespace that did not opt in is admitted" \
    k run "probe-$RANDOM" -n plain --image=registry.example/none:1 --restart=Never
}

k create namespace tools >/dev/null
k create namespace plain >/dev/null
k create namespace injected >/dev/null
k label namespace injected mcpwarden.io/injection=enabled >/dev/null

# ---------------------------------------------------------------------------------------------------------------
echo "== manifests/ (kustomize), server-side apply"
"$KUBECTL" kustomize "$src/manifests" > "$work/kustomize.rendered.yaml"
pdb_for_server "$work/kustomize.rendered.yaml" > "$work/kustomize.yaml"
kz=$work/kustomize.yaml
expect_ok "the API server accepts every object of manifests/" k apply --server-side --field-manager=shipping-test -f "$kz"
check_stored "$kz" manifests/
k wait --for condition=established --timeout=60s crd/mcpservers.mcpwarden.io crd/toolpolicies.mcpwarden.io >/dev/null
same_as_file "$kz" Deployment mcp-warden-system $op '{.spec.template.spec.containers[0].args}'
same_as_file "$kz" Deployment mcp-warden-system $op \
  '{range .spec.template.spec.containers[0].env[*]}{.name}={.value}{.valueFrom.fieldRef.fieldPath} {end}'
same_as_file "$kz" Deployment mcp-warden-system $op '{.spec.template.spec.securityContext}'
same_as_file "$kz" Deployment mcp-warden-system $op '{.spec.template.spec.containers[0].securityContext}'
same_as_file "$kz" Deployment mcp-warden-system $op '{.spec.template.spec.topologySpreadConstraints}'
same_as_file "$kz" MutatingWebhookConfiguration "" mcp-warden-injector '{.webhooks[0].rules}'
same_as_file "$kz" MutatingWebhookConfiguration "" mcp-warden-injector '{.webhooks[0].namespaceSelector}'
same_as_file "$kz" ValidatingWebhookConfiguration "" mcp-warden-validator '{.webhooks[0].rules}'
same_as_file "$kz" ClusterRole "" $op '{.rules}'
same_as_file "$kz" Role mcp-warden-system $op '{.rules}'
expect_eq "re-applying manifests/ changes nothing" \
  "$(k apply --server-side --field-manager=shipping-test -f "$kz" -o name >/dev/null && k get deploy $op -n mcp-warden-system -o jsonpath='{.metadata.generation}')" 1
check_rbac mcp-warden-system self $op
# What the operator does in self mode, done with its own rights: patch the caBundle in and keep the Secret.
ca=$(base64 -w0 < "$CA_FILE")
expect_ok "as the operator: patch the injector's caBundle" k patch mutatingwebhookconfiguration mcp-warden-injector \
  --as=system:serviceaccount:mcp-warden-system:$op --type=json \
  -p "[{\"op\":\"add\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"$ca\"}]"
expect_ok "as the operator: create the webhook Secret" k create secret generic mcp-warden-webhook-tls \
  -n mcp-warden-system --from-literal=tls.crt=x --as=system:serviceaccount:mcp-warden-system:$op
expect_ok "re-applying manifests/ keeps the caBundle the operator patched in" \
  k apply --server-side --field-manager=shipping-test -f "$kz"
expect_eq "the caBundle survived the re-apply" \
  "$(k get mutatingwebhookconfiguration mcp-warden-injector -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" "$ca"
check_webhooks_in_force manifests/

# Cluster-scoped objects have fixed names (one install per cluster): remove the base's before installing the chart.
k delete clusterrole/$op clusterrolebinding/$op mutatingwebhookconfiguration/mcp-warden-injector \
  validatingwebhookconfiguration/mcp-warden-validator >/dev/null

# ---------------------------------------------------------------------------------------------------------------
echo "== charts/mcp-warden, defaults, rendered for $server_version and applied"
k create namespace mcp-warden-helm >/dev/null
"$HELM" template mcp-warden "$src/charts/mcp-warden" -n mcp-warden-helm --include-crds \
  --kube-version "$server_version" > "$work/helm.yaml"
hd=$work/helm.yaml
expect_eq "the chart picks the PodDisruptionBudget version this server serves" \
  "$(field "$hd" PodDisruptionBudget $op '{.apiVersion}')" "$([ "$has_pdb_v1" -gt 0 ] && echo policy/v1 || echo policy/v1beta1)"
expect_ok "the API server accepts every object of the chart" k apply --server-side --field-manager=shipping-test -f "$hd"
check_stored "$hd" "chart (defaults)"
same_as_file "$hd" Deployment mcp-warden-helm $op '{.spec.template.spec.containers[0].args}'
same_as_file "$hd" Deployment mcp-warden-helm $op '{.spec.template.spec.affinity}'
same_as_file "$hd" MutatingWebhookConfiguration "" mcp-warden-injector '{.webhooks[0].clientConfig.service}'
same_as_file "$hd" ClusterRole "" $op '{.rules}'
same_as_file "$hd" Role mcp-warden-helm $op '{.rules}'
same_as_file "$hd" PodDisruptionBudget mcp-warden-helm $op '{.spec}'
check_rbac mcp-warden-helm self $op
expect_eq "the chart's ServiceAccount of mcp-warden-system has no rights any more" \
  "$(can mcp-warden-system watch mcpservers.mcpwarden.io tools)" no
check_webhooks_in_force "chart (defaults)"

# ---------------------------------------------------------------------------------------------------------------
echo "== charts/mcp-warden, non-default values (cert-manager), server-side dry run"
k create namespace mcp-warden-cm >/dev/null
"$HELM" template warden "$src/charts/mcp-warden" -n mcp-warden-cm --kube-version "$server_version" \
  -f "$src/tests/shipping/testdata/values-nondefault.yaml" > "$work/cm-all.yaml"
# Without the cert-manager.io kinds (documents whose kind is Issuer or Certificate).
awk '
  function flush() { doc = doc "\n"; if (doc != "\n" && doc !~ /\nkind: (Issuer|Certificate)\n/) printf "---%s", doc; doc = "" }
  /^---/ { flush(); next }
  { doc = doc "\n" $0 }
  END { flush() }' "$work/cm-all.yaml" > "$work/cm.yaml"
expect_eq "cert-manager mode: only Issuer and Certificate are left out" \
  "$(comm -3 <(objects "$work/cm-all.yaml") <(objects "$work/cm.yaml") | tr -d '\t' | tr '\n' ' ')" \
  "Certificate/mcp-warden-cm/mcp-warden-webhook Issuer/mcp-warden-cm/mcp-warden-selfsigned "
expect_ok "the API server accepts every other object (dry run)" \
  k apply --server-side --dry-run=server --force-conflicts --field-manager=shipping-test -f "$work/cm.yaml"
expect_eq "a dry run stores nothing" "$(k get deploy -n mcp-warden-cm -o name)" ""
expect_fail "the API server has no cert-manager kinds (so the Issuer and Certificate cannot be applied here)" \
  'no matches for kind|ensure CRDs are installed' \
  k apply --server-side --dry-run=server --field-manager=shipping-test -f "$work/cm-all.yaml"
# RBAC of cert-manager mode, for real, in its own namespace.
k apply --server-side --field-manager=shipping-test --force-conflicts -f <(awk '
  function flush() { doc = doc "\n"; if (doc ~ /\nkind: (ServiceAccount|ClusterRole|ClusterRoleBinding|Role|RoleBinding)\n/) printf "---%s", doc; doc = "" }
  /^---/ { flush(); next }
  { doc = doc "\n" $0 }
  END { flush() }' "$work/cm.yaml") >/dev/null
check_rbac mcp-warden-cm cert-manager warden-leader

# ---------------------------------------------------------------------------------------------------------------
echo "== e2e/kind manifests (the kind test's workloads; SPIRE's ClusterSPIFFEIDs need SPIRE's CRDs), server-side dry run"
k create namespace agents >/dev/null
sed -e 's|@NAME@|reader|g' -e 's|@SPIRE_AGENT_IMAGE@|ghcr.io/spiffe/spire-agent:1.12.4|g' \
  "$src/e2e/kind/manifests/agent-pod.yaml.in" > "$work/agent-pod.yaml"
for f in namespaces.yaml server.yaml agents.yaml; do
  expect_ok "the API server accepts e2e/kind/manifests/$f" \
    k apply --server-side --dry-run=server --field-manager=shipping-test -f "$src/e2e/kind/manifests/$f"
done
k create serviceaccount reader -n agents >/dev/null
expect_ok "the API server accepts an agent pod (agent-pod.yaml.in)" \
  k apply --server-side --dry-run=server --field-manager=shipping-test -f "$work/agent-pod.yaml"
expect_eq "agent-pod.yaml.in has no placeholder left once substituted" "$(grep -c '@[A-Z_]*@' "$work/agent-pod.yaml" || true)" 0

finished=1
summary apply
