#!/usr/bin/env bash
# A TypeScript client from the contract, against the real service: openapi-typescript generates
# types from openapi.yaml, tsc --strict compiles clients/typescript/test/*.ts (openapi-fetch calls),
# and node's test runner runs them against `aloware-kendo serve` (SQLite in a temp dir) delivering
# to `aloware-kendo kendo-emulator`, both started here. The npm packages are pinned by
# clients/typescript/package-lock.json and installed once into
# ${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo} (scripts/lib/npm-tools.sh).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/npm-tools.sh"

. "$root/scripts/lib/processes.sh"

fail() {
  echo "FAIL $*"
  for log in "$tmp"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }; done
  echo "0 passed, 1 failed"
  exit 1
}

tools=$(npm_tools typescript-client "$root/clients/typescript") || fail "installing the TypeScript tools"
export NO_UPDATE_NOTIFIER=1

(cd "$root" && go build -o "$tmp/aloware-kendo" ./cmd/aloware-kendo) || fail "go build"
kendo_port=$(free_port)
ak_port=$(free_port)
"$tmp/aloware-kendo" kendo-emulator --listen "127.0.0.1:$kendo_port" >"$tmp/emulator.log" 2>&1 &
pids+=($!)
"$tmp/aloware-kendo" serve --listen "127.0.0.1:$ak_port" --db "sqlite:$tmp/ak.db" \
  --kendo-url "http://127.0.0.1:$kendo_port/api/integrations/push-api/ingest" --kendo-api-key pk_typescript_client_test \
  --settle 0s >"$tmp/serve.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$ak_port/readyz" 30 || fail "the service did not become ready"

work=$tmp/client
mkdir -p "$work"
cp -r "$root/clients/typescript/package.json" "$root/clients/typescript/tsconfig.json" "$root/clients/typescript/test" "$work/"
ln -s "$tools/node_modules" "$work/node_modules"
echo "== openapi-typescript openapi.yaml"
"$work/node_modules/.bin/openapi-typescript" "$root/openapi.yaml" -o "$work/api.d.ts" || fail "openapi-typescript"
echo "== tsc --strict"
(cd "$work" && node_modules/.bin/tsc -p tsconfig.json --strict) || fail "tsc --strict"
echo "== node --test"
AK_BASE="http://127.0.0.1:$ak_port" AK_TESTDATA="$root/testdata" node --test "$work"/dist/test/
