{{/* Names are fixed by the contract between the operator and its manifests (docs/deploy.md). */}}
{{- define "mcp-warden.operatorName" -}}mcp-warden-operator{{- end -}}
{{- define "mcp-warden.webhookService" -}}mcp-warden-webhook{{- end -}}
{{- define "mcp-warden.injectorName" -}}mcp-warden-injector{{- end -}}
{{- define "mcp-warden.validatorName" -}}mcp-warden-validator{{- end -}}
{{- define "mcp-warden.certificateName" -}}mcp-warden-webhook{{- end -}}
{{- define "mcp-warden.issuerName" -}}mcp-warden-selfsigned{{- end -}}
{{- define "mcp-warden.certDir" -}}/etc/mcp-warden/webhook-certs{{- end -}}

{{- define "mcp-warden.selectorLabels" -}}
app.kubernetes.io/name: mcp-warden-operator
{{- end -}}

{{- define "mcp-warden.labels" -}}
{{ include "mcp-warden.selectorLabels" . }}
app.kubernetes.io/part-of: mcp-warden
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "mcp-warden.certManager" -}}
{{- if eq .Values.webhook.certificate.mode "cert-manager" -}}true{{- end -}}
{{- end -}}

{{- define "mcp-warden.operatorImage" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "mcp-warden.sidecarImage" -}}
{{- printf "%s:%s" .Values.sidecar.image.repository (default .Chart.AppVersion .Values.sidecar.image.tag) -}}
{{- end -}}

{{/* auto | on | off; YAML 1.1 turns a bare on/off in a values file into true/false, which mean on/off here. */}}
{{- define "mcp-warden.nativeSidecars" -}}
{{- $v := .Values.sidecar.nativeSidecars -}}
{{- if kindIs "bool" $v -}}
{{- ternary "on" "off" $v -}}
{{- else if has (toString $v) (list "auto" "on" "off") -}}
{{- toString $v -}}
{{- else -}}
{{- fail (printf "sidecar.nativeSidecars must be auto, on or off, not %v" $v) -}}
{{- end -}}
{{- end -}}

{{/* A resource quantity as a flag value: "" stays empty (no limit); numbers keep their form. */}}
{{- define "mcp-warden.quantity" -}}
{{- if kindIs "invalid" . -}}{{- else if kindIs "string" . -}}{{ . }}{{- else -}}{{ . | toString }}{{- end -}}
{{- end -}}

{{/* One argument for a quantity flag: --name=value, or, for "" (none), --name "" as two arguments: CLI11 reads a
bare `--name=` as a flag still waiting for its value and takes the next argument. */}}
{{- define "mcp-warden.quantityFlag" -}}
{{- $v := include "mcp-warden.quantity" .value -}}
{{- if $v -}}
- --{{ .name }}={{ $v }}
{{- else -}}
- --{{ .name }}
- ""
{{- end -}}
{{- end -}}

{{/* policy/v1 PodDisruptionBudget from Kubernetes 1.21; policy/v1beta1 before (removed in 1.25). */}}
{{- define "mcp-warden.pdbApiVersion" -}}
{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version -}}policy/v1{{- else -}}policy/v1beta1{{- end -}}
{{- end -}}
