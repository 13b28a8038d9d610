# Sourced by the scripts that start the service and its stand-ins (bench-intake.sh,
# bench-map.sh, ts-client.sh).
#
# It makes $tmp, a directory of the script's own, and $pids, the processes it started
# (append with pids+=($!)); on exit every one of them is stopped and $tmp is removed.
# free_port prints a TCP port free on 127.0.0.1.

tmp=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
