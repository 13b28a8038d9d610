#!/usr/bin/env bash
# Latency to Kendo, end to end with the real binary: last event → Kendo request, for
# complete calls (recording, transcript, summary) with a free pacing slot. The service
# runs with its defaults (--settle 60s; a complete call waits the 5 s grace from when it
# became ready) against the Kendo emulator, paced far above the load so no call waits
# for a slot. Each call's events are pushed back to back (-gap 0), the worst case: the
# grace then runs from the last event; Aloware's real spread (seconds to a minute, see
# docs/delivery.md) only shortens it. The goal is a p95 of at most 6 s.
#
#   scripts/bench-latency.sh [LIFECYCLE_DIR]   default: testdata/lifecycle/outbound-940868616
#
# Environment: CALLS (40), EVERY (250ms between calls), GAP (0s between a call's events).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/testdata/lifecycle/outbound-940868616}

. "$root/scripts/lib/processes.sh"

echo "== building"
(cd "$root" && go build -o "$tmp/aloware-kendo" ./cmd/aloware-kendo && go build -o "$tmp/benchlatency" ./internal/benchlatency)

kendo_port=$(free_port)
"$tmp/aloware-kendo" kendo-emulator --listen "127.0.0.1:$kendo_port" --kendo-rate 600/s >"$tmp/kendo.log" 2>&1 &
pids+=($!)
port=$(free_port)
KENDO_API_KEY=pk_bench_latency_key "$tmp/aloware-kendo" serve --listen "127.0.0.1:$port" --db "sqlite:$tmp/ak.db" \
  --kendo-url "http://127.0.0.1:$kendo_port/ingest" --kendo-rate 600/s --log-level warn >"$tmp/serve.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$kendo_port/calls" 10
wait_http "http://127.0.0.1:$port/readyz" 10

echo "== ${CALLS:-40} complete calls of $dir, one every ${EVERY:-250ms}, events ${GAP:-0s} apart"
status=0
"$tmp/benchlatency" -push "http://127.0.0.1:$port/push" -kendo "http://127.0.0.1:$kendo_port" \
  -calls "${CALLS:-40}" -every "${EVERY:-250ms}" -gap "${GAP:-0s}" "$dir" || status=$?
echo "== the service's own histogram (aloware_kendo_last_event_to_request_seconds)"
curl -fsS "http://127.0.0.1:$port/metrics" | grep -E '^aloware_kendo_last_event_to_request_seconds_(bucket\{le="(4|5|6|7|\+Inf)"\}|count)' || true
exit "$status"
