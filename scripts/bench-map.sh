#!/usr/bin/env bash
# Throughput of POST /map against a bare net/http + encoding/json echo of the same body
# (internal/benchecho), side by side in one run, with wrk (-t1 -c16 by default; the
# yardstick of docs/delivery.md).
# Rounds alternate between the two servers so that load from elsewhere on the
# machine hits both alike; the median of the rounds is reported, with the ratio. Each
# server's CPU time per request (from /proc) is reported too: on a machine shared with
# other work it varies much less than req/s.
#
#   scripts/bench-map.sh [EVENT.json]     default: testdata/aloware/transcription-saved-typical.json
#
# Environment: ROUNDS (3), DURATION (10s), THREADS (1), CONNECTIONS (16).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
body=${1:-$root/testdata/aloware/transcription-saved-typical.json}
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
threads=${THREADS:-1}
connections=${CONNECTIONS:-16}

command -v wrk >/dev/null || { echo "bench-map: wrk is not installed" >&2; exit 1; }
[ -f "$body" ] || { echo "bench-map: no such event file: $body" >&2; exit 1; }

. "$root/scripts/lib/processes.sh"

echo "== building"
(cd "$root" && go build -o "$tmp/aloware-kendo" ./cmd/aloware-kendo && go build -o "$tmp/benchecho" ./internal/benchecho)

map_port=$(free_port)
echo_port=$(free_port)
"$tmp/aloware-kendo" serve --listen "127.0.0.1:$map_port" --db "sqlite:$tmp/bench.db" >"$tmp/serve.log" 2>&1 &
map_pid=$!
pids+=("$map_pid")
"$tmp/benchecho" -listen "127.0.0.1:$echo_port" >"$tmp/echo.log" 2>&1 &
echo_pid=$!
pids+=("$echo_pid")

wait_up() { # url
  wait_http "$1" 10 -X POST --data-binary @"$body" -H 'Content-Type: application/json' && return 0
  echo "bench-map: $1 did not answer 200; log:" >&2
  cat "$tmp"/*.log >&2
  exit 1
}
wait_up "http://127.0.0.1:$map_port/map"
wait_up "http://127.0.0.1:$echo_port/"

cat >"$tmp/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
f:close()
LUA

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of a process

run() { # url pid → "req/s cpu-µs-per-request"; fails on any non-2xx answer or socket error
  local out before after
  before=$(cpu_ticks "$2")
  out=$(BENCH_BODY="$body" wrk -t"$threads" -c"$connections" -d"$duration" -s "$tmp/post.lua" "$1")
  after=$(cpu_ticks "$2")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "bench-map: errors against $1:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {requests = $1}
    /^Requests\/sec:/ {rate = $2}
    END {printf "%s %.1f\n", rate, ticks / hz * 1e6 / requests}' <<<"$out"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== $(basename "$body") ($(wc -c <"$body") bytes), wrk -t$threads -c$connections -d$duration, $rounds rounds"
map_rates=() echo_rates=() map_cpu=() echo_cpu=()
for i in $(seq 1 "$rounds"); do
  read -r m mc < <(run "http://127.0.0.1:$map_port/map" "$map_pid")
  read -r e ec < <(run "http://127.0.0.1:$echo_port/" "$echo_pid")
  map_rates+=("$m") echo_rates+=("$e") map_cpu+=("$mc") echo_cpu+=("$ec")
  printf 'round %d: /map %8.1f req/s %7.1f µs CPU/req   echo %8.1f req/s %7.1f µs CPU/req\n' "$i" "$m" "$mc" "$e" "$ec"
done
m=$(printf '%s\n' "${map_rates[@]}" | median)
e=$(printf '%s\n' "${echo_rates[@]}" | median)
mc=$(printf '%s\n' "${map_cpu[@]}" | median)
ec=$(printf '%s\n' "${echo_cpu[@]}" | median)
printf 'median:  /map %8.1f req/s %7.1f µs CPU/req   echo %8.1f req/s %7.1f µs CPU/req\n' "$m" "$mc" "$e" "$ec"
printf 'ratio /map : echo   throughput %.2f   CPU per request %.2f (echo CPU / /map CPU)\n' \
  "$(awk -v a="$m" -v b="$e" 'BEGIN {print a/b}')" "$(awk -v a="$ec" -v b="$mc" 'BEGIN {print a/b}')"
