#!/usr/bin/env bash
# A real Kubernetes API server for the tests (design D8): provides kube-apiserver and etcd, starts them on
# loopback with generated certificates, and stops them. Described in docs/kube-apiserver.md.
#
# Usage:
#   kube-apiserver.sh ensure                  print KUBE_APISERVER=<path> and ETCD=<path> (eval-able); builds
#                                             kube-apiserver from Debian's `kubernetes` source package if needed
#   kube-apiserver.sh start DIR               start etcd and kube-apiserver; writes DIR/kubeconfig, DIR/env, DIR/env.json, DIR/pids
#   kube-apiserver.sh stop DIR                stop both (TERM, then KILL); idempotent
#   kube-apiserver.sh restart-apiserver DIR   restart kube-apiserver alone, same flags and port
#   kube-apiserver.sh compact DIR             compact etcd: watches from any revision older than the current one
#                                             get 410 Gone; prints the compaction revision
#
# Environment:
#   KUBE_APISERVER, ETCD         binaries to use instead (e.g. from setup-envtest); nothing is built or installed
#   MCP_WARDEN_CACHE             cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/mcp-warden)
#   KUBE_SOURCE_VERSION          exact Debian version of the `kubernetes` source package (default: apt's candidate,
#                                which must be upstream v1.20.2)
#   KUBE_BUILD_JOBS              Go build parallelism (default: nproc)
#   KUBE_GENERATE_ALL=1          run every code generator (`make generated_files`, as Debian does; ~1 min more)
#   KUBE_BUILD_KEEP=1            keep the build directory (its path is printed)
#   KUBE_APISERVER_START_TIMEOUT seconds to wait for /readyz (default 60; then up to 20 s for discovery)
#   KUBE_APISERVER_WATCH_CACHE   true|false, kube-apiserver's --watch-cache (default false: watches are served by
#                                etcd, so `compact` makes watches from older revisions fail with 410 Gone)
#   KUBE_APISERVER_EXTRA_ARGS    extra kube-apiserver flags, split on whitespace
set -euo pipefail

# The one upstream version this script builds; Debian 12 ships it as 1.20.5+really1.20.2-*.
readonly KUBE_VERSION=1.20.2
readonly SOURCE_PACKAGE=kubernetes
readonly GO_PACKAGE=golang-1.19-go
readonly GO_ROOT=/usr/lib/go-1.19
readonly REFLECT2_PACKAGE=golang-github-modern-go-reflect2-dev
readonly REFLECT2_DIR=/usr/share/gocode/src/github.com/modern-go/reflect2
readonly DEB_SRC_FILE=mcp-warden-deb-src
readonly SERVICE_CIDR=10.0.0.0/24

cache_root=${MCP_WARDEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-warden}
cache_dir=$cache_root/kube-apiserver-v$KUBE_VERSION
started_at=$SECONDS

