#!/usr/bin/env bash
# Writes the load runs' policy into DIR: an MCPServer (default deny) and one ToolPolicy of RULES rules (default
# 1,000, the CRD's maximum per list). RULES-3 rules name other tools (tool_<i>, for 50 agents, each with four argument
# conditions, as bench/policy_bench.cpp's rules do); three name the called tool `echo` with conditions on its argument:
#   allow    the load generator's identity, if message is printable ASCII (anchored RE2) and starts with "bench "
#   deny     message carries a secret (ContainsSecret: the detector scans the whole ~1 KB argument)
#   deny     message carries an injection attempt (ContainsInjection)
# Usage: make_policy.sh DIR TRUST_DOMAIN LOADGEN_SPIFFE_ID SERVER_SPIFFE_ID [RULES]
set -euo pipefail
dir=$1 td=$2 loadgen=$3 server=$4 rules=${5:-1000}
if [ "$rules" -lt 3 ] || [ "$rules" -gt 1000 ]; then echo "make_policy.sh: RULES must be 3..1000" >&2; exit 64; fi
mkdir -p "$dir"
cat > "$dir/mcpserver.yaml" <<YAML
apiVersion: mcpwarden.io/v1alpha1
kind: MCPServer
metadata: {name: bench, namespace: tools}
spec:
  selector: {matchLabels: {app: bench}}
  upstream: {port: 3001}
  identity: {spiffeID: $server}
  defaultAction: Deny
YAML
{
  cat <<YAML
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: bench-tools, namespace: tools}
spec:
  targetRef: {name: bench}
  rules:
    - name: echo-for-loadgen
      tools: [echo]
      principals: ["$loadgen"]
      effect: Allow
      when:
        - {arg: message, op: Matches, values: ["^[ -~]+\$"]}
        - {arg: message, op: Prefix, values: ["bench "]}
    - name: echo-no-secrets
      tools: [echo]
      effect: Deny
      when:
        - {arg: message, op: ContainsSecret}
      reason: the message carries what looks like a secret
    - name: echo-no-overrides
      tools: [echo]
      effect: Deny
      when:
        - {arg: message, op: ContainsInjection}
      reason: the message tries to override instructions
YAML
  for ((i = 0; i < rules - 3; i++)); do
    cat <<YAML
    - name: tool-$i
      tools: [tool_$i]
      principals: ["spiffe://$td/ns/agents/sa/agent-$((i % 50))"]
      effect: Allow
      when:
        - {arg: path, op: PathUnder, values: ["/workspace/team-$((i % 7))"]}
        - {arg: mode, op: In, values: [read, list]}
        - {arg: ticket, op: Matches, values: ["^[A-Z]{2,5}-[0-9]{1,6}\$"]}
        - {arg: limit, op: LessThan, values: ["$((100 + i))"]}
YAML
  done
} > "$dir/toolpolicy.yaml"
