# shellcheck shell=bash
# Helpers shared by the shipping tests (sourced). Objects are read with kubectl's own YAML decoder, offline
# (`kubectl label --local` decodes every document and prints it through a JSONPath template), so assertions are on
# fields, not on text.

SHIPPING_PASSED=0
SHIPPING_FAILED=0

pass() {
  SHIPPING_PASSED=$((SHIPPING_PASSED + 1))
  printf '  ok   %s\n' "$1"
}

fail() {
  SHIPPING_FAILED=$((SHIPPING_FAILED + 1))
  printf '  FAIL %s\n' "$1"
  [ -z "${2:-}" ] || printf '       %s\n' "$2"
}

# expect_eq DESCRIPTION GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got [$2], want [$3]"; fi
}

# expect_contains DESCRIPTION HAYSTACK NEEDLE
expect_contains() {
  case "$2" in
    *"$3"*) pass "$1" ;;
    *) fail "$1" "[$3] not in [$2]" ;;
  esac
}

# expect_not_contains DESCRIPTION HAYSTACK NEEDLE
expect_not_contains() {
  case "$2" in
    *"$3"*) fail "$1" "[$3] unexpectedly in [$2]" ;;
    *) pass "$1" ;;
  esac
}

# expect_ok DESCRIPTION COMMAND...: the command succeeds.
expect_ok() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$what"; else fail "$what" "$(printf '%s' "$out" | tail -n 5 | tr '\n' ' ')"; fi
}

# expect_fail DESCRIPTION PATTERN COMMAND...: the command fails and says PATTERN (grep -E).
expect_fail() {
  local what=$1 pattern=$2 out
  shift 2
  if out=$("$@" 2>&1); then
    fail "$what" "succeeded"
  elif printf '%s' "$out" | grep -Eq -- "$pattern"; then
    pass "$what"
  else
    fail "$what" "failed without /$pattern/: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
  fi
}

# objects FILE: one line per object, "Kind/namespace/name" (namespace empty for cluster-scoped), sorted.
objects() {
  "$KUBECTL" label --local -f "$1" mcpwarden.io/shipping-test=1 \
    -o 'jsonpath={.kind}/{.metadata.namespace}/{.metadata.name}{"\n"}' | sort
}

# field FILE KIND NAME JSONPATH: the JSONPath (without braces' outer template) of one object, e.g.
# field out.yaml Deployment mcp-warden-operator '{.spec.replicas}'.
field() {
  local file=$1 kind=$2 name=$3 path=$4
  "$KUBECTL" label --local -f "$file" mcpwarden.io/shipping-test=1 \
    -o "jsonpath={.kind}/{.metadata.name}{\"\\t\"}$path{\"\\n\"}" |
    awk -F'\t' -v key="$kind/$name" '$1 == key { sub(/^[^\t]*\t/, ""); print; found = 1 } END { exit !found }'
}

# summary NAME: prints the closing line and returns non-zero when something failed.
summary() {
  echo "$1: $SHIPPING_PASSED passed, $SHIPPING_FAILED failed"
  [ "$SHIPPING_FAILED" -eq 0 ] && [ "$SHIPPING_PASSED" -gt 0 ]
}
