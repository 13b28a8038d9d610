#!/usr/bin/env bash
# The service's footprint: the binary's size (as the Dockerfile builds it), the image's
# size (when a Docker daemon answers), and the resident memory of `serve` on SQLite —
# idle, and while /push takes 50 events/s with 100 calls waiting for delivery (100 whole
# lifecycles pushed first; run without a Kendo API key, ready calls wait for one).
#
#   scripts/footprint.sh        Environment: LOAD (60s), TMPDIR
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
load=${LOAD:-60s}
lifecycle=$root/testdata/lifecycle/outbound-940868616

. "$root/scripts/lib/processes.sh"

echo "== building"
(cd "$root" && go build -ldflags "-s -w" -o "$tmp/aloware-kendo" ./cmd/aloware-kendo &&
  go build -o "$tmp/benchscale" ./internal/benchscale)
echo "binary: $(($(stat -c %s "$tmp/aloware-kendo") / 1024 / 1024)) MB (stripped as the Dockerfile builds it; its CGO_ENABLED=0 and -trimpath would rebuild every dependency)"
if docker info >/dev/null 2>&1 && (cd "$root" && docker build -q -t aloware-kendo:footprint . >"$tmp/docker-build.log" 2>&1); then
  echo "image: $(($(docker image inspect -f '{{.Size}}' aloware-kendo:footprint) / 1024 / 1024)) MB"
else
  # Without a daemon, or one that cannot pull the Dockerfile's base images: the layer this
  # project adds to the base, built exactly as the Dockerfile builds it and compressed as a
  # registry stores a layer (tar + gzip). The base, gcr.io/distroless/static-debian12:nonroot,
  # is "around 2 MiB" by its project's README; it is not reachable from every machine.
  why="no Docker daemon answers"
  [ -s "$tmp/docker-build.log" ] && why="docker build failed: $(tail -n1 "$tmp/docker-build.log" | cut -c1-120)"
  mkdir -p "$tmp/layer/data"
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp/layer/aloware-kendo" ./cmd/aloware-kendo)
  if docker info >/dev/null 2>&1; then
    # The daemon answers but cannot pull the bases: it builds the same layer on scratch,
    # which needs no pull, and weighs that image.
    printf 'FROM scratch\nCOPY aloware-kendo /aloware-kendo\nCOPY data /data\n' >"$tmp/layer/Dockerfile"
    docker build -q -t aloware-kendo:footprint-layer "$tmp/layer" >/dev/null 2>"$tmp/docker-layer.log"
    unpacked=$(($(docker image inspect -f '{{.Size}}' aloware-kendo:footprint-layer) / 1024 / 1024))
    packed=$(($(docker save aloware-kendo:footprint-layer | gzip -6 | wc -c) / 1024 / 1024))
    why="$why; the layer on scratch, weighed by Docker"
  else
    tar -C "$tmp/layer" -cf - aloware-kendo data | gzip -6 >"$tmp/layer.tar.gz"
    unpacked=$(($(stat -c %s "$tmp/layer/aloware-kendo") / 1024 / 1024))
    packed=$(($(stat -c %s "$tmp/layer.tar.gz") / 1024 / 1024))
  fi
  echo "image: $why; the project's layer: $unpacked MB unpacked, $packed MB compressed; with distroless/static-debian12 (about 2 MB, not measured here) about $((packed + 2)) MB to pull"
fi

kendo_port=$(free_port)
"$tmp/aloware-kendo" kendo-emulator --listen "127.0.0.1:$kendo_port" >"$tmp/kendo.log" 2>&1 &
pids+=($!)
port=$(free_port)
"$tmp/aloware-kendo" serve --listen "127.0.0.1:$port" --db "sqlite:$tmp/ak.db" \
  --kendo-url "http://127.0.0.1:$kendo_port/ingest" --log-level warn >"$tmp/serve.log" 2>&1 &
pid=$!
pids+=("$pid")
wait_http "http://127.0.0.1:$port/readyz" 30
rss() { awk -v f="$1:" '$1 == f {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"; }
sleep 10
echo "idle: RSS $(rss VmRSS)"

# 100 whole lifecycles (600 events), each a call due for delivery.
for i in $(seq 1 100); do
  for f in "$lifecycle"/*.json; do
    sed "s/940868616/$((700000000 + i))/g" "$f" | curl -fsS -o /dev/null -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$port/push"
  done
done
waiting=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk '/^aloware_kendo_queue_depth /{print $2}')
echo "calls waiting for delivery: $waiting"
"$tmp/benchscale" push -url "http://127.0.0.1:$port/push" -rate 50 -for "$load" "$lifecycle" >"$tmp/push.txt"
echo "at 50 events/s for $load: RSS $(rss VmRSS), peak $(rss VmHWM); $(cat "$tmp/push.txt")"
