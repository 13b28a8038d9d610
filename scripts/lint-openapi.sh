#!/usr/bin/env bash
# Lints the API contract in both forms it is published in: openapi.yaml (OpenAPI 3.1) and the
# 3.0 form the service serves at /openapi-3.0.yaml (`aloware-kendo openapi --downgrade`), each with
# Redocly CLI (its recommended rules) and Spectral (spectral:oas). Errors fail; warnings are
# printed. The linters are pinned in scripts/openapi-lint/ and installed once into
# ${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo} (scripts/lib/npm-tools.sh).
# The last line is "N passed, M failed"; the exit status is non-zero unless M is 0.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/npm-tools.sh"

passed=0
failed=0
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit
}

tools=$(npm_tools openapi-lint "$root/scripts/openapi-lint") || { failed=$((failed + 1)); echo "FAIL installing the linters"; finish; }
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$root/openapi.yaml" "$tmp/openapi-3.1.yaml"
if ! (cd "$root" && go run ./cmd/aloware-kendo openapi --downgrade) >"$tmp/openapi-3.0.yaml"; then
  failed=$((failed + 1))
  echo "FAIL aloware-kendo openapi --downgrade"
  finish
fi

for form in 3.1 3.0; do
  doc=$tmp/openapi-$form.yaml
  echo "== Redocly CLI (recommended), OpenAPI $form"
  out=$("$tools/node_modules/.bin/redocly" lint --extends=recommended --format=stylish "$doc" 2>&1)
  rc=$?
  grep -v '[║╔╚]' <<<"$out" # not the banner about Node 20
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); echo "PASS redocly $form"
  else
    failed=$((failed + 1)); echo "FAIL redocly $form"
  fi
  echo "== Spectral (spectral:oas), OpenAPI $form"
  if "$tools/node_modules/.bin/spectral" lint --ruleset "$root/scripts/openapi-lint/spectral.yaml" --fail-severity error "$doc"; then
    passed=$((passed + 1)); echo "PASS spectral $form"
  else
    failed=$((failed + 1)); echo "FAIL spectral $form"
  fi
done
finish
