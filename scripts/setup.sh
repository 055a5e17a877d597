#!/usr/bin/env bash
# Installs every build and test dependency of mcp-warden on Debian 12, idempotently.
# Safe to run repeatedly: apt-get only runs when a package is missing, npm ci only when the lockfile changed.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

APT_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates curl unzip
  libssl-dev openssl
  libcpprest-dev
  libyaml-cpp-dev
  nlohmann-json3-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libboost-dev libboost-system-dev
  libre2-dev
  libspdlog-dev libfmt-dev
  libcli11-dev
  libhowardhinnant-date-dev tzdata
  shellcheck
  nginx-light
)
# Node.js may come from elsewhere (nodesource bundles npm); only fall back to Debian's when absent.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# End-to-end peers from the npm registry, pinned by the committed package-lock.json.
if [ -f "$here/e2e/local/package-lock.json" ]; then
  stamp="$here/e2e/local/node_modules/.lock-stamp"
  want=$(sha256sum "$here/e2e/local/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: npm ci in e2e/local"
    (cd "$here/e2e/local" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
fi
echo "setup: dependencies present"
