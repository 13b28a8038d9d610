# Sourced by the scripts that start the service and its stand-ins (bench-intake.sh,
# bench-map.sh, ts-client.sh).
#
# It makes $tmp, a directory of the script's own, and $pids, the processes it started
# (append with pids+=($!)); on exit every one of them is stopped and $tmp is removed.
# It sources http.sh: free_port and wait_http.

. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

tmp=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
