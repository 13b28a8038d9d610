#!/usr/bin/env bash
# A year of calls, on SQLite and on PostgreSQL: CALLS calls (about 6 events each, the
# lifecycle below) written straight into a fresh database, the newest half within the
# 30-day retention, EXPIRE finished calls just past it and the rest already purged.
# Then, on the real binary:
#   1. --retain 8760h (nothing to purge): GET /calls first page and at a cursor half-way
#      down, GET /metrics and the ops page's overview (/ui), each 200 times, and GET /ledger
#      for the last day 20 times;
#   2. --retain 720h: the first retention run (a minute after start) purges the EXPIRE
#      calls while /push takes 20 events/s; its duration and /push's latency during it;
#   3. where the database's bytes are after the purge: on disk, in use, a kept call's and a
#      purged call's.
#
#   scripts/bench-scale.sh [sqlite|postgres ...]      default: both
#
# Environment: CALLS (1000000), EXPIRE (CALLS/10), TMPDIR (the disk measured),
# ALOWARE_KENDO_TEST_POSTGRES (a server; a database of its own is created and dropped).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
calls=${CALLS:-1000000}
expire=${EXPIRE:-$((calls / 10))}
lifecycle=$root/testdata/lifecycle/outbound-940868616
engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(sqlite postgres)

. "$root/scripts/lib/processes.sh"

echo "== building"
(cd "$root" && go build -o "$tmp/aloware-kendo" ./cmd/aloware-kendo && go build -o "$tmp/benchscale" ./internal/benchscale)

kendo_port=$(free_port)
"$tmp/aloware-kendo" kendo-emulator --listen "127.0.0.1:$kendo_port" >"$tmp/kendo.log" 2>&1 &
pids+=($!)

# serve NAME RETAIN: starts the service on $db, sets $port and $pid.
serve() {
  port=$(free_port)
  KENDO_API_KEY=pk_bench_scale_key "$tmp/aloware-kendo" serve --listen "127.0.0.1:$port" --db "$db" --retain "$2" \
    --kendo-url "http://127.0.0.1:$kendo_port/ingest" --log-level info >"$tmp/$1.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "http://127.0.0.1:$port/readyz" 120 || { cat "$tmp/$1.log"; exit 1; }
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

for engine in "${engines[@]}"; do
  case "$engine" in
  sqlite) db="sqlite:$tmp/scale.db" ;;
  postgres)
    pg=${ALOWARE_KENDO_TEST_POSTGRES:?set ALOWARE_KENDO_TEST_POSTGRES to a PostgreSQL server}
    name="ak_scale_$$"
    psql "$pg" -qc "CREATE DATABASE $name"
    trap 'psql "$pg" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true; cleanup' EXIT
    db=$(echo "$pg" | sed -E "s#/[^/?]+(\?|$)#/$name\1#")
    ;;
  *) echo "unknown engine $engine" >&2; exit 2 ;;
  esac
  echo "== $engine: loading $calls calls ($expire to purge)"
  start=$(date +%s)
  cursor=$("$tmp/benchscale" load -db "$db" -calls "$calls" -expire "$expire" -retain 720h "$lifecycle")
  echo "loaded in $(($(date +%s) - start)) s"

  serve "$engine-read" 8760h
  base="http://127.0.0.1:$port"
  echo "GET /calls first page:    $("$tmp/benchscale" get -url "$base/calls?limit=50")"
  echo "GET /calls deep cursor:   $("$tmp/benchscale" get -url "$base/calls?limit=50&cursor=$cursor")"
  echo "GET /metrics:             $("$tmp/benchscale" get -url "$base/metrics")"
  echo "GET /ui (overview):       $("$tmp/benchscale" get -url "$base/ui")"
  echo "GET /ledger (a day):      $("$tmp/benchscale" get -n 20 -url "$base/ledger")"
  stop

  serve "$engine-purge" 720h
  "$tmp/benchscale" push -url "http://127.0.0.1:$port/push" -rate 20 -log "$tmp/$engine-purge.log" "$lifecycle"
  stop
  echo "after the purge: $("$tmp/benchscale" size -db "$db" -calls "$calls")"
  if [ "$engine" = postgres ]; then psql "$pg" -qc "DROP DATABASE $name WITH (FORCE)"; fi
done
