#!/usr/bin/env bash
# The main job, locally: the example ToolPolicies for a file-server MCP server, compiled to a bundle and put to the
# test by wardenctl, printing each decision.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh"
build=${WARDEN_BUILD_DIR:-$here/build/release}
mkdir -p "$(dirname "$build")"
"$here/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=Release -DWARDEN_BUILD_TESTS=OFF -DWARDEN_BUILD_BENCH=OFF
wardenctl="$build/cli/wardenctl"
policies="$here/examples/files-server"

echo
echo "== The policy: $(ls "$policies" | tr '\n' ' ')"
"$wardenctl" policy lint --strict -f "$policies"
"$wardenctl" policy compile -f "$policies" > "$build/files-bundle.json"
echo "bundle: $build/files-bundle.json ($(wc -c < "$build/files-bundle.json") bytes)"

echo
echo "== One decision: may the content editor write outside its drafts folder?"
set +e
"$wardenctl" policy test -f "$policies" --principal ns/agents/sa/content-editor --tool write_file \
  --args '{"path": "/workspace/drafts/../../etc/passwd", "content": "x"}'
echo "(exit code $?: 0 allow, 1 deny, 2 review)"
set -e

echo
echo "== Every case of examples/files-server.cases.yaml"
"$wardenctl" policy test -f "$policies" --cases "$here/examples/files-server.cases.yaml"