log() { printf 'kube-apiserver.sh [%3ds] %s\n' "$((SECONDS - started_at))" "$*" >&2; }
die() { printf 'kube-apiserver.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# apt helpers: idempotent, `apt-get update` at most once per run.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

apt_updated=0
apt_update_once() {
  [ "$apt_updated" = 1 ] && return 0
  log "apt-get update"
  as_root apt-get update -qq >&2
  apt_updated=1
}

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_update_once
  log "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# deb-src entries derived from the machine's own deb entries (same URIs, suites, components, keys), written to
# /etc/apt/sources.list.d/mcp-warden-deb-src.{sources,list}. No mirror is named here. Returns 0 when it changed
# the apt configuration.
derive_deb_src() {
  local dir=/etc/apt/sources.list.d tmp changed=1 f
  # Entries of the machine's own (other than ours) that already enable deb-src: nothing to derive.
  for f in /etc/apt/sources.list "$dir"/*.list "$dir"/*.sources; do
    [ -f "$f" ] || continue
    case "$(basename "$f")" in "$DEB_SRC_FILE".*) continue ;; esac
    if grep -Eq '^[[:space:]]*deb-src[[:space:]]|^Types:.*[[:space:]]deb-src([[:space:]]|$)' "$f"; then
      if [ -e "$dir/$DEB_SRC_FILE.sources" ] || [ -e "$dir/$DEB_SRC_FILE.list" ]; then
        as_root rm -f "$dir/$DEB_SRC_FILE.sources" "$dir/$DEB_SRC_FILE.list"
        return 0
      fi
      return 1
    fi
  done
  tmp=$(mktemp -d)
  # deb822 stanzas (Types: deb ...) → Types: deb-src, continuation lines (inline Signed-By keys) kept.
  for f in "$dir"/*.sources; do
    [ -f "$f" ] || continue
    [ "$(basename "$f")" = "$DEB_SRC_FILE.sources" ] && continue
    awk '
      function flush(   k) {
        if (isdeb && fields["uris"] != "" && fields["suites"] != "") {
          print "Types: deb-src"
          for (k = 1; k <= nkeys; k++) if (keys[k] != "types") print names[keys[k]] ": " fields[keys[k]]
          print ""
        }
        isdeb = 0; nkeys = 0; last = ""; split("", fields); split("", names)
      }
      /^#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { if (last != "") fields[last] = fields[last] "\n" $0; next }
      {
        name = $0; sub(/:.*/, "", name); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
        last = tolower(name)
        if (!(last in fields)) keys[++nkeys] = last
        fields[last] = val; names[last] = name
        if (last == "types") { n = split(val, t, /[ \t]+/); for (i = 1; i <= n; i++) if (t[i] == "deb") isdeb = 1 }
      }
      END { flush() }' "$f"
  done > "$tmp/sources"
  # One-line format (sources.list and *.list): deb [options] uri suite components → deb-src ...
  for f in /etc/apt/sources.list "$dir"/*.list; do
    [ -f "$f" ] || continue
    [ "$(basename "$f")" = "$DEB_SRC_FILE.list" ] && continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f"
  done > "$tmp/list"
  for f in sources list; do
    if [ -s "$tmp/$f" ]; then
      if ! cmp -s "$tmp/$f" "$dir/$DEB_SRC_FILE.$f"; then
        log "writing deb-src entries to $dir/$DEB_SRC_FILE.$f (derived from the deb entries)"
        as_root install -m 0644 "$tmp/$f" "$dir/$DEB_SRC_FILE.$f"
        changed=0
      fi
    elif [ -e "$dir/$DEB_SRC_FILE.$f" ]; then
      as_root rm -f "$dir/$DEB_SRC_FILE.$f"
      changed=0
    fi
  done
  rm -rf "$tmp"
  return "$changed"
}

# ---------------------------------------------------------------------------------------------------------------
# ensure

usable() { [ -n "$1" ] && [ -x "$1" ] && [ -f "$1" ]; }

cached_apiserver_ok() {
  usable "$cache_dir/kube-apiserver" &&
    "$cache_dir/kube-apiserver" --version 2>/dev/null | grep -q "v$KUBE_VERSION\$"
}

resolve_etcd() {
  if [ -n "${ETCD:-}" ]; then
    usable "$ETCD" || die "ETCD=$ETCD is not an executable file"
    etcd_bin=$ETCD
    return
  fi
  if ! pkg_installed etcd-server; then
    apt_install etcd-server
  fi
  etcd_bin=$(command -v etcd || true)
  [ -n "$etcd_bin" ] || etcd_bin=/usr/bin/etcd
  usable "$etcd_bin" || die "etcd-server is installed but $etcd_bin is missing"
}

resolve_apiserver() {
  if [ -n "${KUBE_APISERVER:-}" ]; then
    usable "$KUBE_APISERVER" || die "KUBE_APISERVER=$KUBE_APISERVER is not an executable file"
    apiserver_bin=$KUBE_APISERVER
    return
  fi
  apiserver_bin=$cache_dir/kube-apiserver
  cached_apiserver_ok && return
  mkdir -p "$cache_dir"
  # One build at a time per cache; whoever waited finds the binary.
  exec 9>"$cache_dir/.lock"
  if ! flock -n 9; then
    log "another build holds $cache_dir/.lock; waiting"
    flock 9
  fi
  if ! cached_apiserver_ok; then
    build_apiserver
  fi
  flock -u 9
  exec 9>&-
}

build_failed() {
  local step=$1
  log "FAILED: $step; last lines of $build_log:"
  tail -n 40 "$build_log" >&2 || true
  exit 1
}

build_apiserver() {
  local log_stamp work src dsc version jobs bin
  log_stamp=$(date -u +%Y%m%dT%H%M%SZ)
  build_log=$cache_dir/build-$log_stamp.log
  ln -sfn "$(basename "$build_log")" "$cache_dir/build.log"
  : > "$build_log"
  log "building kube-apiserver v$KUBE_VERSION from Debian's $SOURCE_PACKAGE source (about 5-10 minutes);" \
    "log: $build_log"

  # Source entries first, so the one `apt-get update` covers both the packages and the source.
  if derive_deb_src; then apt_updated=0; fi
  local -a packages=("$GO_PACKAGE" "$REFLECT2_PACKAGE" rsync dpkg-dev make ca-certificates)
  [ -n "${ETCD:-}" ] || packages+=(etcd-server)
  apt_install "${packages[@]}"
  apt_update_once

  work=$(mktemp -d "${TMPDIR:-/tmp}/mcp-warden-kube-apiserver.XXXXXX")
  chmod 0755 "$work"
  if [ "${KUBE_BUILD_KEEP:-0}" = 1 ]; then
    log "build directory (kept): $work"
  else
    # shellcheck disable=SC2064 # expand now: $work is local
    trap "rm -rf '$work'" EXIT
  fi

  log "apt-get source --download-only $SOURCE_PACKAGE${KUBE_SOURCE_VERSION:+=$KUBE_SOURCE_VERSION}"
  (cd "$work" && apt-get source --download-only -o APT::Sandbox::User=root \
    "$SOURCE_PACKAGE${KUBE_SOURCE_VERSION:+=$KUBE_SOURCE_VERSION}") >> "$build_log" 2>&1 ||
    build_failed "apt-get source (are deb-src entries reachable?)"
  dsc=$(find "$work" -maxdepth 1 -name "${SOURCE_PACKAGE}_*.dsc" | head -n 1)
  [ -n "$dsc" ] || build_failed "no .dsc downloaded"
  version=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
  case "$version" in
    "$KUBE_VERSION"-* | *"really$KUBE_VERSION"-*) ;;
    *) die "the $SOURCE_PACKAGE source is $version, not upstream v$KUBE_VERSION; set KUBE_SOURCE_VERSION or update KUBE_VERSION in $0" ;;
  esac

  log "dpkg-source -x $(basename "$dsc") (Debian's patches applied)"
  src=$work/src
  dpkg-source -x "$dsc" "$src" >> "$build_log" 2>&1 || build_failed "dpkg-source -x"

  # reflect2 1.0.1 (vendored) reads Go runtime internals that changed in Go 1.18: the API server crashes at
  # start. Debian's 1.0.2 is API-compatible and supports Go 1.18+.
  [ -f "$REFLECT2_DIR/go_above_118.go" ] || die "$REFLECT2_DIR is not reflect2 >= 1.0.2"
  log "vendor/github.com/modern-go/reflect2: 1.0.1 -> Debian's $(dpkg-query -W -f='${Version}' "$REFLECT2_PACKAGE")"
  rm -rf "$src/vendor/github.com/modern-go/reflect2"
  cp -a "$REFLECT2_DIR" "$src/vendor/github.com/modern-go/reflect2"

  # Kubernetes 1.20's own scripts build in GOPATH mode (hack/lib/init.sh sets GO111MODULE=off and links the tree
  # into _output/local/go/src/k8s.io/kubernetes), where vendor/ is used without -mod=vendor (which GOPATH mode
  # refuses), so GOFLAGS is cleared. Nothing is fetched: GOPROXY=off.
  jobs=${KUBE_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
  local -a build_env=(
    env "PATH=$GO_ROOT/bin:$PATH" GOROOT= GO111MODULE=off GOFLAGS= GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local
    CGO_ENABLED=0 GOMAXPROCS="$jobs" KUBE_VERBOSE=1 GOLDFLAGS="-s -w"
  )

  # The tarball lacks pkg/generated/openapi/zz_generated.openapi.go, which the API server needs and upstream does
  # not commit; the other generated files (deepcopy, conversion, defaults) are committed upstream and shipped.
  # So `make gen_openapi` (about 20 s) is enough; Debian's build runs every generator (`make generated_files`).
  local target=gen_openapi
  [ "${KUBE_GENERATE_ALL:-0}" = 1 ] && target=generated_files
  log "make $target (Go $("$GO_ROOT/bin/go" env GOVERSION), $jobs jobs)"
  (cd "$src" && nice -n 10 "${build_env[@]}" make "$target") >> "$build_log" 2>&1 ||
    build_failed "make $target"
  [ -f "$src/pkg/generated/openapi/zz_generated.openapi.go" ] || build_failed "zz_generated.openapi.go not generated"

  log "go build cmd/kube-apiserver (static, stripped; about 1.4 GB of memory)"
  (cd "$src" && nice -n 10 "${build_env[@]}" hack/make-rules/build.sh cmd/kube-apiserver) >> "$build_log" 2>&1 ||
    build_failed "hack/make-rules/build.sh cmd/kube-apiserver"
  bin=$src/_output/local/bin/linux/$("$GO_ROOT/bin/go" env GOARCH)/kube-apiserver
  [ -x "$bin" ] || build_failed "no binary at $bin"
  "$bin" --version >> "$build_log" 2>&1 || build_failed "the built kube-apiserver does not run"
  "$bin" --version | grep -q "v$KUBE_VERSION\$" || build_failed "the built kube-apiserver is not v$KUBE_VERSION"

  # Atomic install: a reader sees the old binary or the new one, never half of one.
  cp "$bin" "$cache_dir/.kube-apiserver.$$"
  chmod 0755 "$cache_dir/.kube-apiserver.$$"
  mv -f "$cache_dir/.kube-apiserver.$$" "$cache_dir/kube-apiserver"
  {
    echo "source=$SOURCE_PACKAGE $version"
    echo "go=$("$GO_ROOT/bin/go" env GOVERSION)"
    echo "reflect2=$(dpkg-query -W -f='${Version}' "$REFLECT2_PACKAGE")"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - started_at))s with $jobs jobs"
  } > "$cache_dir/SOURCE"
  log "installed $cache_dir/kube-apiserver ($(du -h "$cache_dir/kube-apiserver" | cut -f1))"
  if [ "${KUBE_BUILD_KEEP:-0}" != 1 ]; then
    rm -rf "$work"
    trap - EXIT
  fi
}

cmd_ensure() {
  # The API server first: its build installs etcd-server too, after the one `apt-get update`.
  resolve_apiserver
  resolve_etcd
  printf 'KUBE_APISERVER=%q\nETCD=%q\n' "$apiserver_bin" "$etcd_bin"
}

# ---------------------------------------------------------------------------------------------------------------
# processes

# True when PID is alive (not a zombie) and its command line mentions DIR: never signal a recycled PID.
pid_is_ours() {
  local pid=$1 dir=$2 state
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null) || return 1
  [ "$state" != Z ] || return 1
  tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir"
}

stop_pid() {
  local name=$1 pid=$2 dir=$3 i
  pid_is_ours "$pid" "$dir" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    pid_is_ours "$pid" "$dir" || { log "stopped $name ($pid)"; return 0; }
    sleep 0.1
  done
  log "$name ($pid) ignored TERM for 15s; KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_is_ours "$pid" "$dir" || return 0
    sleep 0.1
  done
  die "$name ($pid) did not exit"
}

# Ports: free now, outside the ephemeral range (outgoing connections cannot take them meanwhile), distinct.
ports_in_use() {
  awk 'NR > 1 { n = split($2, a, ":"); print a[n] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u
}

# free_port VAR: sets VAR to the port.
free_port() {
  local used lo hi p i
  used=" $(ports_in_use | tr '\n' ' ') ${taken_ports:-} "
  read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range || lo=32768
  hi=$((lo - 1))
  [ "$hi" -gt 20000 ] || hi=30000
  for ((i = 0; i < 200; i++)); do
    p=$((10000 + RANDOM % (hi - 10000)))
    case "$used" in *" $(printf '%04X' "$p") "* | *" $p "*) continue ;; esac
    taken_ports="${taken_ports:-} $p"
    printf -v "$1" '%s' "$p"
    return 0
  done
  die "no free port found"
}

load_env() {
  local dir=$1
  [ -f "$dir/env" ] || return 1
  # shellcheck disable=SC1091
  . "$dir/env"
}

# A JSON string literal for $1 (paths, URLs, the token); control characters are refused rather than escaped.
json_str() {
  local s=$1
  case "$s" in *[[:cntrl:]]*) die "control character in: $s" ;; esac
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# DIR/env for shells (printf %q quoting), DIR/env.json with the same names for programs (the C++ tests).
write_state() {
  local dir=$1 i sep
  local -a vars=(
    KUBECONFIG "$dir/kubeconfig" API_URL "https://127.0.0.1:$APISERVER_PORT" TOKEN "$TOKEN"
    CA_FILE "$dir/pki/ca.crt" CLIENT_CERT_FILE "$dir/pki/admin.crt" CLIENT_KEY_FILE "$dir/pki/admin.key"
    APISERVER_PORT "$APISERVER_PORT" APISERVER_PID "$APISERVER_PID"
    ETCD_URL "http://127.0.0.1:$ETCD_PORT" ETCD_PORT "$ETCD_PORT" ETCD_PEER_PORT "$ETCD_PEER_PORT"
    ETCD_PID "$ETCD_PID" KUBE_APISERVER "$KUBE_APISERVER" ETCD "$ETCD"
  )
  printf '%s=%q\n' "${vars[@]}" > "$dir/env.tmp"
  {
    printf '{'
    sep=
    for ((i = 0; i < ${#vars[@]}; i += 2)); do
      printf '%s\n  "%s": ' "$sep" "${vars[i]}"
      case "${vars[i]}" in
        *_PORT | *_PID) printf '%d' "${vars[i + 1]}" ;;
        *) json_str "${vars[i + 1]}" ;;
      esac
      sep=,
    done
    printf '\n}\n'
  } > "$dir/env.json.tmp"
  chmod 0600 "$dir/env.tmp" "$dir/env.json.tmp"
  mv -f "$dir/env.tmp" "$dir/env"
  mv -f "$dir/env.json.tmp" "$dir/env.json"
  printf 'etcd %s\nkube-apiserver %s\n' "$ETCD_PID" "$APISERVER_PID" > "$dir/pids.tmp"
  mv -f "$dir/pids.tmp" "$dir/pids"
}

gen_pki() {
  local pki=$1
  rm -rf "$pki"
  mkdir -p "$pki"
  chmod 0700 "$pki"
  (
    cd "$pki"
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    key ca.key
    cat > ca.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = mcp-warden test CA
[v3]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
    openssl req -x509 -new -config ca.cnf -extensions v3 -key ca.key -days 3650 -sha256 -out ca.crt
    # sign NAME SUBJECT EXTENSIONS
    sign() {
      key "$1.key"
      printf '[v3]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n%s\n' \
        "$3" > "$1.cnf"
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" -days 3650 \
        -sha256 -extfile "$1.cnf" -extensions v3 -out "$1.crt" 2>/dev/null
      rm -f "$1.csr" "$1.cnf"
    }
    sign apiserver /CN=kube-apiserver "extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,IP:${SERVICE_CIDR%.*}.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    sign admin "/O=system:masters/CN=admin" "extendedKeyUsage = clientAuth"
    key sa.key
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    printf '%s,admin,admin,"system:masters"\n' "$(openssl rand -hex 24)" > tokens.csv
    chmod 0600 ./*.key tokens.csv
  ) || die "certificate generation failed (openssl)"
}

write_kubeconfig() {
  local dir=$1
  b64() { base64 -w0 < "$1"; }
  cat > "$dir/kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mcp-warden-test
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(b64 "$dir/pki/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$dir/pki/admin.crt")
    client-key-data: $(b64 "$dir/pki/admin.key")
- name: admin-token
  user:
    token: $TOKEN
contexts:
- name: mcp-warden-test
  context: {cluster: mcp-warden-test, user: admin}
- name: mcp-warden-test-token
  context: {cluster: mcp-warden-test, user: admin-token}
current-context: mcp-warden-test
EOF
  chmod 0600 "$dir/kubeconfig.tmp"
  mv -f "$dir/kubeconfig.tmp" "$dir/kubeconfig"
}

# wait_for NAME PID DIR LOG SECONDS COMMAND...: 0 when COMMAND succeeds, 1 when NAME died, 2 on timeout.
# COMMAND is an external program, not a function: its output redirection must not cover this shell's stderr if a
# signal's trap runs meanwhile.
wait_for() {
  local name=$1 pid=$2 dir=$3 logfile=$4 limit=$5 deadline
  shift 5
  deadline=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$@" >/dev/null 2>&1 && return 0
    pid_is_ours "$pid" "$dir" || { log "$name exited; last lines of $logfile:"; tail -n 25 "$logfile" >&2; return 1; }
    sleep 0.2
  done
  log "$name not ready after ${limit}s; last lines of $logfile:"
  tail -n 25 "$logfile" >&2
  return 2
}

start_etcd() {
  local dir=$1 rc
  for _ in 1 2 3; do
    free_port ETCD_PORT
    free_port ETCD_PEER_PORT
    rm -rf "$dir/etcd"
    log "starting etcd on 127.0.0.1:$ETCD_PORT (peer $ETCD_PEER_PORT)"
    "$ETCD" --name mcp-warden-test --data-dir "$dir/etcd" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "mcp-warden-test=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
      --logger zap --log-outputs stderr --log-level warn \
      > "$dir/etcd.log" 2>&1 < /dev/null &
    ETCD_PID=$!
    rc=0
    wait_for etcd "$ETCD_PID" "$dir" "$dir/etcd.log" 20 curl -fsS "http://127.0.0.1:$ETCD_PORT/health" || rc=$?
    [ "$rc" = 0 ] && return 0
    stop_pid etcd "$ETCD_PID" "$dir"
    grep -q "address already in use" "$dir/etcd.log" || return 1
    log "port taken meanwhile; retrying with other ports"
  done
  return 1
}

# Launches kube-apiserver with DIR/apiserver.args (plus the port) and waits for /readyz.
launch_apiserver() {
  local dir=$1 rc=0 args=()
  mapfile -t args < "$dir/apiserver.args"
  echo "--- $(date -u +%Y-%m-%dT%H:%M:%SZ) start" >> "$dir/kube-apiserver.log"
  "$KUBE_APISERVER" "${args[@]}" --secure-port "$APISERVER_PORT" >> "$dir/kube-apiserver.log" 2>&1 < /dev/null &
  APISERVER_PID=$!
  # Recorded at once, so that `stop DIR` finds it even if this script is killed while waiting.
  write_state "$dir"
  wait_for kube-apiserver "$APISERVER_PID" "$dir" "$dir/kube-apiserver.log" \
    "${KUBE_APISERVER_START_TIMEOUT:-60}" \
    curl -fsS --max-time 5 --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $TOKEN" \
    "https://127.0.0.1:$APISERVER_PORT/readyz" || rc=$?
  [ "$rc" = 0 ] || return "$rc"
  # 1.20's /readyz does not wait for the discovery documents of CRD groups (later versions have the
  # crd-discovery-available check): after a restart, kubectl could briefly find no such resource type.
  local i
  for ((i = 0; i < 100; i++)); do
    discovery_complete "$dir" && return 0
    pid_is_ours "$APISERVER_PID" "$dir" || return 1
    sleep 0.2
  done
  log "kube-apiserver's discovery is incomplete after 20s: $(discovery_complete "$dir" show)"
  return 2
}

# True when /apis and every group version it lists answer 200; with "show", prints those that do not.
discovery_complete() {
  local dir=$1 base="https://127.0.0.1:$APISERVER_PORT" apis gv bad
  local -a auth=(--max-time 10 --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $TOKEN") urls=()
  apis=$(curl -fs "${auth[@]}" "$base/apis" 2>/dev/null) || { [ -z "${2:-}" ] || echo "/apis"; return 1; }
  for gv in $(printf '%s\n' "$apis" | sed -n 's/.*"groupVersion": *"\([^"]*\)".*/\1/p' | sort -u); do
    urls+=(-o /dev/null "$base/apis/$gv")
  done
  [ ${#urls[@]} -gt 0 ] || { [ -z "${2:-}" ] || echo "no group versions in /apis"; return 1; }
  # One curl for all (one connection); each URL's status on its own line, in order.
  bad=$(curl -s "${auth[@]}" -w '%{http_code} %{url_effective}\n' "${urls[@]}" 2>/dev/null | grep -v '^200 ') || true
  [ -z "${2:-}" ] || echo "$bad"
  [ -z "$bad" ]
}

start_apiserver() {
  local dir=$1 rc extra=()
  read -r -a extra <<< "${KUBE_APISERVER_EXTRA_ARGS:-}"
  # One flag per line; --secure-port is added at launch so a restart can keep it. --enable-aggregator-routing:
  # webhooks and aggregated APIs behind a Service are dialled through its Endpoints (none here) instead of its
  # cluster IP, which on a build machine could route off the host.
  printf '%s\n' \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
    --cert-dir "$dir/pki" \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" --token-auth-file "$dir/pki/tokens.csv" \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode RBAC \
    --enable-admission-plugins "NamespaceLifecycle,LimitRanger,DefaultStorageClass,DefaultTolerationSeconds,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota" \
    --disable-admission-plugins ServiceAccount \
    --allow-privileged=true \
    --watch-cache="${KUBE_APISERVER_WATCH_CACHE:-false}" \
    --etcd-compaction-interval 0 \
    --endpoint-reconciler-type none \
    --profiling=false \
    --enable-aggregator-routing=true \
    "${extra[@]}" > "$dir/apiserver.args"
  : > "$dir/kube-apiserver.log"
  for _ in 1 2 3; do
    free_port APISERVER_PORT
    log "starting kube-apiserver on https://127.0.0.1:$APISERVER_PORT"
    rc=0
    launch_apiserver "$dir" || rc=$?
    [ "$rc" = 0 ] && return 0
    stop_pid kube-apiserver "$APISERVER_PID" "$dir"
    tail -n 30 "$dir/kube-apiserver.log" | grep -q "address already in use" || return 1
    log "port taken meanwhile; retrying with another port"
  done
  return 1
}

# abs_dir DIR [create]: DIR as an absolute, physical path (the PID checks look for it in command lines).
abs_dir() {
  [ -n "${1:-}" ] || die "missing DIR"
  [ "${2:-}" = create ] && mkdir -p "$1"
  (cd "$1" 2>/dev/null && pwd -P) || die "no such directory: $1"
}

running_in() {
  local dir=$1 name pid
  [ -f "$dir/pids" ] || return 1
  while read -r name pid; do
    pid_is_ours "$pid" "$dir" && return 0
  done < "$dir/pids"
  return 1
}

abort_start() {
  stop_pid kube-apiserver "$APISERVER_PID" "$start_dir" || true
  stop_pid etcd "$ETCD_PID" "$start_dir" || true
}

cmd_start() {
  local dir
  dir=$(abs_dir "${1:-}" create)
  running_in "$dir" && die "already running in $dir (stop it first)"
  local ensured
  ensured=$(cmd_ensure) || exit 1
  eval "$ensured"
  export KUBE_APISERVER ETCD
  for tool in openssl curl base64 flock; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
  done
  log "kube-apiserver: $KUBE_APISERVER; etcd: $ETCD; state: $dir"
  gen_pki "$dir/pki"
  TOKEN=$(cut -d, -f1 "$dir/pki/tokens.csv")
  APISERVER_PORT=0 APISERVER_PID=0 ETCD_PID=0 ETCD_PORT=0 ETCD_PEER_PORT=0
  rm -f "$dir/pids" "$dir/env" "$dir/env.json" "$dir/kubeconfig"
  # Whatever ends this start early (a failure, die, INT or TERM from a test runner) stops what it started.
  start_dir=$dir
  trap abort_start EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start_etcd "$dir" || die "etcd did not start (log: $dir/etcd.log)"
  write_state "$dir"
  start_apiserver "$dir" || die "kube-apiserver did not become ready (log: $dir/kube-apiserver.log)"
  write_kubeconfig "$dir"
  write_state "$dir"
  trap - EXIT INT TERM
  log "ready: https://127.0.0.1:$APISERVER_PORT (KUBECONFIG=$dir/kubeconfig; variables in $dir/env)"
}

cmd_stop() {
  local dir name pid
  [ -n "${1:-}" ] || die "missing DIR"
  [ -f "$1/pids" ] || return 0
  dir=$(abs_dir "$1")
  # The API server first: it would otherwise log etcd errors while stopping.
  for name in kube-apiserver etcd; do
    pid=$(awk -v n="$name" '$1 == n { print $2 }' "$dir/pids")
    stop_pid "$name" "$pid" "$dir"
  done
}

cmd_restart_apiserver() {
  local dir rc=0
  dir=$(abs_dir "${1:-}")
  load_env "$dir" || die "nothing started in $dir"
  pid_is_ours "$ETCD_PID" "$dir" || die "etcd is not running in $dir"
  stop_pid kube-apiserver "$APISERVER_PID" "$dir"
  log "restarting kube-apiserver on https://127.0.0.1:$APISERVER_PORT"
  launch_apiserver "$dir" || rc=$?
  [ "$rc" = 0 ] || die "kube-apiserver did not become ready again (log: $dir/kube-apiserver.log)"
  log "kube-apiserver ready again (pid $APISERVER_PID)"
}

cmd_compact() {
  local dir out rev
  dir=$(abs_dir "${1:-}")
  load_env "$dir" || die "nothing started in $dir"
  # etcd's v3 JSON gateway. A marker key outside the API server's /registry/ prefix is written first and etcd is
  # compacted to the marker's revision: a watch from the revision that was current (nothing missed) goes on, a
  # watch from any older one gets 410. Compacting to the current revision instead would expire the one before it
  # in an unclean way: a watch from it may start but gets an event without its previous value, which the API
  # server reports as a 500 InternalError ("etcd event received with PrevKv=nil").
  out=$(curl -fsS -X POST "$ETCD_URL/v3/kv/put" \
    -d "{\"key\":\"$(printf '/mcp-warden-test/compaction' | base64 -w0)\",\"value\":\"$(date -u +%s | base64 -w0)\"}") ||
    die "etcd put failed"
  rev=$(printf '%s' "$out" | sed -n 's/.*"revision":"\{0,1\}\([0-9]*\).*/\1/p')
  [ -n "$rev" ] || die "no revision in etcd's answer: $out"
  curl -fsS -X POST "$ETCD_URL/v3/kv/compaction" -d "{\"revision\":\"$rev\",\"physical\":true}" > /dev/null ||
    die "etcd compaction failed"
  log "etcd compacted to revision $rev"
  echo "$rev"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  ensure) cmd_ensure ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  restart-apiserver) cmd_restart_apiserver "${2:-}" ;;
  compact) cmd_compact "${2:-}" ;;
  *) usage ;;
esac
