#!/usr/bin/env bash
# Renders what mcp-warden ships and checks the objects field by field, offline: the kustomize base (manifests/)
# with `kubectl kustomize`, the Helm chart (charts/mcp-warden) with `helm lint` and `helm template` under default
# and non-default values, the schema's refusals, and that the three copies of the same facts agree (the chart's
# CRDs are crds/, and the chart's defaults render the same RBAC, webhooks and operator flags as manifests/).
# helm and kubectl come from e2e/local/node_modules (scripts/kube-tools.sh). Usage: render_test.sh SOURCE_DIR
# $(POD_NAME) and $(POD_NAMESPACE) in single quotes below are the kubelet's dependent variables, not shell expansions.
# shellcheck disable=SC2016
set -euo pipefail
shopt -s inherit_errexit

src=$(cd "${1:?usage: render_test.sh SOURCE_DIR}" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$src/tests/shipping/lib.sh"
HELM=$("$src/scripts/kube-tools.sh" helm)
KUBECTL=$("$src/scripts/kube-tools.sh" kubectl)
# Offline: nothing here may reach a cluster, whatever the caller's kubeconfig says.
export KUBECONFIG=/dev/null HELM_CACHE_HOME HELM_CONFIG_HOME HELM_DATA_HOME
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
HELM_CACHE_HOME=$work/helm/cache HELM_CONFIG_HOME=$work/helm/config HELM_DATA_HOME=$work/helm/data
chart=$src/charts/mcp-warden
nondefault=$src/tests/shipping/testdata/values-nondefault.yaml
op=mcp-warden-operator

# ---------------------------------------------------------------------------------------------------------------
echo "== kustomize: manifests/"
expect_ok "kubectl kustomize manifests/ renders" "$KUBECTL" kustomize "$src/manifests"
"$KUBECTL" kustomize "$src/manifests" > "$work/kustomize.yaml"
k=$work/kustomize.yaml

expect_eq "the base has exactly the expected objects" "$(objects "$k" | tr '\n' ' ')" \
  "ClusterRole//$op ClusterRoleBinding//$op CustomResourceDefinition//mcpservers.mcpwarden.io CustomResourceDefinition//toolpolicies.mcpwarden.io Deployment/mcp-warden-system/$op MutatingWebhookConfiguration//mcp-warden-injector Namespace//mcp-warden-system PodDisruptionBudget/mcp-warden-system/$op Role/mcp-warden-system/$op RoleBinding/mcp-warden-system/$op Service/mcp-warden-system/mcp-warden-operator-metrics Service/mcp-warden-system/mcp-warden-webhook ServiceAccount/mcp-warden-system/$op ValidatingWebhookConfiguration//mcp-warden-validator "

# The CRDs are crds/ itself, not a copy.
for crd in mcpservers toolpolicies; do
  expect_eq "the $crd CRD's spec is crds/mcpwarden.io_$crd.yaml's" \
    "$(field "$k" CustomResourceDefinition "$crd.mcpwarden.io" '{.spec}' | sha256sum)" \
    "$(field "$src/crds/mcpwarden.io_$crd.yaml" CustomResourceDefinition "$crd.mcpwarden.io" '{.spec}' | sha256sum)"
done

expect_eq "Deployment: 2 replicas" "$(field "$k" Deployment $op '{.spec.replicas}')" 2
args=$(field "$k" Deployment $op '{.spec.template.spec.containers[0].args}')
for a in --trust-domain=cluster.local --leader-elect=true --lease-name=mcp-warden-operator \
  '--lease-namespace=$(POD_NAMESPACE)' --admin-port=8080 --webhook-port=9443 --webhook-cert-mode=self \
  --webhook-secret=mcp-warden-webhook-tls --webhook-service=mcp-warden-webhook \
  --mutating-webhook-config=mcp-warden-injector --validating-webhook-config=mcp-warden-validator \
  --sidecar-image=ghcr.io/mcp-warden/warden-sidecar:0.1.0 --native-sidecars=auto --spiffe-csi-driver=csi.spiffe.io \
  --spiffe-socket-name=spire-agent.sock \
  --sidecar-cpu-request=50m --sidecar-memory-request=32Mi --sidecar-memory-limit=128Mi; do
  expect_contains "Deployment: arg $a" "$args" "\"$a\""
done
expect_contains "Deployment: no CPU limit for the sidecar, as an argument of its own" "$args" '"--sidecar-cpu-limit",""'
# CLI11 reads a bare `--flag=` as a flag still waiting for its value: it would swallow the next argument.
expect_not_contains "Deployment: no flag ends in an empty =" "$args" '=",'
expect_eq "Deployment: image" "$(field "$k" Deployment $op '{.spec.template.spec.containers[0].image}')" \
  ghcr.io/mcp-warden/warden-operator:0.1.0
expect_eq "Deployment: POD_NAMESPACE from the downward API" \
  "$(field "$k" Deployment $op '{.spec.template.spec.containers[0].env[?(@.name=="POD_NAMESPACE")].valueFrom.fieldRef.fieldPath}')" \
  metadata.namespace
expect_eq "Deployment: POD_NAME from the downward API" \
  "$(field "$k" Deployment $op '{.spec.template.spec.containers[0].env[?(@.name=="POD_NAME")].valueFrom.fieldRef.fieldPath}')" \
  metadata.name
expect_eq "Deployment: WARDEN_IDENTITY is the pod name" \
  "$(field "$k" Deployment $op '{.spec.template.spec.containers[0].env[?(@.name=="WARDEN_IDENTITY")].value}')" '$(POD_NAME)'
expect_eq "Deployment: ports webhook 9443, admin 8080" \
  "$(field "$k" Deployment $op '{range .spec.template.spec.containers[0].ports[*]}{.name}={.containerPort} {end}')" \
  "webhook=9443 admin=8080 "
expect_eq "Deployment: probes on the admin port" \
  "$(field "$k" Deployment $op '{.spec.template.spec.containers[0].livenessProbe.httpGet.path}@{.spec.template.spec.containers[0].livenessProbe.httpGet.port} {.spec.template.spec.containers[0].readinessProbe.httpGet.path}@{.spec.template.spec.containers[0].readinessProbe.httpGet.port}')" \
  "/healthz@admin /readyz@admin"
expect_eq "Deployment: restricted container securityContext" \
  "$(field "$k" Deployment $op '{.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation} {.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem} {.spec.template.spec.containers[0].securityContext.runAsNonRoot} {.spec.template.spec.containers[0].securityContext.runAsUser} {.spec.template.spec.containers[0].securityContext.capabilities.drop} {.spec.template.spec.containers[0].securityContext.seccompProfile.type}')" \
  'false true true 65532 ["ALL"] RuntimeDefault'
expect_eq "Deployment: pod runs as 65532 with RuntimeDefault seccomp" \
  "$(field "$k" Deployment $op '{.spec.template.spec.securityContext.runAsNonRoot} {.spec.template.spec.securityContext.runAsUser} {.spec.template.spec.securityContext.seccompProfile.type}')" \
  "true 65532 RuntimeDefault"
expect_eq "Deployment: resources" \
  "$(field "$k" Deployment $op '{.spec.template.spec.containers[0].resources.requests.cpu} {.spec.template.spec.containers[0].resources.requests.memory} {.spec.template.spec.containers[0].resources.limits.memory}')" \
  "100m 64Mi 256Mi"
expect_eq "Deployment: spread over nodes and zones" \
  "$(field "$k" Deployment $op '{.spec.template.spec.topologySpreadConstraints[*].topologyKey}')" \
  "kubernetes.io/hostname topology.kubernetes.io/zone"
expect_eq "Deployment: anti-affinity by node" \
  "$(field "$k" Deployment $op '{.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey}')" \
  kubernetes.io/hostname
expect_eq "Deployment: service account" "$(field "$k" Deployment $op '{.spec.template.spec.serviceAccountName}')" $op
expect_eq "Deployment: selector is the contract's label" \
  "$(field "$k" Deployment $op '{.spec.selector.matchLabels}')" '{"app.kubernetes.io/name":"mcp-warden-operator"}'

expect_eq "PodDisruptionBudget: minAvailable 1 over the operator pods" \
  "$(field "$k" PodDisruptionBudget $op '{.apiVersion} {.spec.minAvailable} {.spec.selector.matchLabels}')" \
  'policy/v1 1 {"app.kubernetes.io/name":"mcp-warden-operator"}'
expect_eq "Service mcp-warden-webhook: 443 -> webhook" \
  "$(field "$k" Service mcp-warden-webhook '{.spec.ports[0].port}->{.spec.ports[0].targetPort} {.spec.selector}')" \
  '443->webhook {"app.kubernetes.io/name":"mcp-warden-operator"}'
expect_eq "Service mcp-warden-operator-metrics: 8080 -> admin" \
  "$(field "$k" Service mcp-warden-operator-metrics '{.spec.ports[0].port}->{.spec.ports[0].targetPort}')" "8080->admin"

mwh='{.webhooks[0].name} {.webhooks[0].clientConfig.service.name}.{.webhooks[0].clientConfig.service.namespace}:{.webhooks[0].clientConfig.service.port}{.webhooks[0].clientConfig.service.path} {.webhooks[0].failurePolicy} {.webhooks[0].sideEffects} {.webhooks[0].admissionReviewVersions} {.webhooks[0].timeoutSeconds}'
expect_eq "MutatingWebhookConfiguration: the contract's webhook" \
  "$(field "$k" MutatingWebhookConfiguration mcp-warden-injector "$mwh {.webhooks[0].reinvocationPolicy}")" \
  'inject.mcpwarden.io mcp-warden-webhook.mcp-warden-system:443/inject Fail None ["v1"] 10 Never'
expect_eq "MutatingWebhookConfiguration: pods CREATE in opted-in namespaces" \
  "$(field "$k" MutatingWebhookConfiguration mcp-warden-injector '{.webhooks[0].rules[0].operations} {.webhooks[0].rules[0].resources} {.webhooks[0].namespaceSelector.matchLabels}')" \
  '["CREATE"] ["pods"] {"mcpwarden.io/injection":"enabled"}'
expect_eq "ValidatingWebhookConfiguration: the contract's webhook" \
  "$(field "$k" ValidatingWebhookConfiguration mcp-warden-validator "$mwh")" \
  'validate.mcpwarden.io mcp-warden-webhook.mcp-warden-system:443/validate Fail None ["v1"] 10'
expect_eq "ValidatingWebhookConfiguration: ToolPolicies and MCPServers, CREATE and UPDATE" \
  "$(field "$k" ValidatingWebhookConfiguration mcp-warden-validator '{.webhooks[0].rules[0].apiGroups} {.webhooks[0].rules[0].resources} {.webhooks[0].rules[0].operations}')" \
  '["mcpwarden.io"] ["toolpolicies","mcpservers"] ["CREATE","UPDATE"]'
for w in MutatingWebhookConfiguration/mcp-warden-injector ValidatingWebhookConfiguration/mcp-warden-validator; do
  expect_eq "$w: no caBundle (the operator patches it)" "$(field "$k" "${w%/*}" "${w#*/}" '{.webhooks[0].clientConfig.caBundle}')" ""
done

# RBAC: what the operator may do, and that nothing is broader than that.
rules=$(field "$k" ClusterRole $op '{.rules}')
expect_not_contains "ClusterRole: no wildcard" "$rules" '"*"'
expect_not_contains "ClusterRole: no secrets" "$rules" secrets
expect_not_contains "ClusterRole: no pods" "$rules" '"pods"'
expect_contains "ClusterRole: MCPServers and ToolPolicies read-only" "$rules" \
  '{"apiGroups":["mcpwarden.io"],"resources":["mcpservers","toolpolicies"],"verbs":["get","list","watch"]}'
expect_contains "ClusterRole: status subresources" "$rules" \
  '{"apiGroups":["mcpwarden.io"],"resources":["mcpservers/status","toolpolicies/status"],"verbs":["get","patch","update"]}'
expect_contains "ClusterRole: owned ConfigMaps and Services" "$rules" \
  '{"apiGroups":[""],"resources":["configmaps","services"],"verbs":["get","list","watch","create","patch","update","delete"]}'
expect_contains "ClusterRole: owned NetworkPolicies" "$rules" \
  '{"apiGroups":["networking.k8s.io"],"resources":["networkpolicies"],"verbs":["get","list","watch","create","patch","update","delete"]}'
expect_contains "ClusterRole: events.k8s.io events" "$rules" \
  '{"apiGroups":["events.k8s.io"],"resources":["events"],"verbs":["create","patch"]}'
expect_contains "ClusterRole: only its own mutating webhook configuration" "$rules" \
  '{"apiGroups":["admissionregistration.k8s.io"],"resourceNames":["mcp-warden-injector"],"resources":["mutatingwebhookconfigurations"],"verbs":["get","list","watch","patch","update"]}'
expect_contains "ClusterRole: only its own validating webhook configuration" "$rules" \
  '{"apiGroups":["admissionregistration.k8s.io"],"resourceNames":["mcp-warden-validator"],"resources":["validatingwebhookconfigurations"],"verbs":["get","list","watch","patch","update"]}'
expect_eq "ClusterRole: 7 rules, nothing else" "$(printf '%s' "$rules" | grep -o '"apiGroups"' | wc -l)" 7
role=$(field "$k" Role $op '{.rules}')
expect_eq "Role: leases and the webhook Secret, by name where RBAC allows" "$role" \
  '[{"apiGroups":["coordination.k8s.io"],"resources":["leases"],"verbs":["create"]},{"apiGroups":["coordination.k8s.io"],"resourceNames":["mcp-warden-operator"],"resources":["leases"],"verbs":["get","update"]},{"apiGroups":[""],"resources":["secrets"],"verbs":["create"]},{"apiGroups":[""],"resourceNames":["mcp-warden-webhook-tls"],"resources":["secrets"],"verbs":["get","update"]}]'
expect_eq "ClusterRoleBinding: the operator's service account" \
  "$(field "$k" ClusterRoleBinding $op '{.roleRef.kind}/{.roleRef.name} {.subjects[0].kind}/{.subjects[0].namespace}/{.subjects[0].name}')" \
  "ClusterRole/$op ServiceAccount/mcp-warden-system/$op"
expect_eq "RoleBinding: the operator's service account" \
  "$(field "$k" RoleBinding $op '{.roleRef.kind}/{.roleRef.name} {.subjects[0].kind}/{.subjects[0].namespace}/{.subjects[0].name}')" \
  "Role/$op ServiceAccount/mcp-warden-system/$op"
expect_eq "Namespace: restricted Pod Security" \
  "$(field "$k" Namespace mcp-warden-system '{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" restricted

# ---------------------------------------------------------------------------------------------------------------
echo "== helm: charts/mcp-warden"
expect_ok "helm lint --strict (defaults)" "$HELM" lint --strict "$chart"
expect_ok "helm lint --strict (non-default values)" "$HELM" lint --strict "$chart" -f "$nondefault"
for crd in mcpservers toolpolicies; do
  expect_ok "the chart's $crd CRD is byte-identical to crds/" cmp "$src/crds/mcpwarden.io_$crd.yaml" "$chart/crds/mcpwarden.io_$crd.yaml"
done
expect_eq "the chart has no other CRDs" "$(find "$chart/crds" -type f -printf '%f\n' | sort | tr '\n' ' ')" \
  "mcpwarden.io_mcpservers.yaml mcpwarden.io_toolpolicies.yaml "

"$HELM" template mcp-warden "$chart" -n mcp-warden-system > "$work/default.yaml"
d=$work/default.yaml
expect_eq "helm template (defaults): the expected objects" "$(objects "$d" | tr '\n' ' ')" \
  "ClusterRole//$op ClusterRoleBinding//$op Deployment/mcp-warden-system/$op MutatingWebhookConfiguration//mcp-warden-injector PodDisruptionBudget/mcp-warden-system/$op Role/mcp-warden-system/$op RoleBinding/mcp-warden-system/$op Service/mcp-warden-system/mcp-warden-operator-metrics Service/mcp-warden-system/mcp-warden-webhook ServiceAccount/mcp-warden-system/$op ValidatingWebhookConfiguration//mcp-warden-validator "
"$HELM" template mcp-warden "$chart" -n mcp-warden-system --include-crds > "$work/default-crds.yaml"
expect_eq "helm template --include-crds adds exactly the two CRDs" \
  "$(objects "$work/default-crds.yaml" | grep -c '^CustomResourceDefinition//')" 2

# The chart's defaults and the kustomize base describe the same install.
for w in MutatingWebhookConfiguration/mcp-warden-injector ValidatingWebhookConfiguration/mcp-warden-validator; do
  expect_eq "defaults = manifests/: $w" "$(field "$d" "${w%/*}" "${w#*/}" '{.webhooks}')" \
    "$(field "$k" "${w%/*}" "${w#*/}" '{.webhooks}')"
done
for r in ClusterRole Role; do
  expect_eq "defaults = manifests/: $r rules" "$(field "$d" $r $op '{.rules}')" "$(field "$k" $r $op '{.rules}')"
done
sorted_args() { field "$1" Deployment $op '{range .spec.template.spec.containers[0].args[*]}{@}{"\n"}{end}' | sort; }
expect_eq "defaults = manifests/: operator flags" "$(sorted_args "$d" | tr '\n' ' ')" "$(sorted_args "$k" | tr '\n' ' ')"
for p in '{.spec.replicas}' '{.spec.template.spec.securityContext}' '{.spec.template.spec.containers[0].securityContext}' \
  '{.spec.template.spec.containers[0].env}' '{.spec.template.spec.containers[0].ports}' \
  '{.spec.template.spec.containers[0].livenessProbe}' '{.spec.template.spec.containers[0].readinessProbe}' \
  '{.spec.template.spec.containers[0].startupProbe}' '{.spec.template.spec.containers[0].resources}' \
  '{.spec.template.spec.containers[0].image}' '{.spec.template.spec.volumes}' \
  '{.spec.template.spec.topologySpreadConstraints}' '{.spec.template.spec.affinity}'; do
  expect_eq "defaults = manifests/: Deployment $p" "$(field "$d" Deployment $op "$p")" "$(field "$k" Deployment $op "$p")"
done
for s in mcp-warden-webhook mcp-warden-operator-metrics; do
  expect_eq "defaults = manifests/: Service $s" "$(field "$d" Service $s '{.spec.ports} {.spec.selector}')" \
    "$(field "$k" Service $s '{.spec.ports} {.spec.selector}')"
done
expect_eq "defaults = manifests/: PodDisruptionBudget" "$(field "$d" PodDisruptionBudget $op '{.apiVersion} {.spec}')" \
  "$(field "$k" PodDisruptionBudget $op '{.apiVersion} {.spec}')"

"$HELM" template mcp-warden "$chart" -n mcp-warden-system --kube-version 1.20.2 > "$work/old.yaml"
expect_eq "Kubernetes 1.20: PodDisruptionBudget is policy/v1beta1" \
  "$(field "$work/old.yaml" PodDisruptionBudget $op '{.apiVersion}')" policy/v1beta1

echo "== helm: non-default values ($(basename "$nondefault"))"
"$HELM" template warden "$chart" -n security -f "$nondefault" > "$work/custom.yaml"
c=$work/custom.yaml
expect_eq "cert-manager: Issuer and Certificate added" "$(objects "$c" | grep -E '^(Issuer|Certificate)/' | tr '\n' ' ')" \
  "Certificate/security/mcp-warden-webhook Issuer/security/mcp-warden-selfsigned "
expect_eq "cert-manager: the Issuer is self-signed" "$(field "$c" Issuer mcp-warden-selfsigned '{.apiVersion} {.spec.selfSigned}')" \
  "cert-manager.io/v1 {}"
expect_eq "cert-manager: the Certificate is for the webhook Service" \
  "$(field "$c" Certificate mcp-warden-webhook '{.spec.secretName} {.spec.dnsNames} {.spec.issuerRef.kind}/{.spec.issuerRef.name} {.spec.duration} {.spec.renewBefore}')" \
  'warden-webhook-certs ["mcp-warden-webhook.security.svc","mcp-warden-webhook.security.svc.cluster.local"] Issuer/mcp-warden-selfsigned 720h 240h'
for w in MutatingWebhookConfiguration/mcp-warden-injector ValidatingWebhookConfiguration/mcp-warden-validator; do
  expect_eq "cert-manager: $w asks the CA injector" \
    "$(field "$c" "${w%/*}" "${w#*/}" '{.metadata.annotations.cert-manager\.io/inject-ca-from} {.webhooks[0].clientConfig.service.namespace}')" \
    "security/mcp-warden-webhook security"
done
cargs=$(field "$c" Deployment $op '{.spec.template.spec.containers[0].args}')
for a in --webhook-cert-mode=external --webhook-cert-dir=/etc/mcp-warden/webhook-certs --trust-domain=prod.example.org \
  --native-sidecars=off --spiffe-csi-driver=csi.example.io --spiffe-socket-name=agent.sock --sidecar-image=registry.example/warden/sidecar:4.5.6-test \
  --sidecar-image-pull-policy=Never --sidecar-cpu-request=75m --sidecar-memory-request=48Mi --sidecar-cpu-limit=500m \
  --sidecar-memory-limit=256Mi --webhook-port=10443 --admin-port=18080 --lease-name=warden-leader --log-level=debug; do
  expect_contains "non-default: arg $a" "$cargs" "\"$a\""
done
expect_not_contains "cert-manager: no --webhook-secret (the operator does not write it)" "$cargs" --webhook-secret
expect_not_contains "non-default: no flag ends in an empty =" "$cargs" '=",'
expect_contains "defaults: no CPU limit for the sidecar, as an argument of its own" \
  "$(field "$d" Deployment $op '{.spec.template.spec.containers[0].args}')" '"--sidecar-cpu-limit",""'
expect_not_contains "defaults: no flag ends in an empty =" "$(field "$d" Deployment $op '{.spec.template.spec.containers[0].args}')" '=",'
expect_contains "an empty memory limit is an argument of its own" \
  "$("$HELM" template w "$chart" --set sidecar.resources.limits.memory= | "$KUBECTL" label --local -f - \
    mcpwarden.io/shipping-test=1 -o 'jsonpath={.spec.template.spec.containers[0].args}')" '"--sidecar-memory-limit",""'
expect_eq "non-default: 3 replicas" "$(field "$c" Deployment $op '{.spec.replicas}')" 3
expect_eq "non-default: operator image" "$(field "$c" Deployment $op '{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].imagePullPolicy}')" \
  "registry.example/warden/operator:1.2.3-test Always"
expect_eq "non-default: operator resources" \
  "$(field "$c" Deployment $op '{.spec.template.spec.containers[0].resources}')" \
  '{"limits":{"cpu":"1","memory":"512Mi"},"requests":{"cpu":"250m","memory":"128Mi"}}'
expect_eq "cert-manager: the Secret is mounted read-only where the operator reads it" \
  "$(field "$c" Deployment $op '{.spec.template.spec.containers[0].volumeMounts[?(@.name=="webhook-certs")].mountPath} {.spec.template.spec.containers[0].volumeMounts[?(@.name=="webhook-certs")].readOnly} {.spec.template.spec.volumes[?(@.name=="webhook-certs")].secret.secretName}')" \
  "/etc/mcp-warden/webhook-certs true warden-webhook-certs"
expect_eq "non-default: ports follow the values" \
  "$(field "$c" Deployment $op '{range .spec.template.spec.containers[0].ports[*]}{.name}={.containerPort} {end}')" \
  "webhook=10443 admin=18080 "
expect_eq "non-default: metrics Service port" "$(field "$c" Service mcp-warden-operator-metrics '{.spec.ports[0].port}')" 18080
expect_eq "non-default: scheduling" \
  "$(field "$c" Deployment $op '{.spec.template.spec.priorityClassName} {.spec.template.spec.nodeSelector}')" \
  'system-cluster-critical {"kubernetes.io/os":"linux"}'
expect_eq "non-default: PodDisruptionBudget minAvailable 2" "$(field "$c" PodDisruptionBudget $op '{.spec.minAvailable}')" 2
crules=$(field "$c" ClusterRole $op '{.rules}')
expect_not_contains "cert-manager: no webhook configuration rights" "$crules" admissionregistration
crole=$(field "$c" Role $op '{.rules}')
expect_not_contains "cert-manager: no Secret rights" "$crole" secrets
expect_contains "non-default: the Lease by its configured name" "$crole" '"resourceNames":["warden-leader"]'

echo "== helm: single values"
nat() {
  "$HELM" template w "$chart" "$@" | "$KUBECTL" label --local -f - mcpwarden.io/shipping-test=1 \
    -o 'jsonpath={.spec.template.spec.containers[0].args}' | grep -o '"--native-sidecars=[a-z]*"'
}
expect_eq "nativeSidecars on" "$(nat --set sidecar.nativeSidecars=on)" '"--native-sidecars=on"'
expect_eq "nativeSidecars true (a boolean) means on" "$(nat --set sidecar.nativeSidecars=true)" '"--native-sidecars=on"'
expect_eq "nativeSidecars false (a boolean) means off" "$(nat --set sidecar.nativeSidecars=false)" '"--native-sidecars=off"'
"$HELM" template w "$chart" -n ns1 --set webhook.certificate.mode=cert-manager \
  --set webhook.certificate.certManager.issuerRef.name=corp-ca \
  --set webhook.certificate.certManager.issuerRef.kind=ClusterIssuer > "$work/issuer.yaml"
expect_eq "an existing issuer: no Issuer created" "$(objects "$work/issuer.yaml" | grep -c '^Issuer/' || true)" 0
expect_eq "an existing issuer: the Certificate uses it" \
  "$(field "$work/issuer.yaml" Certificate mcp-warden-webhook '{.spec.issuerRef.kind}/{.spec.issuerRef.name}/{.spec.issuerRef.group}')" \
  "ClusterIssuer/corp-ca/cert-manager.io"
"$HELM" template w "$chart" --set podDisruptionBudget.enabled=false --set leaderElection.enabled=false > "$work/nopdb.yaml"
expect_eq "podDisruptionBudget.enabled=false: no PDB" "$(objects "$work/nopdb.yaml" | grep -c '^PodDisruptionBudget/' || true)" 0
expect_not_contains "leaderElection.enabled=false: no Lease rights" "$(field "$work/nopdb.yaml" Role $op '{.rules}')" leases
expect_contains "leaderElection.enabled=false: the flag says so" \
  "$(field "$work/nopdb.yaml" Deployment $op '{.spec.template.spec.containers[0].args}')" '"--leader-elect=false"'

echo "== helm: values the schema refuses"
expect_fail "webhook.certificate.mode=vault" "mode|vault" "$HELM" template w "$chart" --set webhook.certificate.mode=vault
expect_fail "sidecar.nativeSidecars=maybe" "nativeSidecars|maybe" "$HELM" template w "$chart" --set sidecar.nativeSidecars=maybe
expect_fail "replicas=0" "replicas" "$HELM" template w "$chart" --set replicas=0
expect_fail "an unknown top-level value" "additional|unknownSetting" "$HELM" template w "$chart" --set unknownSetting=1
expect_fail "a trust domain with a scheme" "trustDomain" "$HELM" template w "$chart" --set trustDomain=spiffe://x
expect_fail "a sidecar memory limit that is no quantity" "memory" "$HELM" template w "$chart" \
  --set sidecar.resources.limits.memory=lots
expect_fail "an issuer kind cert-manager does not have" "kind" "$HELM" template w "$chart" \
  --set webhook.certificate.mode=cert-manager --set webhook.certificate.certManager.issuerRef.name=x \
  --set webhook.certificate.certManager.issuerRef.kind=Vault

summary render
