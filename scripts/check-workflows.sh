#!/usr/bin/env bash
# Offline checks of the shipped no-code workflow files (no n8n server, no Make account):
#   1. every workflows/n8n/*.json against n8n's own node descriptions (n8n-nodes-base 2.8.1 +
#      n8n-workflow 2.8.0, the versions n8n 2.8.4 ships), with the project's n8n-workflow-check.js;
#   2. workflows/make/*.blueprint.json with a structural self-check (Make has no offline validator).
# Node packages are cached in ${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo}/n8n-check, so a
# cached run takes about a second. Exit status is non-zero on any problem.
set -euo pipefail

NODES_BASE_VERSION=2.8.1
WORKFLOW_VERSION=2.8.0

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || (cd "$(dirname "$0")/.." && pwd))
cache=${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo}/n8n-check
fail() { echo "check-workflows: FAIL: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node is not installed (needed for the n8n and Make checks)"
command -v npm >/dev/null || fail "npm is not installed (needed once, to fetch n8n's node descriptions)"

# The checker lives in the project's shared tools beside the repo (../shared, read-only in CI);
# workflows/tools holds a vendored copy for checkouts without it.
checker=$root/../shared/tools/n8n-workflow-check.js
vendored=$root/workflows/tools/n8n-workflow-check.js
if [ -f "$checker" ] && [ -f "$vendored" ] && ! tail -n +4 "$vendored" | cmp -s - "$checker"; then
  echo "check-workflows: note: workflows/tools/n8n-workflow-check.js differs from ../shared/tools; refresh the vendored copy" >&2
fi
[ -f "$checker" ] || checker=$vendored
[ -f "$checker" ] || fail "n8n-workflow-check.js found neither in ../shared/tools nor in workflows/tools"

nodes_json=$cache/nodes-base-$NODES_BASE_VERSION/package/dist/types/nodes.json
workflow_pkg=$cache/node_modules/n8n-workflow/package.json
installed_version() { node -p "require('$1').version" 2>/dev/null || true; }

if [ ! -f "$nodes_json" ] || [ "$(installed_version "$workflow_pkg")" != "$WORKFLOW_VERSION" ]; then
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  flock 9 # another run may be filling the cache right now
  if [ ! -f "$nodes_json" ]; then
    echo "check-workflows: fetching n8n-nodes-base@$NODES_BASE_VERSION node descriptions into $cache" >&2
    tmp=$(mktemp -d "$cache/.pack.XXXXXX")
    (cd "$tmp" && npm pack --silent "n8n-nodes-base@$NODES_BASE_VERSION" >/dev/null &&
      tar xzf "n8n-nodes-base-$NODES_BASE_VERSION.tgz" package/dist/types/nodes.json) ||
      { rm -rf "$tmp"; fail "npm pack n8n-nodes-base@$NODES_BASE_VERSION failed"; }
    rm -f "$tmp"/*.tgz
    rm -rf "$cache/nodes-base-$NODES_BASE_VERSION"
    mv "$tmp" "$cache/nodes-base-$NODES_BASE_VERSION"
  fi
  if [ "$(installed_version "$workflow_pkg")" != "$WORKFLOW_VERSION" ]; then
    echo "check-workflows: installing n8n-workflow@$WORKFLOW_VERSION into $cache" >&2
    [ -f "$cache/package.json" ] || echo '{"name":"aloware-kendo-n8n-check","private":true}' >"$cache/package.json"
    (cd "$cache" && npm install --silent --no-audit --no-fund "n8n-workflow@$WORKFLOW_VERSION" >/dev/null) ||
      fail "npm install n8n-workflow@$WORKFLOW_VERSION failed"
  fi
  flock -u 9
fi

shopt -s nullglob
n8n_files=("$root"/workflows/n8n/*.json)
make_files=("$root"/workflows/make/*.blueprint.json)
[ ${#n8n_files[@]} -gt 0 ] || fail "no n8n workflows under workflows/n8n"
[ ${#make_files[@]} -gt 0 ] || fail "no Make blueprints under workflows/make"

status=0
echo "n8n ($(basename "$checker"), n8n-nodes-base@$NODES_BASE_VERSION):"
(cd "$root" && NODE_PATH=$cache/node_modules node "$checker" "$nodes_json" "${n8n_files[@]#"$root"/}") || status=1
echo "Make (make-blueprint-check.js):"
(cd "$root" && node workflows/tools/make-blueprint-check.js "${make_files[@]#"$root"/}") || status=1
[ $status -eq 0 ] || fail "see the problems above"
echo "check-workflows: ok"
