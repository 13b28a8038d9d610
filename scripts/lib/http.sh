# Sourced by the scripts that start the service and its stand-ins (through processes.sh, and by
# e2e-n8n.sh, which stops its processes its own way).
#
# free_port prints a TCP port free on 127.0.0.1.
# wait_http URL SECONDS [CURL ARGS...] returns once URL answers 2xx, non-zero after SECONDS.

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

wait_http() {
  local url=$1 secs=$2
  shift 2
  local deadline=$(($(date +%s) + secs))
  until curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}
