#!/usr/bin/env bash
# The images cannot be built here (no Docker engine on the build machines; e2e/kind/run.sh builds them), so this
# checks what decides whether they work: every Debian package the runtime stage installs owns a shared library the
# built binaries load (ldd) and every such library is covered, the build stage installs only packages
# scripts/setup.sh installs (the ones this very build used), the images run as 65532 without a shell, and the
# build context holds what the Dockerfiles copy. Usage: docker_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
shopt -s inherit_errexit

build=$(cd "${1:?usage: docker_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
src=$(cd "${2:?usage: docker_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$src/tests/shipping/lib.sh"

# Sanitizer runtimes are linked by the test build (WARDEN_SANITIZE) only; the images build in Release.
readonly SANITIZER_PACKAGES=" libasan8 libubsan1 "
# Data, not libraries: loaded at run time by path (IANA zones for schedules).
readonly DATA_PACKAGES=" tzdata "

# joined FILE: the Dockerfile with continuation lines joined.
joined() { sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1"; }

# stage_packages FILE FROM_IMAGE: the packages of the apt-get install in the stage that starts FROM_IMAGE.
stage_packages() {
  joined "$1" | awk -v from="$2" '
    /^FROM / { in_stage = ($2 == from) }
    in_stage && /apt-get install/ {
      n = split($0, w, /[ \t]+/); take = 0
      for (i = 1; i <= n; i++) {
        if (w[i] == "--no-install-recommends") { take = 1; continue }
        if (w[i] == "&&") take = 0
        if (take && w[i] != "") print w[i]
      }
    }' | sort -u
}

# ldd_packages BINARY...: the Debian packages owning the shared libraries the binaries load.
ldd_packages() {
  local bin lib owner
  for bin in "$@"; do
    ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  done | sort -u | while read -r lib; do
    owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null) ||
      { echo "UNOWNED:$lib"; continue; }
    owner=${owner%%: *}
    echo "${owner%%:*}"
  done | sort -u
}

setup_packages=$(sed -n '/^APT_PACKAGES=(/,/^)/p' "$src/scripts/setup.sh" | sed -e '1d' -e '$d' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)

check_image() {
  local dockerfile=$1 entry=$2
  shift 2
  local name f runtime build_pkgs needed p
  name=$(basename "$dockerfile")
  f=$(joined "$dockerfile")
  echo "== $name"

  expect_eq "$name: two stages, Debian 12 to build and debian:12-slim to run" \
    "$(printf '%s\n' "$f" | awk '/^FROM / { printf "%s ", $2 }')" "debian:12 debian:12-slim "
  expect_contains "$name: a CMake Release build without tests or benchmarks" "$f" \
    "-DCMAKE_BUILD_TYPE=Release -DWARDEN_BUILD_TESTS=OFF -DWARDEN_BUILD_BENCH=OFF"
  expect_eq "$name: runs as 65532" "$(printf '%s\n' "$f" | grep '^USER ')" "USER 65532:65532"
  expect_eq "$name: nothing runs after USER" \
    "$(printf '%s\n' "$f" | awk '/^USER / { after = 1; next } after && /^RUN / { print }')" ""
  expect_eq "$name: exec-form ENTRYPOINT (no shell)" "$(printf '%s\n' "$f" | grep '^ENTRYPOINT ')" "ENTRYPOINT [\"$entry\"]"
  expect_eq "$name: no CMD or SHELL" "$(printf '%s\n' "$f" | grep -E '^(CMD|SHELL) ' || true)" ""

  build_pkgs=$(stage_packages "$dockerfile" debian:12)
  expect_eq "$name: build stage installs only packages of scripts/setup.sh" \
    "$(comm -23 <(printf '%s\n' "$build_pkgs") <(printf '%s\n' "$setup_packages") | tr '\n' ' ')" ""
  for p in libgtest-dev libbenchmark-dev nodejs npm; do
    expect_not_contains "$name: build stage does without $p" " $(printf '%s' "$build_pkgs" | tr '\n' ' ') " " $p "
  done

  runtime=$(stage_packages "$dockerfile" debian:12-slim)
  expect_eq "$name: runtime installs tzdata (schedules' time zones)" "$(printf '%s\n' "$runtime" | grep -cx tzdata)" 1
  for p in $runtime; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then :; else
      fail "$name: runtime package $p is a Debian 12 package installed with this build" "dpkg-query finds no $p"
    fi
  done
  if [ "$#" -eq 0 ]; then
    echo "  (the binary is not built in $build: the runtime list is not compared with ldd)"
    return
  fi
  needed=$(ldd_packages "$@" | while read -r p; do
    case "$SANITIZER_PACKAGES" in *" $p "*) ;; *) echo "$p" ;; esac
  done)
  expect_eq "$name: every shared library is owned by a package" "$(printf '%s\n' "$needed" | grep '^UNOWNED:' || true)" ""
  expect_eq "$name: runtime lacks no package a library needs" \
    "$(comm -23 <(printf '%s\n' "$needed") <(printf '%s\n' "$runtime") | tr '\n' ' ')" ""
  expect_eq "$name: runtime installs no package the binaries do not load" \
    "$(comm -13 <(printf '%s\n' "$needed") <(printf '%s\n' "$runtime") | while read -r p; do
      case "$DATA_PACKAGES" in *" $p "*) ;; *) printf '%s ' "$p" ;; esac
    done)" ""
}

bins=()
for b in "$build/sidecar/warden-sidecar" "$build/cli/wardenctl"; do
  [ -x "$b" ] || { echo "missing $b: build warden-sidecar and wardenctl first" >&2; exit 1; }
  bins+=("$b")
done
check_image "$src/docker/sidecar.Dockerfile" /usr/local/bin/warden-sidecar "${bins[@]}"
expect_contains "sidecar.Dockerfile: wardenctl is in the image" "$(joined "$src/docker/sidecar.Dockerfile")" \
  "COPY --from=build /out/warden-sidecar /out/wardenctl /usr/local/bin/"
if [ -x "$build/operator/warden-operator" ]; then
  check_image "$src/docker/operator.Dockerfile" /usr/local/bin/warden-operator "$build/operator/warden-operator"
else
  check_image "$src/docker/operator.Dockerfile" /usr/local/bin/warden-operator
fi

echo "== .dockerignore"
ignore=$(grep -v '^#' "$src/.dockerignore")
expect_eq ".dockerignore starts from nothing" "$(printf '%s\n' "$ignore" | head -n 1)" "*"
while read -r d; do
  d=${d%/}
  if [ -e "$src/$d" ]; then pass "COPY $d exists"; else fail "COPY $d exists" "no $src/$d"; fi
  expect_contains ".dockerignore lets $d in" "$ignore" "!$d"
done < <(awk '/^COPY / && !/--from/ { for (i = 2; i < NF; i++) print $i }' "$src/docker/"*.Dockerfile | sort -u)
for d in node_modules build; do
  expect_contains ".dockerignore keeps $d out" "$ignore" "**/$d"
done

summary docker
