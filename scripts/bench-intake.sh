#!/usr/bin/env bash
# Durable intake against bare SQLite, side by side in one run: /push on the
# default SQLite store with 8 concurrent clients, each posting whole 6-event lifecycles
# under fresh call ids, against 8 concurrent writers committing one row of the same
# average size per transaction to a bare SQLite file (WAL, synchronous=FULL) on the same
# disk. Rounds alternate; the median of each is reported, with the ratio.
#
# /push is measured twice, each round on a fresh service and database:
#   alone   the lifecycles without their transcription events (the transcript carries the
#           AloAi summary too): each call waits the 60 s settle, so nothing is due during
#           a round and the intake runs alone;
#   due     the whole lifecycles: nothing more is expected of each call, so it is due 5 s
#           after its last event and the delivery jobs (queued behind Kendo's 30/min)
#           share the database with the intake, as they would after a burst.
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

. "$root/scripts/lib/processes.sh"

echo "== building"
(cd "$root" && go build -o "$tmp/aloware-kendo" ./cmd/aloware-kendo && go build -o "$tmp/benchintake" ./internal/benchintake)
size=$(cat "$dir"/*.json | wc -c)
size=$((size / $(ls "$dir"/*.json | wc -l)))
echo "== events of $dir: average $size bytes; $clients clients; $rounds rounds of $duration each; disk of $tmp"

alone="$tmp/alone/$(basename "$dir")" # benchintake reads the call id from the name
mkdir -p "$alone"
for f in "$dir"/*.json; do
  case "$f" in *summarized* | *transcription*) ;; *) cp "$f" "$alone/" ;; esac
done

kendo_port=$(free_port)
"$tmp/aloware-kendo" kendo-emulator --listen "127.0.0.1:$kendo_port" >"$tmp/kendo.log" 2>&1 &
pids+=($!)

# push_round NAME LIFECYCLE_DIR: a fresh service and database, one timed run, stopped.
push_round() {
  local port pid out
  port=$(free_port)
  KENDO_API_KEY=pk_bench_intake_key "$tmp/aloware-kendo" serve --listen "127.0.0.1:$port" --db "sqlite:$tmp/$1.db" \
    --kendo-url "http://127.0.0.1:$kendo_port/ingest" --log-level warn >"$tmp/$1.log" 2>&1 &
  pid=$!
  wait_http "http://127.0.0.1:$port/readyz" 10 || true # if not, benchintake says what failed
  out=$("$tmp/benchintake" push -url "http://127.0.0.1:$port/push" -clients "$clients" -for "$duration" "$2")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$out"
}

bare=()
pushed_alone=()
pushed_due=()
for r in $(seq 1 "$rounds"); do
  b=$("$tmp/benchintake" bare -db "$tmp/bare-$r.db" -size "$size" -clients "$clients" -for "$duration")
  a=$(push_round "alone-$r" "$alone")
  d=$(push_round "due-$r" "$dir")
  echo "round $r: bare SQLite $b commits/s, /push alone $a events/s, /push with deliveries due $d events/s"
  bare+=("$b")
  pushed_alone+=("$a")
  pushed_due+=("$d")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb=$(median "${bare[@]}")
ma=$(median "${pushed_alone[@]}")
md=$(median "${pushed_due[@]}")
ratio() { awk -v p="$1" -v b="$mb" 'BEGIN {printf "%.2f", p/b}'; }
echo "median: bare SQLite $mb commits/s; /push alone $ma events/s ($(ratio "$ma")x); /push with deliveries due $md events/s ($(ratio "$md")x)"
