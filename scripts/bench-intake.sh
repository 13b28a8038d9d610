#!/usr/bin/env bash
# Durable intake against bare SQLite, side by side in one run (issue 12): /push on the
# default SQLite store with 8 concurrent clients, each posting whole 6-event lifecycles
# under fresh call ids, against 8 concurrent writers committing one row of the same
# average size per transaction to a bare SQLite file (WAL, synchronous=FULL) on the same
# disk. Rounds alternate; the median of each is reported, with the ratio.
#
#   scripts/bench-intake.sh [LIFECYCLE_DIR]   default: testdata/lifecycle/outbound-940868616
#
# Environment: ROUNDS (3), DURATION (15s), CLIENTS (8), TMPDIR (the disk measured).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/testdata/lifecycle/outbound-940868616}
rounds=${ROUNDS:-3}
duration=${DURATION:-15s}
clients=${CLIENTS:-8}

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== building"
(cd "$root" && go build -o "$tmp/aloware-kendo" ./cmd/aloware-kendo && go build -o "$tmp/benchintake" ./internal/benchintake)
size=$(cat "$dir"/*.json | wc -c)
size=$((size / $(ls "$dir"/*.json | wc -l)))
echo "== events of $dir: average $size bytes; $clients clients; $rounds rounds of $duration each; disk of $tmp"

kendo_port=$(free_port)
"$tmp/aloware-kendo" kendo-emulator --listen "127.0.0.1:$kendo_port" >"$tmp/kendo.log" 2>&1 &
pids+=($!)
port=$(free_port)
KENDO_API_KEY=pk_bench_intake_key "$tmp/aloware-kendo" serve --listen "127.0.0.1:$port" --db "sqlite:$tmp/service.db" \
  --kendo-url "http://127.0.0.1:$kendo_port/ingest" --log-level warn >"$tmp/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break; sleep 0.1; done

push=()
bare=()
for r in $(seq 1 "$rounds"); do
  b=$("$tmp/benchintake" bare -db "$tmp/bare-$r.db" -size "$size" -clients "$clients" -for "$duration")
  p=$("$tmp/benchintake" push -url "http://127.0.0.1:$port/push" -clients "$clients" -for "$duration" "$dir")
  echo "round $r: /push $p events/s, bare SQLite $b commits/s"
  push+=("$p")
  bare+=("$b")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mp=$(median "${push[@]}")
mb=$(median "${bare[@]}")
echo "median: /push $mp events/s, bare SQLite $mb commits/s, ratio $(awk -v p="$mp" -v b="$mb" 'BEGIN {printf "%.2f", p/b}')"
